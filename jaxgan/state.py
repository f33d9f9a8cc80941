"""``GANState``: everything a GAN carries from one train step to the next, as one pytree."""

from __future__ import annotations

from typing import Any

import flax.struct
import jax
import jax.numpy as jnp

__all__ = ["GANState", "split_variables"]

PyTree = Any


@flax.struct.dataclass
class GANState:
    """The whole training state of a GAN.

    Attributes:
      step: int32 scalar, the number of train steps taken (skipped ones included).
      generator_params: the generator's ``params`` collection.
      discriminator_params: the discriminator's ``params`` collection.
      generator_collections: the generator's other variable collections (BatchNorm
        statistics, spectral-norm vectors), ``{}`` if none.
      discriminator_collections: the discriminator's other collections.
      generator_opt_state: the generator optimiser's state.
      discriminator_opt_state: the discriminator optimiser's state.
      ema_params: an exponential moving average of ``generator_params``, or ``None``
        when the EMA is off.
      regularizer_state: anything a regulariser carries across steps (``{}`` for
        the built-in ones).
      consecutive_skips: int32, the number of steps in a row whose losses or
        gradients were not finite (and so changed nothing).
      total_skips: int32, all such steps so far.
    """

    step: jax.Array
    generator_params: PyTree
    discriminator_params: PyTree
    generator_collections: PyTree
    discriminator_collections: PyTree
    generator_opt_state: PyTree
    discriminator_opt_state: PyTree
    ema_params: PyTree | None
    regularizer_state: PyTree
    consecutive_skips: jax.Array
    total_skips: jax.Array

    def generator_variables(self, *, ema: bool = False) -> dict:
        """The generator's variables for ``apply`` (its EMA parameters with ``ema``)."""
        params = self.ema_params if ema and self.ema_params is not None else self.generator_params
        return {"params": params, **self.generator_collections}

    def discriminator_variables(self) -> dict:
        """The discriminator's variables for ``apply``."""
        return {"params": self.discriminator_params, **self.discriminator_collections}


def split_variables(variables: dict) -> tuple[PyTree, dict]:
    """Splits Flax variables into ``params`` and the other collections."""
    variables = dict(variables)
    params = variables.pop("params", {})
    return params, variables


def zero_counter() -> jax.Array:
    return jnp.zeros((), jnp.int32)
