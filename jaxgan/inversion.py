"""Projecting images onto a generator's manifold, editing them there, and interpolating
along it (iGAN, Zhu et al. 2016).

iGAN finds the latent whose image is nearest to a photo, ``z* = argmin_z L(G(z), x)``
(:func:`project`), from the initial guess of an encoder trained on the generator
(:func:`train_encoder`): the encoder is fast but approximate, the optimisation exact
but slow and prone to local minima, and the hybrid (optimise from the encoder's guess)
the paper's choice. ``L`` is a pixel loss plus a feature loss (any feature function:
D's features or the digit classifier's). Edits then move ``z`` so that ``G(z)``
satisfies a user's constraints -- a colour/intensity brush on a region, a sketch whose
edges the image must follow (:class:`Constraint`) -- while staying near the projected
``z0`` (:func:`edit`); every result lies on the manifold because it is ``G(z)``.
:func:`interpolate` moves between two latents (spherically, as a Gaussian prior wants).

Every function treats the examples of a batch independently: losses are per example
and summed, and Adam's update is elementwise, so projecting a batch gives each image
what projecting it alone would. ``generate`` must therefore not couple the batch
(G in inference mode).

References:
  Zhu, Krähenbühl, Shechtman and Efros, Generative Visual Manipulation on the Natural
  Image Manifold, 2016.
  White, Sampling Generative Networks, 2016 (spherical interpolation).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax

__all__ = [
    "Constraint",
    "edge_constraint",
    "edit",
    "intensity_constraint",
    "interpolate",
    "project",
    "reconstruction_loss",
    "sobel_magnitude",
    "train_encoder",
]

Generate = Callable[[jax.Array], jax.Array]
PerExample = Callable[[jax.Array], jax.Array]


def _per_example_mean(x: jax.Array) -> jax.Array:
    return jnp.mean(x.reshape(x.shape[0], -1).astype(jnp.float32), axis=1)


def _check_optimisation(steps: int, learning_rate: float) -> None:
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps={steps!r} must be an integer >= 0")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate={learning_rate!r} must be > 0")


def _minimise(loss: PerExample, z: jax.Array, *, steps: int, learning_rate: float):
    """Adam on every example's latent at once; ``(z, mean loss before each step)``."""
    _check_optimisation(steps, learning_rate)
    optimizer = optax.adam(learning_rate)
    value_and_grad = jax.value_and_grad(lambda z: jnp.sum(loss(z)))

    def step(carry, _):
        z, opt_state = carry
        value, grad = value_and_grad(z)
        updates, opt_state = optimizer.update(grad, opt_state, z)
        return (optax.apply_updates(z, updates), opt_state), value / z.shape[0]

    (z, _), history = jax.lax.scan(step, (z, optimizer.init(z)), None, length=steps)
    return z, history


# ---------------------------------------------------------------------------
# Projection.
# ---------------------------------------------------------------------------


def reconstruction_loss(
    generate: Generate,
    images: jax.Array,
    *,
    features: Callable[[jax.Array], jax.Array] | None = None,
    feature_weight: float = 0.0,
    prior_weight: float = 0.0,
) -> PerExample:
    """iGAN's projection loss of latents ``(B, D)`` against ``images``, per example ``(B,)``:

    ``mean((G(z) - x)^2) + feature_weight * mean((F(G(z)) - F(x))^2)
    + prior_weight * mean(z^2) / 2``.

    ``features`` maps images to per-example features (D's or a classifier's); the
    prior term keeps a Gaussian latent near the shell where G was trained (iGAN clips
    its uniform latents to the box instead).
    """
    if feature_weight < 0 or prior_weight < 0:
        raise ValueError(
            f"feature_weight={feature_weight} and prior_weight={prior_weight} must be >= 0"
        )
    if feature_weight > 0 and features is None:
        raise ValueError(f"feature_weight={feature_weight} needs a features function")
    target_features = features(images) if feature_weight > 0 else None

    def loss(z):
        generated = generate(z)
        if generated.shape != images.shape:
            raise ValueError(
                f"G makes images of shape {generated.shape}; the targets have shape {images.shape}"
            )
        value = _per_example_mean(jnp.square(generated - images))
        if target_features is not None:
            value += feature_weight * _per_example_mean(
                jnp.square(features(generated) - target_features)
            )
        if prior_weight > 0:
            value += 0.5 * prior_weight * _per_example_mean(jnp.square(z))
        return value

    return loss


def project(
    generate: Generate,
    images: jax.Array,
    z: jax.Array,
    *,
    steps: int,
    learning_rate: float = 0.05,
    **loss_options,
) -> tuple[jax.Array, jax.Array]:
    """Latents whose images are nearest to ``images``: ``steps`` Adam steps on
    :func:`reconstruction_loss` (``loss_options``) from ``z`` ``(B, D)`` (zeros, random
    draws, or an encoder's guess for iGAN's hybrid).

    Returns ``(z, history)``: the latents and the mean loss before each step ``(steps,)``.
    """
    loss = reconstruction_loss(generate, images, **loss_options)
    return _minimise(loss, z, steps=steps, learning_rate=learning_rate)


def train_encoder(encoder, generate: Generate, key: jax.Array, *, latent_dim: int,
                  steps: int, batch_size: int = 64, learning_rate: float = 1e-3,
                  images: np.ndarray | None = None, labels: np.ndarray | None = None,
                  pixel_weight: float = 1.0):  # fmt: skip
    """Trains ``encoder`` (a Flax module, images -> latents ``(B, latent_dim)``) to invert G.

    Each step draws ``z ~ N(0, I)`` and regresses the encoder's code of ``G(z)`` on
    ``z`` (``mean((E(G(z)) - z)^2)``); with ``images`` (real data ``(N, ...)``) it adds
    iGAN's reconstruction loss on a batch of them, ``pixel_weight * mean((G(E(x)) -
    x)^2)``, so the guesses fit real images and not only G's own samples. Adam.

    With ``labels`` (``(N,)`` integers, one per image of ``images``) G is
    label-conditioned and called as ``generate(z, labels)``: each real image is
    reconstructed with its own label, and G's samples take the labels of a random batch
    of ``images``, so every label comes in its share of the data. The encoder still maps
    an image to ``z`` alone.

    Returns ``(variables, history)``: the encoder's variables and the loss per step.
    Call it inside ``jax.jit`` with G's weights as an argument of the jitted function
    (``generate`` closing over concrete weights bakes them into the program).
    """
    _check_optimisation(steps, learning_rate)
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size} must be >= 1")
    if images is not None and len(images) < batch_size:
        raise ValueError(f"images holds {len(images)} examples; batch_size={batch_size} needs more")
    if labels is not None and (images is None or np.shape(labels) != (len(images),)):
        raise ValueError(
            f"labels of shape {np.shape(labels)} need images with one label each; got "
            f"{'no images' if images is None else f'{len(images)} images'}"
        )
    init_key, key = jax.random.split(key)
    example = generate(jnp.zeros((1, latent_dim), jnp.float32),
                       *(() if labels is None else (jnp.zeros((1,), jnp.int32),)))  # fmt: skip
    variables = encoder.init(init_key, example)
    optimizer = optax.adam(learning_rate)

    def loss_fn(variables, key, real, real_labels):
        latent_key, index_key, label_key = jax.random.split(key, 3)
        z = jax.random.normal(latent_key, (batch_size, latent_dim), jnp.float32)
        condition = ()
        if real_labels is not None:  # labels in their shares of the data
            condition = (real_labels[jax.random.choice(label_key, real.shape[0], (batch_size,))],)
        value = jnp.mean(jnp.square(encoder.apply(variables, generate(z, *condition)) - z))
        if real is not None:
            index = jax.random.choice(index_key, real.shape[0], (batch_size,), replace=False)
            x, own = real[index], () if real_labels is None else (real_labels[index],)
            reconstruction = generate(encoder.apply(variables, x), *own)
            value += pixel_weight * jnp.mean(jnp.square(reconstruction - x))
        return value

    @jax.jit
    def train(variables, key, real, real_labels):
        def step(carry, key):
            variables, opt_state = carry
            value, grad = jax.value_and_grad(loss_fn)(variables, key, real, real_labels)
            updates, opt_state = optimizer.update(grad, opt_state, variables)
            return (optax.apply_updates(variables, updates), opt_state), value

        keys = jax.random.split(key, steps)
        (variables, _), history = jax.lax.scan(step, (variables, optimizer.init(variables)), keys)
        return variables, history

    # The images are an argument of the compiled loop, not a constant baked into it.
    return train(variables, key, None if images is None else jnp.asarray(images, jnp.float32),
                 None if labels is None else jnp.asarray(labels, jnp.int32))  # fmt: skip


# ---------------------------------------------------------------------------
# Editing under constraints.
# ---------------------------------------------------------------------------


def sobel_magnitude(images: jax.Array) -> jax.Array:
    """The Sobel gradient magnitude ``sqrt(gx^2 + gy^2)`` of images ``(B, H, W, C)``,
    channel by channel, with the border replicated (so a flat background has no edges)."""
    if images.ndim != 4:
        raise ValueError(f"sobel_magnitude takes images (B, H, W, C); got shape {images.shape}")
    padded = jnp.pad(images.astype(jnp.float32), ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    height, width = images.shape[1:3]

    def shifted(dy, dx):
        return padded[:, 1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width]

    gx = (shifted(-1, 1) + 2 * shifted(0, 1) + shifted(1, 1)
          - shifted(-1, -1) - 2 * shifted(0, -1) - shifted(1, -1))  # fmt: skip
    gy = (shifted(1, -1) + 2 * shifted(1, 0) + shifted(1, 1)
          - shifted(-1, -1) - 2 * shifted(-1, 0) - shifted(-1, 1))  # fmt: skip
    return jnp.sqrt(jnp.square(gx) + jnp.square(gy) + 1e-12)


@dataclasses.dataclass(frozen=True)
class Constraint:
    """A user's constraint on an image: ``transform(G(z))`` should equal ``target``
    where ``mask`` is non-zero.

    Attributes:
      mask: non-negative weights broadcastable to the images ``(B, H, W, C)``.
      target: the wanted values of ``transform(image)``, broadcastable likewise.
      transform: what the constraint reads from the image (identity: intensities;
        :func:`sobel_magnitude`: edges).
    """

    mask: jax.Array
    target: jax.Array
    transform: Callable[[jax.Array], jax.Array] = lambda images: images

    def loss(self, images: jax.Array) -> jax.Array:
        """The mask-weighted mean squared violation per example ``(B,)``."""
        mask = jnp.broadcast_to(jnp.asarray(self.mask, jnp.float32), images.shape)
        error = jnp.square(self.transform(images) - jnp.asarray(self.target, jnp.float32))
        flat = lambda a: a.reshape(a.shape[0], -1)  # noqa: E731
        return jnp.sum(flat(mask * error), axis=1) / jnp.maximum(jnp.sum(flat(mask), axis=1), 1e-12)


def _check_mask(mask) -> jax.Array:
    mask = jnp.asarray(mask, jnp.float32)
    if mask.ndim < 2:
        raise ValueError(f"a constraint's mask is an image-shaped array; got shape {mask.shape}")
    if bool(jnp.any(mask < 0)) or not bool(jnp.any(mask > 0)):
        raise ValueError("a constraint's mask must be >= 0 everywhere and > 0 somewhere")
    return mask


def intensity_constraint(mask, value) -> Constraint:
    """iGAN's colour brush: the image should take ``value`` (a scalar or an image)
    where ``mask`` is non-zero."""
    return Constraint(_check_mask(mask), jnp.asarray(value, jnp.float32))


def edge_constraint(mask, sketch) -> Constraint:
    """iGAN's sketch brush: the image's edges (:func:`sobel_magnitude`) should follow
    those of ``sketch`` ``(B or 1, H, W, C)`` (strokes drawn in image values) where
    ``mask`` is non-zero (the strokes and their neighbourhood)."""
    sketch = jnp.asarray(sketch, jnp.float32)
    return Constraint(_check_mask(mask), sobel_magnitude(sketch), sobel_magnitude)


def edit(generate: Generate, z: jax.Array, constraints, *, smoothness: float = 0.1,
         steps: int = 200, learning_rate: float = 0.05) -> tuple[jax.Array, jax.Array]:  # fmt: skip
    """iGAN's edit: latents near ``z`` whose images satisfy ``constraints``,

    ``argmin_z' sum_c c.loss(G(z')) + smoothness * mean((z' - z)^2)``,

    by ``steps`` Adam steps from ``z``. Returns ``(z', history)`` (the mean objective
    before each step).
    """
    constraints = tuple(constraints)
    if not constraints:
        raise ValueError("edit needs at least one Constraint")
    if smoothness < 0:
        raise ValueError(f"smoothness={smoothness} must be >= 0")
    start = z

    def loss(z):
        images = generate(z)
        value = sum(c.loss(images) for c in constraints)
        return value + smoothness * _per_example_mean(jnp.square(z - start))

    return _minimise(loss, z, steps=steps, learning_rate=learning_rate)


def interpolate(z0: jax.Array, z1: jax.Array, num: int, *, spherical: bool = True) -> jax.Array:
    """``num`` latents from ``z0`` to ``z1`` (both ``(D,)`` or ``(B, D)``), ends included:
    ``(num, ...)``.

    ``spherical`` (default): slerp, which keeps a Gaussian latent's norm near the shell
    where G was trained (a straight line dips towards the origin between two draws);
    otherwise linear. Parallel endpoints fall back to linear.
    """
    if not isinstance(num, int) or num < 2:
        raise ValueError(f"num={num!r} must be an integer >= 2")
    if z0.shape != z1.shape:
        raise ValueError(f"z0 and z1 differ in shape: {z0.shape} and {z1.shape}")
    t = jnp.linspace(0.0, 1.0, num).reshape((num,) + (1,) * z0.ndim)
    z0, z1 = z0[None], z1[None]
    linear = (1 - t) * z0 + t * z1
    if not spherical:
        return linear
    norm = lambda v: jnp.linalg.norm(v, axis=-1, keepdims=True)  # noqa: E731
    cosine = jnp.sum(z0 * z1, axis=-1, keepdims=True) / jnp.maximum(norm(z0) * norm(z1), 1e-12)
    omega = jnp.arccos(jnp.clip(cosine, -1.0, 1.0))
    sin_omega = jnp.sin(omega)
    safe = jnp.where(sin_omega > 1e-6, sin_omega, 1.0)
    slerp = (jnp.sin((1 - t) * omega) * z0 + jnp.sin(t * omega) * z1) / safe
    return jnp.where(sin_omega > 1e-6, slerp, linear)
