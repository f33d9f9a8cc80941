"""Discriminator regularisers that take the discriminator as a function.

``discriminator_fn`` maps a batch ``(B, ...)`` to outputs ``(B,)``, ``(B, 1)`` or
``(B, H, W, 1)``, closing over its parameters. Penalties are pure functions of it,
so they compose inside ``jax.value_and_grad`` over the discriminator's parameters
(double backpropagation). Randomness comes only from an explicit ``key``.

What "the gradient at example i" means
--------------------------------------
The input-gradient penalties differentiate the *sum* of the discriminator's outputs
over the batch and take, for each example ``i``, the block ``d(sum_j D(x)_j) /
d x_i``. For a discriminator that treats examples independently this is exactly
``grad D(x_i)``. For one that couples examples -- BatchNorm in training mode,
minibatch discrimination, minibatch standard deviation -- it is the *total*
derivative: it also counts how ``x_i`` moves the other examples' outputs through the
batch statistics. This is what the reference implementations compute
(``torch.autograd.grad(D(x_hat), x_hat, grad_outputs=ones)`` in the WGAN-GP code),
and it is what makes the penalty well defined for such a D; it is not the gradient
of ``D`` applied to ``x_i`` alone. Gulrajani et al. recommend a critic without
BatchNorm (use LayerNorm or none) for this reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax

from jaxgan.micro_batches import MicroBatch, take_piece

__all__ = [
    "DiscriminatorFn",
    "draw_for_global_batch",
    "gradient_penalty",
    "dragan_penalty",
    "r1_penalty",
    "r2_penalty",
    "feature_matching_loss",
    "clip_weights",
    "weight_clipping",
]

DiscriminatorFn = Callable[[jax.Array], jax.Array]


def _check_batched(name: str, data: jax.Array) -> None:
    if data.ndim < 1 or data.shape[0] == 0:
        raise ValueError(f"{name} must have a non-empty leading batch axis; got shape {data.shape}")


def _input_gradients(discriminator_fn: DiscriminatorFn, inputs: jax.Array) -> jax.Array:
    """``d(sum of D's outputs) / d inputs``, shape ``inputs.shape`` (see module docstring)."""
    return jax.grad(lambda x: jnp.sum(discriminator_fn(x).astype(jnp.float32)))(inputs)


def _squared_norms(gradients: jax.Array) -> jax.Array:
    """Per-example squared L2 norms over all non-batch axes, float32, shape ``(B,)``."""
    gradients = gradients.astype(jnp.float32)
    return jnp.sum(jnp.square(gradients.reshape(gradients.shape[0], -1)), axis=1)


def _norms(gradients: jax.Array) -> jax.Array:
    """Per-example L2 norms with a finite (zero) derivative where the gradient is zero.

    ``sqrt`` has an infinite derivative at 0, and ``0 * inf`` would make the penalty's
    parameter gradient NaN for a flat discriminator; the double ``where`` keeps both
    the value and the derivative exact elsewhere.
    """
    squared = _squared_norms(gradients)
    positive = squared > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, squared, 1.0)), 0.0)


def _norm_penalty(norms: jax.Array, target: float, one_sided: bool) -> jax.Array:
    deviation = norms - target
    if one_sided:
        deviation = jnp.maximum(deviation, 0.0)
    return jnp.mean(jnp.square(deviation))


def draw_for_global_batch(
    sampler: Callable[[jax.Array, tuple], jax.Array],
    key: jax.Array,
    shape: tuple,
    *,
    axis_name: str | None = None,
    micro_batch: MicroBatch | None = None,
) -> jax.Array:
    """``sampler(key, shape)``, or under ``pmap`` this device's rows of the global draw.

    With ``axis_name`` (and/or ``micro_batch``, a step's micro-batch), ``shape[0]`` is
    the piece's batch: the noise of the whole global batch is drawn from the (shared)
    key and each device and micro-batch takes its rows
    (:func:`jaxgan.micro_batches.take_piece`), as the step does for latents, so a
    pmapped or micro-batched penalty draws what the single-device one draws.
    """
    return take_piece(
        lambda s: sampler(key, s), shape, axis_name=axis_name, micro_batch=micro_batch
    )


def _per_example_uniform(key: jax.Array, data: jax.Array, axis_name=None, micro_batch=None):
    """``U[0, 1]`` of shape ``(B, 1, ..., 1)``, broadcastable against ``data``."""
    shape = (data.shape[0],) + (1,) * (data.ndim - 1)
    sampler = lambda k, s: jax.random.uniform(k, s, dtype=data.dtype)
    return draw_for_global_batch(sampler, key, shape, axis_name=axis_name, micro_batch=micro_batch)


def gradient_penalty(
    discriminator_fn: DiscriminatorFn,
    real_data: jax.typing.ArrayLike,
    generated_data: jax.typing.ArrayLike,
    *,
    key: jax.Array,
    target: float = 1.0,
    one_sided: bool = False,
    axis_name: str | None = None,
    micro_batch: MicroBatch | None = None,
) -> jax.Array:
    """WGAN-GP gradient penalty on random interpolates of real and generated data.

    ``mean_i (||grad D(x_hat_i)||_2 - target)^2`` with ``x_hat_i = eps_i x_i + (1 -
    eps_i) x~_i`` and ``eps_i ~ U[0, 1]`` drawn per example; with ``one_sided`` the
    penalty is ``mean_i max(0, ||grad D(x_hat_i)||_2 - target)^2``. The norm is taken
    over all non-batch axes. The weight (lambda = 10 in the paper) is the caller's.

    Args:
      discriminator_fn: maps a batch of shape ``(B, ...)`` to outputs with leading
        axis ``B`` (scalar per example, or patches, which are summed).
      real_data: real batch, shape ``(B, ...)``.
      generated_data: generated batch, same shape.
      key: PRNG key for the interpolation coefficients.
      target: the gradient norm the penalty pulls towards (1 in the paper).
      one_sided: penalise only norms above ``target``.
      axis_name: under ``pmap``, draw ``eps`` for the global batch and take this
        device's slice (:func:`draw_for_global_batch`).
      micro_batch: in a micro-batched step, this micro-batch: ``eps`` is this
        micro-batch's rows of the global draw.

    Returns:
      A float32 scalar.

    References:
      Gulrajani et al., Improved Training of Wasserstein GANs, 2017 (eq. 3;
      the one-sided variant in appendix).
    """
    real = jnp.asarray(real_data)
    generated = jnp.asarray(generated_data)
    _check_batched("real_data", real)
    if real.shape != generated.shape:
        raise ValueError(
            f"real_data has shape {real.shape} but generated_data has shape {generated.shape}; "
            "the gradient penalty interpolates between them, so they must have the same shape"
        )
    generated = generated.astype(real.dtype)
    epsilon = _per_example_uniform(key, real, axis_name, micro_batch)
    interpolates = epsilon * real + (1 - epsilon) * generated
    norms = _norms(_input_gradients(discriminator_fn, interpolates))
    return _norm_penalty(norms, target, one_sided)


def dragan_penalty(
    discriminator_fn: DiscriminatorFn,
    real_data: jax.typing.ArrayLike,
    *,
    key: jax.Array,
    perturbation_scale: float = 0.5,
    target: float = 1.0,
    axis_name: str | None = None,
    micro_batch: MicroBatch | None = None,
) -> jax.Array:
    """DRAGAN gradient penalty around the real data.

    Follows the authors' reference code: a perturbed batch ``x_p = x + c * std(x) *
    u`` with ``u ~ U[0, 1]`` per element and ``std`` over the whole batch, then
    interpolates ``x_hat = x + alpha (x_p - x)`` with ``alpha ~ U[0, 1]`` per example,
    and ``mean_i (||grad D(x_hat_i)||_2 - target)^2``.

    Args:
      discriminator_fn: maps a batch ``(B, ...)`` to outputs with leading axis ``B``.
      real_data: real batch, shape ``(B, ...)``.
      key: PRNG key for the perturbation and the interpolation.
      perturbation_scale: ``c`` above (0.5 in the reference code).
      target: the gradient norm the penalty pulls towards.
      axis_name: under ``pmap``, draw the noise for the global batch and take this
        device's slice, and take ``std`` over the global batch.
      micro_batch: in a micro-batched step, this micro-batch: the noise is its rows of
        the global draw; ``std`` is the micro-batch's (over every device's under
        ``pmap``), as batch statistics see the micro-batch.

    Returns:
      A float32 scalar.

    References:
      Kodali et al., On Convergence and Stability of GANs (DRAGAN), 2017.
    """
    real = jnp.asarray(real_data)
    _check_batched("real_data", real)
    noise_key, alpha_key = jax.random.split(key)
    sampler = lambda k, s: jax.random.uniform(k, s, dtype=real.dtype)
    noise = draw_for_global_batch(
        sampler, noise_key, real.shape, axis_name=axis_name, micro_batch=micro_batch
    )
    moments = (jnp.mean(real), jnp.mean(jnp.square(real)))
    if axis_name is not None:
        moments = jax.lax.pmean(moments, axis_name)
    std = jnp.sqrt(jnp.maximum(moments[1] - jnp.square(moments[0]), 0.0))
    # The perturbation is a fixed offset: no gradient flows into the batch statistics.
    perturbed = real + perturbation_scale * jax.lax.stop_gradient(std) * noise
    alpha = _per_example_uniform(alpha_key, real, axis_name, micro_batch)
    interpolates = real + alpha * (perturbed - real)
    norms = _norms(_input_gradients(discriminator_fn, interpolates))
    return _norm_penalty(norms, target, one_sided=False)


def r1_penalty(discriminator_fn: DiscriminatorFn, real_data: jax.typing.ArrayLike) -> jax.Array:
    """R1 regulariser: ``mean_i ||grad D(x_i)||_2^2`` on real data.

    The ``gamma / 2`` weight of the paper is the caller's.

    Args:
      discriminator_fn: maps a batch ``(B, ...)`` to outputs with leading axis ``B``.
      real_data: real batch, shape ``(B, ...)``.

    Returns:
      A float32 scalar.

    References:
      Mescheder et al., Which Training Methods for GANs do actually Converge?, 2018.
    """
    real = jnp.asarray(real_data)
    _check_batched("real_data", real)
    return jnp.mean(_squared_norms(_input_gradients(discriminator_fn, real)))


def r2_penalty(
    discriminator_fn: DiscriminatorFn, generated_data: jax.typing.ArrayLike
) -> jax.Array:
    """R2 regulariser: ``mean_i ||grad D(x~_i)||_2^2`` on generated data.

    Args:
      discriminator_fn: maps a batch ``(B, ...)`` to outputs with leading axis ``B``.
      generated_data: generated batch, shape ``(B, ...)``. Stop its gradient first if
        the generator should not be trained through the penalty.

    Returns:
      A float32 scalar.

    References:
      Mescheder et al., Which Training Methods for GANs do actually Converge?, 2018.
    """
    generated = jnp.asarray(generated_data)
    _check_batched("generated_data", generated)
    return jnp.mean(_squared_norms(_input_gradients(discriminator_fn, generated)))


def feature_matching_loss(real_features: Any, generated_features: Any) -> jax.Array:
    """Feature matching: ``||E f(x) - E f(G(z))||_2^2``.

    Args:
      real_features: features of real data, an array ``(B_real, ...)`` or a pytree
        of such arrays (several layers, whose losses are summed).
      generated_features: features of generated data, the same structure with
        arrays ``(B_gen, ...)``; the batch sizes may differ, the feature shapes not.

    Returns:
      A float32 scalar.

    References:
      Salimans et al., Improved Techniques for Training GANs, 2016, section 3.1.
    """
    real_leaves, real_tree = jax.tree.flatten(real_features)
    gen_leaves, gen_tree = jax.tree.flatten(generated_features)
    if real_tree != gen_tree:
        raise ValueError(
            f"real_features has structure {real_tree} but generated_features has {gen_tree}"
        )
    if not real_leaves:
        raise ValueError("feature_matching_loss needs at least one feature array; got none")
    total = jnp.zeros((), jnp.float32)
    for real, gen in zip(real_leaves, gen_leaves, strict=True):
        real = jnp.asarray(real, jnp.float32)
        gen = jnp.asarray(gen, jnp.float32)
        if real.ndim < 1 or real.shape[1:] != gen.shape[1:]:
            raise ValueError(
                f"real features of shape {real.shape} and generated features of shape "
                f"{gen.shape} must share every axis after the batch axis"
            )
        total = total + jnp.sum(jnp.square(jnp.mean(real, axis=0) - jnp.mean(gen, axis=0)))
    return total


def _check_clip_value(clip_value: float) -> None:
    if not clip_value > 0:
        raise ValueError(f"clip_value={clip_value!r} must be positive (WGAN uses 0.01)")


def clip_weights(params: Any, clip_value: float = 0.01) -> Any:
    """Clips every parameter to ``[-clip_value, clip_value]`` (WGAN's Lipschitz constraint).

    Args:
      params: a pytree of arrays.
      clip_value: ``c`` in the paper (0.01).

    Returns:
      The clipped pytree.

    References:
      Arjovsky et al., Wasserstein GAN, 2017, algorithm 1.
    """
    _check_clip_value(clip_value)
    return jax.tree.map(lambda p: jnp.clip(p, -clip_value, clip_value), params)


def weight_clipping(clip_value: float = 0.01) -> optax.GradientTransformation:
    """An Optax transformation whose updates land the parameters in ``[-c, c]``.

    Put it last in an ``optax.chain`` (after the optimiser, e.g.
    ``optax.chain(optax.rmsprop(5e-5), weight_clipping(0.01))``): it rewrites each
    update ``u`` to ``clip(p + u) - p``, so ``optax.apply_updates`` yields the clipped
    parameters (up to one rounding of the addition).

    Args:
      clip_value: ``c`` in the paper (0.01).

    Returns:
      An ``optax.GradientTransformation`` that needs ``params`` in ``update``.

    References:
      Arjovsky et al., Wasserstein GAN, 2017, algorithm 1.
    """
    _check_clip_value(clip_value)

    def init_fn(params):
        del params
        return optax.EmptyState()

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError("weight_clipping needs the current params: call update(g, s, params)")
        clipped = jax.tree.map(
            lambda p, u: jnp.clip(p + u, -clip_value, clip_value) - p, params, updates
        )
        return clipped, state

    return optax.GradientTransformation(init_fn, update_fn)
