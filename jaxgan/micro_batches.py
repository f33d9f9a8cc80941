"""Micro-batches: where a piece of the batch sits in the global batch, and summing over pieces.

A step with ``GAN.micro_batches = k`` splits its (per-device) batch of ``b`` examples
into ``k`` micro-batches of ``b / k`` and runs them one after another, adding up the
gradients (gradient accumulation). Micro-batch ``i`` holds examples ``i, i + k, i +
2k, ...`` (a strided split, :func:`split`): a batch sharded along its batch axis stays
evenly sharded in every micro-batch, so under the ``sharded`` strategy each micro-batch
is spread over all devices.

Randomness drawn per example (latents, a penalty's interpolation noise) is drawn for the
global batch and each piece takes its own rows (:func:`take_piece`), so the pieces of a
step together draw exactly what the single-device step over the whole batch draws. The
global batch is laid out device by device (``pmap``'s axis), and within a device
strided by micro-batch: piece ``(d, i)`` holds global rows ``d b + i + k j``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

__all__ = ["MicroBatch", "add", "mean", "piece", "split", "take_piece", "zeros_like"]


class MicroBatch(NamedTuple):
    """Which micro-batch this is: ``index`` (an int32 scalar, traced inside the step's
    loop) of ``count``."""

    index: jax.Array
    count: int


def split(tree: Any, count: int) -> Any:
    """``(b, ...) -> (count, b / count, ...)`` for every leaf: micro-batch ``i`` is rows
    ``i, i + count, ...``. Raises naming the size when ``b`` is not divisible."""

    def one(a):
        if a.shape[0] % count:
            raise ValueError(
                f"micro_batches={count} needs a batch divisible by {count} (per device under "
                f"pmap); got {a.shape[0]} examples"
            )
        return jnp.moveaxis(a.reshape((a.shape[0] // count, count) + a.shape[1:]), 1, 0)

    return jax.tree.map(one, tree)


def piece(axis_name: str | None, micro_batch: MicroBatch | None) -> tuple[jax.Array, int]:
    """``(index, count)`` of this piece of the global batch: the device (under ``pmap``)
    and the micro-batch within it, device-major."""
    index, count = jnp.int32(0), 1
    if axis_name is not None:
        index, count = jax.lax.axis_index(axis_name), jax.lax.psum(1, axis_name)
    if micro_batch is not None:
        index = index * micro_batch.count + micro_batch.index
        count = count * micro_batch.count
    return index, count


def take_piece(
    draw: Callable[[tuple], jax.Array],
    shape: tuple,
    *,
    axis_name: str | None = None,
    micro_batch: MicroBatch | None = None,
) -> jax.Array:
    """``draw(shape)``, or this piece's rows of ``draw`` over the global batch.

    ``shape[0]`` is the piece's number of examples. The global draw has ``shape[0]``
    times the number of pieces rows, laid out as the module docstring says.
    """
    if axis_name is None and micro_batch is None:
        return draw(tuple(shape))
    size, rest = shape[0], tuple(shape[1:])
    devices = 1 if axis_name is None else jax.lax.psum(1, axis_name)
    micro = 1 if micro_batch is None else micro_batch.count
    everything = draw((devices * size * micro,) + rest)
    rows = everything.reshape((devices, size, micro) + rest)
    device = 0 if axis_name is None else jax.lax.axis_index(axis_name)
    mine = jax.lax.dynamic_index_in_dim(rows, device, axis=0, keepdims=False)
    if micro_batch is None:
        return mine[:, 0]
    return jax.lax.dynamic_index_in_dim(mine, micro_batch.index, axis=1, keepdims=False)


def _inexact(x) -> bool:
    return jnp.issubdtype(jnp.asarray(x).dtype, jnp.inexact)


def zeros_like(shapes: Any) -> Any:
    """Zeros of the shapes and dtypes of ``shapes`` (e.g. ``jax.eval_shape``'s result)."""
    return jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)


def add(total: Any, value: Any) -> Any:
    """The running sum over micro-batches: floating leaves added, the others replaced
    (integer counters are the same in every micro-batch)."""
    return jax.tree.map(lambda t, v: t + v if _inexact(v) else v, total, value)


def mean(total: Any, count: int) -> Any:
    """:func:`add`'s sum over ``count`` micro-batches as their mean (floating leaves)."""
    return jax.tree.map(lambda t: t / count if _inexact(t) else t, total)
