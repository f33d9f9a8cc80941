"""Orbax checkpoints of a whole run: state, key, data position, config, and the generator alone.

Each checkpoint step holds five items:

- ``state``: the whole :class:`jaxgan.state.GANState` (both networks, their
  statistics, both optimiser states, the EMA);
- ``generator``: the generator's variables and EMA parameters again, so sampling can
  restore them without building optimisers;
- ``key``: the run's PRNG key data;
- ``data``: the input pipeline's position (JSON);
- ``config``: the run's config (JSON).

Orbax writes a step into a temporary directory and renames it only once complete, so
a run killed during a save (even by SIGKILL) leaves no step that :meth:`restore`
would read; if the newest complete step still fails to load, the next older one is
used.
"""

from __future__ import annotations

import json
import logging
import pathlib
from typing import Any

import jax
import numpy as np
import orbax.checkpoint as ocp

from jaxgan.state import GANState

__all__ = ["Checkpointer", "Restored"]

log = logging.getLogger(__name__)


class Restored(dict):
    """The items of a restored step: ``step``, ``state``, ``key``, ``data``, ``config``."""


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
        """``(step, items)`` of the newest step whose ``items`` load; ``None`` if none does."""
        for step in reversed(self.steps()):
            try:
                return step, self._manager.restore(step, args=ocp.args.Composite(**items))
            except Exception as error:  # a damaged step: fall back to an older one
                log.warning(
                    "checkpoint step %d is unreadable (%s); trying an older one", step, error
                )
        return None

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
