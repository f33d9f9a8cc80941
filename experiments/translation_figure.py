"""Writes a figure of a translation run's held-out examples beside their true partners.

  python -m experiments.translation_figure --workdir DIR --out FIGURE.png [--num_examples 8]

One row per held-out example of the test split, columns left to right:

- pix2pix (``edges2digits``): edge map, translation, true digit.
- CycleGAN (``edges2digits_unpaired``): edge map, G_AB(edge map), G_BA(G_AB(edge
  map)) (the cycle back), true digit, G_BA(true digit), G_AB(G_BA(true digit)).

The generator is restored as ``experiments.sample`` restores it (EMA parameters if any).
"""

from __future__ import annotations

import pathlib
import sys

from absl import flags

from experiments import cli


def define_flags() -> flags.FlagValues:
    values = flags.FlagValues()
    flags.DEFINE_string("workdir", None, "The run's directory.", flag_values=values)
    flags.DEFINE_string("out", None, "The PNG to write.", flag_values=values)
    flags.DEFINE_integer("num_examples", 8, "Rows (held-out examples).", flag_values=values)
    return values


def columns(workdir, num_examples: int):
    """The figure's columns, each ``(num_examples, H, W, 1)`` in ``[-1, 1]``."""
    import jax
    import numpy as np

    from experiments.sample import held_out_pairs, restore_generator

    config, generator, variables, _, _ = restore_generator(workdir)
    apply = jax.jit(generator.apply)
    pairs = held_out_pairs(config, num_examples)
    if config.conditioning == "image" and config.dataset == "edges2digits":
        condition = np.asarray(pairs["condition"])
        return [condition, np.asarray(apply(variables, condition)), np.asarray(pairs["image"])]
    if config.conditioning == "unpaired":
        x = np.asarray(pairs["image"])
        once = np.asarray(apply(variables, x))  # [G_BA(b) | G_AB(a)]
        twice = np.asarray(apply(variables, once))  # [G_BA(G_AB(a)) | G_AB(G_BA(b))]
        a = config.generator.channels_a
        return [x[..., :a], once[..., a:], twice[..., :a], x[..., a:], once[..., :a],
                twice[..., a:]]  # fmt: skip
    raise ValueError(
        f"{workdir} is not a translation run (dataset {config.dataset!r}, conditioning "
        f"{config.conditioning!r}); this figure is for pix2pix on edges2digits and "
        "CycleGAN runs"
    )


def figure(workdir, num_examples: int = 8):
    """The uint8 grid: one row per example, one column per entry of :func:`columns`."""
    import numpy as np

    from jaxgan import summaries

    parts = columns(workdir, num_examples)
    rows = np.stack(parts, axis=1).reshape(-1, *parts[0].shape[1:])
    return summaries.image_grid(rows, columns=len(parts))


def main(argv=None) -> int:
    from jaxgan import summaries

    argv = list(sys.argv if argv is None else argv)
    if cli.wants_help(argv):
        return cli.print_help(__doc__, define_flags())
    try:
        values = cli.parse(define_flags, argv)
        cli.existing_run(values.workdir)
        if not values.out:
            raise cli.UsageError("--out is required: the PNG to write")
        if values.num_examples < 1:
            raise cli.UsageError(f"--num_examples={values.num_examples} must be >= 1")
        grid = figure(values.workdir, values.num_examples)
    except (cli.UsageError, FileNotFoundError, ValueError) as error:
        return cli.fail(str(error))
    pathlib.Path(values.out).parent.mkdir(parents=True, exist_ok=True)
    summaries.save_png(grid, values.out)
    print(f"wrote {values.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
