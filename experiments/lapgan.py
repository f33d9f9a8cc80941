"""Trains LAPGAN on mnist_5k level by level and chains the levels into samples.

  python -m experiments.lapgan --workdir workdirs/lapgan [--steps_per_level 500]
      [--seed 0] [--num_samples 10000] [--from_real 7 --from_real 14]
  python -m experiments.evaluate --workdir workdirs/lapgan
  python -m experiments.evaluate --workdir workdirs/lapgan/from_real_7

Trains ``experiments/configs/lapgan_mnist.py:7``, ``:14`` and ``:28`` with
``experiments.train`` into ``WORKDIR/level_7``, ``level_14`` and ``level_28``, one after
another as in the paper (each resumes from its checkpoint; a finished one is left as it
is), then samples the pyramid (Denton et al. 2015, eq. 3): a 7x7 image from the coarse
generator, then at 14x14 and 28x28 ``I = upsample(I_coarser) + G_k(upsample(I_coarser),
z_k)``, clipped to [-1, 1] at the end. Writes ``WORKDIR/samples.npz`` (NHWC in
[-1, 1]), ``samples.png`` (the first 100), ``pyramid.png`` (8 samples at 7, 14 and 28
pixels) and ``summary.json`` (``"samples_only": true``, each level's summary), which
``experiments.evaluate`` scores like any run. ``--from_real SIZE`` also refines the
training digits' own SIZExSIZE level with the trained finer levels into
``WORKDIR/from_real_SIZE/`` (4,500 samples): the chain's quality when every coarser
level is perfect, which tells the levels' errors apart.
"""

from __future__ import annotations

import json
import pathlib
import sys
import time
from collections.abc import Callable, Sequence

CONFIG = "experiments/configs/lapgan_mnist.py"
LEVELS = ("7", "14", "28")  # coarse to fine


def chain(coarse: Callable, refiners: Sequence[Callable], latents: Sequence) -> list:
    """The pyramid's samples, coarse to fine: ``coarse(latents[0])`` is the coarsest
    image; each ``refiners[k](condition, latents[k + 1])`` draws the residual added to
    ``condition``, the image so far upsampled. Returns every level's images, each
    clipped to [-1, 1] (the finer levels refine the unclipped ones)."""
    import jax.numpy as jnp

    from jaxgan import pyramid

    if len(latents) != len(refiners) + 1:
        raise ValueError(
            f"{len(refiners)} refining levels take {len(refiners) + 1} latents; got {len(latents)}"
        )
    image = coarse(latents[0])
    images = [image]
    for refine, z in zip(refiners, latents[1:], strict=True):
        condition = pyramid.upsample(image)
        image = condition + refine(condition, z)
        images.append(image)
    return [jnp.clip(level, -1.0, 1.0) for level in images]


def level_config(size: str, *, steps: int, seed: int):
    from experiments import configs

    config = configs.load(f"{CONFIG}:{size}")
    config.num_steps = steps
    config.seed = seed
    return config


def train_levels(workdir: pathlib.Path, *, steps: int, seed: int, report=print) -> dict:
    """Trains (or resumes) every level; returns each level's ``summary.json``."""
    from experiments import train

    summaries = {}
    for size in LEVELS:
        directory = workdir / f"level_{size}"
        report(f"LAPGAN level {size}x{size}: {directory}")
        train.run(level_config(size, steps=steps, seed=seed), str(directory),
                  config_name=f"{CONFIG}:{size}")  # fmt: skip
        summaries[size] = json.loads((directory / "summary.json").read_text())
    return summaries


def level_generator(workdir: pathlib.Path, size: str, *, seed: int) -> tuple:
    """``(config, G)``: level ``size``'s config and its saved generator as a jitted
    function of G's inputs (``z`` at the coarsest level, ``(condition, z)`` above)."""
    import functools

    import jax

    from experiments.sample import restore_generator

    config, generator, variables, *_ = restore_generator(workdir / f"level_{size}", seed=seed)
    return config, jax.jit(functools.partial(generator.apply, variables))


def sample_levels(workdir: pathlib.Path, *, num_samples: int, seed: int) -> list:
    """``[I_7, I_14, I_28]`` of :func:`chain` for ``num_samples`` latents drawn from
    ``seed`` (NumPy, NHWC in [-1, 1]), with each level's saved generator."""
    import jax
    import numpy as np

    (coarse_config, coarse), *refining = (level_generator(workdir, s, seed=seed) for s in LEVELS)
    refiners = [refine for _, refine in refining]
    sizes = [coarse_config.latent_dim] + [int(size) ** 2 for size in LEVELS[1:]]
    key = jax.random.key(seed)
    chunks = []
    for start in range(0, num_samples, 500):
        count = min(500, num_samples - start)
        keys = jax.random.split(jax.random.fold_in(key, start), len(LEVELS))
        latents = [jax.random.normal(k, (count, n)) for k, n in zip(keys, sizes, strict=True)]
        chunks.append([np.asarray(level) for level in chain(coarse, refiners, latents)])
    return [np.concatenate(level) for level in zip(*chunks, strict=True)]


def refine_real_digits(workdir: pathlib.Path, size: str, *, seed: int):
    """The training digits' pyramid cut at level ``size`` (``"7"`` or ``"14"``), refined
    to 28x28 by the trained finer levels: what the chain reaches when every coarser
    level is perfect, which tells the levels' errors apart. NHWC in [-1, 1], shuffled
    (the digits are stored class by class, and the score's splits need a random
    order)."""
    import jax
    import numpy as np

    from jaxgan import pyramid
    from jaxgan.data import offline

    start = LEVELS.index(size)
    if start == len(LEVELS) - 1:
        raise ValueError(f"level {size} is the finest; refine from one of {LEVELS[:-1]}")
    digits = offline.mnist_5k("train")["image"].astype(np.float32) / 127.5 - 1.0
    digits = digits[np.random.default_rng(seed).permutation(len(digits))]
    bands = pyramid.laplacian_pyramid(digits, len(LEVELS) - 1)
    images = np.asarray(pyramid.reconstruct(bands[len(LEVELS) - 1 - start :]))
    key = jax.random.key(seed)
    for finer in LEVELS[start + 1 :]:
        _, refine = level_generator(workdir, finer, seed=seed)
        chunks = []
        for first in range(0, len(images), 500):
            condition = pyramid.upsample(images[first : first + 500])
            z = jax.random.normal(jax.random.fold_in(key, first), (len(condition), int(finer) ** 2))
            chunks.append(np.asarray(condition + refine(condition, z)))
        images = np.concatenate(chunks)
        key = jax.random.fold_in(key, int(finer))
    return np.clip(images, -1.0, 1.0)


def save_pyramid_figure(levels: list, path: pathlib.Path, count: int = 8) -> None:
    """``count`` samples (columns) at each level (rows, coarse to fine)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(len(levels), count, figsize=(1.2 * count, 1.3 * len(levels)))
    for row, images in enumerate(levels):
        for column in range(count):
            axis = axes[row, column]
            axis.imshow(images[column, :, :, 0], cmap="gray", vmin=-1, vmax=1)
            axis.set_xticks([])
            axis.set_yticks([])
        axes[row, 0].set_ylabel(f"{images.shape[1]}x{images.shape[2]}", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def run(
    workdir: pathlib.Path,
    *,
    steps: int,
    seed: int,
    num_samples: int,
    from_real: Sequence[str] = (),
    report=print,
) -> dict:
    """Trains the levels, samples the chain, writes the outputs; returns the summary.
    For each size in ``from_real``, also ``WORKDIR/from_real_SIZE/`` with the
    samples of :func:`refine_real_digits` (scored by ``experiments.evaluate``)."""
    import numpy as np

    from jaxgan import summaries as summary_images

    levels = train_levels(workdir, steps=steps, seed=seed, report=report)
    report(f"sampling {num_samples} chained samples (7 -> 14 -> 28)")
    start = time.perf_counter()
    images = sample_levels(workdir, num_samples=num_samples, seed=seed)
    np.savez(workdir / "samples.npz", samples=images[-1])
    summary_images.save_png(summary_images.image_grid(images[-1][:100]), workdir / "samples.png")
    save_pyramid_figure(images, workdir / "pyramid.png")
    config = level_config(LEVELS[-1], steps=steps, seed=seed)
    config.pyramid_level = None  # the chained samples are whole digits
    summary = {
        "samples_only": True, "program": "experiments.lapgan", "dataset": config.dataset,
        "model": "lapgan", "loss": config.loss,
        "final_step": sum(level["final_step"] for level in levels.values()),
        "steps_per_level": steps,
        "wall_time_s": sum(level["wall_time_s"] for level in levels.values()),
        "sampling_s": time.perf_counter() - start,
        "config": config.to_dict(), "levels": levels,
    }  # fmt: skip
    (workdir / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    for size in from_real:
        directory = workdir / f"from_real_{size}"
        directory.mkdir(exist_ok=True)
        report(f"refining the training digits' {size}x{size} level: {directory}")
        np.savez(directory / "samples.npz", samples=refine_real_digits(workdir, size, seed=seed))
        (directory / "summary.json").write_text(
            json.dumps({**summary, "from_real": size}, indent=2, sort_keys=True) + "\n"
        )
    report(f"Done: {workdir}/ holds samples.npz, samples.png, pyramid.png, summary.json, "
           "level_7/, level_14/, level_28/.")  # fmt: skip
    return summary


def main(argv=None) -> int:
    from experiments import cli

    parser = cli.argument_parser("python -m experiments.lapgan", __doc__)
    parser.add_argument("--workdir", required=True, help="where the levels and samples go")
    parser.add_argument("--steps_per_level", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--num_samples", type=int, default=10_000)
    parser.add_argument(
        "--from_real", action="append", default=[], choices=LEVELS[:-1],
        help="also refine the training digits' pyramid cut at this level (repeatable) "
        "into WORKDIR/from_real_SIZE/, to tell the levels' errors apart",
    )  # fmt: skip
    args = parser.parse_args(argv)
    for name in ("steps_per_level", "num_samples"):
        if getattr(args, name) < 1:
            parser.error(f"--{name}={getattr(args, name)} must be >= 1")
    workdir = cli.directory_argument(parser, args.workdir)
    return cli.run_quietly(
        lambda: run(workdir, steps=args.steps_per_level, seed=args.seed,
                    num_samples=args.num_samples, from_real=args.from_real)
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
