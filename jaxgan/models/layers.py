"""Layers and helpers shared by the model families.

- Normalisation choices (``none``, ``batch``, ``layer``, ``instance``, ``spectral``) applied the
  same way in every discriminator, and DCGAN's initialisers.
- Maxout units (Goodfellow et al. 2013), for the 2014 MNIST discriminator.
- Batch-aware discriminator layers: minibatch discrimination and minibatch stddev.
- Virtual batch normalisation (Salimans et al. 2016), normalising against a fixed
  reference batch.

The two batch-aware layers couple the examples of a batch. With ``axis_name`` set they couple
the *global* batch: under ``jax.pmap`` or ``jax.shard_map`` with that axis name, each
device gathers the others' activations, so the result on every example is the same as
on one device holding the whole batch (the examples in device order). In a step written
by hand under ``jax.shard_map``, differentiate the global-batch loss with
:func:`jaxgan.parallel.shard_map_value_and_grad`: ``jax.grad`` of each device's mean
loss gives gradients of replicated parameters already summed over the axis (N times
too large).
"""

from __future__ import annotations

from collections.abc import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp

__all__ = [
    "ACTIVATION_NORMALIZATIONS",
    "NORMALIZATIONS",
    "MaxoutDense",
    "MinibatchDiscrimination",
    "MinibatchStdDev",
    "VirtualBatchNorm",
    "batch_aware_head",
    "check_input_shape",
    "rematerialized",
    "check_normalization",
    "dcgan_kernel_init",
    "normalize",
    "recompute_batch_stats",
    "weight_layer",
]

# BatchNorm's running averages: new = MOMENTUM x old + (1 - MOMENTUM) x batch statistic
# (PyTorch's momentum 0.1).
BATCHNORM_MOMENTUM = 0.9

NORMALIZATIONS = ("none", "batch", "layer", "instance", "spectral")
# The ones that normalise activations (the layer before them needs no bias).
ACTIVATION_NORMALIZATIONS = ("batch", "layer", "instance")

# Radford et al. 2016: all weights from N(0, 0.02); BatchNorm scales from N(1, 0.02).
dcgan_kernel_init = nn.initializers.normal(stddev=0.02)


# The collection a generator sows losses of its own into (``self.sow(GENERATOR_LOSSES,
# name, value)``): jaxgan.step.GAN adds them to G's loss (StackGAN's conditioning KL).
GENERATOR_LOSSES = "losses"


def _dcgan_scale_init(key, shape, dtype=jnp.float32):
    return 1.0 + 0.02 * jax.random.normal(key, shape, dtype)


def check_normalization(normalization: str) -> None:
    """Raises ``ValueError`` unless ``normalization`` is one of :data:`NORMALIZATIONS`."""
    if normalization not in NORMALIZATIONS:
        raise ValueError(
            f"normalization={normalization!r} is not supported; use one of {NORMALIZATIONS}"
        )


def rematerialized(block: Callable, enabled: bool) -> Callable:
    """``block(module, x, *static)``, under Flax's lifted ``jax.checkpoint`` when
    ``enabled``: its activations are recomputed in the backward pass instead of kept.

    A model calls each of its blocks through this, so a backward pass holds one
    block's activations at a time (beside the blocks' outputs); parameter names and
    values do not change. Arguments after ``x`` are static (Python values).
    """
    if not enabled:
        return block
    return nn.remat(block, static_argnums=tuple(range(2, 2 + block.__code__.co_argcount - 2)))


def check_input_shape(model: str, x: jax.Array, expected: tuple) -> None:
    """Raises a ``ValueError`` naming ``expected`` (``None`` = any size) if ``x`` differs."""
    matches = x.ndim == len(expected) and all(
        want is None or want == got for want, got in zip(expected, x.shape, strict=True)
    )
    if not matches:
        shown = (
            "("
            + ", ".join("B" if i == 0 and w is None else str(w) for i, w in enumerate(expected))
            + ")"
        )
        raise ValueError(f"{model} expects inputs of shape {shown}; got {tuple(x.shape)}")


def weight_layer(layer: nn.Module, x: jax.Array, *, spectral: bool, train: bool) -> jax.Array:
    """Applies ``layer``, wrapped in spectral normalisation if ``spectral``.

    Spectral norm (Miyato et al. 2018) divides the weight by its largest singular
    value, estimated by one power iteration per training call; the iteration's vector
    lives in the ``batch_stats`` collection and advances only when ``train``.
    """
    if spectral:
        return nn.SpectralNorm(layer, n_steps=1)(x, update_stats=train)
    return layer(x)


def normalize(
    x: jax.Array,
    normalization: str,
    *,
    train: bool,
    axis_name: str | None = None,
) -> jax.Array:
    """The activation normalisation of ``normalization`` (``spectral`` and ``none``: identity).

    ``batch``: BatchNorm with PyTorch's momentum (0.1, i.e. Flax's 0.9) and epsilon,
    batch statistics when ``train`` and running averages otherwise; with ``axis_name``
    the statistics are synchronised across that ``pmap`` axis. ``layer``: LayerNorm
    over every non-batch axis with a per-channel scale and offset, as the WGAN-GP
    critic's. ``instance``: each example's channels normalised over their own spatial
    positions, without scale or offset (PyTorch's ``InstanceNorm2d`` as CycleGAN uses it:
    ``affine=False``, no running statistics).
    """
    if normalization == "batch":
        return nn.BatchNorm(
            use_running_average=not train,
            momentum=BATCHNORM_MOMENTUM,
            epsilon=1e-5,
            axis_name=axis_name,
            scale_init=_dcgan_scale_init,
        )(x)
    if normalization == "layer":
        return nn.LayerNorm(epsilon=1e-5, reduction_axes=tuple(range(1, x.ndim)), feature_axes=-1)(
            x
        )
    if normalization == "instance":
        return nn.InstanceNorm(epsilon=1e-5, use_scale=False, use_bias=False)(x)
    return x


def recompute_batch_stats(apply: Callable, variables: dict, batches) -> dict:
    """``variables`` with BatchNorm statistics recomputed for their own parameters.

    The running averages a network carries were collected by its raw parameters during
    training; an exponential moving average of the parameters (or any other set of
    them) needs its own. This runs ``apply(variables, *inputs, train=True,
    mutable=["batch_stats"])`` on each element ``inputs`` of ``batches`` (equal batch
    sizes), every layer normalised by its batch as in training, and returns the
    population statistics over all of them: the mean of the batch means, and the
    variance of the union (the mean of ``var + mean^2`` less the squared mean). One
    batch gives exactly that batch's statistics, so the network in evaluation mode then
    computes what it computes in training mode on that batch. BigGAN calls these
    "standing statistics" (Brock et al. 2019).
    """

    def zeros(tree):
        return jax.tree.map(jnp.zeros_like, tree)

    @jax.jit
    def batch_statistics(variables, *inputs):
        # With zero running averages, one update leaves (1 - momentum) x the batch's.
        _, updated = apply(
            {**variables, "batch_stats": zeros(variables["batch_stats"])}, *inputs,
            train=True, mutable=["batch_stats"],
        )  # fmt: skip
        batch = jax.tree.map(lambda s: s / (1 - BATCHNORM_MOMENTUM), updated["batch_stats"])
        return _with_squares(batch)

    totals, count = None, 0
    for inputs in batches:
        stats = batch_statistics(variables, *inputs)
        totals = stats if totals is None else jax.tree.map(jnp.add, totals, stats)
        count += 1
    if not count:
        raise ValueError("recompute_batch_stats needs at least one batch")
    means = jax.tree.map(lambda s: s / count, totals)
    return {**variables, "batch_stats": _population(means)}


def _with_squares(stats: dict) -> dict:
    """Each BatchNorm's ``{mean, var}`` as ``{mean, second}``: E[x] and E[x^2]."""
    if set(stats) == {"mean", "var"}:
        return {"mean": stats["mean"], "second": stats["var"] + stats["mean"] ** 2}
    return {name: _with_squares(child) for name, child in stats.items()}


def _population(moments: dict) -> dict:
    if set(moments) == {"mean", "second"}:
        variance = moments["second"] - moments["mean"] ** 2
        return {"mean": moments["mean"], "var": jnp.maximum(variance, 0.0)}
    return {name: _population(child) for name, child in moments.items()}


class VirtualBatchNorm(nn.Module):
    """Virtual batch normalisation: each example normalised with a fixed reference batch.

    The input holds the reference batch's activations in its first
    ``reference_size`` rows, then the examples: ``(R + B, ..., C)``. The reference rows
    are normalised with the reference batch's own statistics; example ``i`` with the
    statistics of the reference batch and itself, ``mean_i = (R mu_ref + m_i) / (R +
    1)`` (and likewise the mean square), where ``m_i`` is its mean over the spatial
    axes, as in the authors' code. Then a per-channel scale and offset. The same in
    training and evaluation: there are no running averages.

    Attributes:
      reference_size: ``R``.
      epsilon: added to the variance.

    References:
      Salimans et al., Improved Techniques for Training GANs, 2016 (sec. 3.4).
    """

    reference_size: int
    epsilon: float = 1e-5

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        size = self.reference_size
        if not 1 <= size < x.shape[0]:
            raise ValueError(
                f"VirtualBatchNorm(reference_size={size}) needs the reference batch in the "
                f"first {size} of more rows; got {x.shape[0]} rows"
            )
        spatial = tuple(range(1, x.ndim - 1))
        reference = x[:size]
        reference_mean = jnp.mean(reference, axis=(0, *spatial), keepdims=True)
        reference_square = jnp.mean(jnp.square(reference), axis=(0, *spatial), keepdims=True)
        own_weight = 1.0 / (size + 1)
        mean = own_weight * jnp.mean(x, axis=spatial, keepdims=True) + (1 - own_weight) * (
            reference_mean
        )
        square = (
            own_weight * jnp.mean(jnp.square(x), axis=spatial, keepdims=True)
            + (1 - own_weight) * reference_square
        )
        is_reference = (jnp.arange(x.shape[0]) < size).reshape((-1,) + (1,) * (x.ndim - 1))
        mean = jnp.where(is_reference, reference_mean, mean)
        square = jnp.where(is_reference, reference_square, square)
        variance = jnp.maximum(square - jnp.square(mean), 0.0)
        y = (x - mean) * jax.lax.rsqrt(variance + self.epsilon)
        channels = (1,) * (x.ndim - 1) + (x.shape[-1],)
        scale = self.param("scale", _dcgan_scale_init, (x.shape[-1],)).reshape(channels)
        bias = self.param("bias", nn.initializers.zeros, (x.shape[-1],)).reshape(channels)
        return y * scale + bias


class MaxoutDense(nn.Module):
    """Maxout units: ``units`` outputs, each the max over ``pieces`` affine pieces.

    Input ``(N, A)``; output ``(N, units)``.

    References:
      Goodfellow et al., Maxout Networks, 2013.
    """

    units: int
    pieces: int

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        y = nn.Dense(self.units * self.pieces)(x)
        return jnp.max(y.reshape(x.shape[0], self.units, self.pieces), axis=-1)


def _active_axis_name(module: nn.Module) -> str | None:
    """``module.axis_name``, except during ``init``, which runs outside pmap/shard_map
    where the axis is unbound (``nn.BatchNorm`` does the same)."""
    return None if module.is_initializing() else module.axis_name


def _gather_batch(x: jax.Array, axis_name: str | None) -> tuple[jax.Array, jax.Array | int]:
    """The global batch and the global index of this device's first example."""
    if axis_name is None:
        return x, 0
    gathered = jax.lax.all_gather(x, axis_name, tiled=True)
    return gathered, jax.lax.axis_index(axis_name) * x.shape[0]


class MinibatchDiscrimination(nn.Module):
    """Minibatch discrimination (Salimans et al. 2016, section 3.2).

    For features ``f`` of shape ``(N, A)`` and the parameter ``kernel`` ``T`` of shape
    ``(A, num_kernels, kernel_dim)``: ``M = f . T`` of shape ``(N, num_kernels,
    kernel_dim)``; ``c_b(i, j) = exp(-||M_{i,b} - M_{j,b}||_1)``; ``o(x_i)_b =
    sum_{j != i} c_b(i, j)``. The output is ``concatenate([f, o], -1)`` of shape
    ``(N, A + num_kernels)``.

    Attributes:
      num_kernels: ``B`` in the paper, the number of similarity features added.
      kernel_dim: ``C`` in the paper, the size of each projection.
      axis_name: if set, ``j`` runs over the global batch across the devices of
        this ``pmap`` / ``shard_map`` axis (in a hand-written ``shard_map`` step,
        differentiate with :func:`jaxgan.parallel.shard_map_value_and_grad`).
      kernel_init: initialiser of ``kernel`` (the reference code's N(0, 0.05)).
      max_pairwise_elements: the most elements of the pairwise ``(B, N, M)`` distance
        tensor held at once (``M`` the global batch); beyond it the rows are processed
        in rematerialised chunks (the same values, to float rounding). The default,
        2**24 (64 MiB in float32), keeps batches up to N = 409 with 100 kernels in one
        block.

    References:
      Salimans et al., Improved Techniques for Training GANs, 2016.
    """

    num_kernels: int = 100
    kernel_dim: int = 5
    axis_name: str | None = None
    kernel_init: Callable = nn.initializers.normal(stddev=0.05)
    max_pairwise_elements: int = 2**24

    @nn.compact
    def __call__(self, features: jax.Array) -> jax.Array:
        if features.ndim != 2:
            raise ValueError(
                f"MinibatchDiscrimination expects features of shape (N, A); got {features.shape}. "
                "Flatten the feature map first."
            )
        if self.num_kernels < 1 or self.kernel_dim < 1 or self.max_pairwise_elements < 1:
            raise ValueError(
                f"MinibatchDiscrimination: num_kernels={self.num_kernels}, "
                f"kernel_dim={self.kernel_dim} and max_pairwise_elements="
                f"{self.max_pairwise_elements} must all be at least 1"
            )
        kernel = self.param(
            "kernel",
            self.kernel_init,
            (features.shape[-1], self.num_kernels, self.kernel_dim),
            jnp.float32,
        )
        projections = jnp.einsum("na,abc->nbc", features, kernel.astype(features.dtype))
        others, offset = _gather_batch(projections, _active_axis_name(self))
        similarity_sums = _l1_similarity_sums(
            projections, others, offset, self.max_pairwise_elements
        )
        return jnp.concatenate([features, similarity_sums.astype(features.dtype)], axis=-1)


def _l1_similarity_sums(
    local: jax.Array, batch: jax.Array, offset: jax.Array | int, max_pairwise_elements: int
) -> jax.Array:
    """``o[i, b] = sum_{j != i} exp(-||local[i, b] - batch[j, b]||_1)``, shape ``(N, B)``.

    ``local`` is ``(N, B, C)``, ``batch`` is ``(M, B, C)`` and local row ``i`` is global
    row ``offset + i``. When ``N * M * B`` exceeds ``max_pairwise_elements``, the rows
    are taken ``K`` at a time (``K * M * B`` within the budget): see
    :func:`_chunked_similarity_sums`.
    """
    n, num_kernels = local.shape[0], local.shape[1]
    rows = max(1, max_pairwise_elements // (batch.shape[0] * num_kernels))
    if rows >= n:
        return _l1_similarity_block(local, batch, offset)
    num_chunks = -(-n // rows)
    padded = jnp.pad(local, ((0, num_chunks * rows - n), (0, 0), (0, 0)))
    chunks = padded.reshape((num_chunks, rows) + local.shape[1:])
    starts = offset + rows * jnp.arange(num_chunks)
    sums = _chunked_similarity_sums(chunks, batch, starts)  # (num_chunks, rows, B)
    return sums.reshape(num_chunks * rows, num_kernels)[:n]


@jax.custom_vjp
def _chunked_similarity_sums(chunks: jax.Array, batch: jax.Array, starts: jax.Array):
    """:func:`_l1_similarity_block` of each chunk of rows ``(K, B, C)`` against ``batch``.

    Each chunk's ``(B, K, M)`` tensors live only inside one iteration of a loop whose
    body is rematerialised. The backward pass is written as such a loop too (a
    ``lax.scan`` accumulating the batch's cotangent): left to autodiff, the second
    derivative (a gradient penalty through the layer) stacked the first derivative's
    per-chunk intermediates, 3.8x the whole ``(B, N, M)`` tensor at N = 1024.
    """
    block = jax.checkpoint(lambda args: _l1_similarity_block(args[0], batch, args[1]))
    return jax.lax.map(block, (chunks, starts))


def _chunked_similarity_sums_forward(chunks, batch, starts):
    return _chunked_similarity_sums(chunks, batch, starts), (chunks, batch, starts)


def _chunked_similarity_sums_backward(residuals, cotangent):
    chunks, batch, starts = residuals

    @jax.checkpoint
    def accumulate(batch_cotangent, args):
        chunk, start, chunk_cotangent = args
        _, vjp = jax.vjp(lambda c, b: _l1_similarity_block(c, b, start), chunk, batch)
        chunk_grad, batch_grad = vjp(chunk_cotangent)
        return batch_cotangent + batch_grad, chunk_grad

    batch_grad, chunk_grads = jax.lax.scan(
        accumulate, jnp.zeros_like(batch), (chunks, starts, cotangent)
    )
    return chunk_grads, batch_grad, None


_chunked_similarity_sums.defvjp(_chunked_similarity_sums_forward, _chunked_similarity_sums_backward)


def _l1_similarity_block(local: jax.Array, batch: jax.Array, offset: jax.Array | int) -> jax.Array:
    """:func:`_l1_similarity_sums` for one block of rows, with the ``(B, N, M)`` tensor.

    The L1 distance is accumulated one of the ``C`` (small) kernel dimensions at a time
    in a ``(B, N, M)`` layout: XLA:CPU's derivative of the direct ``(N, M, B, C)``
    broadcast is 5-13x slower (backward 672 ms against 107 ms at N = M = 256, B = 100,
    C = 5; second order 943 ms against 484 ms).
    """
    local_t = jnp.transpose(local, (2, 1, 0))  # (C, B, N)
    batch_t = jnp.transpose(batch, (2, 1, 0))  # (C, B, M)
    distances = jnp.abs(local_t[0][:, :, None] - batch_t[0][:, None, :])
    for c in range(1, local.shape[2]):
        distances = distances + jnp.abs(local_t[c][:, :, None] - batch_t[c][:, None, :])
    rows = offset + jnp.arange(local.shape[0])[:, None]
    not_self = rows != jnp.arange(batch.shape[0])[None, :]  # (N, M)
    similarity = jnp.where(not_self, jnp.exp(-distances), 0.0)
    return jnp.sum(similarity, axis=-1).T


class MinibatchStdDev(nn.Module):
    """Minibatch standard deviation (Karras et al. 2018, section 3).

    Splits the batch into groups of ``group_size`` (example ``n`` belongs to group
    ``n mod (N / group_size)``, as in the reference code), takes each feature's
    standard deviation over its group, averages it over all features (and pixels), and
    appends that one number per group as a constant extra channel.

    Input ``(N, ..., C)``; output ``(N, ..., C + 1)``. ``group_size`` is capped at the
    (global) batch size, which must be a multiple of it.

    Attributes:
      group_size: examples per group (4 in the paper).
      axis_name: if set, groups are formed over the global batch across the devices
        of this ``pmap`` / ``shard_map`` axis (in a hand-written ``shard_map`` step,
        differentiate with :func:`jaxgan.parallel.shard_map_value_and_grad`).
      epsilon: added to the variance before the square root.

    References:
      Karras et al., Progressive Growing of GANs for Improved Quality, Stability,
      and Variation, 2018.
    """

    group_size: int = 4
    axis_name: str | None = None
    epsilon: float = 1e-8

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        if x.ndim < 2:
            raise ValueError(f"MinibatchStdDev expects (N, ..., C) inputs; got shape {x.shape}")
        if self.group_size < 1:
            raise ValueError(f"group_size={self.group_size} must be at least 1")
        batch, offset = _gather_batch(x, _active_axis_name(self))
        total = batch.shape[0]
        group_size = min(self.group_size, total)
        if total % group_size:
            raise ValueError(
                f"MinibatchStdDev: the batch of {total} examples is not divisible by "
                f"group_size={group_size}; use a batch size that is a multiple of it"
            )
        groups = batch.astype(jnp.float32).reshape((group_size, total // group_size) + x.shape[1:])
        variance = jnp.mean(jnp.square(groups - jnp.mean(groups, axis=0, keepdims=True)), axis=0)
        stddev = jnp.mean(jnp.sqrt(variance + self.epsilon), axis=tuple(range(1, x.ndim)))
        per_example = jnp.tile(stddev, group_size)  # (total,): example n gets group n mod M.
        local = jax.lax.dynamic_slice_in_dim(per_example, offset, x.shape[0])
        channel = jnp.broadcast_to(
            local.reshape((x.shape[0],) + (1,) * (x.ndim - 1)), x.shape[:-1] + (1,)
        )
        return jnp.concatenate([x, channel.astype(x.dtype)], axis=-1)


MINIBATCH_FEATURES = ("pooled", "projected", "flatten")


def batch_aware_head(
    features: jax.Array,
    *,
    minibatch_discrimination: int | None,
    minibatch_stddev: int | None,
    axis_name: str | None,
    minibatch_kernel_dim: int = 5,
    minibatch_features: str = "flatten",
) -> jax.Array:
    """The optional batch-aware layers a discriminator puts before its last layer.

    ``minibatch_stddev`` (a group size) appends its channel to ``features`` (any rank);
    ``minibatch_discrimination`` (a number of kernels of dimension
    ``minibatch_kernel_dim``) appends its similarity features, computed from
    ``minibatch_features`` of a feature map ``(N, H, W, C)``:

    - ``pooled``: the map averaged over positions, ``(N, C)`` (Salimans et al.'s CIFAR-10
      discriminator, which applies it after global pooling);
    - ``projected``: a learned linear projection of the flattened map to ``C`` features;
    - ``flatten``: the whole flattened map, ``(N, H * W * C)`` (its kernel is then
      ``H * W * C * kernels * kernel_dim`` parameters: 96% of ``dcgan28``'s D with 100).

    With minibatch discrimination the output is the flattened map with the similarity
    features appended (features of shape ``(N, A)`` are used as they are, whatever
    ``minibatch_features`` says); without it, ``features`` after the stddev layer.
    """
    if minibatch_features not in MINIBATCH_FEATURES:
        raise ValueError(
            f"minibatch_features={minibatch_features!r} is not one of {MINIBATCH_FEATURES}"
        )
    if minibatch_stddev:
        features = MinibatchStdDev(group_size=minibatch_stddev, axis_name=axis_name)(features)
    if not minibatch_discrimination:
        return features
    flat = features.reshape(features.shape[0], -1)
    if features.ndim == 2 or minibatch_features == "flatten":
        inputs = flat
    elif minibatch_features == "pooled":
        inputs = jnp.mean(features, axis=tuple(range(1, features.ndim - 1)))
    else:
        inputs = nn.Dense(features.shape[-1], name="minibatch_projection")(flat)
    similarity = MinibatchDiscrimination(
        num_kernels=minibatch_discrimination, kernel_dim=minibatch_kernel_dim, axis_name=axis_name
    )(inputs)[:, inputs.shape[-1] :]
    return jnp.concatenate([flat, similarity], axis=-1)
