"""Evaluation metrics against closed forms, direct NumPy loops and SciPy."""

import math
import warnings

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from jaxgan import metrics
from jaxgan.data import offline


def random_spd(d, seed):
    a = np.random.default_rng(seed).normal(size=(d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


# ----------------------------------------------------------------------------
# Fréchet distance and streaming statistics.
# ----------------------------------------------------------------------------


def test_frechet_distance_diagonal_closed_form():
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    v1, v2 = np.array([1.0, 4.0, 0.25]), np.array([4.0, 1.0, 1.0])
    expected = 1.0 + 0.0 + 4.0 + np.sum(v1 + v2 - 2 * np.sqrt(v1 * v2))
    np.testing.assert_allclose(
        metrics.frechet_distance(mu1, np.diag(v1), mu2, np.diag(v2)), expected, rtol=1e-10
    )


def test_frechet_distance_matches_eigenvalue_form():
    # Tr (S1 S2)^(1/2) = sum sqrt(eig(S1^(1/2) S2 S1^(1/2))), an independent route.
    s1, s2 = random_spd(6, 0), random_spd(6, 1)
    mu1, mu2 = np.arange(6.0), np.ones(6)
    w, v = np.linalg.eigh(s1)
    root = v @ np.diag(np.sqrt(w)) @ v.T
    trace_root = np.sum(np.sqrt(np.linalg.eigvalsh(root @ s2 @ root)))
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * trace_root
    np.testing.assert_allclose(metrics.frechet_distance(mu1, s1, mu2, s2), expected, rtol=1e-8)
    np.testing.assert_allclose(metrics.frechet_distance(mu1, s1, mu1, s1), 0.0, atol=1e-8)


def test_frechet_distance_singular_covariances_use_the_offset():
    singular = np.zeros((3, 3))
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        value = metrics.frechet_distance(np.zeros(3), singular, np.ones(3), singular)
    np.testing.assert_allclose(value, 3.0, atol=1e-5)


def test_frechet_distance_shape_errors():
    with pytest.raises(ValueError, match=r"means have different shapes: \(3,\) and \(2,\)"):
        metrics.frechet_distance(np.zeros(3), np.eye(3), np.zeros(2), np.eye(2))


def test_streaming_statistics_equal_numpy_on_all_features():
    features = np.random.default_rng(2).normal(size=(103, 5)) * [1, 2, 3, 4, 5] + 7
    statistics = metrics.FeatureStatistics(5)
    for start, stop in [(0, 1), (1, 40), (40, 41), (41, 103)]:  # uneven batches
        statistics.update(features[start:stop].astype(np.float32))
    np.testing.assert_allclose(
        statistics.mean, features.astype(np.float32).astype(np.float64).mean(0), rtol=1e-12
    )
    np.testing.assert_allclose(
        statistics.covariance,
        np.cov(features.astype(np.float32).astype(np.float64), rowvar=False),
        rtol=1e-10,
    )
    with pytest.raises(ValueError, match=r"\(B, 5\)"):
        statistics.update(np.zeros((2, 4)))


# ----------------------------------------------------------------------------
# KID and IS.
# ----------------------------------------------------------------------------


def test_polynomial_mmd2_matches_double_loop():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(7, 4)), rng.normal(0.5, 1.0, size=(9, 4))
    k = lambda a, b: (a @ b / 4 + 1.0) ** 3
    xx = sum(k(x[i], x[j]) for i in range(7) for j in range(7) if i != j) / (7 * 6)
    yy = sum(k(y[i], y[j]) for i in range(9) for j in range(9) if i != j) / (9 * 8)
    xy = sum(k(x[i], y[j]) for i in range(7) for j in range(9)) / (7 * 9)
    np.testing.assert_allclose(metrics.polynomial_mmd2(x, y), xx + yy - 2 * xy, rtol=1e-10)


def test_kid_separates_distributions():
    rng = np.random.default_rng(4)
    a, b, c = (
        rng.normal(size=(400, 8)),
        rng.normal(size=(400, 8)),
        rng.normal(1.0, 1.0, size=(400, 8)),
    )
    same, _ = metrics.kernel_inception_distance(a, b, num_subsets=20, subset_size=100)
    different, spread = metrics.kernel_inception_distance(a, c, num_subsets=20, subset_size=100)
    assert abs(same) < 0.05 < different and spread > 0
    with pytest.raises(ValueError, match="subset_size=500"):
        metrics.kernel_inception_distance(a, c, subset_size=500)


def test_inception_score_closed_forms():
    confident = np.full((100, 10), -30.0)
    confident[np.arange(100), np.arange(100) % 10] = 30.0
    mean, std = metrics.inception_score(confident, splits=10)
    np.testing.assert_allclose(mean, 10.0, rtol=1e-6)  # confident and uniform over 10 classes
    one_class = np.zeros((100, 10))
    one_class[:, 3] = 30.0
    np.testing.assert_allclose(metrics.inception_score(one_class)[0], 1.0, rtol=1e-6)


def test_inception_score_matches_numpy():
    logits = np.random.default_rng(5).normal(size=(60, 6)) * 2
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    scores = []
    for part in np.split(probs, 3):
        py = part.mean(0)
        scores.append(math.exp(np.mean([stats.entropy(p, py) for p in part])))
    mean, std = metrics.inception_score(logits, splits=3)
    np.testing.assert_allclose([mean, std], [np.mean(scores), np.std(scores)], rtol=1e-10)


# ----------------------------------------------------------------------------
# Precision/recall and density/coverage.
# ----------------------------------------------------------------------------


def knn_radius(points, i, k):
    return sorted(np.linalg.norm(points[i] - points[j]) for j in range(len(points)) if j != i)[
        k - 1
    ]


def test_precision_recall_match_direct_loops():
    rng = np.random.default_rng(6)
    real, fake = rng.normal(size=(30, 3)), rng.normal(0.7, 1.3, size=(25, 3))
    real_r = [knn_radius(real, i, 3) for i in range(30)]
    fake_r = [knn_radius(fake, j, 3) for j in range(25)]
    precision = np.mean(
        [any(np.linalg.norm(f - real[i]) <= real_r[i] for i in range(30)) for f in fake]
    )
    recall = np.mean(
        [any(np.linalg.norm(r - fake[j]) <= fake_r[j] for j in range(25)) for r in real]
    )
    np.testing.assert_allclose(
        metrics.precision_recall(real, fake, k=3), (precision, recall), atol=1e-12
    )
    assert metrics.precision_recall(real, real + 100.0) == (0.0, 0.0)


def test_density_coverage_match_direct_loops():
    rng = np.random.default_rng(7)
    real, fake = rng.normal(size=(30, 3)), rng.normal(0.5, 1.0, size=(20, 3))
    radii = [knn_radius(real, i, 5) for i in range(30)]
    inside = np.array([[np.linalg.norm(f - real[i]) <= radii[i] for f in fake] for i in range(30)])
    expected = (inside.sum() / (5 * 20), inside.any(axis=1).mean())
    np.testing.assert_allclose(metrics.density_coverage(real, fake, k=5), expected, atol=1e-12)


# ----------------------------------------------------------------------------
# Mode coverage.
# ----------------------------------------------------------------------------


def test_mode_coverage_known_answers():
    modes = offline.ring8_modes()
    on_modes = np.repeat(modes, 10, axis=0) + 0.001
    result = metrics.mode_coverage(on_modes, modes, sigma=0.01)
    assert result == {"modes_captured": 8.0, "high_quality_fraction": 1.0, "reverse_kl": 0.0}
    one_mode = np.repeat(modes[:1], 50, axis=0)
    result = metrics.mode_coverage(one_mode, modes, sigma=0.01)
    assert result["modes_captured"] == 1.0
    np.testing.assert_allclose(result["reverse_kl"], math.log(8))
    noise = np.zeros((20, 2))  # the centre: 1 away from every mode, far beyond 3 sigma
    result = metrics.mode_coverage(noise, modes, sigma=0.01)
    assert result["high_quality_fraction"] == 0.0 and result["modes_captured"] == 0.0
    assert result["reverse_kl"] == math.inf
    half = np.concatenate([one_mode, noise])
    assert metrics.mode_coverage(half, modes, sigma=0.01)["high_quality_fraction"] == 50 / 70


def test_mode_coverage_on_the_true_distribution():
    data = offline.grid25(2500, seed=0)
    result = metrics.mode_coverage(
        data["image"], offline.grid25_modes(), sigma=offline.GRID25_SIGMA
    )
    assert result["modes_captured"] == 25.0 and result["high_quality_fraction"] > 0.98
    assert result["reverse_kl"] < 0.02


def test_stacked_mnist_modes():
    labels = np.array([[1, 2, 3], [1, 2, 3], [9, 9, 9], [0, 0, 0]])
    result = metrics.stacked_mnist_modes(labels)
    assert result["modes"] == 3.0
    q = np.array([0.5, 0.25, 0.25])
    np.testing.assert_allclose(result["kl"], np.sum(q * np.log(q * 1000)))


# ----------------------------------------------------------------------------
# Parzen windows and histogram divergences.
# ----------------------------------------------------------------------------


def test_parzen_single_sample_is_a_gaussian_density():
    rng = np.random.default_rng(8)
    centre, test = rng.normal(size=(1, 4)), rng.normal(size=(6, 4))
    expected = stats.multivariate_normal(centre[0], 0.3**2 * np.eye(4)).logpdf(test).mean()
    np.testing.assert_allclose(
        metrics.parzen_log_likelihood(test, centre, sigma=0.3), expected, rtol=1e-10
    )


def test_parzen_bandwidth_selection_prefers_the_true_scale():
    rng = np.random.default_rng(9)
    samples, validation = rng.normal(size=(2000, 1)), rng.normal(size=(500, 1))
    sigma, score = metrics.select_parzen_bandwidth(validation, samples, [0.01, 0.2, 5.0])
    assert sigma == 0.2
    np.testing.assert_allclose(score, metrics.parzen_log_likelihood(validation, samples, sigma=0.2))


def test_histogram_divergences_match_scipy():
    rng = np.random.default_rng(10)
    target, generated = rng.normal(size=5000), rng.normal(0.5, 1.2, size=5000)
    result = metrics.histogram_divergences(generated, target, bins=40, value_range=(-5, 5))
    p = np.histogram(target, bins=40, range=(-5, 5))[0] + 1e-10
    q = np.histogram(generated, bins=40, range=(-5, 5))[0] + 1e-10
    np.testing.assert_allclose(result["kl"], stats.entropy(p, q), rtol=1e-8)
    np.testing.assert_allclose(result["js"], jensenshannon(p, q) ** 2, rtol=1e-8)
    same = metrics.histogram_divergences(target, target)
    assert same["kl"] == 0.0 and abs(same["js"]) < 1e-12


# ----------------------------------------------------------------------------
# 1-D W1 and the discriminator's divergence reading.
# ----------------------------------------------------------------------------


def test_wasserstein_1d_closed_forms_and_scipy():
    import scipy.stats

    rng = np.random.default_rng(0)
    a = rng.normal(size=400)
    # A shift moves every quantile by the shift.
    assert metrics.wasserstein_1d(a, a + 0.7) == pytest.approx(0.7, abs=1e-12)
    b = rng.normal(size=400)
    assert metrics.wasserstein_1d(a, b) == pytest.approx(np.abs(np.sort(a) - np.sort(b)).mean())
    c = rng.normal(1.0, 2.0, size=1001)  # unequal sizes: scipy's exact value
    assert metrics.wasserstein_1d(a, c) == pytest.approx(scipy.stats.wasserstein_distance(a, c))
    with pytest.raises(ValueError, match="non-empty; got sizes 0 and 400"):
        metrics.wasserstein_1d([], a)


def test_optimal_discriminator_reads_js_and_a_lipschitz_critic_reads_w1():
    # p = N(0, 1), q = N(1, 1): the optimal logit is log p - log q = (1 - 2x) / 2.
    rng = np.random.default_rng(1)
    real, gen = rng.normal(0.0, 1.0, 400_000), rng.normal(1.0, 1.0, 400_000)
    estimate = metrics.discriminator_divergence_estimate(
        (1 - 2 * real) / 2, (1 - 2 * gen) / 2, loss="non_saturating"
    )
    x = np.linspace(-12, 13, 200_001)
    p = np.exp(-(x**2) / 2) / np.sqrt(2 * np.pi)
    q = np.exp(-((x - 1) ** 2) / 2) / np.sqrt(2 * np.pi)
    m = (p + q) / 2
    js = 0.5 * np.trapezoid(p * np.log(p / m), x) + 0.5 * np.trapezoid(q * np.log(q / m), x)
    assert estimate["js"] == pytest.approx(js, abs=3e-3)
    # The critic f(x) = -x is 1-Lipschitz and optimal for a shift: W1 = 1.
    critic = metrics.discriminator_divergence_estimate(-real, -gen, loss="wasserstein")
    assert critic["wasserstein"] == pytest.approx(1.0, abs=1e-2)
    with pytest.raises(ValueError, match="loss='hinge' has no divergence reading"):
        metrics.discriminator_divergence_estimate(real, gen, loss="hinge")
