"""Labels without supervision: k-means clusters of a dataset's training images.

A self-conditioned GAN (Liu et al. 2020, "Diverse Image Generation via Self-Conditioned
GANs") conditions G and D on cluster indices as a class-conditional GAN does on labels,
and samples clusters in proportion to their sizes, so the model stays unconditional:
no label of the dataset is read. Here the clusters are fitted once, on the training
split's pixels scaled to [0, 1] (Liu et al. re-cluster D's features during training;
fixed pixel clusters are the simpler variant their ablation starts from).

:func:`dataset_clusters` fits them (scikit-learn's k-means, ``n_init`` restarts from
``seed``); the input pipeline labels each example with its nearest centre
(``make_pipeline(cluster_labels=K)``) and samplers draw cluster ``i`` with
:func:`proportional_labels`. Both derive the clusters from (dataset, K, seed), so
training, sampling and evaluation agree without storing them.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

# 1 / golden ratio: the Weyl sequence frac(n * GOLDEN) is the most evenly spread.
GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0


@dataclasses.dataclass(frozen=True)
class Clusters:
    """k-means centres ``(K, D)`` over flattened pixels in [0, 1], and each cluster's
    share of the training split ``(K,)``, summing to 1."""

    centers: np.ndarray
    frequencies: np.ndarray

    def assign(self, images: np.ndarray, max_pixel: float = 255.0) -> np.ndarray:
        """Each image's nearest centre (int32), for images with values in [0, max_pixel]."""
        points = _flatten(images, max_pixel)
        # |x - c|^2 = |x|^2 - 2 x.c + |c|^2; |x|^2 is the same for every centre.
        distances = (self.centers**2).sum(1) - 2.0 * points @ self.centers.T
        return distances.argmin(1).astype(np.int32)


def _flatten(images: np.ndarray, max_pixel: float) -> np.ndarray:
    return np.asarray(images, np.float64).reshape(len(images), -1) / max_pixel


def fit(images: np.ndarray, k: int, *, seed: int = 0, max_pixel: float = 255.0) -> Clusters:
    """k-means with ``k`` clusters on ``images`` (values in [0, max_pixel]).

    Raises:
      ValueError: ``k`` below 2 or above the number of images.
    """
    if not 2 <= k <= len(images):
        raise ValueError(f"k-means needs 2 <= k <= {len(images)} (the images); got k={k}")
    from sklearn.cluster import KMeans

    points = _flatten(images, max_pixel)
    kmeans = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(points)
    clusters = Clusters(centers=kmeans.cluster_centers_, frequencies=np.ones(k) / k)
    counts = np.bincount(clusters.assign(images, max_pixel), minlength=k)
    return dataclasses.replace(clusters, frequencies=counts / counts.sum())


@functools.cache
def dataset_clusters(dataset: str, k: int, *, seed: int = 0, data_dir: str | None = None):
    """The :func:`fit` of ``dataset``'s training images (cached per process)."""
    from jaxgan.data.pipeline import load_source, max_pixel

    source = load_source(dataset, "train", data_dir)
    images = np.stack([record["image"] for record in source.__getitems__(range(len(source)))])
    return fit(images, k, seed=seed, max_pixel=max_pixel(dataset) or 1.0)


def proportional_labels(count: int, frequencies, offset: int = 0) -> np.ndarray:
    """Labels for samples ``offset .. offset + count - 1`` in proportion to ``frequencies``.

    Sample ``i`` gets the cluster whose share of the cumulative distribution holds
    ``frac((i + 1) / golden ratio)``: deterministic, and every run of consecutive
    samples (a grid, an evaluation chunk, a batch) has nearly the clusters' proportions.
    """
    cdf = np.cumsum(np.asarray(frequencies, np.float64))
    u = np.mod((np.arange(count) + offset + 1) * GOLDEN, 1.0) * cdf[-1]
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1).astype(np.int32)
