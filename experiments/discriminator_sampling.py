"""Can the discriminator generate? D's argmax, Langevin on D, and D-guided refinement.

  python -m experiments.discriminator_sampling --workdir DIR [--num_samples N] [--seed 0]
      [--steps 100] [--step_size S] [--latent_step_size 0.01]

Loads a trained run's generator and discriminator (``DIR/checkpoints``; D in inference
mode) and draws five sets of samples with :mod:`jaxgan.refinement`, scoring each with
the run's dataset metrics (mode coverage for ``ring8``/``grid25``; the digit
classifier's Fréchet distance and score for ``mnist_5k``):

- ``generator``: ``G(z)``, the baseline;
- ``argmax_from_noise``: gradient ascent on D's output from uniform noise over the
  data's range, ``x* = argmax_x D(x)`` (the seed lecture's question);
- ``langevin_from_noise``: Langevin dynamics on ``p(x) ∝ exp(D(x))`` from the same noise;
- ``ascent_from_generator``: gradient ascent on D's output from ``G(z)``;
- ``ddls``: discriminator-driven latent sampling (Che et al. 2020): Langevin on
  ``p(z) ∝ N(z; 0, I) exp(D(G(z)))``, then ``G``.

A label-conditioned run (CGAN, projection, AC-GAN; self-conditioned ones too) draws
sample ``i`` of every set with the label :func:`experiments.sample.sample_inputs` gives
it (classes in turn, or k-means clusters in proportion to their sizes): G and a CGAN's
or projection D take it, AC-GAN's D is followed on its real/fake output. Packed runs are
refused. Images stay in [-1, 1] (every step is projected). ``--step_size`` (data space) defaults
to 0.01 for points and 0.05 for images, ``--latent_step_size`` to 0.01. Writes
``DIR/discriminator_sampling.json`` (metrics per set, with the settings) and
``DIR/discriminator_sampling.png`` (the sets side by side).
"""

from __future__ import annotations

import pathlib
import sys

from absl import flags

from experiments import cli

PROCEDURES = (
    "generator",
    "argmax_from_noise",
    "langevin_from_noise",
    "ascent_from_generator",
    "ddls",
)
TOY = ("ring8", "grid25")
DIGITS = ("mnist_5k", "digits_8x8")
CHUNK = 2500  # examples per compiled call (memory)


def define_flags() -> flags.FlagValues:
    values = flags.FlagValues()
    flags.DEFINE_string("workdir", None, "The trained run's directory.", flag_values=values)
    flags.DEFINE_integer("num_samples", None, "Samples per set (default: 2,500 points or "
                         "10,000 digits, as evaluate).", flag_values=values)  # fmt: skip
    flags.DEFINE_integer("seed", 0, "Seed of the latents, the noise and Langevin's draws.",
                         flag_values=values)  # fmt: skip
    flags.DEFINE_integer("steps", 100, "Steps of every ascent and Langevin chain.",
                         flag_values=values)  # fmt: skip
    flags.DEFINE_float("step_size", None, "Data-space step size (default: 0.01 for points, "
                       "0.05 for images).", flag_values=values)  # fmt: skip
    flags.DEFINE_float("latent_step_size", 0.01, "DDLS's latent-space step size.",
                       flag_values=values)  # fmt: skip
    return values


def _noise_range(dataset: str) -> tuple[float, float]:
    """Uniform noise over the data's range: the modes' box and a margin, or [-1, 1]."""
    from jaxgan.data import offline

    if dataset in TOY:
        modes = offline.ring8_modes() if dataset == "ring8" else offline.grid25_modes()
        return float(modes.min()) - 0.5, float(modes.max()) + 0.5
    return -1.0, 1.0


def draw(workdir, *, num_samples: int, seed: int, steps: int, step_size: float,
         latent_step_size: float, report=lambda line: None) -> tuple[dict, dict]:  # fmt: skip
    """``(config, {procedure: samples})`` for the run in ``workdir``."""
    import jax
    import numpy as np

    from experiments.sample import restore_generator, restore_state, sample_inputs
    from jaxgan import refinement
    from jaxgan.config import LABEL_CONDITIONINGS

    config, generator, g_variables, step, which = restore_generator(workdir, seed=seed)
    conditioning = config.conditioning
    if conditioning not in ("none", *LABEL_CONDITIONINGS) or config.get("packing", 1) != 1:
        raise ValueError(
            f"{workdir} is a {conditioning!r}-conditioned or packed run (packing="
            f"{config.get('packing', 1)}); discriminator sampling takes an unconditional or "
            "label-conditioned D of one sample"
        )
    gan, state = restore_state(workdir, dict(config))
    d_variables = {"params": state.discriminator_params, **state.discriminator_collections}
    report(f"step {step}: G with {which}; D in inference mode; {num_samples} samples per set")

    # ``label`` is ``()`` (no labels) or ``(labels,)``, the chunk's labels.
    def logit(x, label):
        out = gan.discriminator.apply(d_variables, x, *(() if conditioning == "acgan" else label))
        return (out[0] if conditioning == "acgan" else out).reshape(x.shape[0])

    def generate(z, label):
        return generator.apply(g_variables, z, *label)

    z, *labels = sample_inputs(config, num_samples, seed)
    keys = jax.random.split(jax.random.key(seed), 3)
    shape = generate(z[:1], tuple(label[:1] for label in labels)).shape[1:]
    low, high = _noise_range(config.dataset)
    noise = jax.random.uniform(keys[0], (num_samples, *shape), minval=low, maxval=high)
    bounds = None if config.dataset in TOY else (-1.0, 1.0)
    options = {"steps": steps, "step_size": step_size, "bounds": bounds}

    def ascent(z, label, x, key):
        return refinement.gradient_ascent(lambda x: logit(x, label), x, **options)

    def langevin(z, label, x, key):
        return refinement.langevin(lambda x: logit(x, label), x, key, **options)

    def ddls(z, label, x, key):
        density = refinement.latent_log_density(lambda z: generate(z, label),
                                                lambda x: logit(x, label))  # fmt: skip
        return generate(refinement.langevin(density, z, key, steps=steps,
                                            step_size=latent_step_size), label)  # fmt: skip

    procedures = {
        "generator": lambda z, label, x, key: generate(z, label),
        "argmax_from_noise": ascent,
        "langevin_from_noise": langevin,
        "ascent_from_generator": lambda z, label, x, key: ascent(z, label, generate(z, label), key),
        "ddls": ddls,
    }
    samples = {}
    for name in PROCEDURES:
        report(f"drawing {name}")
        procedure = jax.jit(procedures[name])
        parts = [
            np.asarray(procedure(z[start : start + CHUNK],
                                 tuple(label[start : start + CHUNK] for label in labels),
                                 noise[start : start + CHUNK],
                                 jax.random.fold_in(keys[1], start)))
            for start in range(0, num_samples, CHUNK)
        ]  # fmt: skip
        samples[name] = np.concatenate(parts)
    return config, samples


def score(dataset: str, samples, classifier=None) -> dict:
    """The dataset's metrics of ``samples``."""
    import numpy as np

    from jaxgan import metrics
    from jaxgan.data import offline
    from jaxgan.metrics.classifier import dataset_images

    if dataset in TOY:
        modes, sigma = (
            (offline.ring8_modes(), offline.RING8_SIGMA)
            if dataset == "ring8"
            else (offline.grid25_modes(), offline.GRID25_SIGMA)
        )
        return metrics.mode_coverage(samples, modes, sigma=sigma)
    train, _ = dataset_images(dataset, "train")
    fd = classifier.frechet_distance(samples, train)
    return {
        "classifier_frechet_distance": fd,
        "classifier_score": classifier.score(samples)[0],
        "finite": bool(np.isfinite(samples).all()),
    }


def figure(dataset: str, samples: dict, results: dict, path) -> None:
    """The sets side by side: points with the modes (toy data), or 8 x 8 image grids."""
    from jaxgan import summaries
    from jaxgan.data import offline

    plt = summaries._pyplot()  # noqa: SLF001
    fig, axes = plt.subplots(1, len(samples), figsize=(3.2 * len(samples), 3.6))
    for ax, (name, values) in zip(axes, samples.items(), strict=True):
        if dataset in TOY:
            modes = offline.ring8_modes() if dataset == "ring8" else offline.grid25_modes()
            ax.scatter(values[:, 0], values[:, 1], s=1, c="g", alpha=0.4)
            ax.scatter(modes[:, 0], modes[:, 1], s=20, c="r", marker="x")
            low, high = _noise_range(dataset)
            ax.set_xlim(low - 0.5, high + 0.5)
            ax.set_ylim(low - 0.5, high + 0.5)
            ax.set_aspect("equal")
            detail = (f"{results[name]['modes_captured']:.0f} modes, "
                      f"{100 * results[name]['high_quality_fraction']:.0f}% HQ")  # fmt: skip
        else:
            grid = summaries.image_grid(values[:64], columns=8)
            ax.imshow(grid.squeeze(), cmap="gray", vmin=0, vmax=255)
            detail = f"FD {results[name]['classifier_frechet_distance']:.0f}"
        ax.set_title(f"{name}\n{detail}", fontsize=9)
    cli.finish_figure(fig, axes, path)


def _prepare(values, say):
    dataset = cli.trained_config(
        values.workdir, datasets=TOY + DIGITS, purpose="discriminator sampling"
    )["dataset"]
    count = values.num_samples or (2500 if dataset in TOY else 10_000)
    if count < 2:
        raise cli.UsageError(f"--num_samples={count} must be >= 2")
    if values.steps < 0:
        raise cli.UsageError(f"--steps={values.steps} must be >= 0")
    step_size = values.step_size or (0.01 if dataset in TOY else 0.05)
    for name, size in (("step_size", step_size), ("latent_step_size", values.latent_step_size)):
        if not size > 0:
            raise cli.UsageError(f"--{name}={size} must be > 0")
    classifier = None
    if dataset in DIGITS:
        from jaxgan.metrics.classifier import DigitClassifier

        classifier = DigitClassifier.load_or_train(dataset, report=say)
    config, samples = draw(
        pathlib.Path(values.workdir), num_samples=count, seed=values.seed, steps=values.steps,
        step_size=step_size, latent_step_size=values.latent_step_size, report=say,
    )  # fmt: skip
    return dataset, count, step_size, classifier, config, samples


def _finish(values, prepared, say) -> int:
    dataset, count, step_size, classifier, config, samples = prepared
    say("scoring each set")
    results = {name: score(dataset, values_, classifier) for name, values_ in samples.items()}
    payload = {
        "dataset": dataset, "num_samples": count, "seed": values.seed, "steps": values.steps,
        "step_size": step_size, "latent_step_size": values.latent_step_size,
        "loss": config.loss, "results": results,
    }  # fmt: skip
    workdir = pathlib.Path(values.workdir)
    figure(dataset, samples, results, workdir / "discriminator_sampling.png")
    cli.write_results(workdir, "discriminator_sampling", payload, results)
    return 0


def main(argv=None) -> int:
    return cli.run_tool(__doc__, define_flags, argv, _prepare, _finish)


if __name__ == "__main__":
    sys.exit(main())
