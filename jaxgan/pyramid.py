"""Laplacian pyramids of image batches (LAPGAN, Denton et al. 2015).

An image ``I_0`` of size ``s`` is split into a coarse image ``I_K`` of size
``s / 2^K`` and ``K`` band-pass residuals ``h_k = I_k - upsample(I_{k+1})``, where
``I_{k+1} = downsample(I_k)``. :func:`reconstruct` inverts :func:`laplacian_pyramid`
exactly (up to float rounding) whatever the two resampling operators are, because each
level adds back what was subtracted: LAPGAN's generators produce ``I_K`` and then each
``h_k`` given ``upsample(I_{k+1})``, and sampling chains them the same way.

``downsample`` is the mean of each 2 x 2 block; ``upsample`` is bilinear with
half-pixel centres (``jax.image.resize``'s ``linear``; at the border it repeats the edge
pixel). Images are NHWC with even height and width at every level that is downsampled
(28 -> 14 -> 7 for ``mnist_5k``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = ["downsample", "laplacian_pyramid", "reconstruct", "upsample"]


def _check_images(images: jax.Array, what: str) -> None:
    if images.ndim != 4:
        raise ValueError(f"{what} takes NHWC images; got an array of shape {images.shape}")


def downsample(images: jax.Array) -> jax.Array:
    """The mean of each 2 x 2 block: ``(B, H, W, C) -> (B, H/2, W/2, C)``.

    Raises:
      ValueError: when the images are not NHWC or their height or width is odd.
    """
    _check_images(images, "downsample")
    batch, height, width, channels = images.shape
    if height % 2 or width % 2:
        raise ValueError(
            f"downsample halves height and width, which must be even; got {height}x{width}"
        )
    blocks = images.reshape(batch, height // 2, 2, width // 2, 2, channels)
    return jnp.mean(blocks, axis=(2, 4))


def upsample(images: jax.Array) -> jax.Array:
    """Bilinear upsampling by 2: ``(B, H, W, C) -> (B, 2H, 2W, C)``.

    Output pixel ``2i`` is ``3/4 x_i + 1/4 x_{i-1}`` and ``2i + 1`` is
    ``3/4 x_i + 1/4 x_{i+1}`` along each axis, with ``x_{-1} = x_0`` and ``x_H = x_{H-1}``.
    """
    _check_images(images, "upsample")
    batch, height, width, channels = images.shape
    return jax.image.resize(images, (batch, 2 * height, 2 * width, channels), "linear")


def laplacian_pyramid(images: jax.Array, levels: int) -> list[jax.Array]:
    """``[h_0, ..., h_{levels-1}, I_levels]``: the residuals from fine to coarse, then
    the coarse image. ``levels = 0`` gives ``[images]``.

    Raises:
      ValueError: for a negative ``levels`` or a size that cannot be halved that often.
    """
    if levels < 0:
        raise ValueError(f"levels must be >= 0; got {levels}")
    _check_images(images, "laplacian_pyramid")
    height, width = images.shape[1:3]
    if height % 2**levels or width % 2**levels:
        raise ValueError(
            f"{levels} levels halve the size {levels} times, so height and width must be "
            f"multiples of {2**levels}; got {height}x{width}"
        )
    bands = []
    current = images
    for _ in range(levels):
        coarser = downsample(current)
        bands.append(current - upsample(coarser))
        current = coarser
    return [*bands, current]


def reconstruct(pyramid: list[jax.Array]) -> jax.Array:
    """Inverts :func:`laplacian_pyramid`: ``I_k = upsample(I_{k+1}) + h_k`` from the
    coarse image up."""
    if not pyramid:
        raise ValueError("reconstruct takes [h_0, ..., h_{K-1}, I_K]; got an empty list")
    image = pyramid[-1]
    for band in reversed(pyramid[:-1]):
        coarse = upsample(image)
        if coarse.shape != band.shape:
            raise ValueError(
                f"a band of shape {band.shape} cannot follow a coarser level of shape "
                f"{image.shape} (upsampled: {coarse.shape})"
            )
        image = coarse + band
    return image
