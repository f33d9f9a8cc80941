"""Trains StackGAN on mnist_5k_captions stage by stage and draws captions with both stages.

  python -m experiments.stackgan --workdir workdirs/stackgan [--steps_per_stage N]
      [--seed 0]
  python -m experiments.evaluate --workdir workdirs/stackgan/stage1     # 14x14
  python -m experiments.evaluate --workdir workdirs/stackgan/stage2     # 28x28

Trains ``experiments/configs/stackgan_mnist.py:1`` into ``WORKDIR/stage1``, then
``:2`` into ``WORKDIR/stage2`` with the trained stage-I generator frozen inside it
(``--config.pretrained.stage1=WORKDIR/stage1``), each through ``experiments.train``
(each resumes from its checkpoint; a finished one is left as it is), as the paper
trains its stages one after the other. Then writes ``WORKDIR/stages.png``: for one
held-out caption of each digit (columns), the real digit the caption describes, and
for two latents each the stage-I image (14x14) and the stage-II image refined from it
(28x28).
"""

from __future__ import annotations

import pathlib
import sys

CONFIG = "experiments/configs/stackgan_mnist.py"
STAGES = ("1", "2")


def stage_config(stage: str, *, steps: int | None, seed: int, workdir: pathlib.Path):
    from experiments import configs

    config = configs.load(f"{CONFIG}:{stage}")
    if steps is not None:
        config.num_steps = steps
    config.seed = seed
    if stage == "2":
        config.pretrained.stage1 = str(workdir / "stage1")
    return config


def train_stages(workdir: pathlib.Path, *, steps: int | None, seed: int, report=print) -> None:
    """Trains (or resumes) stage I, then stage II on top of it."""
    from experiments import train

    for stage in STAGES:
        directory = workdir / f"stage{stage}"
        report(f"StackGAN stage {stage}: {directory}")
        config = stage_config(stage, steps=steps, seed=seed, workdir=workdir)
        train.run(config, str(directory), config_name=f"{CONFIG}:{stage}")


def figure_columns(labels) -> list[int]:
    """The index of the first held-out caption of each digit, in digit order."""
    import numpy as np

    return [int(np.flatnonzero(np.asarray(labels) == digit)[0]) for digit in range(10)]


def save_stages_figure(workdir: pathlib.Path, path: pathlib.Path, *, seed: int = 0) -> None:
    """The figure described in the module's docstring."""
    import functools

    import jax
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from experiments.sample import held_out_captions, restore_generator
    from jaxgan.data import captions

    config, generator, variables, *_ = restore_generator(workdir / "stage2", seed=seed)
    _, stage1, stage1_variables, *_ = restore_generator(workdir / "stage1", seed=seed)
    held = held_out_captions(config)
    columns = figure_columns(held["label"])
    text = held["text"][columns]
    rows = [("caption's digit", held["image"][columns].astype(np.float32) / 127.5 - 1.0)]
    stage1_latent = config.generator.stage1_latent_dim
    for draw in range(2):
        z = jax.random.normal(jax.random.fold_in(jax.random.key(seed), draw),
                              (len(columns), config.latent_dim))  # fmt: skip
        low = jax.jit(functools.partial(stage1.apply, stage1_variables))(z[:, :stage1_latent], text)
        high = jax.jit(functools.partial(generator.apply, variables))(z, text)
        rows += [(f"stage I, z{draw + 1}", np.asarray(low)), (f"stage II, z{draw + 1}",
                                                              np.asarray(high))]  # fmt: skip
    names = captions.decode(text)
    figure, axes = plt.subplots(
        len(rows), len(columns), figsize=(1.5 * len(columns), 1.6 * len(rows))
    )
    for row, (label, images) in enumerate(rows):
        for column in range(len(columns)):
            axis = axes[row, column]
            axis.imshow(images[column, :, :, 0], cmap="gray", vmin=-1, vmax=1)
            axis.set_xticks([])
            axis.set_yticks([])
            if row == 0:
                axis.set_title(names[column].replace(" slanted", "\nslanted"), fontsize=6.5)
        axes[row, 0].set_ylabel(label, fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def run(workdir: pathlib.Path, *, steps: int | None, seed: int) -> None:
    """Trains both stages and writes the figure."""
    train_stages(workdir, steps=steps, seed=seed)
    save_stages_figure(workdir, workdir / "stages.png", seed=seed)
    print(f"Done: {workdir}/ holds stage1/, stage2/ and stages.png.")


def main(argv=None) -> int:
    from experiments import cli

    parser = cli.argument_parser("python -m experiments.stackgan", __doc__)
    parser.add_argument("--workdir", required=True, help="where the stages and the figure go")
    parser.add_argument(
        "--steps_per_stage", type=int, default=None,
        help="steps of each stage (default: the config's, 4,000 and 1,500)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.steps_per_stage is not None and args.steps_per_stage < 1:
        parser.error(f"--steps_per_stage={args.steps_per_stage} must be >= 1")
    workdir = cli.directory_argument(parser, args.workdir)
    return cli.run_quietly(lambda: run(workdir, steps=args.steps_per_stage, seed=args.seed))


if __name__ == "__main__":
    sys.exit(main())
