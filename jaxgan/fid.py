"""FID from the command line, mirroring pytorch-fid.

  python -m jaxgan.fid PATH1 PATH2 [--weights FILE] [--batch-size N] [--dims 2048]
  python -m jaxgan.fid --save-stats PATH OUT.npz [--weights FILE]
  python -m jaxgan.fid --convert pt_inception-2015-12-05-6726825d.pth OUT.npz

A PATH is a directory of images (png/jpg/jpeg/bmp/webp, read as RGB in [0, 255]), an
``.npz`` with ``samples`` (``N x H x W x C`` in [-1, 1], as ``experiments.train``
writes; one channel is repeated to three), or an ``.npz`` of precomputed ``mu`` and
``sigma``. The network is pytorch-fid's FID InceptionV3 with its weights
(:mod:`jaxgan.metrics.inception`); the same inputs and weights give the same FID as
pytorch-fid. Feature extraction is jitted and shards each batch over all devices.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys

import jax
import numpy as np
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

from jaxgan.metrics.frechet import FeatureStatistics, frechet_distance
from jaxgan.metrics.inception import InceptionV3, load_inception_weights, read_torch_state_dict

__all__ = ["InceptionFeatures", "compute_statistics", "iter_images", "load_images", "main"]

IMAGE_EXTENSIONS = {".bmp", ".jpg", ".jpeg", ".png", ".webp"}


class InceptionFeatures:
    """Jitted InceptionV3 pool features and logits, each batch sharded over the devices."""

    def __init__(self, variables: dict, *, batch_size: int = 50):
        self.devices = jax.devices()
        self.mesh = jax.make_mesh(
            (len(self.devices),), ("data",), axis_types=(jax.sharding.AxisType.Auto,)
        )
        self.batch_size = batch_size
        self.variables = jax.device_put(variables, NamedSharding(self.mesh, P()))
        self._apply = jax.jit(
            InceptionV3().apply, out_shardings=NamedSharding(self.mesh, P("data"))
        )

    def __call__(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pool features ``(N, 2048)`` and logits ``(N, 1008)`` of ``(N, H, W, 3)`` in [0, 1]."""
        images = np.asarray(images, np.float32)
        if images.ndim != 4 or images.shape[-1] != 3:
            raise ValueError(f"images must be (N, H, W, 3) in [0, 1]; got shape {images.shape}")
        if len(images) and (images.min() < 0.0 or images.max() > 1.0):
            raise ValueError(
                f"images must lie in [0, 1]; got values in [{images.min():.3g}, {images.max():.3g}]"
            )
        devices = len(self.devices)
        pools, logits = [], []
        for start in range(0, len(images), self.batch_size):
            batch = images[start : start + self.batch_size]
            padded = -len(batch) % devices  # pad to a multiple of the device count
            batch = np.concatenate([batch, np.zeros((padded, *batch.shape[1:]), np.float32)])
            batch = jax.device_put(batch, NamedSharding(self.mesh, P("data")))
            pool, logit = self._apply(self.variables, batch)
            pools.append(np.asarray(pool)[: len(batch) - padded])
            logits.append(np.asarray(logit)[: len(batch) - padded])
        return np.concatenate(pools).astype(np.float64), np.concatenate(logits).astype(np.float64)


def _image_files(path: pathlib.Path) -> list[pathlib.Path]:
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)
    if not files:
        raise ValueError(f"{path} holds no images ({', '.join(sorted(IMAGE_EXTENSIONS))})")
    return files


def _read_files(files: list[pathlib.Path]) -> np.ndarray:
    from PIL import Image

    arrays = [np.asarray(Image.open(f).convert("RGB"), np.float32) / 255.0 for f in files]
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise ValueError(
            f"the images {files[0].parent} holds have different sizes: {sorted(shapes)}"
        )
    return np.stack(arrays)


def _samples_to_unit(samples: np.ndarray, path) -> np.ndarray:
    samples = np.asarray(samples, np.float32)
    if samples.ndim != 4 or samples.shape[-1] not in (1, 3):
        raise ValueError(f"'samples' in {path} must be N x H x W x (1|3); got {samples.shape}")
    if samples.min() < -1.0 or samples.max() > 1.0:
        raise ValueError(
            f"'samples' in {path} must lie in [-1, 1]; "
            f"got [{samples.min():.3g}, {samples.max():.3g}]"
        )
    if samples.shape[-1] == 1:
        samples = np.repeat(samples, 3, axis=-1)
    return (samples + 1.0) / 2.0


def iter_images(path: str | pathlib.Path, batch_size: int = 500):
    """Batches of images in [0, 1], ``(B, H, W, 3)``, from a directory or an ``.npz`` of
    ``samples``, read a batch at a time."""
    path = pathlib.Path(path)
    if path.is_dir():
        files = _image_files(path)
        for start in range(0, len(files), batch_size):
            yield _read_files(files[start : start + batch_size])
        return
    with np.load(path, mmap_mode="r") as data:
        if "samples" not in data.files:
            raise ValueError(f"{path} has neither 'samples' nor 'mu'/'sigma'; found {data.files}")
        samples = data["samples"]
        for start in range(0, len(samples), batch_size):
            yield _samples_to_unit(samples[start : start + batch_size], path)


def load_images(path: str | pathlib.Path) -> np.ndarray:
    """All images of a PATH in [0, 1], ``(N, H, W, 3)`` (see :func:`iter_images`)."""
    return np.concatenate(list(iter_images(path)))


def compute_statistics(path, features: InceptionFeatures) -> tuple[np.ndarray, np.ndarray]:
    """``(mu, sigma)`` of a PATH (precomputed statistics are read as they are)."""
    path = pathlib.Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    if path.suffix == ".npz" and not path.is_dir():
        with np.load(path) as data:
            if {"mu", "sigma"} <= set(data.files):
                return data["mu"], data["sigma"]
    statistics = FeatureStatistics(2048)  # streaming: no more than a batch of images held
    for images in iter_images(path):
        statistics.update(features(images)[0])
    return statistics.mean, statistics.covariance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jaxgan.fid", description=__doc__.split("\n")[0]
    )
    parser.add_argument("path", nargs=2, help="two PATHs (or IN OUT with --save-stats/--convert)")
    parser.add_argument("--weights", default=None, help="pytorch-fid's .pth weights (or an .npz)")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--dims", type=int, default=2048)
    parser.add_argument("--save-stats", action="store_true", help="save PATH1's mu/sigma to PATH2")
    parser.add_argument("--convert", action="store_true", help="convert a .pth to an .npz")
    args = parser.parse_args(argv)
    if args.dims != 2048:
        parser.error(f"--dims={args.dims}: only the 2048-d pool features are supported")
    inputs = args.path[:1] if args.save_stats or args.convert else args.path
    missing = [path for path in inputs if not os.path.exists(path)]
    if missing:
        verb = "does" if len(missing) == 1 else "do"
        print(f"error: {', '.join(missing)} {verb} not exist", file=sys.stderr)
        return 2
    try:
        if args.convert:
            np.savez(args.path[1], **read_torch_state_dict(args.path[0]))
            print(f"wrote {args.path[1]}")
            return 0
        features = InceptionFeatures(
            load_inception_weights(args.weights), batch_size=args.batch_size
        )
        if args.save_stats:
            mu, sigma = compute_statistics(args.path[0], features)
            np.savez(args.path[1], mu=mu, sigma=sigma)
            print(f"wrote {args.path[1]}")
            return 0
        mu1, sigma1 = compute_statistics(args.path[0], features)
        mu2, sigma2 = compute_statistics(args.path[1], features)
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"FID:  {frechet_distance(mu1, sigma1, mu2, sigma2)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
