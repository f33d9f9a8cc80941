"""GAN evaluation metrics on features and samples.

- :mod:`~jaxgan.metrics.frechet`: Fréchet distance (as pytorch-fid) and streaming
  float64 feature statistics.
- :mod:`~jaxgan.metrics.scores`: KID, Inception Score, precision/recall,
  density/coverage.
- :mod:`~jaxgan.metrics.modes`: mode coverage of toy mixtures and Stacked MNIST.
- :mod:`~jaxgan.metrics.likelihood`: Parzen-window log-likelihood with bandwidth
  selection, 1-D histogram KL/JS, exact 1-D W1, the discriminator's divergence
  estimate.
"""

from jaxgan.metrics.frechet import FeatureStatistics, frechet_distance
from jaxgan.metrics.likelihood import (
    discriminator_divergence_estimate,
    histogram_divergences,
    parzen_log_likelihood,
    select_parzen_bandwidth,
    wasserstein_1d,
)
from jaxgan.metrics.modes import mode_coverage, stacked_mnist_modes
from jaxgan.metrics.scores import (
    density_coverage,
    inception_score,
    kernel_inception_distance,
    polynomial_mmd2,
    precision_recall,
)

__all__ = [
    "FeatureStatistics",
    "density_coverage",
    "discriminator_divergence_estimate",
    "frechet_distance",
    "histogram_divergences",
    "inception_score",
    "kernel_inception_distance",
    "mode_coverage",
    "parzen_log_likelihood",
    "polynomial_mmd2",
    "precision_recall",
    "select_parzen_bandwidth",
    "stacked_mnist_modes",
    "wasserstein_1d",
]
