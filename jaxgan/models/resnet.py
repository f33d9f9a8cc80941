"""ResNet generator and discriminator for 32x32 images (WGAN-GP / SNGAN CIFAR-10).

G: z (128) -> Dense 4x4 x ch -> 3 x up-block (ch) -> BN -> ReLU -> Conv 3x3 (C) ->
tanh. An up-block is ``BN -> ReLU -> upsample x2 -> Conv 3x3 -> BN -> ReLU -> Conv
3x3`` plus a shortcut ``upsample x2 -> Conv 1x1``; upsampling is nearest-neighbour.

D: optimised down-block (ch) -> down-block (ch) -> block (ch) -> block (ch) -> ReLU ->
global sum pool -> Dense 1. A down-block is ``ReLU -> Conv 3x3 -> ReLU -> Conv 3x3 ->
avg-pool 2`` with a shortcut ``Conv 1x1 -> avg-pool 2``; the optimised first block
skips the leading ReLU and pools before its shortcut convolution; the plain blocks
have an identity shortcut. Spectral normalisation (SNGAN) applies to every
convolution and the final Dense layer; ``layer`` and ``batch`` normalise after each
3x3 convolution.

References:
  Gulrajani et al., Improved Training of Wasserstein GANs, 2017 (appendix F);
  Miyato et al., Spectral Normalization for GANs, 2018 (appendix B.4).
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.models.layers import (
    batch_aware_head,
    check_input_shape,
    check_normalization,
    normalize,
    rematerialized,
    weight_layer,
)

__all__ = ["ResNetDiscriminator", "ResNetGenerator"]


def _upsample(x: jax.Array) -> jax.Array:
    return jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)


def _downsample(x: jax.Array) -> jax.Array:
    return nn.avg_pool(x, (2, 2), strides=(2, 2))


class _GeneratorBlock(nn.Module):
    features: int
    axis_name: str | None = None

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool) -> jax.Array:
        h = nn.relu(normalize(x, "batch", train=train, axis_name=self.axis_name))
        h = nn.Conv(self.features, (3, 3), padding="SAME")(_upsample(h))
        h = nn.relu(normalize(h, "batch", train=train, axis_name=self.axis_name))
        h = nn.Conv(self.features, (3, 3), padding="SAME")(h)
        return h + nn.Conv(self.features, (1, 1))(_upsample(x))


class _DiscriminatorBlock(nn.Module):
    features: int
    normalization: str
    downsample: bool
    first: bool = False
    axis_name: str | None = None

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool) -> jax.Array:
        spectral = self.normalization == "spectral"

        def conv(h, size):
            h = weight_layer(
                nn.Conv(self.features, (size, size), padding="SAME"),
                h,
                spectral=spectral,
                train=train,
            )
            return h

        def norm(h):
            return normalize(h, self.normalization, train=train, axis_name=self.axis_name)

        h = x if self.first else nn.relu(x)
        h = nn.relu(norm(conv(h, 3)))
        h = norm(conv(h, 3))
        if self.downsample:
            h = _downsample(h)
        if self.first:
            shortcut = conv(_downsample(x), 1)
        elif self.downsample:
            shortcut = _downsample(conv(x, 1))
        else:
            shortcut = x
        return h + shortcut


class ResNetGenerator(nn.Module):
    """ResNet generator for 32x32 images.

    Input ``(B, latent_dim)``; output ``(B, 32, 32, channels)`` in ``[-1, 1]``.

    Attributes:
      channels: output channels.
      latent_dim: size of ``z`` (128).
      features: block width (256 in SNGAN, 128 in WGAN-GP).
      axis_name: synchronise BatchNorm statistics across this ``pmap`` axis.
      remat: recompute each residual block in the backward pass instead of keeping
        its activations (:func:`jaxgan.models.layers.rematerialized`).
    """

    channels: int = 3
    latent_dim: int = 128
    features: int = 256
    axis_name: str | None = None
    remat: bool = False

    @nn.compact
    def __call__(self, z: jax.Array, *, train: bool = False) -> jax.Array:
        check_input_shape(type(self).__name__, z, (None, self.latent_dim))
        x = nn.Dense(4 * 4 * self.features)(z).reshape(z.shape[0], 4, 4, self.features)
        block = rematerialized(
            lambda module, x: _GeneratorBlock(self.features, axis_name=self.axis_name)(
                x, train=train
            ),
            self.remat,
        )
        for _ in range(3):
            x = block(self, x)
        x = nn.relu(normalize(x, "batch", train=train, axis_name=self.axis_name))
        return jnp.tanh(nn.Conv(self.channels, (3, 3), padding="SAME")(x))


class ResNetDiscriminator(nn.Module):
    """ResNet discriminator (critic) for 32x32 images.

    Input ``(B, 32, 32, channels)``; output ``(B,)``, or ``(output, features)`` with
    ``return_features`` (features: the globally sum-pooled activations, ``(B,
    features)``).

    Attributes:
      channels: input channels.
      features: block width (128).
      normalization: ``spectral`` (SNGAN, the default), ``none`` (WGAN-GP),
        ``layer`` or ``batch``.
      minibatch_discrimination, minibatch_kernel_dim, minibatch_stddev: batch-aware
        layers before the last layer (see :class:`jaxgan.models.DCGANDiscriminator`);
        minibatch discrimination compares the pooled features.
      axis_name: the axis over which batch-coupled layers see the global batch.
      remat: recompute each residual block in the backward pass instead of keeping
        its activations (:func:`jaxgan.models.layers.rematerialized`).
    """

    channels: int = 3
    features: int = 128
    normalization: str = "spectral"
    minibatch_discrimination: int | None = None
    minibatch_kernel_dim: int = 5
    minibatch_stddev: int | None = None
    axis_name: str | None = None
    remat: bool = False

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False, return_features: bool = False):
        check_normalization(self.normalization)
        check_input_shape(type(self).__name__, x, (None, 32, 32, self.channels))
        kwargs = dict(
            features=self.features, normalization=self.normalization, axis_name=self.axis_name
        )

        def block(module, h, downsample, first):
            layer = _DiscriminatorBlock(downsample=downsample, first=first, **kwargs)
            return layer(h, train=train)

        block = rematerialized(block, self.remat)
        h = block(self, x, True, True)
        h = block(self, h, True, False)
        h = block(self, h, False, False)
        h = block(self, h, False, False)
        h = nn.relu(h)
        if self.minibatch_stddev:
            h = batch_aware_head(
                h,
                minibatch_discrimination=None,
                minibatch_stddev=self.minibatch_stddev,
                axis_name=self.axis_name,
            )
        features = jnp.sum(h, axis=(1, 2))
        head_input = batch_aware_head(
            features,
            minibatch_discrimination=self.minibatch_discrimination,
            minibatch_kernel_dim=self.minibatch_kernel_dim,
            minibatch_stddev=None,
            axis_name=self.axis_name,
        )
        output = weight_layer(
            nn.Dense(1), head_input, spectral=self.normalization == "spectral", train=train
        )[:, 0]
        return (output, features) if return_features else output
