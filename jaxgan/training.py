"""A minimal training loop over the compiled step, with the non-finite stop.

The experiment runner (``experiments/train.py``) adds checkpoints, logging and
pictures around the same loop; research code can call :func:`train` directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import jax
import numpy as np

from jaxgan.data.prefetch import DevicePrefetcher
from jaxgan.parallel import Parallel, fetch
from jaxgan.state import GANState
from jaxgan.step import GAN

__all__ = ["NonFiniteError", "check_finite", "train"]


class NonFiniteError(FloatingPointError):
    """Raised when too many consecutive steps had non-finite losses or gradients."""


def check_finite(metrics: dict, *, step: int, max_consecutive_skips: int) -> None:
    """Raises :class:`NonFiniteError` once ``consecutive_skips`` reaches the limit.

    Args:
      metrics: the step's metrics (host or device scalars).
      step: the step number, for the message.
      max_consecutive_skips: how many non-finite steps in a row to tolerate.
    """
    skips = int(np.asarray(metrics["consecutive_skips"]))
    if skips >= max_consecutive_skips:
        raise NonFiniteError(
            f"step {step}: {skips} consecutive steps had non-finite losses or gradients "
            f"(limit max_consecutive_skips={max_consecutive_skips}); the state was left as it "
            "was before the first of them. Lower the learning rate, check the data for "
            "NaN/inf, or add a gradient penalty."
        )


def train(
    gan: GAN,
    state: GANState,
    batches: Iterable[dict],
    key: jax.Array,
    *,
    num_steps: int,
    parallel: Parallel | None = None,
    max_consecutive_skips: int = 10,
    on_metrics: Callable[[int, dict], None] | None = None,
) -> tuple[GANState, dict]:
    """Runs ``num_steps`` train steps and returns the final (host) state and metrics.

    Args:
      gan: the GAN.
      state: the initial state (host or device).
      batches: an iterable of host batches (global batch, or this process's slice on
        several hosts), each with a leading ``n_critic`` axis when ``n_critic > 1``.
      key: the run's PRNG key.
      num_steps: steps to take.
      parallel: the strategy (default: ``Parallel.create()``).
      max_consecutive_skips: stop with :class:`NonFiniteError` after this many
        non-finite steps in a row.
      on_metrics: called with ``(step, host metrics)`` after every step, one step
        late: step t's metrics are fetched (and the non-finite stop applied) once step
        t + 1 has been dispatched, so fetching them does not stall the device.
    """
    parallel = parallel or Parallel.create()
    step_fn = parallel.compile_step(gan)
    batch_axis = 1 if gan.n_critic > 1 else 0
    start = int(fetch(state.step))
    state = parallel.put_state(state)
    key = parallel.put_key(key)
    placed = DevicePrefetcher(batches, lambda b: parallel.put_batch(b, batch_axis=batch_axis))
    metrics: dict = {}
    pending = None

    def settle(settled_step, device_metrics):
        host = fetch(device_metrics)
        check_finite(host, step=settled_step, max_consecutive_skips=max_consecutive_skips)
        if on_metrics is not None:
            on_metrics(settled_step, host)
        return host

    for step in range(start + 1, start + num_steps + 1):
        state, device_metrics = step_fn(state, next(placed), key)
        if pending is not None:
            metrics = settle(*pending)
        pending = (step, device_metrics)
    if pending is not None:
        metrics = settle(*pending)
    return parallel.get_state(state), metrics
