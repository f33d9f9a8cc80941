"""Differentiable augmentations of everything the discriminator sees.

``GAN(augmentation=...)`` applies one of these to every batch D is shown -- real and
generated, in D's update and in G's (gradients flow through to the generator) and in
the regularisers' discriminator function -- each time with a fresh key. An
augmentation is an object with

- ``init(key, batch) -> state`` (``{}`` when it carries none),
- ``__call__(images, *, key, state, step) -> images``, differentiable in ``images``,
- ``update(state, *, real_outputs, step, axis_name) -> (state, metrics)``, called
  after each discriminator update with D's outputs on the augmented real batch (ADA
  adapts its probability here).

Its state lives in ``GANState.regularizer_state["augmentation"]``, checkpointed with
the run. Images are ``(B, H, W, C)`` in ``[-1, 1]``; 2-D points ``(B, D)`` take only
:class:`InstanceNoise`.

Translations pad once and slice each example's window (a gather), as the reference
code does: on XLA:CPU it measured 2-10x faster, forward, backward and second order,
than products with one-hot shift matrices.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

__all__ = [
    "ADA",
    "Augmentation",
    "DiffAugment",
    "InstanceNoise",
    "flip_and_translate",
    "get",
    "names",
    "translate",
]

PyTree = Any


class Augmentation:
    """Base class: override ``__call__`` (and ``init``/``update`` for state)."""

    name: str = "augmentation"

    def init(self, key: jax.Array, batch: dict) -> PyTree:
        del key, batch
        return {}

    def __call__(self, images: jax.Array, *, key: jax.Array, state: PyTree, step: jax.Array):
        raise NotImplementedError

    def update(self, state: PyTree, *, real_outputs: jax.Array, step: jax.Array, axis_name=None):
        del real_outputs, step, axis_name
        return state, {}


def _check_images(name: str, images: jax.Array) -> None:
    if images.ndim != 4:
        raise ValueError(f"{name} augments images of shape (B, H, W, C); got shape {images.shape}")


def translate(
    images: jax.Array,
    shift_y: jax.Array,
    shift_x: jax.Array,
    *,
    max_shift: int | None = None,
    reflect: bool = False,
) -> jax.Array:
    """Shifts each image by whole pixels: ``out[b, i, j] = in[b, i - shift_y[b], j - shift_x[b]]``.

    Pads by ``max_shift`` (static; default: the image size) and slices each example's
    window, as the reference code does. Pixels shifted in from outside are zero, or
    the mirror image (``reflect``, without repeating the edge, as
    ``numpy.pad(mode='reflect')``).

    Args:
      images: ``(B, H, W, C)``.
      shift_y, shift_x: int ``(B,)``; clipped to ``[-max_shift, max_shift]``.
      max_shift: the largest shift in either direction.
      reflect: fill with the mirror image instead of zeros.
    """
    _check_images("translate", images)
    _, height, width, channels = images.shape
    pad = max(height, width) - 1 if max_shift is None else int(max_shift)
    if reflect and pad >= min(height, width):
        raise ValueError(
            f"translate(reflect=True) mirrors at most {min(height, width) - 1} pixels; got "
            f"max_shift={pad}"
        )
    padding = ((0, 0), (pad, pad), (pad, pad), (0, 0))
    padded = jnp.pad(images, padding, mode="reflect" if reflect else "constant")
    shift_y = jnp.clip(shift_y, -pad, pad)
    shift_x = jnp.clip(shift_x, -pad, pad)

    def window(image, dy, dx):
        return jax.lax.dynamic_slice(image, (pad - dy, pad - dx, 0), (height, width, channels))

    return jax.vmap(window)(padded, shift_y, shift_x)


def _uniform(key, batch_size, low=0.0, high=1.0):
    return jax.random.uniform(key, (batch_size, 1, 1, 1), minval=low, maxval=high)


def _random_shifts(key, batch_size, limit):
    return jax.random.randint(key, (batch_size,), -limit, limit + 1)


def flip_and_translate(images: jax.Array, key: jax.Array, *, max_shift: int = 2) -> jax.Array:
    """A random horizontal flip and a translation of up to ``max_shift`` pixels (zero fill).

    The transformation T of consistency regularisation (Zhang et al. 2020, sec. 3).
    """
    _check_images("flip_and_translate", images)
    flip_key, y_key, x_key = jax.random.split(key, 3)
    batch_size = images.shape[0]
    flip = jax.random.bernoulli(flip_key, 0.5, (batch_size, 1, 1, 1))
    images = jnp.where(flip, images[:, :, ::-1], images)
    return translate(
        images,
        _random_shifts(y_key, batch_size, max_shift),
        _random_shifts(x_key, batch_size, max_shift),
        max_shift=max_shift,
    )


# ----------------------------------------------------------------------------
# DiffAugment (Zhao et al. 2020).
# ----------------------------------------------------------------------------

DIFFAUGMENT_POLICIES = ("color", "translation", "cutout")


def _color(images, key):
    brightness_key, saturation_key, contrast_key = jax.random.split(key, 3)
    batch_size = images.shape[0]
    images = images + (_uniform(brightness_key, batch_size) - 0.5)
    mean = jnp.mean(images, axis=3, keepdims=True)
    images = (images - mean) * _uniform(saturation_key, batch_size, 0.0, 2.0) + mean
    mean = jnp.mean(images, axis=(1, 2, 3), keepdims=True)
    return (images - mean) * _uniform(contrast_key, batch_size, 0.5, 1.5) + mean


def _translation(images, key, ratio=0.125):
    y_key, x_key = jax.random.split(key)
    batch_size, height, width, _ = images.shape
    limit_y, limit_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    return translate(
        images,
        _random_shifts(y_key, batch_size, limit_y),
        _random_shifts(x_key, batch_size, limit_x),
        max_shift=max(limit_y, limit_x),
    )


def _cutout(images, key, ratio=0.5):
    y_key, x_key = jax.random.split(key)
    batch_size, height, width, _ = images.shape
    size_y, size_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    # Square centres as the reference code draws them; the square may leave the image.
    centre_y = jax.random.randint(y_key, (batch_size, 1), 0, height + (1 - size_y % 2))
    centre_x = jax.random.randint(x_key, (batch_size, 1), 0, width + (1 - size_x % 2))
    rows = jnp.arange(height)[None] - (centre_y - size_y // 2)
    cols = jnp.arange(width)[None] - (centre_x - size_x // 2)
    inside_rows = (rows >= 0) & (rows < size_y)
    inside_cols = (cols >= 0) & (cols < size_x)
    keep = ~(inside_rows[:, :, None] & inside_cols[:, None, :])
    return images * keep[..., None].astype(images.dtype)


_DIFFAUGMENT_OPS: dict[str, Callable] = {
    "color": _color,
    "translation": _translation,
    "cutout": _cutout,
}


@dataclasses.dataclass(frozen=True)
class DiffAugment(Augmentation):
    """DiffAugment: colour, translation and cutout, applied to every image D sees.

    - colour: brightness ``+ U(-0.5, 0.5)``, saturation ``x (U(0, 2))`` around each
      pixel's channel mean, contrast ``x U(0.5, 1.5)`` around each image's mean;
    - translation: up to 1/8 of the image size each way, zero fill;
    - cutout: a zeroed square of half the image size at a random centre.

    Attributes:
      policy: the operations, in order (``"color,translation,cutout"``, as the paper's
        best setting).

    References:
      Zhao et al., Differentiable Augmentation for Data-Efficient GAN Training, 2020
      (sec. 3; the reference code's DiffAugment_pytorch.py).
    """

    policy: str = "color,translation,cutout"
    name: str = "diffaugment"

    def __post_init__(self):
        for op in self.operations:
            if op not in _DIFFAUGMENT_OPS:
                raise ValueError(
                    f"DiffAugment policy={self.policy!r}: unknown operation {op!r}; use a "
                    f"comma-separated list of {DIFFAUGMENT_POLICIES}"
                )

    @property
    def operations(self) -> tuple[str, ...]:
        return tuple(op.strip() for op in self.policy.split(",") if op.strip())

    def __call__(self, images, *, key, state, step):
        del state, step
        _check_images("DiffAugment", images)
        for index, op in enumerate(self.operations):
            images = _DIFFAUGMENT_OPS[op](images, jax.random.fold_in(key, index))
        return images


# ----------------------------------------------------------------------------
# ADA (Karras et al. 2020).
# ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ADA(Augmentation):
    """Adaptive discriminator augmentation: flips, 90-degree rotations, integer translation,
    brightness, contrast and saturation, each applied with probability ``p``.

    ``p`` is state: after each discriminator update, ``r_t = E[sign(D(real))]`` over the
    global batch moves it by ``sign(r_t - target) * batch_size / (speed_kimg * 1000)``
    (so it can go from 0 to 1 in ``speed_kimg`` thousand real images), clipped to
    ``[0, 1]``. It is reported as the metric ``ada_p`` (and ``ada_rt``).

    As in the reference pipeline: an x-flip or a rotation is chosen uniformly
    (``{no flip, flip}``, ``{0, 90, 180, 270}`` degrees) for the examples the
    probability selects; translations are uniform in ``[-0.125, 0.125]`` of the size,
    rounded to pixels, with reflection; brightness ``+ N(0, 0.2)``, contrast ``x
    2^N(0, 0.5)``, saturation ``x 2^N(0, 1)`` about the grey axis (colour images only).

    Attributes:
      target: the target ``r_t`` (0.6 in the paper).
      speed_kimg: thousands of images for ``p`` to move by 1 (500 in the paper).
      initial_p: ``p`` at the start.

    References:
      Karras et al., Training Generative Adversarial Networks with Limited Data, 2020
      (sec. 2.3 and appendix B; the 'bgc' pipeline's blit and colour groups).
    """

    target: float = 0.6
    speed_kimg: float = 500.0
    initial_p: float = 0.0
    name: str = "ada"

    def __post_init__(self):
        if not 0.0 <= self.initial_p <= 1.0:
            raise ValueError(f"ADA initial_p={self.initial_p} must lie in [0, 1]")
        if not self.speed_kimg > 0:
            raise ValueError(f"ADA speed_kimg={self.speed_kimg} must be > 0")

    def init(self, key, batch):
        del key, batch
        return {"p": jnp.asarray(self.initial_p, jnp.float32)}

    def __call__(self, images, *, key, state, step):
        del step
        _check_images("ADA", images)
        p = state["p"]
        batch_size, height, width, channels = images.shape
        keys = iter(jax.random.split(key, 14))

        def chosen():
            return jax.random.uniform(next(keys), (batch_size,)) < p

        def per_example(values):
            return values.reshape(batch_size, 1, 1, 1)

        # x-flip: {0, 1} uniformly, for the chosen examples.
        flip = chosen() & jax.random.bernoulli(next(keys), 0.5, (batch_size,))
        images = jnp.where(per_example(flip), images[:, :, ::-1], images)
        # Rotations by multiples of 90 degrees (square images).
        quarter_turns = jnp.where(chosen(), jax.random.randint(next(keys), (batch_size,), 0, 4), 0)
        if height == width:
            rotated = [jnp.rot90(images, k, axes=(1, 2)) for k in range(4)]
            images = jnp.select([per_example(quarter_turns == k) for k in range(4)], rotated)
        # Integer translation with reflection.
        selected = chosen()
        fraction_y = jax.random.uniform(next(keys), (batch_size,), minval=-0.125, maxval=0.125)
        fraction_x = jax.random.uniform(next(keys), (batch_size,), minval=-0.125, maxval=0.125)
        shift_y = jnp.where(selected, jnp.round(fraction_y * height), 0).astype(jnp.int32)
        shift_x = jnp.where(selected, jnp.round(fraction_x * width), 0).astype(jnp.int32)
        limit = int(round(0.125 * max(height, width)))
        images = translate(images, shift_y, shift_x, max_shift=limit, reflect=True)
        # Colour.
        brightness = jnp.where(chosen(), 0.2 * jax.random.normal(next(keys), (batch_size,)), 0.0)
        images = images + per_example(brightness)
        contrast = jnp.where(
            chosen(), jnp.exp2(0.5 * jax.random.normal(next(keys), (batch_size,))), 1.0
        )
        images = images * per_example(contrast)
        if channels == 3:
            saturation = jnp.where(
                chosen(), jnp.exp2(jax.random.normal(next(keys), (batch_size,))), 1.0
            )
            grey = jnp.mean(images, axis=3, keepdims=True)
            images = grey + (images - grey) * per_example(saturation)
        return images

    def update(self, state, *, real_outputs, step, axis_name=None):
        del step
        outputs = real_outputs.astype(jnp.float32)
        rt = jnp.mean(jnp.sign(outputs))
        batch_size = outputs.shape[0]
        if axis_name is not None:
            rt = jax.lax.pmean(rt, axis_name)
            batch_size = batch_size * jax.lax.psum(1, axis_name)
        adjust = jnp.sign(rt - self.target) * batch_size / (self.speed_kimg * 1000.0)
        p = jnp.clip(state["p"] + adjust, 0.0, 1.0)
        return {"p": p}, {"ada_p": p, "ada_rt": rt}


# ----------------------------------------------------------------------------
# Instance noise (Sønderby et al. 2017).
# ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class InstanceNoise(Augmentation):
    """Annealed instance noise: ``x + sigma(step) * N(0, I)`` on every input of D.

    ``sigma`` falls linearly from ``stddev`` to 0 over ``anneal_steps`` steps (constant
    when ``anneal_steps`` is ``None``); ``stddev`` may also be a schedule of the step.
    Works on any input shape (images or points). The noise level is a pure function
    of the step, so the augmentation carries no state.

    References:
      Sønderby et al., Amortised MAP Inference for Image Super-resolution, 2017
      (sec. 3.2, instance noise); Arjovsky & Bottou 2017.
    """

    stddev: float | Callable = 0.1
    anneal_steps: int | None = None
    name: str = "instance_noise"

    def __post_init__(self):
        if not callable(self.stddev) and not float(self.stddev) >= 0:
            raise ValueError(f"InstanceNoise stddev={self.stddev} must be >= 0")
        if self.anneal_steps is not None and self.anneal_steps < 1:
            raise ValueError(f"InstanceNoise anneal_steps={self.anneal_steps} must be >= 1")

    def sigma(self, step: jax.Array) -> jax.Array:
        if callable(self.stddev):
            return jnp.asarray(self.stddev(step), jnp.float32)
        sigma = jnp.asarray(self.stddev, jnp.float32)
        if self.anneal_steps is None:
            return sigma
        return sigma * jnp.clip(1.0 - step / self.anneal_steps, 0.0, 1.0)

    def __call__(self, images, *, key, state, step):
        del state
        noise = jax.random.normal(key, images.shape, jnp.float32)
        return images + (self.sigma(step) * noise).astype(images.dtype)


_AUGMENTATIONS = {"diffaugment": DiffAugment, "ada": ADA, "instance_noise": InstanceNoise}


def names() -> tuple[str, ...]:
    """The augmentation names that :func:`get` accepts."""
    return tuple(_AUGMENTATIONS)


def get(name: str, **options) -> Augmentation:
    """The built-in augmentation called ``name``, built with ``options``."""
    if name not in _AUGMENTATIONS:
        raise ValueError(f"unknown augmentation {name!r}; use one of {names()}")
    try:
        return _AUGMENTATIONS[name](**options)
    except TypeError as error:
        fields = [f.name for f in dataclasses.fields(_AUGMENTATIONS[name]) if f.name != "name"]
        raise ValueError(
            f"augmentation {name!r}: bad options {options}; it takes {fields}"
        ) from error
