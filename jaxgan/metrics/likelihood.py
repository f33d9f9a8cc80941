"""Sample-based likelihood estimates: Parzen windows and 1-D histogram divergences."""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

__all__ = ["histogram_divergences", "parzen_log_likelihood", "select_parzen_bandwidth"]


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
