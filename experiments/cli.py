"""What the absl-flag entry points (train, evaluate, sample) share: help, errors, parsing.

Every problem with what the user typed is reported as one ``error: ...`` line on
stderr (exit status 2), never a traceback; ``--help`` prints the module's docstring
and its flags (exit status 0).
"""

from __future__ import annotations

import argparse
import contextlib
import pathlib
import sys
from collections.abc import Callable, Iterator

from absl import flags

HELP_FLAGS = ("--help", "-h", "--helpfull", "-help")


class UsageError(Exception):
    """A problem with what the user asked for: reported in one line, no traceback."""


def wants_help(argv: list[str]) -> bool:
    return any(arg in HELP_FLAGS for arg in argv[1:])


def print_help(doc: str, values: flags.FlagValues, extra: str = "") -> int:
    """Prints ``doc``, the flags of ``values`` and ``extra``; returns exit status 0."""
    print(doc.strip() + "\n")
    print("Flags:")
    for flag in sorted(values._flags().values(), key=lambda f: f.name):  # noqa: SLF001
        if flag.name in ("config",) or flag.name.startswith("config."):
            continue
        default = "" if flag.default is None else f" (default: {flag.default!r})"
        print(f"  --{flag.name}: {flag.help}{default}")
    if extra:
        print("\n" + extra.rstrip())
    return 0


def fail(message: str, code: int = 2) -> int:
    """Prints ``error: message`` as one line on stderr; returns ``code``."""
    message = " ".join(str(message).split())
    print(f"error: {message}", file=sys.stderr, flush=True)
    return code


@contextlib.contextmanager
def argv_as(argv: list[str]) -> Iterator[None]:
    """``sys.argv`` set to ``argv`` (``config_flags`` reads overrides from it on definition)."""
    saved = sys.argv
    sys.argv = list(argv)
    try:
        yield
    finally:
        sys.argv = saved


def parse(define: Callable[[], flags.FlagValues], argv: list[str]) -> flags.FlagValues:
    """Defines and parses the flags of ``argv``; raises :class:`UsageError` on a bad one."""
    try:
        with argv_as(argv):
            values = define()
            values(argv)
    except Exception as error:  # absl and ml_collections raise many types for bad flags
        raise UsageError(f"bad command line: {_flag_error(error)}") from None
    return values


def _flag_error(error: Exception) -> str:
    text = str(error)
    if isinstance(error, flags.UnrecognizedFlagError):
        return f"{text}; see --help for the flags"
    return text


def config_overrides(argv: list[str]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Splits ``argv`` into the other arguments and the ``--config.PATH`` overrides.

    Returns ``(rest, overrides)``; each override is ``(PATH, its arguments)``, for both
    ``--config.PATH=VALUE`` and ``--config.PATH VALUE``.
    """
    rest: list[str] = []
    overrides: list[tuple[str, list[str]]] = []
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg.startswith("--config.") or arg.startswith("-config."):
            name = arg.split(".", 1)[1]
            if "=" in name:
                overrides.append((name.split("=", 1)[0], [arg]))
            elif index + 1 < len(argv):
                overrides.append((name, argv[index : index + 2]))
                index += 1
            else:
                overrides.append((name, [arg]))
        else:
            rest.append(arg)
        index += 1
    return rest, overrides


def run_summary(workdir) -> dict | None:
    """The run's ``summary.json`` as a dict, or ``None`` when it is missing or unreadable."""
    import json
    import pathlib

    try:
        summary = json.loads((pathlib.Path(workdir) / "summary.json").read_text())
    except (OSError, ValueError):
        return None
    return summary if isinstance(summary, dict) else None


def existing_run(workdir: str | None) -> str:
    """Checks that ``workdir`` is a training run's directory; returns it.

    Raises:
      UsageError: for a missing flag, a missing path, a file, or a directory with no
        ``checkpoints/``, saying which.
    """
    import pathlib

    if not workdir:
        raise UsageError("--workdir is required: the directory of a run made by experiments.train")
    path = pathlib.Path(workdir)
    if not path.exists():
        raise UsageError(f"--workdir={workdir} does not exist")
    if not path.is_dir():
        raise UsageError(f"--workdir={workdir} is a file, not a run's directory")
    if (run_summary(path) or {}).get("samples_only") is True:  # torch_twin, lapgan
        return workdir
    if not (path / "checkpoints").is_dir():
        raise UsageError(
            f"--workdir={workdir} has no checkpoints/ directory; is it a run made by "
            "experiments.train?"
        )
    return workdir


def trained_config(workdir: str | None, *, datasets: tuple[str, ...], purpose: str) -> dict:
    """The config (a dict) of the trained run in ``workdir``, read from its newest
    complete checkpoint, checking that it trained on one of ``datasets``.

    Raises:
      UsageError: as :func:`existing_run`, or for another dataset (naming ``purpose``).
      FileNotFoundError: when no checkpoint is complete.
    """
    import pathlib

    from jaxgan.checkpoint import Checkpointer

    workdir = existing_run(workdir)
    checkpointer = Checkpointer(pathlib.Path(workdir) / "checkpoints", save_every=1)
    try:
        found = checkpointer.restore_config()
    finally:
        checkpointer.close()
    if found is None:
        raise FileNotFoundError(f"no complete checkpoint in {workdir}/checkpoints")
    config = found[1]
    if config["dataset"] not in datasets:
        raise UsageError(
            f"{workdir} trained on {config['dataset']!r}; {purpose} takes {', '.join(datasets)}"
        )
    return config


def run_tool(doc: str, define: Callable[[], flags.FlagValues], argv: list[str] | None,
             prepare: Callable, finish: Callable) -> int:  # fmt: skip
    """The skeleton of a tool that reads a trained run (``discriminator_sampling``,
    ``inversion``, ``guided_sampling``): ``--help`` prints ``doc`` and the flags; then
    ``prepare(values, say)`` checks the flags and does the work, where a
    :class:`UsageError`, a missing checkpoint or a ``ValueError`` becomes one ``error:``
    line and exit status 2; then ``finish(values, prepared, say)`` writes the results
    and returns the exit status."""
    argv = list(sys.argv if argv is None else argv)
    if wants_help(argv):
        return print_help(doc, define())
    say = lambda line: print(line, flush=True)  # noqa: E731
    try:
        values = parse(define, argv)
        prepared = prepare(values, say)
    except (UsageError, FileNotFoundError, ValueError) as error:
        return fail(str(error))
    return finish(values, prepared, say)


def write_results(workdir, stem: str, payload: dict, rows: dict[str, dict]) -> None:
    """Writes ``WORKDIR/STEM.json`` and prints one line per row of metrics."""
    import json
    import pathlib

    (pathlib.Path(workdir) / f"{stem}.json").write_text(json.dumps(payload, indent=2) + "\n")
    for name, row in rows.items():
        shown = "  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                          for k, v in row.items())  # fmt: skip
        print(f"{name:24s} {shown}")
    print(f"wrote {workdir}/{stem}.json and {stem}.png")


def timed(function: Callable, *args) -> tuple:
    """``(result, seconds)`` of ``jax.jit(function)(*args)``, timed after compilation."""
    import time

    import jax

    compiled = jax.jit(function).lower(*args).compile()
    start = time.perf_counter()
    result = jax.block_until_ready(compiled(*args))
    return result, time.perf_counter() - start


def finish_figure(fig, axes, path) -> None:
    """Hides the axes' ticks, then lays out, saves (90 dpi) and closes ``fig``."""
    import numpy as np

    from jaxgan import summaries

    for ax in np.atleast_1d(axes):
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    summaries._pyplot().close(fig)  # noqa: SLF001


def strip_figure(rows: list[tuple[str, object]], path, *, vmin: float, vmax: float,
                 width: float, row_height: float) -> None:  # fmt: skip
    """One strip per ``(label, images)`` row: single-channel images ``(N, H, W, 1)`` side
    by side (clipped to ``[vmin, vmax]``), the label at the left."""
    import numpy as np

    from jaxgan import summaries

    plt = summaries._pyplot()  # noqa: SLF001
    fig, axes = plt.subplots(len(rows), 1, figsize=(width, len(rows) * row_height))
    for ax, (label, images) in zip(np.atleast_1d(axes), rows, strict=True):
        strip = np.concatenate(list(np.clip(images, vmin, vmax)[..., 0]), axis=1)
        ax.imshow(strip, cmap="gray", vmin=vmin, vmax=vmax)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    finish_figure(fig, axes, path)


# ----------------------------------------------------------------------------
# The argparse entry points that train several runs (lapgan, stackgan, reproduce).
# ----------------------------------------------------------------------------


def argument_parser(prog: str, doc: str) -> argparse.ArgumentParser:
    """A parser whose ``--help`` is ``doc``: its first paragraph, the flags, the rest."""
    return argparse.ArgumentParser(
        prog=prog,
        description=doc.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(doc.split("\n\n")[1:]),
    )


def directory_argument(parser: argparse.ArgumentParser, workdir: str) -> pathlib.Path:
    """``workdir`` as a path; a parser error (exit status 2) when it is a file."""
    path = pathlib.Path(workdir)
    if path.exists() and not path.is_dir():
        parser.error(f"--workdir={path} is a file, not a directory")
    return path


def run_quietly(work: Callable[[], object]) -> int:
    """Runs ``work()`` without absl's per-save notices (as ``experiments.train``);
    returns 0, or prints a :class:`UsageError` as one ``error:`` line and returns 2."""
    from absl import logging as absl_logging

    absl_logging.set_verbosity(absl_logging.ERROR)
    try:
        work()
    except UsageError as error:
        return fail(str(error))
    return 0
