"""The named configs: each ``NAME.py`` has ``get_config()`` (some take an argument,
given as ``--config experiments/configs/NAME.py:ARG``)."""

from __future__ import annotations

import importlib.util
import pathlib


def load(spec: str):
    """The ``ConfigDict`` of ``path.py`` or ``path.py:ARG``, as ``--config`` reads it.

    Raises:
      FileNotFoundError: if the file does not exist.
    """
    path, _, argument = spec.partition(":")
    if not pathlib.Path(path).is_file():
        raise FileNotFoundError(f"config file {path!r} does not exist")
    module_spec = importlib.util.spec_from_file_location(pathlib.Path(path).stem, path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.get_config(argument) if argument else module.get_config()
