"""Feature-space scores: KID, Inception Score, precision/recall and density/coverage."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "density_coverage",
    "inception_score",
    "kernel_inception_distance",
    "polynomial_mmd2",
    "precision_recall",
]


def _features(name: str, features) -> np.ndarray:
    features = np.asarray(features, np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"{name} must be (N >= 2, D) features; got shape {features.shape}")
    return features


def polynomial_mmd2(features1, features2, *, degree: int = 3, gamma: float | None = None,
                    coef0: float = 1.0) -> float:  # fmt: skip
    """Unbiased MMD^2 with the kernel ``(gamma <x, y> + coef0)^degree`` (``gamma = 1/D``)."""
    x, y = _features("features1", features1), _features("features2", features2)
    gamma = 1.0 / x.shape[1] if gamma is None else gamma
    kxx = (gamma * x @ x.T + coef0) ** degree
    kyy = (gamma * y @ y.T + coef0) ** degree
    kxy = (gamma * x @ y.T + coef0) ** degree
    m, n = len(x), len(y)
    return float(
        (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
        + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
        - 2 * kxy.sum() / (m * n)
    )


def kernel_inception_distance(
    real_features, generated_features, *, num_subsets: int = 100, subset_size: int = 1000,
    degree: int = 3, gamma: float | None = None, coef0: float = 1.0, seed: int = 2020,
) -> tuple[float, float]:  # fmt: skip
    """KID: mean and std of the unbiased polynomial MMD^2 over random subsets.

    As torch-fidelity: ``num_subsets`` draws of ``subset_size`` examples from each set
    without replacement (``np.random.RandomState(seed).choice``).

    References:
      Bińkowski et al., Demystifying MMD GANs, 2018.
    """
    real = _features("real_features", real_features)
    generated = _features("generated_features", generated_features)
    if subset_size > min(len(real), len(generated)):
        raise ValueError(
            f"subset_size={subset_size} is larger than the {len(real)} real or {len(generated)} "
            "generated examples; lower it"
        )
    rng = np.random.RandomState(seed)
    values = []
    for _ in range(num_subsets):
        x = real[rng.choice(len(real), subset_size, replace=False)]
        y = generated[rng.choice(len(generated), subset_size, replace=False)]
        values.append(polynomial_mmd2(x, y, degree=degree, gamma=gamma, coef0=coef0))
    return float(np.mean(values)), float(np.std(values))


def inception_score(logits, *, splits: int = 10) -> tuple[float, float]:
    """``exp(E_x KL(p(y|x) || p(y)))``, mean and std over ``splits`` equal parts.

    Args:
      logits: classifier logits ``(N, classes)`` (softmax is applied here).
      splits: number of parts (10 in Salimans et al.).

    References:
      Salimans et al., Improved Techniques for Training GANs, 2016.
    """
    logits = np.asarray(logits, np.float64)
    if logits.ndim != 2 or len(logits) < splits:
        raise ValueError(f"logits must be (N >= splits={splits}, classes); got {logits.shape}")
    log_probs = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
    probs = np.exp(log_probs)
    size = len(logits) // splits
    scores = []
    for k in range(splits):
        part, log_part = probs[k * size : (k + 1) * size], log_probs[k * size : (k + 1) * size]
        log_marginal = np.log(part.mean(axis=0))
        kl = np.sum(part * (log_part - log_marginal), axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


@jax.jit
def _squared_distances(a: jax.Array, b: jax.Array) -> jax.Array:
    # ||a||^2 + ||b||^2 - 2 a.b: one matrix product instead of an (N, M, D) tensor.
    sq = jnp.sum(a * a, axis=1)[:, None] + jnp.sum(b * b, axis=1)[None, :] - 2.0 * a @ b.T
    return jnp.maximum(sq, 0.0)


def _distances(a: np.ndarray, b: np.ndarray, chunk: int = 4096) -> np.ndarray:
    a32, b32 = jnp.asarray(a, jnp.float32), jnp.asarray(b, jnp.float32)
    rows = [
        np.asarray(_squared_distances(a32[i : i + chunk], b32)) for i in range(0, len(a), chunk)
    ]
    return np.sqrt(np.concatenate(rows).astype(np.float64))


def _knn_radii(features: np.ndarray, k: int) -> np.ndarray:
    """Distance from each point to its k-th nearest other point."""
    if k >= len(features):
        raise ValueError(f"k={k} needs more than {k} examples; got {len(features)}")
    distances = _distances(features, features)
    return np.sort(distances, axis=1)[:, k]  # column 0 is the point itself


def precision_recall(real_features, generated_features, *, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (k-NN manifolds, Kynkäänniemi et al. 2019).

    Precision: the fraction of generated samples inside the union of real samples'
    k-NN balls; recall: the fraction of real samples inside the generated ones'.
    """
    real = _features("real_features", real_features)
    generated = _features("generated_features", generated_features)
    real_radii, gen_radii = _knn_radii(real, k), _knn_radii(generated, k)
    gen_to_real = _distances(generated, real)  # (M, N)
    precision = np.mean(np.any(gen_to_real <= real_radii[None, :], axis=1))
    recall = np.mean(np.any(gen_to_real.T <= gen_radii[None, :], axis=1))
    return float(precision), float(recall)


def density_coverage(real_features, generated_features, *, k: int = 5) -> tuple[float, float]:
    """Density and coverage (Naeem et al. 2020) with real k-NN balls.

    Density: ``1/(k M) sum_j sum_i 1[Y_j in B(X_i, NND_k(X_i))]``; coverage: the
    fraction of real balls that hold at least one generated sample.
    """
    real = _features("real_features", real_features)
    generated = _features("generated_features", generated_features)
    radii = _knn_radii(real, k)
    inside = _distances(real, generated) <= radii[:, None]  # (N, M)
    density = inside.sum() / (k * len(generated))
    coverage = np.mean(inside.any(axis=1))
    return float(density), float(coverage)
