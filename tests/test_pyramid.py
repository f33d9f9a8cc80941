"""Laplacian pyramids (jaxgan.pyramid) against hand-computed values and NumPy."""

import jax
import numpy as np
import pytest

from jaxgan import pyramid

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(-1, 1, (3, 28, 28, 2)).astype(np.float32)


def numpy_upsample_axis(x, axis):
    """Bilinear x2 along one axis, half-pixel centres, edge pixels repeated."""
    x = np.moveaxis(x, axis, 0)
    before = np.concatenate([x[:1], x[:-1]])
    after = np.concatenate([x[1:], x[-1:]])
    out = np.empty((2 * x.shape[0], *x.shape[1:]), x.dtype)
    out[0::2] = 0.75 * x + 0.25 * before
    out[1::2] = 0.75 * x + 0.25 * after
    return np.moveaxis(out, 0, axis)


def test_downsample_and_upsample_by_hand():
    image = np.array([[0.0, 4.0], [8.0, 12.0]], np.float32)[None, :, :, None]
    np.testing.assert_allclose(pyramid.downsample(image)[0, :, :, 0], [[6.0]])
    up = pyramid.upsample(image)[0, :, :, 0]
    # Rows: [0, 1, 3, 4] along x for the first row; the second row is 8 more; between
    # them the rows mix 3/4 : 1/4.
    first, last = np.array([0.0, 1.0, 3.0, 4.0]), np.array([8.0, 9.0, 11.0, 12.0])
    expected = np.stack([first, 0.75 * first + 0.25 * last, 0.25 * first + 0.75 * last, last])
    np.testing.assert_allclose(up, expected, rtol=0, atol=1e-6)


def test_resampling_equals_numpy():
    np.testing.assert_allclose(
        jax.jit(pyramid.downsample)(IMAGES),
        IMAGES.reshape(3, 14, 2, 14, 2, 2).mean(axis=(2, 4)),
        rtol=0,
        atol=1e-6,
    )
    small = IMAGES[:, :7, :7]
    expected = numpy_upsample_axis(numpy_upsample_axis(small, 1), 2)
    np.testing.assert_allclose(jax.jit(pyramid.upsample)(small), expected, rtol=0, atol=1e-6)


def test_downsample_undoes_upsample_of_a_constant_and_keeps_the_mean():
    constant = np.full((1, 7, 7, 1), 0.3, np.float32)
    np.testing.assert_allclose(pyramid.downsample(pyramid.upsample(constant)), constant, atol=1e-7)
    np.testing.assert_allclose(
        pyramid.downsample(IMAGES).mean(axis=(1, 2)), IMAGES.mean(axis=(1, 2)), atol=1e-6
    )


@pytest.mark.parametrize("levels", [0, 1, 2])
def test_pyramid_round_trips(levels):
    bands = jax.jit(pyramid.laplacian_pyramid, static_argnums=1)(IMAGES, levels)
    sizes = [band.shape[1] for band in bands]
    assert sizes == [28, 14, 7][: levels + 1]
    # The coarse image is the block mean over 2^levels x 2^levels pixels.
    block = 2**levels
    np.testing.assert_allclose(
        bands[-1],
        IMAGES.reshape(3, 28 // block, block, 28 // block, block, 2).mean(axis=(2, 4)),
        atol=1e-6,
    )
    np.testing.assert_allclose(pyramid.reconstruct(bands), IMAGES, rtol=0, atol=1e-6)


def test_bad_inputs_say_what_was_given():
    with pytest.raises(ValueError, match="must be even; got 7x7"):
        pyramid.downsample(IMAGES[:, :7, :7])
    with pytest.raises(ValueError, match="multiples of 8; got 28x28"):
        pyramid.laplacian_pyramid(IMAGES, 3)
    with pytest.raises(ValueError, match=r"NHWC images; got an array of shape \(28, 28\)"):
        pyramid.upsample(IMAGES[0, :, :, 0])
    with pytest.raises(ValueError, match="cannot follow a coarser level"):
        pyramid.reconstruct([IMAGES, IMAGES[:, :7, :7]])
