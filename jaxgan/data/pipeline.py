"""Input pipelines: TFDS data sources read through Grain, deterministic, resumable, sharded.

``make_pipeline`` returns a :class:`Pipeline`, an iterator of host batches (dicts of
NumPy arrays: ``image`` in ``[-1, 1]`` float32 NHWC -- or raw float32 points for the
toy datasets -- plus ``label``/``condition`` where the dataset has them) whose state
(:meth:`Pipeline.get_state`) is checkpointable, so a resumed run continues with the
exact next batch.

- Reading: ``tfds.data_source`` (ArrayRecord random access; no TensorFlow at
  training time). The offline datasets (:data:`OFFLINE_DATASETS`) are prepared into
  ``data_dir`` on first use; catalog datasets (``mnist``, ``cifar10``, ``celeb_a``,
  ...) must have been prepared with ``tfds build`` beforehand.
- Grain datasets over record indices: each process takes every ``process_count``-th
  record (disjoint shards), shuffles them with the seed (a new order each epoch) and
  batches ``batch_size / process_count`` of them, dropping the remainder; then each
  batch is read, normalised, cropped, resized and randomly flipped in one vectorised
  call (in ``worker_count`` worker processes if asked).
- With ``n_critic > 1`` each element holds ``n_critic`` batches stacked on a leading
  axis, as the train step takes them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import functools
import json
import os
from collections.abc import Iterator
from typing import Any

import grain
import numpy as np
import tensorflow_datasets as tfds

from jaxgan.data.builders import BUILDERS

__all__ = [
    "CATALOG_HELP",
    "OFFLINE_DATASETS",
    "Pipeline",
    "default_data_dir",
    "load_source",
    "make_pipeline",
]

OFFLINE_DATASETS = tuple(BUILDERS)
# Datasets whose ``image`` holds points, not pixels: passed through as float32.
POINT_DATASETS = ("ring8", "grid25", "gaussian_mixture_1d")
# The features a batch carries (others, such as catalog datasets' ``id``, are dropped).
_KEYS = ("image", "label", "labels", "condition", "text")
# Pixel value that maps to +1 (0 maps to -1).
_MAX_PIXEL = {"digits_8x8": 16.0}


def max_pixel(dataset: str) -> float | None:
    """The value of a white pixel in ``dataset``'s images (``None`` for point data)."""
    return None if dataset in POINT_DATASETS else _MAX_PIXEL.get(dataset, 255.0)


CATALOG_HELP = (
    "Catalog TFDS datasets (mnist, fashion_mnist, cifar10, celeb_a, lsun/..., any TFDS "
    "name) must be prepared once on a machine with internet: `pip install tensorflow "
    "tensorflow-datasets && tfds build NAME --data_dir DIR --file_format array_record` "
    "(TFDS needs TensorFlow to encode images at that stage, not afterwards); then pass "
    "--config.data_dir=DIR to experiments.train (or set TFDS_DATA_DIR)."
)


def default_data_dir() -> str:
    """``$TFDS_DATA_DIR``, else ``~/tensorflow_datasets`` (TFDS's own default)."""
    return os.environ.get("TFDS_DATA_DIR") or os.path.expanduser("~/tensorflow_datasets")


def load_source(name: str, split: str, data_dir: str | None = None):
    """A random-access source of examples (dicts of NumPy arrays) for ``name``/``split``.

    Offline datasets are prepared into ``data_dir`` on first use; catalog datasets are
    never downloaded here.

    Raises:
      ValueError: for a name TFDS does not know, listing the offline datasets.
      FileNotFoundError: for a catalog dataset not prepared in ``data_dir``.
    """
    data_dir = data_dir or default_data_dir()
    if name in BUILDERS:
        builder = BUILDERS[name](data_dir=data_dir, file_format="array_record")
        if not builder.is_prepared():
            with _preparation_lock(data_dir, name):
                # Another process may have prepared it while this one waited.
                builder = BUILDERS[name](data_dir=data_dir, file_format="array_record")
                if not builder.is_prepared():
                    _prepare_quietly(builder)
        return builder.as_data_source(split)
    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        raise ValueError(
            f"unknown dataset {name!r}. Offline datasets (no download needed): "
            f"{', '.join(OFFLINE_DATASETS)}. {CATALOG_HELP}"
        ) from None
    try:
        # Never download_and_prepare here: without a network it would retry for minutes.
        return builder.as_data_source(split)
    except (AssertionError, FileNotFoundError, NotImplementedError) as error:
        raise FileNotFoundError(
            f"the TFDS dataset {name!r} (split {split!r}) is not prepared in ArrayRecord format "
            f"in {data_dir}, and nothing is downloaded at training time. {CATALOG_HELP} "
            f"(TFDS said: {str(error).splitlines()[0]})"
        ) from None


@contextlib.contextmanager
def _preparation_lock(data_dir: str, name: str):
    """An exclusive lock on ``data_dir/name.lock``: runs started side by side (e.g. by
    ``experiments.reproduce --jobs 2``) prepare a dataset once instead of racing TFDS's
    final rename (``FileExistsError``)."""
    os.makedirs(data_dir, exist_ok=True)
    with open(os.path.join(data_dir, f"{name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _prepare_quietly(builder) -> None:
    """Builds an offline dataset once, saying so in one line instead of TFDS's banners.

    TFDS announces every preparation as "Downloading and preparing dataset ..." with
    progress bars; nothing is downloaded for these, so that would mislead.
    """
    import sys

    print(
        f"Preparing the offline dataset {builder.name!r} in {builder.data_dir} (once; built "
        "from installed packages, nothing is downloaded) ...",
        file=sys.stderr,
        flush=True,
    )
    tfds.disable_progress_bar()
    try:
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            builder.download_and_prepare()
    finally:
        tfds.enable_progress_bar()


@dataclasses.dataclass(frozen=True)
class _Examples:
    """Reads and preprocesses a batch of record indices, vectorised over the batch.

    With ``cache`` the whole split is held as stacked NumPy arrays (the offline
    datasets are a few MB); otherwise records are read from the source per batch.
    """

    source: Any
    cache: dict[str, np.ndarray] | None
    max_pixel: float | None
    center_crop: int | None
    image_size: int | None
    random_flip: bool
    n_critic: int
    pyramid: tuple[int, int] | None = None
    labels: np.ndarray | None = None  # per record, replacing the records' own

    def __call__(self, indices: np.ndarray, rng: np.random.Generator) -> dict:
        if self.cache is not None:
            batch = {k: v[indices] for k, v in self.cache.items()}
        else:
            batch = _stack([self.source[int(i)] for i in indices])
        if self.labels is not None:
            batch["label"] = self.labels[indices]
        out = {}
        for key, value in batch.items():
            if key not in _KEYS:
                continue
            if key in ("image", "condition") and self.max_pixel is not None:
                value = self._images(value)
            elif key in ("label", "labels"):
                value = value.astype(np.int32)
            out[key] = value
        if self.random_flip and self.max_pixel is not None:
            flip = rng.random(len(indices)) < 0.5
            for key in ("image", "condition"):
                if key in out:
                    out[key] = np.where(flip[:, None, None, None], out[key][:, :, ::-1], out[key])
        if self.pyramid is not None:
            out.update(_pyramid_level(out["image"], *self.pyramid))
        if self.n_critic > 1:
            out = {k: v.reshape((self.n_critic, -1) + v.shape[1:]) for k, v in out.items()}
        return out

    def _images(self, images: np.ndarray) -> np.ndarray:
        if self.center_crop:
            h, w = images.shape[1:3]
            top, left = (h - self.center_crop) // 2, (w - self.center_crop) // 2
            images = images[:, top : top + self.center_crop, left : left + self.center_crop]
        if self.image_size and images.shape[1:3] != (self.image_size, self.image_size):
            images = _resize(images, self.image_size)
        return images.astype(np.float32) * np.float32(2.0 / self.max_pixel) - np.float32(1.0)


def _pyramid_level(images: np.ndarray, level: int, levels: int) -> dict[str, np.ndarray]:
    """One level of the images' Laplacian pyramid (:mod:`jaxgan.pyramid`), as LAPGAN
    trains it: the coarsest (``level == levels``) is ``image`` alone; a finer level is
    the band-pass residual as ``image`` and the coarser image upsampled as ``condition``
    (what the residual is added to)."""
    from jaxgan import pyramid

    bands = pyramid.laplacian_pyramid(images, levels)
    if level == levels:
        return {"image": np.asarray(bands[level])}
    coarser = pyramid.reconstruct(bands[level + 1 :])
    return {"image": np.asarray(bands[level]), "condition": np.asarray(pyramid.upsample(coarser))}


def _stack(examples: list[dict]) -> dict[str, np.ndarray]:
    return {key: np.stack([np.asarray(e[key]) for e in examples]) for key in examples[0]}


@functools.lru_cache(maxsize=16)
def _bilinear_matrix(in_size: int, out_size: int) -> np.ndarray:
    """``(out_size, in_size)`` weights of Pillow's BILINEAR resampling along one axis.

    Pillow's triangle filter, widened by the scale when shrinking (antialiasing), with
    each row normalised, as in its ``ImagingResample``.
    """
    scale = in_size / out_size
    filter_scale = max(scale, 1.0)
    support = filter_scale  # the triangle's support (1) times the filter scale
    weights = np.zeros((out_size, in_size), np.float64)
    for i in range(out_size):
        center = (i + 0.5) * scale
        low = max(int(center - support + 0.5), 0)
        high = min(int(center + support + 0.5), in_size)
        taps = np.arange(low, high)
        w = np.maximum(0.0, 1.0 - np.abs((taps - center + 0.5) / filter_scale))
        weights[i, low:high] = w / w.sum()
    return weights.astype(np.float32)


def _resize(images: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of ``(N, H, W, C)`` images to ``size x size``, as Pillow's BILINEAR.

    Separable, so the whole batch is two matrix products (per-image Pillow calls were
    the CIFAR-shaped pipeline's bottleneck).
    """
    rows = _bilinear_matrix(images.shape[1], size)
    cols = _bilinear_matrix(images.shape[2], size)
    return np.einsum("oh,nhwc,pw->nopc", rows, images.astype(np.float32), cols, optimize=True)


class Pipeline(Iterator[dict]):
    """An iterator of host batches with a checkpointable position.

    Attributes:
      dataset, split: what it reads.
      num_records: examples in the split (all processes).
      local_batch_size: examples per batch on this process.
    """

    def __init__(self, iterator, *, dataset: str, split: str, num_records: int,
                 local_batch_size: int):  # fmt: skip
        self._iterator = iterator
        self.dataset = dataset
        self.split = split
        self.num_records = num_records
        self.local_batch_size = local_batch_size

    def __next__(self) -> dict:
        return next(self._iterator)

    def get_state(self) -> dict:
        """The position, as a JSON-serialisable dict (store it with the checkpoint)."""
        return json.loads(json.dumps(self._iterator.get_state()))

    def set_state(self, state: dict) -> None:
        """Continues from a position returned by :meth:`get_state`."""
        self._iterator.set_state(state)


def make_pipeline(
    dataset: str,
    *,
    batch_size: int,
    split: str = "train",
    seed: int = 0,
    data_dir: str | None = None,
    shuffle: bool = True,
    num_epochs: int | None = None,
    image_size: int | None = None,
    center_crop: int | None = None,
    random_flip: bool = False,
    n_critic: int = 1,
    process_index: int | None = None,
    process_count: int | None = None,
    worker_count: int = 0,
    cache: bool | None = None,
    pyramid: tuple[int, int] | None = None,
    cluster_labels: int | None = None,
    cluster_seed: int = 0,
) -> Pipeline:
    """Builds the input pipeline of ``dataset``.

    Args:
      dataset: an offline dataset (:data:`OFFLINE_DATASETS`) or a prepared TFDS name.
      batch_size: the global batch size (all processes together).
      split: a TFDS split (``train``, ``test``, ``train[:90%]``, ...).
      seed: seeds the shuffle and the random flips.
      data_dir: the TFDS data directory (:func:`default_data_dir` if ``None``).
      shuffle: shuffle the records (a new order every epoch).
      num_epochs: stop after this many epochs (``None``: repeat forever).
      image_size: resize images to ``image_size x image_size``.
      center_crop: first crop the central square of this side (CelebA: 108 or 140).
      random_flip: flip images left-right with probability 1/2.
      n_critic: batches per element, stacked on a leading axis.
      process_index, process_count: this process's shard (default: JAX's).
      worker_count: Grain worker processes (0: decode in this process).
      cache: hold the split in memory (default: for the offline datasets).
      pyramid: ``(level, levels)``: give level ``level`` of each image's ``levels``-level
        Laplacian pyramid instead of the image (LAPGAN): the coarse image when
        ``level == levels``, else the residual as ``image`` and the coarser image
        upsampled as ``condition``.
      cluster_labels: label each example with the nearest of this many k-means
        clusters of the training split's images instead of its own label (a
        self-conditioned GAN; :mod:`jaxgan.data.clusters`), fitted from ``cluster_seed``.

    Raises:
      ValueError: a batch size not divisible by the process count or larger than the
        split, an unknown dataset name, or bad options.
    """
    if process_index is None or process_count is None:
        import jax

        process_index, process_count = jax.process_index(), jax.process_count()
    if batch_size < 1 or n_critic < 1:
        raise ValueError(f"batch_size={batch_size} and n_critic={n_critic} must be positive")
    if pyramid is not None and not 0 <= pyramid[0] <= pyramid[1]:
        raise ValueError(f"pyramid=(level, levels)={pyramid} needs 0 <= level <= levels")
    if batch_size % process_count:
        raise ValueError(
            f"batch_size={batch_size} is not divisible by {process_count} processes; use a "
            f"multiple of {process_count}"
        )
    source = load_source(dataset, split, data_dir)
    num_records = len(source)
    local_batch = batch_size // process_count
    per_process_records = num_records // process_count
    if local_batch * n_critic > per_process_records:
        raise ValueError(
            f"batch_size={batch_size} (x n_critic={n_critic}) is larger than the {dataset!r} "
            f"{split!r} split's {num_records} examples over {process_count} processes"
        )
    # Record indices: this process's shard, shuffled anew each epoch, batched; then
    # one vectorised read-and-preprocess per batch.
    indices = grain.MapDataset.range(num_records)[process_index::process_count]
    if shuffle:
        indices = indices.shuffle(seed=seed)
    indices = indices.repeat(num_epochs).batch(local_batch * n_critic, drop_remainder=True)
    if cache is None:
        cache = dataset in BUILDERS
    records = _stack(source.__getitems__(list(range(num_records)))) if cache else None
    labels = None
    if cluster_labels:
        from jaxgan.data import clusters

        fitted = clusters.dataset_clusters(dataset, cluster_labels, seed=cluster_seed,
                                           data_dir=data_dir)  # fmt: skip
        images = records["image"] if records is not None else _stack(source.__getitems__(
            list(range(num_records))))["image"]  # fmt: skip
        labels = fitted.assign(images, max_pixel(dataset) or 1.0)
    examples = _Examples(
        source=source,
        cache=records,
        max_pixel=max_pixel(dataset),
        center_crop=center_crop,
        image_size=image_size,
        random_flip=random_flip,
        n_critic=n_critic,
        pyramid=None if pyramid is None else tuple(pyramid),
        labels=labels,
    )
    if pyramid is not None and examples.max_pixel is None:
        raise ValueError(f"pyramid={pyramid} needs images; {dataset!r} holds points")
    batches = indices.random_map(examples, seed=seed).to_iter_dataset()
    if worker_count:
        from absl import flags

        if not flags.FLAGS.is_parsed():  # Grain's workers read absl flags (defaults will do)
            flags.FLAGS.mark_as_parsed()
        batches = batches.mp_prefetch(grain.MultiprocessingOptions(num_workers=worker_count))
    iterator = iter(batches)
    return Pipeline(
        iterator,
        dataset=dataset,
        split=split,
        num_records=num_records,
        local_batch_size=local_batch,
    )
