"""Running the train step on one device, on many, and on many hosts.

Strategies (:data:`STRATEGIES`):

- ``single``: ``jax.jit`` on one device.
- ``sharded`` (the default on several devices): ``jax.jit`` over a 1-D ``'data'`` mesh
  from ``jax.make_mesh``; the batch is sharded along its batch axis and the state
  replicated. The step is written for the global batch, so batch-coupled layers
  (BatchNorm, minibatch discrimination) see the global batch, and XLA inserts the
  collectives.
- ``pmap``: the same step under ``jax.pmap`` with ``axis_name='batch'``; gradients,
  metrics and model statistics are ``pmean``-ed. Layers couple the per-device batch
  unless their own ``axis_name`` is set to ``'batch'`` (BatchNorm synchronisation,
  cross-device minibatch discrimination).

Which to pick: ``sharded`` (the default on several devices) for any model -- it is
one ``jax.jit`` over the global batch, splits every per-example computation along the
batch (the step lays out the latents it draws like the data), and inserts the
collectives itself; ``pmap`` for code that needs explicit per-device control (its
batch-coupled layers must name the axis to see the global batch); ``single`` on one
device. Research code writing its own step under ``jax.shard_map``:
:func:`shard_map_value_and_grad`.

On several hosts, call :func:`initialize_distributed` first; then each process feeds
:meth:`Parallel.put_batch` its own slice of the global batch (``global_batch_size /
process_count`` examples) and JAX's multi-host runtime does the rest.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import AxisType, NamedSharding
from jax.sharding import PartitionSpec as P

from jaxgan.state import GANState
from jaxgan.step import GAN

__all__ = [
    "PMAP_AXIS",
    "STRATEGIES",
    "Parallel",
    "fetch",
    "initialize_distributed",
    "replicate",
    "shard_map_value_and_grad",
    "unreplicate",
]

STRATEGIES = ("single", "sharded", "pmap")
PMAP_AXIS = "batch"


def initialize_distributed(
    coordinator_address: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
    **kwargs,
) -> None:
    """Starts JAX's multi-host runtime (``jax.distributed.initialize``).

    With no arguments JAX reads the cluster's environment (TPU pods, SLURM, Open MPI,
    Kubernetes); otherwise pass the coordinator's ``host:port``, the number of
    processes and this process's id. Call it before anything touches a device.
    A single process (``num_processes == 1``) needs no runtime and is left alone.
    """
    if num_processes == 1:
        return
    given = [coordinator_address, num_processes, process_id]
    if any(value is not None for value in given) and not all(value is not None for value in given):
        raise ValueError(
            "coordinator_address, num_processes and process_id go together; got "
            f"coordinator_address={coordinator_address!r}, num_processes={num_processes!r}, "
            f"process_id={process_id!r}"
        )
    jax.distributed.initialize(
        coordinator_address=coordinator_address,
        num_processes=num_processes,
        process_id=process_id,
        **kwargs,
    )


def shard_map_value_and_grad(
    loss_fn: Callable[..., jax.Array], axis_name: str, **kwargs
) -> Callable[..., tuple[jax.Array, Any]]:
    """``jax.value_and_grad`` of the global-batch mean of a per-device loss, in ``shard_map``.

    Inside ``jax.shard_map``, the gradient of a replicated (axis-invariant) parameter
    already comes out *summed* over the axis: the transpose of the implicit broadcast
    of the parameter is a ``psum``. So ``jax.grad`` of each device's mean loss gives
    ``N`` times the gradient of the global mean, and averaging those gradients again
    (``pmean``, as in a ``pmap`` step) does not undo it -- a step written that way
    silently trains with gradients ``N`` times too large (Adam hides it; SGD does not).
    This differentiates ``pmean(loss_fn(...))`` instead: the loss and gradient are the
    global batch's, the same on every device, and equal the single-device ones. Use it
    with jaxgan's layers and penalties given ``axis_name`` (``MinibatchDiscrimination(
    axis_name=...)``, BatchNorm's ``axis_name``, the penalties' ``axis_name``).

    Args:
      loss_fn: ``(params, *args) -> scalar``, this device's mean loss over its examples.
      axis_name: the ``shard_map`` mesh axis the batch is split over.
      **kwargs: passed to ``jax.value_and_grad`` (``argnums``, ``has_aux``).

    Returns:
      ``(params, *args) -> (global mean loss, its gradient)``.
    """

    def global_loss(*args):
        out = loss_fn(*args)
        if kwargs.get("has_aux"):
            return jax.lax.pmean(out[0], axis_name), out[1]
        return jax.lax.pmean(out, axis_name)

    return jax.value_and_grad(global_loss, **kwargs)


def fetch(tree: Any) -> Any:
    """Host NumPy copies of a tree of replicated arrays (this process's copy on several hosts)."""

    def to_host(x):
        if isinstance(x, jax.Array) and not x.is_fully_addressable:
            x = x.addressable_data(0)
        return np.asarray(x)

    return jax.tree.map(to_host, tree)


def _stacked(devices) -> NamedSharding:
    """Sharding of arrays stacked on a leading per-device axis, as ``pmap`` takes them."""
    return NamedSharding(jax.sharding.Mesh(np.asarray(devices), ("devices",)), P("devices"))


def replicate(tree: Any, devices=None) -> Any:
    """Copies ``tree`` to every (local) device, stacked on a leading axis, for ``pmap``."""
    devices = list(devices or jax.local_devices())

    def copies(x):
        x = jnp.asarray(x)
        return jnp.broadcast_to(x[None], (len(devices),) + x.shape)

    return jax.device_put(jax.tree.map(copies, tree), _stacked(devices))


def unreplicate(tree: Any) -> Any:
    """The first replica of a ``pmap``-replicated tree."""
    return jax.tree.map(lambda x: x[0], tree)


@dataclasses.dataclass(frozen=True)
class Parallel:
    """A strategy bound to devices: places state and batches and compiles the step.

    Build one with :meth:`create`.
    """

    strategy: str
    devices: tuple
    mesh: jax.sharding.Mesh | None

    @classmethod
    def create(cls, strategy: str | None = None, num_devices: int | None = None) -> Parallel:
        """Binds ``strategy`` (default: ``sharded`` on several devices, else ``single``).

        Args:
          strategy: one of :data:`STRATEGIES`, or ``None`` for the default.
          num_devices: how many of the (global) devices to use; all by default (one
            for ``single``).
        """
        available = jax.devices()
        if num_devices is None:
            num_devices = 1 if strategy == "single" else len(available)
        if not 1 <= num_devices <= len(available):
            raise ValueError(
                f"num_devices={num_devices} but only {len(available)} device(s) are available"
            )
        if strategy is None:
            strategy = "sharded" if num_devices > 1 else "single"
        if strategy not in STRATEGIES:
            raise ValueError(
                f"unknown strategy {strategy!r}; use one of {STRATEGIES} "
                "('sharded' is the default on several devices)"
            )
        if strategy == "single" and num_devices != 1:
            raise ValueError(
                f"strategy='single' runs on one device; got num_devices={num_devices} "
                "(use 'sharded' or 'pmap' for several)"
            )
        devices = tuple(available[:num_devices])
        mesh = None
        if strategy == "sharded":
            mesh = jax.make_mesh(
                (num_devices,), ("data",), axis_types=(AxisType.Auto,), devices=devices
            )
        if strategy == "pmap" and jax.process_count() > 1 and num_devices != len(available):
            raise ValueError("strategy='pmap' on several hosts uses every device of every host")
        return cls(strategy=strategy, devices=devices, mesh=mesh)

    @property
    def num_devices(self) -> int:
        return len(self.devices)

    @property
    def local_devices(self) -> tuple:
        return tuple(d for d in self.devices if d.process_index == jax.process_index())

    def check_batch_size(self, global_batch_size: int, micro_batches: int = 1) -> None:
        """Raises unless ``global_batch_size`` splits evenly over devices and processes, and
        each device's share into ``micro_batches`` (``GAN.micro_batches``)."""
        if global_batch_size % self.num_devices:
            raise ValueError(
                f"batch_size={global_batch_size} is not divisible by {self.num_devices} devices; "
                f"use a multiple of {self.num_devices}"
            )
        if global_batch_size % (self.num_devices * micro_batches):
            per_device = global_batch_size // self.num_devices
            raise ValueError(
                f"batch_size={global_batch_size} gives {per_device} examples per device, not "
                f"divisible by micro_batches={micro_batches}; use a batch_size that is a "
                f"multiple of {self.num_devices * micro_batches} (devices x micro_batches)"
            )
        if global_batch_size % jax.process_count():
            raise ValueError(
                f"batch_size={global_batch_size} is not divisible by {jax.process_count()} "
                "processes"
            )

    # ------------------------------------------------------------------
    # Placement.
    # ------------------------------------------------------------------

    def put_state(self, state: GANState) -> GANState:
        """Places a copy of ``state`` for the step: on the device, replicated, or per device.

        The step donates the state it is given; the copy keeps the caller's ``state``
        alive.
        """
        # A copy first: device_put may hand back (or alias) the very buffers given.
        state = jax.tree.map(lambda x: jnp.array(x, copy=True), state)
        if self.strategy == "single":
            return jax.device_put(state, self.devices[0])
        if self.strategy == "sharded":
            return self._replicated(state)
        return replicate(state, list(self.local_devices))

    def _replicated(self, tree: Any) -> Any:
        """``tree`` replicated over the mesh; on several hosts, from each host's own copy."""
        sharding = NamedSharding(self.mesh, P())
        if jax.process_count() == 1:
            return jax.device_put(tree, sharding)

        def put(x):
            if jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key):
                data = put(jax.random.key_data(x))
                return jax.jit(jax.random.wrap_key_data, out_shardings=sharding)(data)
            host = np.asarray(x)
            return jax.make_array_from_callback(host.shape, sharding, lambda index: host[index])

        return jax.tree.map(put, tree)

    def get_state(self, state: GANState) -> GANState:
        """The state as one (unreplicated) copy, fetched to host NumPy arrays."""
        if self.strategy == "pmap":
            state = unreplicate(state)
        return fetch(state)

    def put_batch(self, batch: dict, *, batch_axis: int = 0) -> dict:
        """Places this process's slice of the global batch.

        Args:
          batch: dict of host arrays; on several hosts, this process's
            ``1 / process_count`` of the global batch.
          batch_axis: the batch axis (1 when a leading ``n_critic`` axis comes first).
        """
        local_size = next(iter(batch.values())).shape[batch_axis]
        self.check_batch_size(local_size * jax.process_count())
        if self.strategy == "single":
            return jax.device_put(batch, self.devices[0])
        if self.strategy == "sharded":
            spec = P(*([None] * batch_axis), "data")
            sharding = NamedSharding(self.mesh, spec)
            return {
                name: jax.make_array_from_process_local_data(sharding, np.asarray(array))
                for name, array in batch.items()
            }
        per_device = len(self.local_devices)

        def split(array):
            array = np.asarray(array)
            shape = array.shape
            # (.., B, ...) -> (devices, .., B / devices, ...)
            array = array.reshape(
                shape[:batch_axis]
                + (per_device, shape[batch_axis] // per_device)
                + shape[batch_axis + 1 :]
            )
            array = np.moveaxis(array, batch_axis, 0)
            return jax.device_put(array, _stacked(list(self.local_devices)))

        return {name: split(array) for name, array in batch.items()}

    def put_key(self, key: jax.Array) -> jax.Array:
        """Places the run's PRNG key (replicated per device under ``pmap``)."""
        if self.strategy == "pmap":
            return replicate(key, list(self.local_devices))
        if self.strategy == "sharded":
            return self._replicated(key)
        return jax.device_put(key, self.devices[0])

    def shard_examples(self, x: jax.Array) -> jax.Array:
        """``x`` (leading batch axis) constrained to the batch's sharding, inside ``jax.jit``.

        The hint the sharded step gets for the per-example arrays it creates (the
        latents): without it they would be replicated, and the generator and
        everything after it computed in full on every device. Identity for the other
        strategies.
        """
        if self.strategy != "sharded":
            return x
        spec = P("data", *([None] * (x.ndim - 1)))
        return jax.lax.with_sharding_constraint(x, NamedSharding(self.mesh, spec))

    # ------------------------------------------------------------------
    # The compiled step.
    # ------------------------------------------------------------------

    def compile_step(self, gan: GAN) -> Callable:
        """``gan.train_step`` compiled for this strategy, donating the incoming state.

        Returns ``step(state, batch, key) -> (state, metrics)`` over placed arguments;
        metrics come back as one copy of each scalar.
        """
        if self.strategy == "pmap":
            step = jax.pmap(
                functools.partial(gan.train_step, axis_name=PMAP_AXIS),
                axis_name=PMAP_AXIS,
                devices=list(self.local_devices),
                donate_argnums=(0,),
            )

            def pmapped(state, batch, key):
                state, metrics = step(state, batch, key)
                return state, unreplicate(metrics)

            return pmapped
        if self.strategy == "sharded":
            replicated = NamedSharding(self.mesh, P())
            batch_axis = 1 if gan.n_critic > 1 else 0
            batch_sharding = NamedSharding(self.mesh, P(*([None] * batch_axis), "data"))
            return jax.jit(
                functools.partial(gan.train_step, shard_examples=self.shard_examples),
                in_shardings=(replicated, batch_sharding, replicated),
                out_shardings=(replicated, replicated),
                donate_argnums=(0,),
            )
        return jax.jit(gan.train_step, donate_argnums=(0,))
