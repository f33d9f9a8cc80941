"""Fréchet distance between Gaussians fitted to features, with streaming statistics.

The distance is computed as pytorch-fid's ``calculate_frechet_distance`` does
(``scipy.linalg.sqrtm`` of the covariance product; if that is not finite, ``eps`` is
added to both diagonals and it is retried; an imaginary part larger than 1e-3 on the
diagonal is an error, a smaller one is dropped), so equal statistics give equal FIDs.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg

__all__ = ["FeatureStatistics", "frechet_distance"]


class FeatureStatistics:
    """Mean and covariance of features accumulated batch by batch in float64.

    Merges per-batch means and scatter matrices (Chan et al.'s parallel update), so
    no features need to be held. ``covariance`` is the unbiased one (``np.cov``'s
    ``ddof=1``, as pytorch-fid).
    """

    def __init__(self, dims: int):
        self.dims = dims
        self.count = 0
        self._mean = np.zeros(dims, np.float64)
        self._scatter = np.zeros((dims, dims), np.float64)

    def update(self, features) -> None:
        """Adds a batch of features ``(B, dims)``."""
        features = np.asarray(features, np.float64)
        if features.ndim != 2 or features.shape[1] != self.dims:
            raise ValueError(f"features must have shape (B, {self.dims}); got {features.shape}")
        if not len(features):
            return
        batch_mean = features.mean(axis=0)
        centred = features - batch_mean
        batch_scatter = centred.T @ centred
        n, m = self.count, len(features)
        delta = batch_mean - self._mean
        self._scatter += batch_scatter + np.outer(delta, delta) * (n * m / (n + m))
        self._mean += delta * (m / (n + m))
        self.count = n + m

    @property
    def mean(self) -> np.ndarray:
        return self._mean.copy()

    @property
    def covariance(self) -> np.ndarray:
        if self.count < 2:
            raise ValueError(f"a covariance needs at least 2 examples; got {self.count}")
        return self._scatter / (self.count - 1)


def frechet_distance(mu1, sigma1, mu2, sigma2, *, eps: float = 1e-6) -> float:
    """``||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))``.

    Args:
      mu1, mu2: feature means, ``(d,)``.
      sigma1, sigma2: feature covariances, ``(d, d)``.
      eps: added to both diagonals when the product's square root is not finite.

    Returns:
      The distance, a Python float.

    References:
      Heusel et al., GANs Trained by a Two Time-Scale Update Rule Converge to a
      Local Nash Equilibrium, 2017; pytorch-fid's ``calculate_frechet_distance``.
    """
    mu1, mu2 = (
        np.atleast_1d(np.asarray(mu1, np.float64)),
        np.atleast_1d(np.asarray(mu2, np.float64)),
    )
    sigma1 = np.atleast_2d(np.asarray(sigma1, np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape:
        raise ValueError(f"the means have different shapes: {mu1.shape} and {mu2.shape}")
    if sigma1.shape != sigma2.shape or sigma1.shape != (mu1.shape[0],) * 2:
        raise ValueError(
            f"the covariances must both be ({mu1.shape[0]}, {mu1.shape[0]}); got {sigma1.shape} "
            f"and {sigma2.shape}"
        )
    diff = mu1 - mu2
    covmean = linalg.sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        warnings.warn(
            f"fid calculation produces singular product; adding {eps} to diagonal of cov estimates",
            stacklevel=2,
        )
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"Imaginary component {np.max(np.abs(covmean.imag))}")
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))
