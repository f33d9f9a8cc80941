"""k-means labels for self-conditioned GANs: the fit, the assignment, the pipeline, sampling."""

import numpy as np
import pytest

from jaxgan.data import clusters, make_pipeline, offline


def _nearest(points, centers):
    """Brute force: the index of each point's nearest centre."""
    return np.array([np.argmin([np.sum((p - c) ** 2) for c in centers]) for p in points])


def test_fit_recovers_separated_groups_with_their_shares():
    rng = np.random.default_rng(0)
    levels, sizes = (20, 128, 235), (10, 20, 30)
    images = np.concatenate(
        [
            np.clip(level + rng.normal(0, 3, (n, 4, 4, 1)), 0, 255)
            for level, n in zip(levels, sizes, strict=True)
        ]
    )
    truth = np.repeat(np.arange(3), sizes)
    fitted = clusters.fit(images, 3, seed=0)
    labels = fitted.assign(images)
    # Each group is one cluster (a permutation of the true labels).
    assert len(set(zip(truth, labels, strict=True))) == 3 and len(set(labels)) == 3
    order = np.argsort(fitted.centers.mean(1))  # clusters from dark to bright
    np.testing.assert_allclose(fitted.frequencies[order], np.array(sizes) / 60)
    for group, cluster in enumerate(order):
        mean = images[truth == group].reshape(sizes[group], -1).mean(0) / 255
        np.testing.assert_allclose(fitted.centers[cluster], mean, atol=1e-9)


def test_assign_is_the_nearest_centre():
    rng = np.random.default_rng(1)
    centers = rng.random((7, 12))
    images = rng.integers(0, 17, (50, 3, 4, 1))
    fitted = clusters.Clusters(centers=centers, frequencies=np.ones(7) / 7)
    np.testing.assert_array_equal(
        fitted.assign(images, max_pixel=16.0), _nearest(images.reshape(50, -1) / 16.0, centers)
    )


@pytest.mark.parametrize("k", [1, 61])
def test_fit_refuses_a_cluster_count_it_cannot_fit(k):
    with pytest.raises(ValueError, match=f"k-means needs 2 <= k <= 60 \\(the images\\); got k={k}"):
        clusters.fit(np.zeros((60, 2, 2, 1)), k)


def test_proportional_labels_by_hand_and_in_bulk():
    # frac(n * 0.618...) for n = 1..4 is 0.618, 0.236, 0.854, 0.472; cluster 0 holds [0, 0.25).
    np.testing.assert_array_equal(clusters.proportional_labels(4, [1, 3]), [1, 0, 1, 1])
    frequencies = np.array([0.05, 0.2, 0.1, 0.4, 0.25])
    labels = clusters.proportional_labels(10_000, frequencies)
    assert np.abs(np.bincount(labels, minlength=5) - 10_000 * frequencies).max() <= 3
    for start in range(0, 10_000, 64):  # every batch of 64 is near the proportions too
        chunk = labels[start : start + 64]
        assert np.abs(np.bincount(chunk, minlength=5) - len(chunk) * frequencies).max() <= 2
    np.testing.assert_array_equal(
        clusters.proportional_labels(10, frequencies, offset=5), labels[5:15]
    )


def test_pipeline_labels_each_digit_with_its_cluster(data_dir):
    k = 10
    fitted = clusters.dataset_clusters("mnist_5k", k, seed=3, data_dir=data_dir)
    train = offline.mnist_5k("train")
    shares = np.bincount(
        _nearest(train["image"].reshape(4500, -1) / 255.0, fitted.centers), None, k
    )
    np.testing.assert_allclose(fitted.frequencies, shares / 4500)
    batches = {}
    for split in ("train", "test"):
        batch = batches[split] = next(
            make_pipeline("mnist_5k", batch_size=64, split=split, data_dir=data_dir, seed=3,
                          process_index=0, process_count=1, cluster_labels=k, cluster_seed=3)
        )  # fmt: skip
        pixels = (batch["image"].astype(np.float64).reshape(64, -1) + 1) / 2
        np.testing.assert_array_equal(batch["label"], _nearest(pixels, fitted.centers))
        assert batch["label"].dtype == np.int32
    plain = next(make_pipeline("mnist_5k", batch_size=64, data_dir=data_dir, seed=3,
                               process_index=0, process_count=1))  # fmt: skip
    np.testing.assert_array_equal(plain["image"], batches["train"]["image"])  # the same digits
    assert not np.array_equal(plain["label"], batches["train"]["label"])  # labelled otherwise
