"""Orbax checkpoints of a whole run: state, key, data position, config, and the generator alone.

Each checkpoint step holds six items:

- ``state``: the whole :class:`jaxgan.state.GANState` (both networks, their
  statistics, both optimiser states, the EMA);
- ``generator``: the generator's variables and EMA parameters again, so sampling can
  restore them without building optimisers;
- ``key``: the run's PRNG key data;
- ``data``: the input pipeline's position (JSON);
- ``config``: the run's config (JSON);
- ``run``: the runner's bookkeeping (JSON: wall time per segment, the partial
  logging window), so a resumed run's records continue exactly. Steps written
  before this item existed restore without it.

Orbax writes a step into a temporary directory and renames it only once complete, so
a run killed during a save (even by SIGKILL) leaves no step that :meth:`restore`
would read; if the newest complete step still fails to load, the next older one is
used, and :meth:`set_aside_unreadable` moves the unreadable steps out of the way (into
``checkpoints.unreadable/``, never deleted) so that new saves of those step numbers can
be written.
"""

from __future__ import annotations

import contextlib
import json
import logging
import pathlib
import sys
import threading
import time
from typing import Any

import jax
import numpy as np
import orbax.checkpoint as ocp

from jaxgan.state import GANState

__all__ = ["Checkpointer", "Restored"]

log = logging.getLogger(__name__)


class Restored(dict):
    """The items of a restored step: ``step``, ``state``, ``key``, ``data``, ``config``, ``run``."""


class _QuietClosedLoopErrors:
    """Drops the "Event loop is closed" tracebacks a failed restore leaves behind.

    When one array of a damaged step fails to load, Orbax closes its event loop while
    TensorStore still has reads of the other arrays in flight; each of those later
    prints a ``RuntimeError: Event loop is closed`` traceback from a native thread
    (dozens of lines, after the one-line warning that already said what happened).
    The filter is on while a restore runs (the first tracebacks can be printed before
    the failed call returns) and, once one has failed, for the rest of the process
    (reads still in flight can end as late as interpreter exit): stderr writes that
    are fragments of exactly that traceback are dropped; everything else passes
    through.
    """

    _FRAGMENTS = (
        "Traceback (most recent call last):",
        "asyncio/base_events.py",
        "self._check_closed()",
        "raise RuntimeError('Event loop is closed')",
        "RuntimeError: Event loop is closed",
        "RuntimeError",
        "Event loop is closed",
    )
    _lock = threading.Lock()
    _attempt = False  # a restore is under way
    _failed = False  # a restore has failed in this process

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        cls = type(self)
        if (cls._attempt or cls._failed) and self._is_fragment(text):
            return len(text)
        return self._stream.write(text)

    def _is_fragment(self, text: str) -> bool:
        pieces = [piece.strip() for piece in text.splitlines()]
        return all(
            piece in ("", ":") or any(fragment in piece for fragment in self._FRAGMENTS)
            for piece in pieces
        )

    def __getattr__(self, name):
        return getattr(self._stream, name)

    @classmethod
    def _install(cls) -> None:
        if not isinstance(sys.stderr, cls):
            sys.stderr = cls(sys.stderr)

    @classmethod
    @contextlib.contextmanager
    def restoring(cls):
        """On while a restore runs; on for good once one fails."""
        with cls._lock:
            cls._install()
            cls._attempt = True
        try:
            yield
        except Exception:
            cls._failed = True
            raise
        finally:
            cls._attempt = False


def _first_line(error: Exception, limit: int = 200) -> str:
    text = str(error).split("[tensorstore_spec", 1)[0].strip().splitlines()
    text = text[0] if text else type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _abstract(tree: Any) -> Any:
    return jax.tree.map(ocp.utils.to_shape_dtype_struct, tree)


def _host(tree: Any) -> Any:
    return jax.tree.map(np.asarray, tree)


class Checkpointer:
    """Saves every ``save_every`` steps (and when asked), keeps the last ``keep``.

    Args:
      directory: where the steps live (``WORKDIR/checkpoints``).
      save_every: the save interval in steps.
      keep: how many recent steps to keep.
      best_metric: also keep the step with the lowest value of this metric.
      async_save: write in a background thread while training goes on.
    """

    def __init__(
        self,
        directory: str | pathlib.Path,
        *,
        save_every: int,
        keep: int = 3,
        best_metric: str | None = None,
        async_save: bool = True,
    ):
        self.directory = pathlib.Path(directory).absolute()
        self.save_every = save_every
        self.best_metric = best_metric
        options = ocp.CheckpointManagerOptions(
            max_to_keep=keep,
            enable_async_checkpointing=async_save,
            best_fn=(lambda metrics: float(metrics[best_metric])) if best_metric else None,
            best_mode="min",
            keep_checkpoints_without_metrics=True,
            create=True,
        )
        self._manager = ocp.CheckpointManager(self.directory, options=options)
        self.unreadable: list[int] = []  # steps that failed to load, newest first

    def should_save(self, step: int) -> bool:
        return step % self.save_every == 0

    def save(
        self,
        step: int,
        state: GANState,
        *,
        key: jax.Array,
        data_state: dict,
        config: dict,
        metrics: dict | None = None,
        run: dict | None = None,
    ) -> None:
        """Starts saving step ``step`` (waits for the previous save to finish first)."""
        state = _host(state)
        generator = {
            "variables": state.generator_variables(),
            "ema_params": state.ema_params,
        }
        metrics = {k: float(v) for k, v in (metrics or {}).items()} if self.best_metric else None
        self._manager.save(
            step,
            args=ocp.args.Composite(
                state=ocp.args.StandardSave(state),
                generator=ocp.args.StandardSave(generator),
                key=ocp.args.ArraySave(np.asarray(jax.random.key_data(key))),
                data=ocp.args.JsonSave(data_state),
                config=ocp.args.JsonSave(json.loads(json.dumps(config, default=str))),
                run=ocp.args.JsonSave(run or {}),
            ),
            metrics=metrics,
            force=True,
        )

    def wait(self) -> None:
        """Blocks until every started save is complete on disk."""
        self._manager.wait_until_finished()

    def steps(self) -> list[int]:
        """The complete steps on disk, oldest first."""
        self._manager.reload()
        return sorted(self._manager.all_steps())

    def _restore_newest(self, **items) -> tuple[int, dict] | None:
        """``(step, items)`` of the newest step whose ``items`` load; ``None`` if none does.

        An optional ``run`` item is restored where the step has it.
        """
        self.unreadable = []
        for step in reversed(self.steps()):
            step_items = dict(items)
            if "run" in step_items and not (self.directory / str(step) / "run").exists():
                del step_items["run"]
            try:
                with _QuietClosedLoopErrors.restoring():
                    restored = self._manager.restore(step, args=ocp.args.Composite(**step_items))
            except Exception as error:  # a damaged step: fall back to an older one
                self.unreadable.append(step)
                log.warning(
                    "checkpoint step %d is unreadable (%s); trying an older one",
                    step, _first_line(error),
                )  # fmt: skip
                continue
            return step, restored
        return None

    def set_aside_unreadable(self, destination: str | pathlib.Path) -> list[pathlib.Path]:
        """Moves the steps the last restore could not read into ``destination``.

        They are kept (renamed, never deleted), so a run that resumes from an older
        step can save those step numbers again. Returns the new paths.
        """
        moved = []
        destination = pathlib.Path(destination)
        for step in self.unreadable:
            source = self.directory / str(step)
            if not source.exists():
                continue
            destination.mkdir(parents=True, exist_ok=True)
            target = destination / f"{step}-{time.strftime('%Y%m%d-%H%M%S')}"
            source.rename(target)
            moved.append(target)
        self.unreadable = []
        self._manager.reload()
        return moved

    def restore_config(self) -> tuple[int, dict] | None:
        """``(step, config)`` of the newest complete step, or ``None`` without one."""
        found = self._restore_newest(config=ocp.args.JsonRestore())
        return None if found is None else (found[0], found[1]["config"])

    def restore(self, like: GANState) -> Restored | None:
        """The newest step that loads, shaped like ``like``; ``None`` if there is none."""
        found = self._restore_newest(
            state=ocp.args.StandardRestore(_abstract(_host(like))),
            key=ocp.args.ArrayRestore(),
            data=ocp.args.JsonRestore(),
            config=ocp.args.JsonRestore(),
            run=ocp.args.JsonRestore(),
        )
        if found is None:
            return None
        step, restored = found
        return Restored(
            step=step,
            state=_host(restored["state"]),
            key=jax.random.wrap_key_data(np.asarray(restored["key"])),
            data=restored["data"],
            config=restored["config"],
            run=restored.get("run") or {},
        )

    def restore_generator(self, like: dict, step: int | None = None) -> tuple[int, dict]:
        """The ``generator`` item alone (``{variables, ema_params}``) shaped like ``like``."""
        steps = self.steps()
        if not steps:
            raise FileNotFoundError(f"no complete checkpoint in {self.directory}")
        step = steps[-1] if step is None else step
        restored = self._manager.restore(
            step, args=ocp.args.Composite(generator=ocp.args.StandardRestore(_abstract(like)))
        )
        return step, _host(restored["generator"])

    def close(self) -> None:
        self.wait()
        self._manager.close()
