"""GP-GAN on blend_digits: blend the held-out 64x64 composites with the trained blending
GAN and the Gaussian-Poisson equation, and score every blend against the ground truth
(Wu et al. 2017; :mod:`jaxgan.blending`).

  python -m experiments.gp_gan --workdir DIR [--num_images 500] [--beta 1.0] [--sigma 0.5]

``DIR`` is a run of ``experiments/configs/gp_gan_blend_digits.py`` (its blending GAN
translates a 32x32 composite into the 32x32 scene). The first ``--num_images`` test
composites of ``jaxgan.data.offline.blend_composites`` (a digit's square pasted from
the scene under other lighting; the untouched scene is the ground truth) are blended
six ways:

- ``copy_paste``: the composite itself;
- ``poisson``: Perez et al.'s seamless cloning (the destination outside the mask, the
  source's gradients inside);
- ``blending_gan``: the blending GAN's 32x32 output, upsampled bilinearly;
- ``gp_gan``: GP-GAN, the Gaussian-Poisson equation on the composite's gradients
  with the blending GAN's colours, coarse to fine (``--beta``, ``--sigma``);
- ``gp_copy_paste``: the same equation with the composite's own 32x32 colours (what the
  GAN adds);
- ``gp_oracle``: with the true scene's 32x32 colours (the equation's ceiling).

Each is scored by its mean squared error to the ground truth inside the pasted square
and over the whole image (pixels in [0, 1], results clipped to [0, 1] as the authors'
code does), the PSNR over the whole image, and its time per image (the batch after
compilation, divided by its size; the GP methods include the blending GAN's time where
they use it). Writes ``DIR/gp_gan.json`` and ``DIR/gp_gan.png``.
"""

from __future__ import annotations

import sys

from absl import flags

from experiments import cli

DATASETS = ("blend_digits",)
METHODS = ("copy_paste", "poisson", "blending_gan", "gp_gan", "gp_copy_paste", "gp_oracle")


def define_flags() -> flags.FlagValues:
    values = flags.FlagValues()
    flags.DEFINE_integer("num_images", 500, "Held-out composites to blend (<= 500).",
                         flag_values=values)  # fmt: skip
    flags.DEFINE_float("beta", 1.0, "Weight of the colour term (GP-GAN's beta).",
                       flag_values=values)  # fmt: skip
    flags.DEFINE_float("sigma", 0.5, "The colour term's Gaussian, in pixels.",
                       flag_values=values)  # fmt: skip
    flags.DEFINE_string("workdir", None, "The blending GAN's run directory.", flag_values=values)
    return values


def _check(values) -> None:
    if not 1 <= values.num_images <= 500:
        raise cli.UsageError(f"--num_images={values.num_images} must be in [1, 500]")
    for name in ("beta", "sigma"):
        if not getattr(values, name) > 0:
            raise cli.UsageError(f"--{name}={getattr(values, name)} must be > 0")


def scores(blend, truth, mask) -> dict:
    """Errors of ``blend`` (clipped to [0, 1]) to ``truth``, both ``(N, H, W, 1)`` in [0, 1]."""
    import numpy as np

    squared = np.square(np.clip(blend, 0, 1) - truth)
    inside = np.broadcast_to(mask > 0, squared.shape)
    whole = float(np.mean(squared))
    return {
        "mse_inside_mask": float(np.mean(squared[inside])),
        "mse": whole,
        "psnr_db": float(10 * np.log10(1.0 / whole)),
    }


def run(workdir, values, report=lambda line: None) -> tuple[dict, dict]:
    """``(results, images)`` for the run in ``workdir`` with the flags ``values``."""
    import jax.numpy as jnp
    import numpy as np

    from experiments.sample import restore_generator
    from jaxgan import blending, pyramid
    from jaxgan.data import offline

    config, generator, g_variables, step, which = restore_generator(workdir)
    report(f"step {step}: G with {which}")
    count = values.num_images
    full = offline.blend_composites("test")
    truth, composite, source, mask = (
        jnp.asarray(full[name][:count], jnp.float32) / (1.0 if name == "mask" else 255.0)
        for name in ("image", "composite", "source", "mask")
    )
    destination = truth  # outside the pasted square the composite is the scene itself
    # The 32x32 composites of the same examples, in the same order, scaled as the
    # training pipeline scales them (the prepared TFDS split is stored in another order).
    low = offline.blend_digits("test")["condition"][:count]
    condition = jnp.asarray(low.astype(np.float32) * np.float32(2.0 / 255.0) - np.float32(1.0))

    def gan_colour(variables, condition):
        return (generator.apply(variables, condition) + 1) / 2

    def gp(colour, s=source, d=destination, m=mask):
        return blending.gp_gan_blend(s, d, m, colour, beta=values.beta, sigma=values.sigma)

    report("blending GAN")
    colour, gan_seconds = cli.timed(gan_colour, g_variables, condition)
    blends, seconds = {"copy_paste": composite}, {"copy_paste": 0.0}
    report("Poisson blending")
    blends["poisson"], seconds["poisson"] = cli.timed(
        lambda s, d, m: blending.poisson_blend(s, d, m), source, destination, mask
    )
    blends["blending_gan"], seconds["blending_gan"] = cli.timed(pyramid.upsample, colour)
    seconds["blending_gan"] += gan_seconds
    report("Gaussian-Poisson equation")
    for name, low in (
        ("gp_gan", colour),
        ("gp_copy_paste", pyramid.downsample(composite)),
        ("gp_oracle", pyramid.downsample(truth)),
    ):
        blends[name], seconds[name] = cli.timed(gp, low)
    seconds["gp_gan"] += gan_seconds
    truth_np, mask_np = np.asarray(truth), np.asarray(mask)
    results = {"blends": {}}
    for name in METHODS:
        results["blends"][name] = {
            **scores(np.asarray(blends[name]), truth_np, mask_np),
            "ms_per_image": 1000 * seconds[name] / count,
        }
    results.update(step=step, generator=which, num_images=count)
    images = {"truth": truth_np, **{name: np.asarray(b) for name, b in blends.items()}}
    return results, images


def figure(images: dict, results: dict, path, columns: int = 8) -> None:
    """Rows of ``columns`` examples: the ground truth, then each blend with its error."""
    import numpy as np

    count = len(images["truth"])
    shown = np.linspace(0, count - 1, min(columns, count)).astype(int)
    rows = [("ground truth", images["truth"][shown])]
    for name in METHODS:
        mse = results["blends"][name]["mse_inside_mask"]
        rows.append((f"{name}\nMSE in mask\n{mse:.4f}", images[name][shown]))
    cli.strip_figure(rows, path, vmin=0, vmax=1, width=columns * 1.1 + 1.8, row_height=1.25)


def _prepare(values, say):
    config = cli.trained_config(values.workdir, datasets=DATASETS, purpose="GP-GAN's blending")
    if config.get("conditioning") != "image":
        raise cli.UsageError(
            f"{values.workdir} is a {config.get('conditioning')!r}-conditioned run; GP-GAN "
            "needs a blending GAN that translates composites (conditioning='image')"
        )
    _check(values)
    return run(values.workdir, values, report=say)


def _finish(values, prepared, say) -> int:
    import pathlib

    results, images = prepared
    results["settings"] = {name: getattr(values, name) for name in ("num_images", "beta", "sigma")}
    workdir = pathlib.Path(values.workdir)
    figure(images, results, workdir / "gp_gan.png")
    cli.write_results(workdir, "gp_gan", results, results["blends"])
    return 0


def main(argv=None) -> int:
    return cli.run_tool(__doc__, define_flags, argv, _prepare, _finish)


if __name__ == "__main__":
    sys.exit(main())
