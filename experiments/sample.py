"""Writes samples from a run's checkpoint, restoring only the generator (EMA weights if any).

  python -m experiments.sample --workdir DIR [--num_samples 64] [--seed 0] [--step N] [--no_ema]

Writes ``DIR/sample_step_STEP.png`` (a grid) and ``DIR/sample_step_STEP.npz`` (array
``samples``, in [-1, 1]). No optimiser is built and no discriminator is loaded.
"""

from __future__ import annotations

import pathlib
import sys

from absl import flags

from experiments import cli


def define_flags() -> flags.FlagValues:
    values = flags.FlagValues()
    flags.DEFINE_string("workdir", None, "The run's directory.", flag_values=values)
    flags.DEFINE_integer("num_samples", 64, "How many samples.", flag_values=values)
    flags.DEFINE_integer("seed", 0, "Seed of the latents.", flag_values=values)
    flags.DEFINE_integer("step", None, "Checkpoint step (default: the latest).", flag_values=values)
    flags.DEFINE_bool(
        "no_ema", False, "Use the raw generator parameters even with an EMA.", flag_values=values
    )
    return values


def sample(
    workdir: str, *, num_samples: int, seed: int = 0, step: int | None = None, ema: bool = True,
    report=None,
):  # fmt: skip
    """Returns ``(step, samples)`` from the generator saved in ``workdir``.

    ``report``, if given, is called with a line saying which step and which
    parameters (EMA or raw) the samples come from.
    """
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
    steps = checkpointer.steps()
    if step is not None and step not in steps:
        raise ValueError(f"--step={step} is not a checkpoint of {workdir}; it has steps {steps}")
    step, restored = checkpointer.restore_generator(like, step)
    variables = dict(restored["variables"])
    if ema and restored["ema_params"] is not None:
        variables["params"] = restored["ema_params"]
        which = "the EMA parameters"
    elif restored["ema_params"] is None:
        which = "the raw parameters (the run keeps no EMA)"
    else:
        which = "the raw parameters (EMA not used)"
    if report:
        report(f"generating {num_samples} samples from step {step} with {which}")
    samples = np.asarray(jax.jit(generator.apply)(variables, *inputs))
    checkpointer.close()
    return step, samples


def main(argv=None) -> int:
    import numpy as np

    from jaxgan import summaries

    argv = list(sys.argv if argv is None else argv)
    if cli.wants_help(argv):
        return cli.print_help(__doc__, define_flags())
    try:
        FLAGS = cli.parse(define_flags, argv)
        cli.existing_run(FLAGS.workdir)
        if FLAGS.num_samples < 1:
            raise cli.UsageError(f"--num_samples={FLAGS.num_samples} must be >= 1")
        step, samples = sample(
            FLAGS.workdir, num_samples=FLAGS.num_samples, seed=FLAGS.seed, step=FLAGS.step,
            ema=not FLAGS.no_ema, report=print,
        )  # fmt: skip
    except cli.UsageError as error:
        return cli.fail(str(error))
    except (FileNotFoundError, ValueError) as error:
        return cli.fail(str(error))
    out = pathlib.Path(FLAGS.workdir)
    np.savez(out / f"sample_step_{step}.npz", samples=samples)
    if samples.ndim == 4:
        summaries.save_png(summaries.image_grid(samples), out / f"sample_step_{step}.png")
    print(f"wrote {len(samples)} samples from step {step} to {out}/sample_step_{step}.*")
    return 0


if __name__ == "__main__":
    sys.exit(main())
