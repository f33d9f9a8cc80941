"""jaxgan.blending against NumPy and SciPy: finite differences by hand, the DCT
diagonalisation against explicit matrices, the Gaussian-Poisson solve against a dense
least-squares solve and on known fields, Poisson blending against Perez et al.'s
equation built by hand and solved by SciPy."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.fft
import scipy.ndimage
import scipy.sparse
import scipy.sparse.linalg

from jaxgan import blending, pyramid


def _random(shape, seed):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def _difference_matrix(n):
    """``(n, n)`` forward differences with a zero last row (no edge past the border)."""
    d = np.zeros((n, n))
    for i in range(n - 1):
        d[i, i], d[i, i + 1] = -1, 1
    return d


def _gradient_matrix(height, width):
    """``(2 HW, HW)``: horizontal then vertical forward differences of a row-major image."""
    horizontal = np.kron(np.eye(height), _difference_matrix(width))
    vertical = np.kron(_difference_matrix(height), np.eye(width))
    return np.concatenate([horizontal, vertical])


def _gaussian_matrix(n, sigma):
    """``(n, n)``: SciPy's 1-D Gaussian filter with ``mode='reflect'``, column by column."""
    return np.stack(
        [scipy.ndimage.gaussian_filter1d(np.eye(n)[i], sigma, mode="reflect") for i in range(n)],
        axis=1,
    )


def test_forward_differences_and_divergence_by_hand():
    x = _random((2, 5, 4, 3), 0)
    horizontal, vertical = jax.jit(blending.forward_differences)(x)
    expected_h = np.concatenate([np.diff(x, axis=2), np.zeros((2, 5, 1, 3))], axis=2)
    expected_v = np.concatenate([np.diff(x, axis=1), np.zeros((2, 1, 4, 3))], axis=1)
    np.testing.assert_allclose(horizontal, expected_h, atol=1e-6)
    np.testing.assert_allclose(vertical, expected_v, atol=1e-6)
    # divergence is minus the adjoint of the differences, for any field.
    h, v = _random(x.shape, 1), _random(x.shape, 2)
    h_used, v_used = h.copy(), v.copy()
    h_used[:, :, -1], v_used[:, -1] = 0, 0
    inner = np.sum(np.asarray(jax.jit(blending.divergence)(h, v)) * x)
    assert inner == pytest.approx(-np.sum(h_used * expected_h + v_used * expected_v), rel=1e-5)


def test_dct_diagonalises_the_neumann_laplacian_and_the_mirrored_gaussian():
    height, width, sigma = 6, 5, 1.3
    x = _random((1, height, width, 1), 3)
    gradient = _gradient_matrix(height, width)
    laplacian = (gradient.T @ gradient) @ x.reshape(-1)
    in_dct = blending.idct2(blending.laplacian_eigenvalues(height, width) * blending.dct2(x))
    np.testing.assert_allclose(np.asarray(in_dct).reshape(-1), laplacian, atol=1e-5)
    np.testing.assert_allclose(
        -np.asarray(blending.divergence(*blending.forward_differences(x))).reshape(-1),
        laplacian, atol=1e-5,
    )  # fmt: skip
    images = _random((2, 16, 12, 3), 4)
    for s in (0.5, sigma):
        np.testing.assert_allclose(
            jax.jit(lambda y, s=s: blending.gaussian_blur(y, s))(images),
            scipy.ndimage.gaussian_filter(images, (0, s, s, 0), mode="reflect"),
            atol=1e-5,
        )
    # dct2 is SciPy's orthonormal DCT-II over height and width.
    np.testing.assert_allclose(
        blending.dct2(images), scipy.fft.dctn(images, type=2, axes=(1, 2), norm="ortho"),
        atol=1e-5,
    )  # fmt: skip


@pytest.mark.parametrize("beta", [0.1, 1.0, 10.0])
def test_gaussian_poisson_blend_recovers_an_image_from_its_own_field_and_colours(beta):
    x = _random((2, 12, 10, 1), 5)
    colour = blending.gaussian_blur(x, 0.5)
    solve = jax.jit(lambda f, c: blending.gaussian_poisson_blend(f, c, beta=beta, sigma=0.5))
    np.testing.assert_allclose(solve(blending.forward_differences(x), colour), x, atol=2e-5)


def test_gaussian_poisson_blend_is_the_dense_least_squares_solution():
    height, width, beta, sigma = 6, 5, 0.7, 0.8
    horizontal, vertical = _random((1, height, width, 1), 6), _random((1, height, width, 1), 7)
    horizontal[:, :, -1], vertical[:, -1] = 0, 0  # edges that exist
    colour = _random((1, height, width, 1), 8)
    gradient = _gradient_matrix(height, width)
    gaussian = np.kron(_gaussian_matrix(height, sigma), _gaussian_matrix(width, sigma))
    system = np.concatenate([gradient, np.sqrt(beta) * gaussian])
    target = np.concatenate(
        [horizontal.reshape(-1), vertical.reshape(-1), np.sqrt(beta) * colour.reshape(-1)]
    )
    expected = np.linalg.lstsq(system, target, rcond=None)[0]
    result = blending.gaussian_poisson_blend((horizontal, vertical), colour, beta=beta,
                                             sigma=sigma)  # fmt: skip
    np.testing.assert_allclose(np.asarray(result).reshape(-1), expected, atol=1e-4)


def _perez(source, destination, mask):
    """Perez et al. 2003, eq. 7, on one channel, built pixel by pixel and solved by SciPy."""
    height, width = mask.shape
    inside = [(i, j) for i in range(height) for j in range(width) if mask[i, j]]
    index = {p: k for k, p in enumerate(inside)}
    matrix = scipy.sparse.lil_matrix((len(inside), len(inside)))
    rhs = np.zeros(len(inside))
    for (i, j), k in index.items():
        for a, b in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)):
            if 0 <= a < height and 0 <= b < width:
                matrix[k, k] += 1
                rhs[k] += source[i, j] - source[a, b]
                if (a, b) in index:
                    matrix[k, index[(a, b)]] -= 1
                else:
                    rhs[k] += destination[a, b]
    solution = scipy.sparse.linalg.spsolve(matrix.tocsr(), rhs)
    result = destination.astype(np.float64).copy()
    for p, k in index.items():
        result[p] = solution[k]
    return result


def test_poisson_blend_solves_perez_equation():
    source, destination = _random((2, 9, 8, 1), 9), _random((2, 9, 8, 1), 10)
    mask = np.zeros((2, 9, 8, 1), np.float32)
    mask[0, 2:6, 3:7] = 1
    mask[0, 0, 0] = 1  # a piece in the corner, with two neighbours outside
    mask[1, 4:9, 0:5] = 1  # touching two borders
    result = jax.jit(lambda s, d, m: blending.poisson_blend(s, d, m, tolerance=1e-7))(
        source, destination, mask
    )
    for b in range(2):
        expected = _perez(source[b, ..., 0], destination[b, ..., 0], mask[b, ..., 0])
        np.testing.assert_allclose(result[b, ..., 0], expected, atol=1e-5)


def test_poisson_blend_undoes_a_pure_brightness_change():
    # The source's gradients are the destination's, and the border is the destination's:
    # the unique solution is the destination itself.
    destination = _random((1, 10, 10, 2), 11)
    mask = np.zeros((1, 10, 10, 1), np.float32)
    mask[:, 3:8, 2:7] = 1
    result = blending.poisson_blend(destination + 0.3, destination, mask)
    np.testing.assert_allclose(result, destination, atol=1e-5)
    composite = blending.copy_paste(destination + 0.3, destination, mask)
    assert np.max(np.abs(np.asarray(composite) - destination)) == pytest.approx(0.3, abs=1e-6)


def test_guidance_field_takes_the_source_on_edges_touching_the_mask():
    source, destination = _random((1, 4, 4, 1), 12), _random((1, 4, 4, 1), 13)
    mask = np.zeros((1, 4, 4, 1), np.float32)
    mask[0, 1, 1] = 1
    horizontal, _ = blending.guidance_field(source, destination, mask)
    s, d = source[0, ..., 0], destination[0, ..., 0]
    assert horizontal[0, 1, 0, 0] == pytest.approx(s[1, 1] - s[1, 0])  # into the mask
    assert horizontal[0, 1, 1, 0] == pytest.approx(s[1, 2] - s[1, 1])  # out of it
    assert horizontal[0, 1, 2, 0] == pytest.approx(d[1, 3] - d[1, 2])  # away from it
    assert horizontal[0, 0, 1, 0] == pytest.approx(d[0, 2] - d[0, 1])


def test_gp_gan_blend_matches_a_scipy_pyramid():
    size, beta, sigma = 16, 1.0, 0.5
    source, destination = _random((2, size, size, 1), 14), _random((2, size, size, 1), 15)
    mask = np.zeros((2, size, size, 1), np.float32)
    mask[:, 4:12, 2:10] = 1
    colour = _random((2, size // 4, size // 4, 1), 16)

    def solve(field, low):  # the closed form with SciPy's DCT and filter
        rhs = -np.asarray(blending.divergence(*field), np.float64)
        k = np.arange(low.shape[1])
        lam = (2 - 2 * np.cos(np.pi * k / low.shape[1]))[:, None]
        lam = (lam + lam.T)[None, :, :, None]
        unit = np.zeros(low.shape[1:3])
        unit[0, 0] = 1
        gamma = scipy.fft.dctn(scipy.ndimage.gaussian_filter(unit, sigma, mode="reflect"),
                               norm="ortho") / scipy.fft.dctn(unit, norm="ortho")  # fmt: skip
        gamma = gamma[None, :, :, None]
        dct = lambda y: scipy.fft.dctn(y, axes=(1, 2), norm="ortho")  # noqa: E731
        return scipy.fft.idctn((dct(rhs) + beta * gamma * dct(low)) / (lam + beta * gamma**2),
                               axes=(1, 2), norm="ortho")  # fmt: skip

    levels = [(source, destination, mask)]
    for _ in range(2):
        levels.append(tuple(np.asarray(pyramid.downsample(a)) for a in levels[-1]))
    expected = colour.astype(np.float64)
    for level, (s, d, m) in enumerate(reversed(levels)):
        if level:
            expected = np.asarray(pyramid.upsample(jnp.asarray(expected, jnp.float32)))
        expected = solve(blending.guidance_field(s, d, np.round(m)), expected)
    result = jax.jit(blending.gp_gan_blend)(source, destination, mask, colour)
    np.testing.assert_allclose(result, expected, atol=1e-4)


def test_bad_inputs_say_what_was_given():
    x = np.zeros((1, 8, 8, 1), np.float32)
    with pytest.raises(ValueError, match=r"colour image \(3, 3\)"):
        blending.gp_gan_blend(x, x, x, np.zeros((1, 3, 3, 1), np.float32))
    with pytest.raises(ValueError, match="beta=0"):
        blending.gaussian_poisson_blend((x, x), x, beta=0)
    with pytest.raises(ValueError, match="NHWC"):
        blending.poisson_blend(x[0], x[0], x[0])
    with pytest.raises(ValueError, match="share batch, height and width"):
        blending.copy_paste(x, np.zeros((1, 8, 6, 1)), x)
    with pytest.raises(ValueError, match="sigma=0"):
        blending.gaussian_kernel(0)
