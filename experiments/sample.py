"""Writes samples from a run's checkpoint, restoring only the generator (EMA weights if any).

  python -m experiments.sample --workdir DIR [--num_samples 64] [--seed 0] [--step N] [--no_ema]

Writes ``DIR/sample_step_STEP.png`` (a grid) and ``DIR/sample_step_STEP.npz`` (array
``samples``, in [-1, 1]). No optimiser is built and no discriminator is loaded.
"""

from __future__ import annotations

import pathlib
import sys

from absl import flags

FLAGS = flags.FlagValues()
flags.DEFINE_string("workdir", None, "The run's directory.", flag_values=FLAGS)
flags.DEFINE_integer("num_samples", 64, "How many samples.", flag_values=FLAGS)
flags.DEFINE_integer("seed", 0, "Seed of the latents.", flag_values=FLAGS)
flags.DEFINE_integer("step", None, "Checkpoint step (default: the latest).", flag_values=FLAGS)
flags.DEFINE_bool(
    "no_ema", False, "Use the raw generator parameters even with an EMA.", flag_values=FLAGS
)


def sample(
    workdir: str, *, num_samples: int, seed: int = 0, step: int | None = None, ema: bool = True
):
    """Returns ``(step, samples)`` from the generator saved in ``workdir``."""
    import jax
    import ml_collections
    import numpy as np

    from jaxgan.checkpoint import Checkpointer
    from jaxgan.config import build_models

    checkpointer = Checkpointer(pathlib.Path(workdir) / "checkpoints", save_every=1)
    found = checkpointer.restore_config()
    if found is None:
        raise FileNotFoundError(f"no complete checkpoint in {workdir}/checkpoints")
    config = ml_collections.ConfigDict(found[1])
    if config.conditioning == "image":
        raise ValueError(
            "pix2pix generators need input images; use experiments.train's samples.npz"
        )
    generator, _ = build_models(config)
    key = jax.random.key(seed)
    z = jax.random.normal(key, (num_samples, config.latent_dim))
    inputs = (z,)
    if config.conditioning in ("labels", "projection", "acgan"):
        inputs = (z, (np.arange(num_samples) % config.num_classes).astype(np.int32))
    variables = jax.eval_shape(lambda: generator.init(jax.random.key(0), *inputs))
    params = variables["params"]
    like = {"variables": variables, "ema_params": params if config.ema_decay is not None else None}
    step, restored = checkpointer.restore_generator(like, step)
    variables = dict(restored["variables"])
    if ema and restored["ema_params"] is not None:
        variables["params"] = restored["ema_params"]
    samples = np.asarray(jax.jit(generator.apply)(variables, *inputs))
    checkpointer.close()
    return step, samples


def main(argv=None) -> int:
    import numpy as np

    from jaxgan import summaries

    try:
        FLAGS(list(sys.argv if argv is None else argv))
        if not FLAGS.workdir:
            raise ValueError("--workdir is required")
    except Exception as error:
        print(f"error: bad command line: {error}", file=sys.stderr)
        return 2
    try:
        step, samples = sample(
            FLAGS.workdir, num_samples=FLAGS.num_samples, seed=FLAGS.seed, step=FLAGS.step,
            ema=not FLAGS.no_ema,
        )  # fmt: skip
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = pathlib.Path(FLAGS.workdir)
    np.savez(out / f"sample_step_{step}.npz", samples=samples)
    if samples.ndim == 4:
        summaries.save_png(summaries.image_grid(samples), out / f"sample_step_{step}.png")
    print(f"wrote {len(samples)} samples from step {step} to {out}/sample_step_{step}.*")
    return 0


if __name__ == "__main__":
    sys.exit(main())
