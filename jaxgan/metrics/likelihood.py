"""Sample-based likelihood and divergence estimates: Parzen windows, 1-D histogram
divergences, the exact 1-D Wasserstein-1 distance, and the divergence a trained
discriminator implies (the "neural distance")."""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

__all__ = [
    "discriminator_divergence_estimate",
    "histogram_divergences",
    "parzen_log_likelihood",
    "select_parzen_bandwidth",
    "wasserstein_1d",
]


def parzen_log_likelihood(test, samples, *, sigma: float, chunk: int = 1024) -> float:
    """Mean log-likelihood of ``test`` under an isotropic Gaussian Parzen window on ``samples``.

    ``log p(x) = logsumexp_i(-||x - s_i||^2 / (2 sigma^2)) - log N - d/2 log(2 pi sigma^2)``.

    References:
      Goodfellow et al., Generative Adversarial Nets, 2014 (Table 1); Breuleux et al.,
      2011.
    """
    test = np.asarray(test, np.float64).reshape(len(test), -1)
    samples = np.asarray(samples, np.float64).reshape(len(samples), -1)
    if test.shape[1] != samples.shape[1]:
        raise ValueError(f"test and samples must share d; got {test.shape} and {samples.shape}")
    if sigma <= 0:
        raise ValueError(f"sigma={sigma} must be positive")
    d = samples.shape[1]
    total = 0.0
    for start in range(0, len(test), chunk):
        x = test[start : start + chunk]
        sq = (x**2).sum(1)[:, None] + (samples**2).sum(1)[None, :] - 2 * x @ samples.T
        total += logsumexp(-np.maximum(sq, 0.0) / (2 * sigma**2), axis=1).sum()
    normaliser = np.log(len(samples)) + 0.5 * d * np.log(2 * np.pi * sigma**2)
    return float(total / len(test) - normaliser)


def select_parzen_bandwidth(validation, samples, sigmas) -> tuple[float, float]:
    """The ``sigma`` of ``sigmas`` with the highest validation log-likelihood, and that value."""
    scores = [parzen_log_likelihood(validation, samples, sigma=s) for s in sigmas]
    best = int(np.argmax(scores))
    return float(sigmas[best]), float(scores[best])


def histogram_divergences(generated, target, *, bins: int = 100, value_range=None,
                          epsilon: float = 1e-10) -> dict[str, float]:  # fmt: skip
    """KL(target || generated) and JS between the binned 1-D distributions.

    Both are histogrammed on the same ``bins`` over ``value_range`` (default: the
    range of both); ``epsilon`` is added to every bin before normalising so the KL
    stays finite where the generated histogram is empty. JS is in nats.
    """
    generated = np.asarray(generated, np.float64).ravel()
    target = np.asarray(target, np.float64).ravel()
    if value_range is None:
        value_range = (min(generated.min(), target.min()), max(generated.max(), target.max()))
    p, _ = np.histogram(target, bins=bins, range=value_range)
    q, _ = np.histogram(generated, bins=bins, range=value_range)
    p = (p + epsilon) / (p + epsilon).sum()
    q = (q + epsilon) / (q + epsilon).sum()
    m = 0.5 * (p + q)
    kl = float(np.sum(p * np.log(p / q)))
    js = float(0.5 * np.sum(p * np.log(p / m)) + 0.5 * np.sum(q * np.log(q / m)))
    return {"kl": kl, "js": js}


def wasserstein_1d(a, b) -> float:
    """The exact Wasserstein-1 distance between two 1-D empirical distributions.

    ``W1 = integral over u in (0, 1) of |F_a^-1(u) - F_b^-1(u)|``, computed from the
    sorted samples (of any sizes); for equal sizes it is ``mean |sort(a) - sort(b)|``.
    """
    a = np.sort(np.asarray(a, np.float64).ravel())
    b = np.sort(np.asarray(b, np.float64).ravel())
    if a.size == 0 or b.size == 0:
        raise ValueError(f"both sample sets must be non-empty; got sizes {a.size} and {b.size}")
    # Quantile functions are step functions; integrate over the union of their breakpoints.
    breaks = np.union1d(np.arange(1, a.size) / a.size, np.arange(1, b.size) / b.size)
    edges = np.concatenate([[0.0], breaks, [1.0]])
    middle = 0.5 * (edges[:-1] + edges[1:])
    quantile_a = a[np.minimum((middle * a.size).astype(np.int64), a.size - 1)]
    quantile_b = b[np.minimum((middle * b.size).astype(np.int64), b.size - 1)]
    return float(np.sum(np.abs(quantile_a - quantile_b) * np.diff(edges)))


def discriminator_divergence_estimate(real_outputs, gen_outputs, *, loss: str) -> dict[str, float]:
    """The divergence a discriminator's outputs imply, as the GAN papers read them.

    - ``non_saturating``, ``minimax``, ``maximum_likelihood`` (a logit D): with D's
      loss ``L = E softplus(-D(x)) + E softplus(D(G(z)))``, an optimal D gives
      ``L = log 4 - 2 JS``, so ``{"js": (log 4 - L) / 2}`` (nats; Goodfellow et al.
      2014, Theorem 1). A D short of optimal gives a lower value.
    - ``wasserstein``: the critic's ``{"wasserstein": E D(x) - E D(G(z))}``, a lower
      bound on W1 when the critic is 1-Lipschitz (Arjovsky et al. 2017).

    Args:
      real_outputs: D's outputs (logits or critic values) on real samples, ``(N,)``.
      gen_outputs: D's outputs on generated samples, ``(M,)``.
      loss: the loss family the discriminator was trained with.
    """
    real = np.asarray(real_outputs, np.float64).ravel()
    gen = np.asarray(gen_outputs, np.float64).ravel()
    if loss in ("non_saturating", "minimax", "maximum_likelihood"):
        d_loss = np.mean(np.logaddexp(0.0, -real)) + np.mean(np.logaddexp(0.0, gen))
        return {"js": float((np.log(4.0) - d_loss) / 2.0)}
    if loss == "wasserstein":
        return {"wasserstein": float(real.mean() - gen.mean())}
    raise ValueError(
        f"loss={loss!r} has no divergence reading; use non_saturating, minimax, "
        "maximum_likelihood or wasserstein"
    )
