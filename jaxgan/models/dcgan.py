"""DCGAN generators and discriminators for 28x28, 32x32 and 64x64 images.

The 64x64 pair follows the reference layout (Radford et al. 2016, as in the authors'
and PyTorch's reference code) exactly:

- G: z (100) -> ConvTranspose 4x4 (1x1 -> 4x4 x 8ngf) -> 3 x [stride-2 ConvTranspose
  4x4 halving the channels] -> 32x32 x ngf -> stride-2 ConvTranspose 4x4 -> 64x64 x C,
  tanh; BatchNorm + ReLU after every layer but the last.
- D: stride-2 Conv 4x4 (C -> ndf), LeakyReLU(0.2), then 3 x [stride-2 Conv 4x4
  doubling the channels, BatchNorm, LeakyReLU(0.2)] -> 4x4 x 8ndf -> one logit
  (a 4x4 valid convolution, written as a Dense layer on the flattened 4x4 map: the
  same function and the same number of weights).

Convolutions followed by a normalisation carry no bias; the others (first and last
layers) carry one only with ``use_bias=True`` (the reference has none). Every weight
is drawn from N(0, 0.02), BatchNorm scales from N(1, 0.02).

The 32x32 pair drops one stage (4x4 x 4ngf at the start of G). The 28x28 pair is the
TF-GAN/Keras MNIST layout: G z -> Dense 7x7 x 2ngf -> BN -> ReLU -> stride-2
ConvTranspose (ngf) -> BN -> ReLU -> stride-2 ConvTranspose (C) -> tanh; D stride-2
Conv ndf -> LeakyReLU -> stride-2 Conv 2ndf -> BN -> LeakyReLU -> Dense 1.

References:
  Radford et al., Unsupervised Representation Learning with Deep Convolutional
  Generative Adversarial Networks, 2016.
"""

from __future__ import annotations

import math

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.models.convolution import Conv, ConvTranspose
from jaxgan.models.layers import (
    ACTIVATION_NORMALIZATIONS,
    VirtualBatchNorm,
    batch_aware_head,
    check_input_shape,
    check_normalization,
    dcgan_kernel_init,
    normalize,
    rematerialized,
    weight_layer,
)

__all__ = [
    "DCGANDiscriminator",
    "DCGANEncoder",
    "DCGANGenerator",
    "GENERATOR_NORMALIZATIONS",
    "IMAGE_SIZES",
]

IMAGE_SIZES = (28, 32, 64)
GENERATOR_NORMALIZATIONS = ("batch", "virtual_batch")


def _check_image_size(image_size: int) -> None:
    if image_size not in IMAGE_SIZES:
        raise ValueError(f"image_size={image_size} is not supported; use one of {IMAGE_SIZES}")


def _num_stride2_layers(image_size: int) -> int:
    """Stride-2 layers between the 4x4 (or 7x7) map and the image."""
    return 2 if image_size == 28 else int(math.log2(image_size)) - 2


class DCGANGenerator(nn.Module):
    """DCGAN generator.

    Input latents ``(B, latent_dim)``; output images ``(B, image_size, image_size,
    channels)`` in ``[-1, 1]``.

    Attributes:
      image_size: 28, 32 or 64.
      channels: output channels ``C``.
      latent_dim: size of ``z`` (100 in the paper).
      ngf: width of the last hidden layer; earlier layers double it.
      use_bias: give the output layer a bias (the reference has none).
      normalization: ``batch`` (the paper) or ``virtual_batch`` (Salimans et al.
        2016): every layer normalised against a fixed reference batch of
        ``reference_size`` latents, drawn at ``init`` into the ``reference``
        collection (checkpointed with the model) and run through the network beside
        each batch.
      reference_size: the reference batch's size for ``virtual_batch``.
      axis_name: synchronise BatchNorm statistics across this ``pmap`` axis.
      conv_implementation: ``auto``, ``xla`` or ``reformulated``; see
        :mod:`jaxgan.models.convolution` (the same parameters and function either way).
      remat: recompute each stride-2 layer (convolution, normalisation, activation)
        in the backward pass instead of keeping its activations
        (:func:`jaxgan.models.layers.rematerialized`); the same function and parameters.
    """

    image_size: int = 64
    channels: int = 3
    latent_dim: int = 100
    ngf: int = 64
    use_bias: bool = False
    normalization: str = "batch"
    reference_size: int = 64
    axis_name: str | None = None
    conv_implementation: str = "auto"
    remat: bool = False

    @nn.compact
    def __call__(self, z: jax.Array, *, train: bool = False) -> jax.Array:
        _check_image_size(self.image_size)
        check_input_shape(type(self).__name__, z, (None, self.latent_dim))
        if self.normalization not in GENERATOR_NORMALIZATIONS:
            raise ValueError(
                f"DCGANGenerator normalization={self.normalization!r} is not supported; use "
                f"one of {GENERATOR_NORMALIZATIONS}"
            )
        num_up = _num_stride2_layers(self.image_size)
        virtual = self.normalization == "virtual_batch"
        if virtual:
            reference = self.variable(
                "reference",
                "latents",
                lambda: jax.random.normal(
                    self.make_rng("params"), (self.reference_size, self.latent_dim), z.dtype
                ),
            )
            z = jnp.concatenate([reference.value, z])

        def bn_relu(x):
            if virtual:
                return nn.relu(VirtualBatchNorm(self.reference_size)(x))
            return nn.relu(normalize(x, "batch", train=train, axis_name=self.axis_name))

        if self.image_size == 28:
            x = nn.Dense(7 * 7 * 2 * self.ngf, use_bias=False, kernel_init=dcgan_kernel_init)(z)
            x = bn_relu(x.reshape(z.shape[0], 7, 7, 2 * self.ngf))
        else:
            x = ConvTranspose(
                self.ngf * 2 ** (num_up - 1),
                (4, 4),
                padding="VALID",
                use_bias=False,
                kernel_init=dcgan_kernel_init,
                implementation=self.conv_implementation,
            )(z.reshape(z.shape[0], 1, 1, self.latent_dim))
            x = bn_relu(x)

        def up(module, x, width):
            x = ConvTranspose(
                width,
                (4, 4),
                strides=(2, 2),
                padding="SAME",
                use_bias=False,
                kernel_init=dcgan_kernel_init,
                implementation=self.conv_implementation,
            )(x)
            return bn_relu(x)

        up = rematerialized(up, self.remat)
        for i in range(num_up - 1):
            x = up(self, x, self.ngf * 2 ** (num_up - 2 - i))
        x = ConvTranspose(
            self.channels,
            (4, 4),
            strides=(2, 2),
            padding="SAME",
            use_bias=self.use_bias,
            kernel_init=dcgan_kernel_init,
            implementation=self.conv_implementation,
        )(x)
        if virtual:
            x = x[self.reference_size :]
        return jnp.tanh(x)


class DCGANDiscriminator(nn.Module):
    """DCGAN discriminator.

    Input images ``(B, image_size, image_size, channels)``; output logits ``(B,)``, or
    ``(logits, features)`` with ``return_features``, where ``features`` are the last
    convolutional activations flattened, ``(B, 4*4*8ndf)`` for 64x64.

    Attributes:
      image_size: 28, 32 or 64.
      channels: input channels ``C``.
      ndf: width of the first layer; later layers double it.
      normalization: ``batch`` (the paper), ``layer`` (a WGAN-GP critic), ``spectral``
        (on every layer, SNGAN) or ``none``.
      use_bias: give the layers that are not followed by a normalisation a bias.
      minibatch_discrimination: number of minibatch-discrimination kernels before
        the last layer (off when ``None``).
      minibatch_kernel_dim: the dimension of each kernel (5 in Salimans et al.).
      minibatch_features: what minibatch discrimination compares: ``pooled`` (the
        last feature map averaged over positions, the default), ``projected`` (a
        linear projection of the flattened map) or ``flatten`` (the whole map; with
        100 kernels its kernel is 96% of ``dcgan28``'s D); see
        :func:`jaxgan.models.layers.batch_aware_head`.
      minibatch_stddev: group size of a minibatch-stddev layer before the last layer.
      axis_name: the ``pmap``/``shard_map`` axis over which BatchNorm statistics and
        the batch-aware layers couple the batch.
      conv_implementation: ``auto``, ``xla`` or ``reformulated``; see
        :mod:`jaxgan.models.convolution` (the same parameters and function either way).
      remat: recompute each stride-2 layer (convolution, normalisation, activation)
        in the backward pass instead of keeping its activations
        (:func:`jaxgan.models.layers.rematerialized`); the same function and parameters.
    """

    image_size: int = 64
    channels: int = 3
    ndf: int = 64
    normalization: str = "batch"
    use_bias: bool = False
    minibatch_discrimination: int | None = None
    minibatch_kernel_dim: int = 5
    minibatch_features: str = "pooled"
    minibatch_stddev: int | None = None
    axis_name: str | None = None
    conv_implementation: str = "auto"
    remat: bool = False

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False, return_features: bool = False):
        _check_image_size(self.image_size)
        check_normalization(self.normalization)
        size, channels = self.image_size, self.channels
        check_input_shape(type(self).__name__, x, (None, size, size, channels))
        spectral = self.normalization == "spectral"
        normalized = self.normalization in ACTIVATION_NORMALIZATIONS

        def down(module, x, i):
            has_norm = normalized and i > 0
            conv = Conv(
                self.ndf * 2**i,
                (4, 4),
                strides=(2, 2),
                padding=((1, 1), (1, 1)),
                use_bias=self.use_bias and not has_norm,
                kernel_init=dcgan_kernel_init,
                implementation=self.conv_implementation,
            )
            x = weight_layer(conv, x, spectral=spectral, train=train)
            if has_norm:
                x = normalize(x, self.normalization, train=train, axis_name=self.axis_name)
            return nn.leaky_relu(x, 0.2)

        down = rematerialized(down, self.remat)
        for i in range(_num_stride2_layers(self.image_size)):
            x = down(self, x, i)
        features = x.reshape(x.shape[0], -1)
        h = batch_aware_head(
            x,
            minibatch_discrimination=self.minibatch_discrimination,
            minibatch_stddev=self.minibatch_stddev,
            axis_name=self.axis_name,
            minibatch_kernel_dim=self.minibatch_kernel_dim,
            minibatch_features=self.minibatch_features,
        )
        h = h.reshape(h.shape[0], -1)
        head = nn.Dense(1, use_bias=self.use_bias, kernel_init=dcgan_kernel_init)
        logits = weight_layer(head, h, spectral=spectral, train=train)[:, 0]
        return (logits, features) if return_features else logits


class DCGANEncoder(nn.Module):
    """An encoder from images to latents: the DCGAN discriminator's convolutional layers
    and a linear head of ``latent_dim`` outputs (iGAN's initial guess of ``z``,
    :func:`jaxgan.inversion.train_encoder`).

    Input images ``(B, image_size, image_size, channels)``; output latents ``(B,
    latent_dim)``. The default ``layer`` normalisation keeps the examples of a batch
    independent (no statistics to carry), so an encoding does not depend on its batch.
    """

    image_size: int = 28
    channels: int = 1
    latent_dim: int = 100
    ndf: int = 64
    normalization: str = "layer"

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False) -> jax.Array:
        _check_image_size(self.image_size)
        check_normalization(self.normalization)
        size = self.image_size
        check_input_shape(type(self).__name__, x, (None, size, size, self.channels))
        normalized = self.normalization in ACTIVATION_NORMALIZATIONS
        for i in range(_num_stride2_layers(size)):
            has_norm = normalized and i > 0
            x = Conv(self.ndf * 2**i, (4, 4), strides=(2, 2), padding=((1, 1), (1, 1)),
                     use_bias=not has_norm, kernel_init=dcgan_kernel_init)(x)  # fmt: skip
            if has_norm:
                x = normalize(x, self.normalization, train=train)
            x = nn.leaky_relu(x, 0.2)
        return nn.Dense(self.latent_dim, kernel_init=dcgan_kernel_init)(x.reshape(x.shape[0], -1))
