"""Gradient-domain image blending: Poisson editing and GP-GAN's Gaussian-Poisson equation.

A composite pastes the masked region of a ``source`` image onto a ``destination``.
Both blends keep the composite's gradients, :func:`guidance_field`: each edge
between two neighbouring pixels takes the source's difference when it touches the
mask and the destination's otherwise (Perez et al.'s guidance field for seamless
cloning). They differ in where the colours come from:

- :func:`poisson_blend` (Perez et al. 2003): outside the mask the result is the
  destination; inside it minimises ``sum over the edges touching the mask of
  ((x_p - x_q) - v_pq)^2``, whose normal equations are the paper's discrete
  Poisson equation with Dirichlet boundary values (eq. 7). Solved by conjugate
  gradients on the masked pixels.
- :func:`gaussian_poisson_blend` (Wu et al. 2017): over the whole image,
  ``argmin_x ||grad x - v||^2 + beta ||g * x - colour||^2``, where ``g`` is a
  Gaussian filter and ``colour`` a low-resolution image with the right colours
  (the blending GAN's output, upsampled). With reflecting borders (forward
  differences that vanish past the last pixel, the Gaussian filter mirrored at the
  border: SciPy's ``mode='reflect'``) the orthonormal 2-D DCT-II diagonalises both
  operators, so the minimiser is one DCT, a division and one inverse DCT:
  ``x^ = (DCT(-div v) + beta gamma DCT(colour)) / (lambda + beta gamma^2)``, with
  ``lambda`` the Neumann Laplacian's and ``gamma`` the Gaussian's eigenvalues.
  The authors' code solves the same equation with the Gaussian applied once
  (``lambda + beta gamma`` and ``beta DCT(colour)``), not the least-squares normal
  equations; the paper's energy writes the Poisson term as ``||div v - lap x||^2``,
  whose minimiser also satisfies ``lap x = div v`` where the colour term is off.
- :func:`gp_gan_blend`: the paper's multi-scale pass. The composite's Laplacian
  pyramid is solved from the coarsest level (colour: the blending GAN's output) to
  the finest, each level's colour the upsampled solution of the level below.

Images are NHWC float arrays; masks ``(B, H, W, 1)`` (or ``C`` channels) of 0 and 1.
All functions are pure and jit-compatible.

References:
  Perez, Gangnet and Blake, Poisson Image Editing, SIGGRAPH 2003.
  Wu, Zheng, Zhang and Huang, GP-GAN: Towards Realistic High-Resolution Image
  Blending, ACM MM 2019 (arXiv:1703.07195, 2017).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy import fft

from jaxgan import pyramid

__all__ = [
    "copy_paste",
    "dct2",
    "divergence",
    "forward_differences",
    "gaussian_blur",
    "gaussian_eigenvalues",
    "gaussian_kernel",
    "gaussian_poisson_blend",
    "gp_gan_blend",
    "guidance_field",
    "idct2",
    "laplacian_eigenvalues",
    "poisson_blend",
]

_AXES = (-3, -2)  # height and width of NHWC arrays


def _check_images(what: str, **arrays: jax.Array) -> None:
    shapes = {name: tuple(a.shape) for name, a in arrays.items()}
    for name, shape in shapes.items():
        if len(shape) != 4:
            raise ValueError(f"{what} takes NHWC arrays; {name} has shape {shape}")
    first = next(iter(shapes.values()))
    for shape in shapes.values():
        if shape[:3] != first[:3] or shape[3] not in (1, first[3]):
            raise ValueError(
                f"{what}: the arrays must share batch, height and width (a mask may have "
                f"one channel); got {shapes}"
            )


def copy_paste(source: jax.Array, destination: jax.Array, mask: jax.Array) -> jax.Array:
    """The plain composite ``mask * source + (1 - mask) * destination``."""
    _check_images("copy_paste", source=source, destination=destination, mask=mask)
    return mask * source + (1 - mask) * destination


def dct2(x: jax.Array) -> jax.Array:
    """Orthonormal 2-D DCT-II over the height and width of NHWC ``x``."""
    return fft.dctn(x, type=2, axes=_AXES, norm="ortho")


def idct2(x: jax.Array) -> jax.Array:
    """Inverse of :func:`dct2`."""
    return fft.idctn(x, type=2, axes=_AXES, norm="ortho")


def forward_differences(x: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(horizontal, vertical)``: ``x[i, j+1] - x[i, j]`` and ``x[i+1, j] - x[i, j]``,
    each the shape of ``x``, zero on the last column (row): the edge past the border
    does not exist (Neumann boundary)."""
    x = jnp.asarray(x)
    horizontal = jnp.zeros_like(x).at[:, :, :-1].set(x[:, :, 1:] - x[:, :, :-1])
    vertical = jnp.zeros_like(x).at[:, :-1].set(x[:, 1:] - x[:, :-1])
    return horizontal, vertical


def divergence(horizontal: jax.Array, vertical: jax.Array) -> jax.Array:
    """Backward-difference divergence, minus the adjoint of :func:`forward_differences`:
    ``sum(divergence(h, v) * x) = -sum(h * dx_h + v * dx_v)``. ``-divergence`` of
    ``forward_differences(x)`` is the Neumann Laplacian ``D^T D x`` (positive
    semi-definite)."""
    # the edges past the last column (row) do not exist
    h = jnp.asarray(horizontal).at[:, :, -1].set(0)
    v = jnp.asarray(vertical).at[:, -1].set(0)
    h = h - jnp.pad(h[:, :, :-1], [(0, 0), (0, 0), (1, 0), (0, 0)])
    v = v - jnp.pad(v[:, :-1], [(0, 0), (1, 0), (0, 0), (0, 0)])
    return h + v


def _edge_masks(mask: jax.Array) -> tuple[jax.Array, jax.Array]:
    """1 on the horizontal (vertical) edges with at least one end in the mask."""
    m = jnp.asarray(mask, jnp.float32)
    horizontal = jnp.zeros_like(m).at[:, :, :-1].set(jnp.maximum(m[:, :, 1:], m[:, :, :-1]))
    vertical = jnp.zeros_like(m).at[:, :-1].set(jnp.maximum(m[:, 1:], m[:, :-1]))
    return horizontal, vertical


def guidance_field(
    source: jax.Array, destination: jax.Array, mask: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """The composite's gradients ``v = (horizontal, vertical)``: the source's
    differences on the edges that touch the mask, the destination's elsewhere."""
    _check_images("guidance_field", source=source, destination=destination, mask=mask)
    return _mixed_differences(_edge_masks(mask), source, destination)


def _mixed_differences(edges, source, destination):
    """The source's differences on ``edges``, the destination's elsewhere."""
    parts = zip(edges, forward_differences(source), forward_differences(destination), strict=True)
    return tuple(e * s + (1 - e) * d for e, s, d in parts)


def laplacian_eigenvalues(height: int, width: int) -> jax.Array:
    """``(1, H, W, 1)``: the Neumann Laplacian's eigenvalues in :func:`dct2`'s basis,
    ``(2 - 2 cos(pi k / H)) + (2 - 2 cos(pi l / W))``."""
    k = 2 - 2 * np.cos(np.pi * np.arange(height) / height)
    l = 2 - 2 * np.cos(np.pi * np.arange(width) / width)  # noqa: E741
    return jnp.asarray((k[:, None] + l[None, :])[None, :, :, None], jnp.float32)


def gaussian_kernel(sigma: float, *, truncate: float = 4.0) -> np.ndarray:
    """The normalised 1-D Gaussian ``exp(-m^2 / (2 sigma^2))`` for ``|m| <= radius``,
    ``radius = int(truncate * sigma + 0.5)`` (SciPy's ``gaussian_filter``'s)."""
    if not sigma > 0:
        raise ValueError(f"sigma={sigma!r} must be > 0")
    radius = int(truncate * sigma + 0.5)
    m = np.arange(-radius, radius + 1)
    weights = np.exp(-0.5 * (m / sigma) ** 2)
    return weights / weights.sum()


def gaussian_eigenvalues(height: int, width: int, sigma: float, *, truncate: float = 4.0):
    """``(1, H, W, 1)``: the eigenvalues, in :func:`dct2`'s basis, of the separable
    Gaussian filter with mirrored borders: ``gamma_N(k) = g_0 + 2 sum_m g_m cos(pi k m /
    N)`` along each axis (DCT-II diagonalises a symmetric convolution of the
    half-sample symmetric extension)."""
    kernel = gaussian_kernel(sigma, truncate=truncate)
    radius = len(kernel) // 2
    taps = kernel[radius:]

    def axis(n):
        k = np.arange(n)[:, None]
        m = np.arange(1, radius + 1)[None, :]
        return taps[0] + 2 * np.sum(taps[1:] * np.cos(np.pi * k * m / n), axis=1)

    values = axis(height)[:, None] * axis(width)[None, :]
    return jnp.asarray(values[None, :, :, None], jnp.float32)


def gaussian_blur(x: jax.Array, sigma: float, *, truncate: float = 4.0) -> jax.Array:
    """The Gaussian filter with mirrored borders, applied in the DCT domain; equals
    ``scipy.ndimage.gaussian_filter(x, (0, sigma, sigma, 0), mode='reflect')``."""
    gamma = gaussian_eigenvalues(x.shape[1], x.shape[2], sigma, truncate=truncate)
    return idct2(gamma * dct2(x))


def gaussian_poisson_blend(
    field: tuple[jax.Array, jax.Array],
    colour: jax.Array,
    *,
    beta: float = 1.0,
    sigma: float = 0.5,
) -> jax.Array:
    """``argmin_x ||grad x - v||^2 + beta ||g_sigma * x - colour||^2``, in closed form.

    Args:
      field: ``(horizontal, vertical)`` gradients ``v``, each NHWC like ``colour``
        (:func:`guidance_field`).
      colour: ``(B, H, W, C)``, the colours the blurred result should have.
      beta: the colour term's weight (GP-GAN's ``beta``, 1 in the authors' code); > 0,
        so the constant (DCT index 0) is fixed by the colours.
      sigma: the Gaussian's standard deviation in pixels (0.5 in the authors' code).

    Returns:
      ``(B, H, W, C)`` float32, not clipped.
    """
    _check_images("gaussian_poisson_blend", horizontal=field[0], vertical=field[1], colour=colour)
    if not beta > 0:
        raise ValueError(f"beta={beta!r} must be > 0 (it fixes the mean of the result)")
    height, width = colour.shape[1:3]
    lam = laplacian_eigenvalues(height, width)
    gamma = gaussian_eigenvalues(height, width, sigma)
    rhs = dct2(-divergence(*field)) + beta * gamma * dct2(colour.astype(jnp.float32))
    return idct2(rhs / (lam + beta * gamma**2))


def poisson_blend(
    source: jax.Array,
    destination: jax.Array,
    mask: jax.Array,
    *,
    tolerance: float = 1e-6,
    max_iterations: int | None = None,
) -> jax.Array:
    """Perez et al.'s seamless cloning: the destination outside the mask; inside, the
    least-squares fit of :func:`guidance_field` (the source's gradients) with the
    destination's values fixed at the mask's border.

    The unknowns are the masked pixels ``u``; with ``x = m u + (1 - m) dst`` and ``W``
    the edges touching the mask, the normal equations ``m D^T W D m u = m D^T W (v - D
    (1 - m) dst)`` are solved by conjugate gradients (SPD on the masked pixels as long
    as every connected part of the mask has a neighbour outside it).

    Args:
      source, destination: ``(B, H, W, C)``.
      mask: ``(B, H, W, 1)`` or ``(B, H, W, C)`` of 0 and 1.
      tolerance: conjugate gradients' relative residual.
      max_iterations: at most this many iterations (default ``4 * H * W``).

    Returns:
      ``(B, H, W, C)`` float32.
    """
    _check_images("poisson_blend", source=source, destination=destination, mask=mask)
    source = source.astype(jnp.float32)
    destination = destination.astype(jnp.float32)
    m = jnp.broadcast_to(mask.astype(jnp.float32), source.shape)
    edges = _edge_masks(m)
    field = _mixed_differences(edges, source, destination)

    def gradient_adjoint(h, v):  # D^T of an edge field
        return -divergence(h, v)

    def normal(u):
        d = forward_differences(m * u)
        return m * gradient_adjoint(*(e * g for e, g in zip(edges, d, strict=True)))

    outside = forward_differences((1 - m) * destination)
    parts = zip(edges, field, outside, strict=True)
    rhs = m * gradient_adjoint(*(e * (f - o) for e, f, o in parts))
    iterations = max_iterations or 4 * source.shape[1] * source.shape[2]
    inside, _ = jax.scipy.sparse.linalg.cg(
        normal, rhs, x0=m * source, tol=tolerance, maxiter=iterations
    )
    return m * inside + (1 - m) * destination


def gp_gan_blend(
    source: jax.Array,
    destination: jax.Array,
    mask: jax.Array,
    low_resolution_colour: jax.Array,
    *,
    beta: float = 1.0,
    sigma: float = 0.5,
) -> jax.Array:
    """GP-GAN's multi-scale Gaussian-Poisson blend.

    The source, destination and mask are taken down by 2x2 means (the mask
    rounded) to the colour image's size, ``2^K`` times smaller; from that level to the
    full resolution, :func:`gaussian_poisson_blend` combines the level's guidance
    field with colours that are ``low_resolution_colour`` at the coarsest level and the
    bilinearly upsampled solution of the level below after it.

    Args:
      source, destination: ``(B, H, W, C)``.
      mask: ``(B, H, W, 1)`` of 0 and 1.
      low_resolution_colour: ``(B, H / 2^K, W / 2^K, C)``, the blending GAN's output.
      beta, sigma: as :func:`gaussian_poisson_blend`'s.

    Returns:
      ``(B, H, W, C)`` float32, not clipped.
    """
    _check_images("gp_gan_blend", source=source, destination=destination, mask=mask)
    height = source.shape[1]
    ratio = height / low_resolution_colour.shape[1]
    levels = round(math.log2(ratio)) if ratio >= 1 else -1
    if (
        levels < 0
        or 2**levels * low_resolution_colour.shape[1] != height
        or 2**levels * low_resolution_colour.shape[2] != source.shape[2]
    ):
        raise ValueError(
            f"gp_gan_blend needs the colour image {low_resolution_colour.shape[1:3]} to be "
            f"the {source.shape[1:3]} images divided by a power of 2 on both sides"
        )
    stack = [(source, destination, mask.astype(jnp.float32))]
    for _ in range(levels):
        s, d, m = stack[-1]
        stack.append((pyramid.downsample(s), pyramid.downsample(d), pyramid.downsample(m)))
    colour = low_resolution_colour.astype(jnp.float32)
    for level, (s, d, m) in enumerate(reversed(stack)):
        if level:
            colour = pyramid.upsample(colour)
        field = guidance_field(s, d, jnp.round(m))
        colour = gaussian_poisson_blend(field, colour, beta=beta, sigma=sigma)
    return colour
