"""A small digit classifier for evaluating digit GANs offline (as TF-GAN evaluates MNIST GANs).

``DigitClassifier.load_or_train("mnist_5k")`` trains a CNN on the dataset's train
split once (about a minute on a CPU), reports its held-out accuracy on the test split,
and caches the weights in ``$JAXGAN_CACHE_DIR`` (default ``$XDG_CACHE_HOME/jaxgan`` or
``~/.cache/jaxgan``). Its penultimate features give a classifier Fréchet distance,
its logits an "MNIST score" (the Inception Score with this classifier).
"""

from __future__ import annotations

import dataclasses
import json
import pathlib

import flax.linen as nn
import flax.serialization
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxgan.cache import cache_dir
from jaxgan.data import offline
from jaxgan.metrics.frechet import FeatureStatistics, frechet_distance
from jaxgan.metrics.scores import inception_score

__all__ = ["DigitClassifier", "cache_dir", "dataset_images"]

_VERSION = 1
_DATASETS = {"mnist_5k": (offline.mnist_5k, 255.0), "digits_8x8": (offline.digits_8x8, 16.0)}


class _CNN(nn.Module):
    """Two conv blocks (32, 64 channels) and a 128-unit penultimate layer."""

    pool: bool = True

    @nn.compact
    def __call__(self, x, *, features: bool = False):
        for width in (32, 64):
            x = nn.relu(nn.Conv(width, (3, 3))(x))
            x = nn.relu(nn.Conv(width, (3, 3))(x))
            if self.pool:
                x = nn.max_pool(x, (2, 2), (2, 2))
        h = nn.relu(nn.Dense(128)(x.reshape(x.shape[0], -1)))
        return h if features else nn.Dense(10)(h)


def dataset_images(dataset: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """``(images in [-1, 1] float32 (N, H, W, 1), labels)`` of a classifier's dataset split."""
    if dataset not in _DATASETS:
        raise ValueError(f"dataset={dataset!r}: classifiers exist for {tuple(_DATASETS)}")
    load, max_pixel = _DATASETS[dataset]
    arrays = load(split)
    images = arrays["image"].astype(np.float32) * np.float32(2.0 / max_pixel) - np.float32(1.0)
    return images, arrays["label"]


@dataclasses.dataclass
class DigitClassifier:
    """A trained digit classifier over images in ``[-1, 1]``.

    Attributes:
      dataset: ``mnist_5k`` (28x28) or ``digits_8x8``.
      params: the CNN's parameters.
      accuracy: held-out accuracy on the dataset's test split.
    """

    dataset: str
    params: dict
    accuracy: float

    @property
    def _module(self) -> _CNN:
        return _CNN(pool=self.dataset == "mnist_5k")

    def _check(self, images) -> jnp.ndarray:
        images = jnp.asarray(images, jnp.float32)
        size = 28 if self.dataset == "mnist_5k" else 8
        if images.ndim != 4 or images.shape[1:] != (size, size, 1):
            raise ValueError(
                f"the {self.dataset} classifier expects images of shape (N, {size}, {size}, 1) in "
                f"[-1, 1]; got {tuple(images.shape)}"
            )
        low, high = float(images.min()), float(images.max())
        if low < -1.001 or high > 1.001:
            raise ValueError(f"images must lie in [-1, 1]; got values in [{low:.3g}, {high:.3g}]")
        return images

    def _batched(self, images, batch_size: int, *, features: bool) -> np.ndarray:
        images = self._check(images)
        apply = jax.jit(lambda p, x: self._module.apply(p, x, features=features))
        return np.concatenate(
            [np.asarray(apply(self.params, images[i : i + batch_size]))
             for i in range(0, len(images), batch_size)]
        )  # fmt: skip

    def apply(self, images: jax.Array, *, features: bool = False, params=None) -> jax.Array:
        """Class logits ``(B, 10)`` (or penultimate features ``(B, 128)``) of images in
        [-1, 1] as a pure JAX function: differentiable and traceable under ``jit``, with
        no checks (guided sampling takes ``grad log p(y | x)`` through it). ``params``
        (default: the classifier's own) lets a jitted caller pass the weights as an
        argument rather than bake them into the program as constants."""
        return self._module.apply(self.params if params is None else params, images,
                                  features=features)  # fmt: skip

    def logits(self, images, batch_size: int = 1000) -> np.ndarray:
        """Class logits ``(N, 10)`` of images ``(N, H, W, 1)`` in [-1, 1]."""
        return self._batched(images, batch_size, features=False)

    def features(self, images, batch_size: int = 1000) -> np.ndarray:
        """Penultimate features ``(N, 128)`` of images ``(N, H, W, 1)`` in [-1, 1]."""
        return self._batched(images, batch_size, features=True)

    def statistics(self, images) -> FeatureStatistics:
        statistics = FeatureStatistics(128)
        statistics.update(self.features(images))
        return statistics

    def frechet_distance(self, generated, reference) -> float:
        """Fréchet distance between the penultimate features of two image sets."""
        a, b = self.statistics(generated), self.statistics(reference)
        return frechet_distance(a.mean, a.covariance, b.mean, b.covariance)

    def score(self, images, splits: int = 10) -> tuple[float, float]:
        """The "MNIST score": the Inception Score computed with this classifier."""
        return inception_score(self.logits(images), splits=splits)

    # ------------------------------------------------------------------

    @classmethod
    def load_or_train(
        cls, dataset: str = "mnist_5k", *, directory: str | pathlib.Path | None = None,
        epochs: int = 12, seed: int = 0, report=None,
    ) -> DigitClassifier:  # fmt: skip
        """The cached classifier for ``dataset`` and ``seed`` (its initialisation and
        data order), training and caching it first if needed.

        ``report``, if given, is called with a line of text before training and after
        each epoch (training takes a few minutes on 2 CPU cores, once per cache).
        """
        sample = dataset_images(dataset, "test")[0][:1]
        directory = pathlib.Path(directory) if directory else cache_dir()
        # Seed 0 is the evaluation classifier; other seeds give independent ones (to
        # score samples that a seed-0 classifier guided), cached beside it.
        name = f"classifier-{dataset}-v{_VERSION}" + (f"-seed{seed}" if seed else "")
        path = directory / f"{name}.msgpack"
        module = _CNN(pool=dataset == "mnist_5k")
        like = module.init(jax.random.key(seed), sample)
        if path.exists():
            payload = flax.serialization.msgpack_restore(path.read_bytes())
            params = flax.serialization.from_state_dict(like, payload["params"])
            return cls(dataset, params, float(payload["accuracy"]))
        if report:
            report(f"training the {dataset} digit classifier ({epochs} epochs; cached in {path})")
        classifier = cls._train(dataset, module, like, epochs=epochs, seed=seed, report=report)
        directory.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(
            flax.serialization.msgpack_serialize(
                {
                    "params": flax.serialization.to_state_dict(classifier.params),
                    "accuracy": classifier.accuracy,
                }
            )
        )
        temporary.replace(path)
        (directory / f"{name}.json").write_text(
            json.dumps({"dataset": dataset, "seed": seed, "held_out_accuracy": classifier.accuracy})
            + "\n"
        )
        return classifier

    @classmethod
    def _train(cls, dataset, module, params, *, epochs, seed, report=None) -> DigitClassifier:
        images, labels = dataset_images(dataset, "train")
        labels = labels.astype(np.int32)
        optimizer = optax.adam(1e-3)
        opt_state = optimizer.init(params)
        pad = 2 if dataset == "mnist_5k" else 1

        @jax.jit
        def step(params, opt_state, x, y, key):
            # Random shifts of up to `pad` pixels (zero = -1 background), then cross-entropy.
            shift = jax.random.randint(key, (2,), 0, 2 * pad + 1)
            padded = jnp.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)), constant_values=-1.0)
            x = jax.lax.dynamic_slice(padded, (0, shift[0], shift[1], 0), x.shape)

            def loss_fn(p):
                logits = module.apply(p, x)
                return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

            grads = jax.grad(loss_fn)(params)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state

        rng = np.random.default_rng(seed)
        key = jax.random.key(seed)
        batch = 64
        for epoch in range(epochs):
            order = rng.permutation(len(labels))
            for i in range(0, len(order) - batch + 1, batch):
                index = order[i : i + batch]
                key, sub = jax.random.split(key)
                params, opt_state = step(params, opt_state, images[index], labels[index], sub)
            if report:
                report(f"  classifier epoch {epoch + 1}/{epochs}")
        classifier = cls(dataset, params, 0.0)
        test_images, test_labels = dataset_images(dataset, "test")
        predictions = classifier.logits(test_images).argmax(axis=1)
        classifier.accuracy = float(np.mean(predictions == test_labels))
        return classifier
