"""Captions from measured digit attributes (jaxgan.data.captions), against hand values."""

import numpy as np
import pytest

from jaxgan.data import captions, offline


def canvas(*pixels):
    image = np.zeros((1, 28, 28, 1))
    for y, x in pixels:
        image[0, y, x, 0] = 1.0
    return image


def test_a_bar_has_its_width_no_slant_and_its_radius_of_gyration():
    bar = canvas(*[(y, x) for y in range(5, 15) for x in range(10, 13)])  # 10 tall, 3 wide
    got = captions.measure(bar)
    # Area 30, perimeter 2 x (10 + 3) = 26: thickness 2 x 30 / 26.
    np.testing.assert_allclose(got["thickness"], [60 / 26])
    np.testing.assert_allclose(got["slant"], [0.0], atol=1e-12)
    # Variances of 10 and of 3 consecutive integers: (10^2 - 1) / 12 and (3^2 - 1) / 12.
    np.testing.assert_allclose(got["size"], [np.sqrt(99 / 12 + 8 / 12)])


def test_slant_is_the_shift_per_row_positive_leaning_right():
    # One pixel per row, one column further right for each row higher: dx = -dy.
    right = canvas(*[(y, 20 - y) for y in range(4, 14)])
    left = canvas(*[(y, y + 2) for y in range(4, 14)])
    steep = canvas(*[(y, 20 - y // 2) for y in range(4, 14)])  # half a column per row
    got = captions.measure(np.concatenate([right, left, steep]))
    np.testing.assert_allclose(got["slant"][:2], [1.0, -1.0])
    # x = 20 - floor(y / 2) over y = 4..13: least squares slope by hand.
    y = np.arange(4, 14)
    x = 20 - y // 2
    slope = np.sum((y - y.mean()) * (x - x.mean())) / np.sum((y - y.mean()) ** 2)
    np.testing.assert_allclose(got["slant"][2], -slope)


def test_empty_image_and_bad_shapes():
    got = captions.measure(np.zeros((2, 28, 28)))
    for name in captions.ATTRIBUTES:
        np.testing.assert_array_equal(got[name], [0.0, 0.0])
    with pytest.raises(ValueError, match=r"one-channel images; got shape \(1, 28, 28, 3\)"):
        captions.measure(np.zeros((1, 28, 28, 3)))


def test_captions_name_the_bins_and_encode_as_word_counts():
    bins = {"thickness": (2.0, 3.0), "slant": (-0.1, 0.1), "size": (4.0, 5.0)}
    extreme = {"thickness": 3.5, "slant": 0.2, "size": 3.0}
    middle = {"thickness": 2.5, "slant": 0.0, "size": 4.5}
    other = {"thickness": 1.0, "slant": -0.3, "size": 6.0}
    texts = [
        captions.caption(7, extreme, bins),
        captions.caption(7, middle, bins),
        captions.caption(0, other, bins),
        captions.caption(8, middle, bins),
    ]
    assert texts == [
        "a thick small seven slanted right",
        "a seven upright",
        "a thin large zero slanted left",
        "an eight upright",
    ]
    encoded = captions.encode(texts)
    assert encoded.shape == (4, len(captions.VOCABULARY))
    index = {word: i for i, word in enumerate(captions.VOCABULARY)}
    expected = np.zeros_like(encoded)
    for row, words in enumerate(text.split() for text in texts):
        for word in words:
            expected[row, index[word]] += 1
    np.testing.assert_array_equal(encoded, expected)
    assert encoded[0].sum() == 6 and encoded[1].sum() == 3
    with pytest.raises(ValueError, match="the word 'bold'"):
        captions.encode(["a bold seven"])


def test_tertiles_of_the_training_digits_split_them_in_thirds():
    digits = offline.mnist_5k("train")
    attributes = captions.measure(digits["image"] / 255.0)
    bins = captions.attribute_bins(attributes)
    for name in captions.ATTRIBUTES:
        counts = np.bincount(np.searchsorted(bins[name], attributes[name], side="right"))
        if name != "slant":  # tertiles
            assert counts.tolist() == [1500, 1500, 1500], (name, counts)
    slant = np.searchsorted(bins["slant"], attributes["slant"], side="right")
    assert bins["slant"] == (-0.1, 0.1)
    # Handwriting leans right: more digits past +0.1 than past -0.1.
    assert np.sum(slant == 2) > 2 * np.sum(slant == 0) > 0
    # The measures mean what they say on real digits: ones spread the least, and
    # strokes are 1.5 to 4 pixels wide.
    size = [np.mean(attributes["size"][digits["label"] == c]) for c in range(10)]
    assert int(np.argmin(size)) == 1
    assert 1.5 < np.median(attributes["thickness"]) < 4.0


def test_decode_inverts_encode_for_every_caption():
    bins = {"thickness": (1.0, 2.0), "size": (1.0, 2.0), "slant": captions.SLANT_CUTS}
    texts = sorted({
        captions.caption(label, {"thickness": t, "size": s, "slant": sl}, bins)
        for label in range(10) for t in (0.5, 1.5, 2.5) for s in (0.5, 1.5, 2.5)
        for sl in (-0.5, 0.0, 0.5)
    })  # fmt: skip
    assert len(texts) == 270  # 10 digits x 3 x 3 x 3 bins, all distinct
    assert captions.decode(captions.encode(texts)) == texts
    assert "an eight" in " ".join(texts) and "a thin small one slanted left" in texts


def test_decode_rejects_vectors_that_are_no_caption():
    two_digits = captions.encode(["a one upright"]) + captions.encode(["a two upright"])
    with pytest.raises(ValueError, match="names 2 digits, not one"):
        captions.decode(two_digits)
    doubled = captions.encode(["a thin one upright"]) * 2
    with pytest.raises(ValueError, match="is not the encoding of a caption"):
        captions.decode(doubled)


def test_mnist_5k_captions_describe_each_digit():
    train, test = offline.mnist_5k_captions("train"), offline.mnist_5k_captions("test")
    digits = offline.mnist_5k("test")
    np.testing.assert_array_equal(test["image"], digits["image"])
    np.testing.assert_array_equal(test["label"], digits["label"])
    # Cut points from the training split, for both splits.
    bins = captions.attribute_bins(captions.measure(offline.mnist_5k("train")["image"] / 255.0))
    measured = captions.measure(digits["image"] / 255.0)
    for i in (0, 137, 499):
        attributes = {name: measured[name][i] for name in captions.ATTRIBUTES}
        expected = captions.caption(digits["label"][i], attributes, bins)
        assert captions.decode(test["text"][i : i + 1]) == [expected]
        wanted = [attributes[n] for n in captions.ATTRIBUTES]
        np.testing.assert_allclose(test["attributes"][i], wanted, rtol=1e-6)
    # The training split's thickness and size bins hold a third each.
    for column in (0, 2):
        counts = np.bincount(train["attribute_bins"][:, column], minlength=3)
        np.testing.assert_allclose(counts / len(train["label"]), 1 / 3, atol=0.01)
    assert train["text"].dtype == np.float32 and train["text"].shape == (4500, 20)
