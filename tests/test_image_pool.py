"""The image history pool (jaxgan.image_pool) against CycleGAN's ImagePool, in Python."""

import jax
import numpy as np
import pytest

from jaxgan import image_pool


def reference_query(pool, size, images, uniforms, slots, swap_probability=0.5):
    """junyanz/pytorch-CycleGAN-and-pix2pix util/image_pool.py, with its random draws
    (``random.uniform`` and ``random.randint``) given."""
    returned = []
    for image, uniform, slot in zip(images, uniforms, slots, strict=True):
        if len(pool) < size:
            pool.append(image)
            returned.append(image)
        elif uniform < swap_probability:
            returned.append(pool[slot].copy())
            pool[slot] = image
        else:
            returned.append(image)
    return np.stack(returned)


def draws(key, batch, size):
    swap_key, slot_key = jax.random.split(key)
    return (
        np.asarray(jax.random.uniform(swap_key, (batch,))),
        np.asarray(jax.random.randint(slot_key, (batch,), 0, size)),
    )


@pytest.mark.parametrize("size", [1, 5])
def test_pool_follows_cyclegan_image_for_image(size):
    rng = np.random.default_rng(0)
    pool = image_pool.image_pool(size)
    query = jax.jit(pool.query)
    batches = [rng.normal(size=(3, 4, 4, 2)).astype(np.float32) for _ in range(6)]
    state = pool.init(batches[0])
    reference: list[np.ndarray] = []
    swaps = 0
    for step, batch in enumerate(batches):
        key = jax.random.key(step)
        given, state = query(state, batch, key)
        uniforms, slots = draws(key, 3, size)
        expected = reference_query(reference, size, batch, uniforms, slots)
        np.testing.assert_array_equal(given, expected)
        swaps += int(np.sum(np.any(expected != batch, axis=(1, 2, 3))))
        np.testing.assert_array_equal(state.images[: len(reference)], np.stack(reference))
        assert int(state.count) == len(reference)
    assert swaps > 0  # the test saw stored images handed out, not only new ones


def test_a_full_pool_hands_out_earlier_images_at_the_swap_rate():
    pool = image_pool.image_pool(4, swap_probability=0.3)
    state = pool.init(np.zeros((1, 1), np.float32))
    state = state._replace(images=-np.ones((4, 1), np.float32), count=np.int32(4))
    new = np.arange(4000, dtype=np.float32)[:, None]  # image i is the number i
    given, state = jax.jit(pool.query)(state, new, jax.random.key(0))
    given = np.asarray(given)[:, 0]
    swapped = given != new[:, 0]
    # Binomial(4000, 0.3): sd 0.007, so +-0.035 is five sd.
    assert abs(np.mean(swapped) - 0.3) < 0.035
    # A swap hands out an earlier image (or an initial one, -1), never a later one.
    assert np.all(given[swapped] < new[swapped, 0])
    assert np.all(np.isin(given[swapped], np.concatenate([[-1.0], new[:, 0]])))
    assert int(state.count) == 4


def test_size_zero_returns_the_batch_and_bad_arguments_are_named():
    pool = image_pool.image_pool(0)
    batch = np.arange(6, dtype=np.float32).reshape(3, 2)
    given, state = pool.query(pool.init(batch), batch, jax.random.key(0))
    np.testing.assert_array_equal(given, batch)
    assert state.images.shape == (0, 2)
    with pytest.raises(ValueError, match="pool_size must be >= 0; got -1"):
        image_pool.image_pool(-1)
    with pytest.raises(ValueError, match="swap_probability must be in"):
        image_pool.image_pool(5, swap_probability=1.5)
    pool = image_pool.image_pool(2)
    with pytest.raises(ValueError, match=r"holds images of shape \(2,\); got a batch of shape"):
        pool.query(pool.init(batch), np.zeros((3, 4), np.float32), jax.random.key(0))
