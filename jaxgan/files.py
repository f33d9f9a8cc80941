"""Checks on the directories a run writes to, made before anything is written."""

from __future__ import annotations

import os
import pathlib

__all__ = ["writable_directory"]


def writable_directory(directory: str | os.PathLike, *, label: str) -> pathlib.Path:
    """Creates ``directory`` if needed and checks that files can be written in it.

    Args:
      directory: the path (``~`` is expanded).
      label: how errors name it, e.g. ``"--workdir=runs/a"``.

    Returns:
      The expanded path.

    Raises:
      ValueError: the path is a file (left untouched), or it cannot be created or
        written.
    """
    path = pathlib.Path(directory).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"{label} is a file, not a directory; give a directory path")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write_probe_{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise ValueError(
            f"{label} cannot be written ({error.strerror or error}); choose a directory you "
            "can write to"
        ) from None
    return path
