"""A history of generated images for the discriminator (Shrivastava et al. 2017).

CycleGAN (Zhu et al. 2017) updates its discriminators on generated images drawn from a
pool of the last 50 instead of only the newest, to damp oscillation. Its rule, applied
to the images of a batch one at a time: while the pool is not full, store the image and
give it to D; once full, with probability 1/2 give D a stored image chosen uniformly at
random and put the new one in its slot, otherwise give D the new image. A pool of size 0
gives every image back unchanged.

Written as a pair of pure functions in the shape of an Optax transformation:
``init(images) -> state`` and ``query(state, images, key) -> (images, state)``; the
state is a pytree (the stored images and how many slots are filled) that lives in the
caller's train state and is checkpointed with it.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

__all__ = ["ImagePool", "ImagePoolState", "image_pool"]


class ImagePoolState(NamedTuple):
    images: jax.Array  # (pool_size, *image_shape)
    count: jax.Array  # int32 scalar: slots filled, at most pool_size


class ImagePool(NamedTuple):
    init: callable
    query: callable


def image_pool(pool_size: int = 50, *, swap_probability: float = 0.5) -> ImagePool:
    """A pool of ``pool_size`` past images.

    Args:
      pool_size: images kept (CycleGAN: 50); 0 turns the pool off.
      swap_probability: once full, the chance that D gets a stored image instead of the
        new one (CycleGAN: 0.5).

    Returns:
      ``ImagePool(init, query)``. ``init(images)`` takes a batch ``(B, *shape)`` for the
      shape and dtype; ``query(state, images, key)`` returns images of the same shape for
      D and the new state.
    """
    if pool_size < 0:
        raise ValueError(f"pool_size must be >= 0; got {pool_size}")
    if not 0.0 <= swap_probability <= 1.0:
        raise ValueError(f"swap_probability must be in [0, 1]; got {swap_probability}")

    def init(images: jax.Array) -> ImagePoolState:
        stored = jnp.zeros((pool_size, *images.shape[1:]), images.dtype)
        return ImagePoolState(stored, jnp.zeros((), jnp.int32))

    def query(
        state: ImagePoolState, images: jax.Array, key: jax.Array
    ) -> tuple[jax.Array, ImagePoolState]:
        if state.images.shape[1:] != images.shape[1:]:
            raise ValueError(
                f"the pool holds images of shape {state.images.shape[1:]}; got a batch of "
                f"shape {images.shape}"
            )
        if pool_size == 0:
            return images, state
        swap_key, slot_key = jax.random.split(key)
        uniforms = jax.random.uniform(swap_key, (images.shape[0],))
        slots = jax.random.randint(slot_key, (images.shape[0],), 0, pool_size)

        def one(carry, inputs):
            stored, count = carry
            image, uniform, slot = inputs
            filling = count < pool_size
            swap = jnp.logical_and(~filling, uniform < swap_probability)
            # Where the image goes (if anywhere) and what D sees.
            target = jnp.where(filling, count, slot)
            given = jnp.where(swap, stored[slot], image)
            write = jnp.logical_or(filling, swap)
            updated = jnp.where(write, image, stored[target])
            stored = jax.lax.dynamic_update_index_in_dim(stored, updated, target, axis=0)
            return (stored, count + filling.astype(jnp.int32)), given

        (stored, count), given = jax.lax.scan(
            one, (state.images, state.count), (images, uniforms, slots)
        )
        return given, ImagePoolState(stored, count)

    return ImagePool(init, query)
