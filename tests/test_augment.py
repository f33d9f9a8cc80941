"""Augmentations (jaxgan.augment) against NumPy, and through the public step."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import augment
from jaxgan.step import AUGMENTATION_STATE
from tests.toy_gans import tiny_dcgan

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(-1, 1, (5, 6, 7, 2)).astype(np.float32)


def numpy_translate(images, shift_y, shift_x, mode):
    out = np.empty_like(images)
    height, width = images.shape[1:3]
    for b, (dy, dx) in enumerate(zip(shift_y, shift_x, strict=True)):
        pad = max(abs(dy), abs(dx), 1)
        if mode == "reflect":
            padded = np.pad(images[b], ((pad, pad), (pad, pad), (0, 0)), mode="reflect")
        else:
            padded = np.pad(images[b], ((pad, pad), (pad, pad), (0, 0)))
        out[b] = padded[pad - dy : pad - dy + height, pad - dx : pad - dx + width]
    return out


@pytest.mark.parametrize("reflect", [False, True])
def test_translate_equals_numpy_padding_and_slicing(reflect):
    shift_y = np.array([0, 1, -2, 3, -5]) // (2 if reflect else 1)
    shift_x = np.array([2, -1, 0, -3, 6]) // (2 if reflect else 1)
    max_shift = 5 if reflect else None  # the default pads by the image size
    actual = jax.jit(augment.translate, static_argnames=("reflect", "max_shift"))(
        IMAGES, shift_y, shift_x, reflect=reflect, max_shift=max_shift
    )
    expected = numpy_translate(IMAGES, shift_y, shift_x, "reflect" if reflect else "constant")
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="mirrors at most 5 pixels; got max_shift=6"):
        augment.translate(IMAGES, shift_y, shift_x, reflect=True, max_shift=6)


def test_diffaugment_colour_equals_the_reference_formulas():
    key = jax.random.key(4)
    actual = augment.DiffAugment(policy="color")(IMAGES, key=key, state={}, step=0)
    # The reference: x + (u - 0.5); (x - mean_c) * 2u + mean_c; (x - mean) * (u + 0.5) + mean,
    # with the uniforms drawn as DiffAugment draws them.
    b_key, s_key, c_key = jax.random.split(jax.random.fold_in(key, 0), 3)
    draw = lambda k: np.asarray(jax.random.uniform(k, (5, 1, 1, 1)), np.float64)
    x = IMAGES.astype(np.float64) + (draw(b_key) - 0.5)
    mean = x.mean(axis=3, keepdims=True)
    x = (x - mean) * (2 * draw(s_key)) + mean
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    x = (x - mean) * (draw(c_key) + 0.5) + mean
    np.testing.assert_allclose(actual, x, rtol=1e-5, atol=1e-5)


def test_diffaugment_translation_and_cutout():
    images = RNG.uniform(0.5, 1.0, (64, 16, 16, 1)).astype(np.float32)  # no zeros of its own
    moved = np.asarray(
        augment.DiffAugment(policy="translation")(images, key=jax.random.key(1), state={}, step=0)
    )
    # Every output is its input shifted by at most 1/8 of the size (2 pixels), zero-filled.
    for b in range(64):
        matches = [
            (dy, dx)
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if np.array_equal(moved[b], numpy_translate(images[b : b + 1], [dy], [dx], "c")[0])
        ]
        assert matches, b
    cut = np.asarray(
        augment.DiffAugment(policy="cutout")(images, key=jax.random.key(2), state={}, step=0)
    )
    for b in range(64):
        rows, cols = np.nonzero(cut[b, :, :, 0] == 0)
        # One axis-aligned rectangle of at most 8 x 8 (half the size), cut by the border.
        assert 0 < rows.size <= 64
        height, width = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
        assert rows.size == height * width and height <= 8 and width <= 8
        inside = (rows.min() > 0 and rows.max() < 15) and (cols.min() > 0 and cols.max() < 15)
        assert not inside or (height, width) == (8, 8)
    with pytest.raises(ValueError, match="unknown operation 'blur'"):
        augment.DiffAugment(policy="color,blur")


def test_ada_with_p_zero_is_the_identity_and_p_adapts_towards_the_target():
    ada = augment.ADA(target=0.6, speed_kimg=0.01)  # 10 images move p by 1
    state = ada.init(jax.random.key(0), {})
    out = ada(IMAGES[:, :6, :6], key=jax.random.key(1), state=state, step=0)
    np.testing.assert_array_equal(out, IMAGES[:, :6, :6])
    # r_t = mean sign(D(x)) = 1 > 0.6: p grows by B / (speed_kimg * 1000) = 4 / 10.
    state, metrics = ada.update(state, real_outputs=jnp.ones(4), step=0)
    np.testing.assert_allclose([state["p"], metrics["ada_rt"]], [0.4, 1.0])
    state, _ = ada.update(state, real_outputs=-jnp.ones(4), step=1)
    np.testing.assert_allclose(state["p"], 0.0, atol=1e-7)
    state, _ = ada.update(state, real_outputs=-jnp.ones(4), step=2)  # clipped at 0
    np.testing.assert_allclose(state["p"], 0.0)


def test_ada_with_p_one_transforms_and_is_differentiable():
    ada = augment.ADA()
    state = {"p": jnp.asarray(1.0)}
    images = jnp.asarray(RNG.uniform(-1, 1, (16, 8, 8, 3)).astype(np.float32))
    out = ada(images, key=jax.random.key(3), state=state, step=0)
    assert out.shape == images.shape and not np.allclose(out, images)
    grad = jax.grad(lambda x: jnp.sum(ada(x, key=jax.random.key(3), state=state, step=0)))(images)
    assert np.all(np.isfinite(grad)) and np.any(grad != 0)


def test_instance_noise_anneals_linearly():
    noise = augment.InstanceNoise(stddev=0.2, anneal_steps=100)
    np.testing.assert_allclose([noise.sigma(0), noise.sigma(50), noise.sigma(150)], [0.2, 0.1, 0])
    points = jnp.zeros((20000, 2))
    out = noise(points, key=jax.random.key(0), state={}, step=50)
    np.testing.assert_allclose(np.std(out), 0.1, rtol=0.02)
    np.testing.assert_array_equal(noise(points, key=jax.random.key(0), state={}, step=100), points)


def test_flip_and_translate_is_a_flip_then_a_small_shift():
    images = RNG.uniform(0.5, 1.0, (32, 8, 8, 1)).astype(np.float32)
    out = np.asarray(augment.flip_and_translate(images, jax.random.key(5), max_shift=1))
    for b in range(32):
        candidates = [images[b : b + 1], images[b : b + 1, :, ::-1]]
        assert any(
            np.array_equal(out[b], numpy_translate(c, [dy], [dx], "c")[0])
            for c in candidates
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
        )


@pytest.mark.parametrize("name", ["diffaugment", "ada"])
def test_augmentation_through_the_step(name):
    options = {"speed_kimg": 0.1} if name == "ada" else {}
    gan = tiny_dcgan(augmentation=augment.get(name, **options))
    batch = {"image": RNG.uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32)}
    state = gan.init(jax.random.key(0), batch)
    step = jax.jit(gan.train_step)
    for _ in range(3):
        state, metrics = step(state, batch, jax.random.key(1))
    assert all(np.isfinite(v) for v in metrics.values())
    if name == "ada":
        # p moved by 8 / 100 per step, in the direction of sign(r_t - 0.6).
        assert AUGMENTATION_STATE in state.regularizer_state
        np.testing.assert_allclose(metrics["ada_p"], state.regularizer_state["augmentation"]["p"])
        assert np.min(np.abs(float(metrics["ada_p"]) - np.array([0.0, 0.08, 0.16, 0.24]))) < 1e-6
    with pytest.raises(ValueError, match=r"augments images of shape \(B, H, W, C\)"):
        augment.get(name)(jnp.zeros((4, 2)), key=jax.random.key(0), state={"p": 0.5}, step=0)
