"""Captions for digits, made from what the image shows: StackGAN's text, offline.

No caption data exists offline, so a digit's caption is derived from its label and three
attributes measured on the image itself (pixels in [0, 1], ink where a pixel is > 0.5):

- **thickness**: ``2 x ink area / ink perimeter`` (perimeter: the unit edges between an
  ink pixel and a background pixel). A stroke of width w and length L >> w has area
  ``w L`` and perimeter about ``2 L``, so this is its width in pixels.
- **slant**: ``-mu11 / mu02`` of the intensity's central moments (x to the right, y
  down): the horizontal shift of the ink per pixel of height, positive when the top
  leans right. (The shear that deslanting undoes.)
- **size**: the intensity's radius of gyration, ``sqrt((mu20 + mu02) / mu00)`` in
  pixels. (Not the height: MNIST scales every digit's larger side to 20 pixels.)

Thickness and size are cut into three bins at the training split's tertiles (thin /
- / thick, small / - / large: relative to the data), slant at +-0.1 (about 6 degrees:
most handwritten digits lean right, so its tertiles would call a right-leaning digit
"upright") (:func:`attribute_bins`). The caption reads, e.g., ``"a thick small seven
slanted right"``: the middle bins say nothing for thickness and size ("a seven") and
``"upright"`` for slant; "an" before "eight". :func:`encode` turns captions into a
fixed bag-of-words vector over :data:`VOCABULARY` (word counts; no learned weights,
nothing downloaded).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ATTRIBUTES",
    "DIGIT_WORDS",
    "VOCABULARY",
    "attribute_bins",
    "bin_index",
    "caption",
    "decode",
    "encode",
    "measure",
]

ATTRIBUTES = ("thickness", "slant", "size")
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
# The words of each attribute's bins, low to high ("" says nothing).
_WORDS = {
    "thickness": ("thin", "", "thick"),
    "slant": ("slanted left", "upright", "slanted right"),
    "size": ("small", "", "large"),
}
SLANT_CUTS = (-0.1, 0.1)
VOCABULARY = (
    "a", "an", *DIGIT_WORDS,
    "thin", "thick", "small", "large", "slanted", "left", "right", "upright",
)  # fmt: skip
_INDEX = {word: i for i, word in enumerate(VOCABULARY)}


def measure(images: np.ndarray) -> dict[str, np.ndarray]:
    """``{thickness, slant, size}``, each ``(N,)`` float64, of ``(N, H, W[, 1])`` images
    in ``[0, 1]``. An image without ink gets 0 for each."""
    x = np.asarray(images, np.float64)
    if x.ndim == 4:
        if x.shape[-1] != 1:
            raise ValueError(f"measure takes one-channel images; got shape {x.shape}")
        x = x[..., 0]
    if x.ndim != 3:
        raise ValueError(f"measure takes (N, H, W) or (N, H, W, 1) images; got {x.shape}")
    ink = x > 0.5
    padded = np.pad(ink, ((0, 0), (1, 1), (1, 1)))
    perimeter = (
        np.sum(padded[:, 1:, :] != padded[:, :-1, :], axis=(1, 2))
        + np.sum(padded[:, :, 1:] != padded[:, :, :-1], axis=(1, 2))
    )  # fmt: skip
    area = ink.sum(axis=(1, 2))
    thickness = np.where(perimeter > 0, 2.0 * area / np.maximum(perimeter, 1), 0.0)

    rows, cols = np.arange(x.shape[1], dtype=np.float64), np.arange(x.shape[2], dtype=np.float64)
    mass = x.sum(axis=(1, 2))
    safe = np.maximum(mass, 1e-12)
    mean_y = np.einsum("nhw,h->n", x, rows) / safe
    mean_x = np.einsum("nhw,w->n", x, cols) / safe
    dy = rows[None, :] - mean_y[:, None]
    dx = cols[None, :] - mean_x[:, None]
    mu02 = np.einsum("nhw,nh->n", x, dy**2)
    mu20 = np.einsum("nhw,nw->n", x, dx**2)
    mu11 = np.einsum("nhw,nh,nw->n", x, dy, dx)
    slant = np.where(mu02 > 0, -mu11 / np.maximum(mu02, 1e-12), 0.0)
    size = np.where(mass > 0, np.sqrt((mu20 + mu02) / safe), 0.0)
    return {"thickness": thickness, "slant": slant, "size": size}


def attribute_bins(attributes: dict[str, np.ndarray]) -> dict[str, tuple[float, float]]:
    """Each attribute's two cut points: the tertiles of ``attributes`` (the training
    split's) for thickness and size, :data:`SLANT_CUTS` for slant."""
    bins = {
        name: tuple(float(q) for q in np.quantile(attributes[name], [1 / 3, 2 / 3]))
        for name in ("thickness", "size")
    }
    return {**bins, "slant": SLANT_CUTS}


def bin_index(values: np.ndarray, cuts: tuple[float, float]) -> np.ndarray:
    """0 below the first cut, 2 at or above the second, 1 between."""
    return np.searchsorted(np.asarray(cuts), values, side="right")


def caption(label: int, attributes: dict, bins: dict[str, tuple[float, float]]) -> str:
    """The caption of one digit: ``label`` and its measured ``attributes`` (scalars)."""
    words = {
        name: _WORDS[name][int(bin_index(np.asarray([attributes[name]]), bins[name])[0])]
        for name in ATTRIBUTES
    }
    parts = [words["thickness"], words["size"], DIGIT_WORDS[int(label)], words["slant"]]
    parts = [part for part in parts if part]
    return " ".join(["an" if parts[0][0] in "aeiou" else "a", *parts])


def encode(captions) -> np.ndarray:
    """Bag of words: ``(N, len(VOCABULARY))`` float32 word counts of ``captions``.

    Raises:
      ValueError: naming a word outside :data:`VOCABULARY`.
    """
    out = np.zeros((len(captions), len(VOCABULARY)), np.float32)
    for row, text in enumerate(captions):
        for word in text.split():
            if word not in _INDEX:
                raise ValueError(
                    f"the word {word!r} (in {text!r}) is not in the caption vocabulary: "
                    f"{' '.join(VOCABULARY)}"
                )
            out[row, _INDEX[word]] += 1
    return out


def decode(vectors: np.ndarray) -> list[str]:
    """The captions that :func:`encode` turned into ``vectors`` ``(N, len(VOCABULARY))``,
    words in :func:`caption`'s order (a bag of words keeps no order; captions have one).

    Raises:
      ValueError: for a vector that is not the encoding of one caption.
    """
    out = []
    for vector in np.asarray(vectors):
        counts = {
            word: int(round(float(n))) for word, n in zip(VOCABULARY, vector, strict=True) if n
        }
        digits = [word for word in DIGIT_WORDS if counts.get(word)]
        if len(digits) != 1:
            raise ValueError(f"the vector {vector.tolist()} names {len(digits)} digits, not one")
        slant = ("slanted right" if counts.get("right") else "slanted left"
                 if counts.get("left") else "upright")  # fmt: skip
        parts = [word for word in ("thin", "thick", "small", "large") if counts.get(word)]
        text = " ".join([*parts, digits[0], slant])
        text = ("an " if text[0] in "aeiou" else "a ") + text
        if not np.array_equal(encode([text])[0], vector):
            raise ValueError(f"the vector {vector.tolist()} is not the encoding of a caption")
        out.append(text)
    return out
