"""The autoencoder discriminator of the energy-based GANs (EBGAN, BEGAN).

D is an autoencoder and its output is each example's reconstruction error, the
*energy*: low on data, high elsewhere. EBGAN trains it with a margin loss and reads the
code (the encoder's output) for the generator's pulling-away term; BEGAN balances the
energies of real and generated images with its equilibrium variable ``k_t``
(:mod:`jaxgan.losses`, :mod:`jaxgan.regularizers`).

Layout (DCGAN-style, for 28x28, 32x32 and 64x64 images): encoder stride-2 Conv 4x4
(C -> ndf) -> LeakyReLU(0.2) -> stride-2 Convs 4x4 doubling the channels, each with
``normalization`` and LeakyReLU -> Dense ``code_dim`` (the code); decoder Dense back to
the last map -> ``normalization`` -> ReLU -> stride-2 ConvTranspose 4x4 layers halving
the channels (``normalization``, ReLU) -> stride-2 ConvTranspose to C -> tanh. The
papers' own MNIST networks differ (EBGAN: fully connected or convolutional
autoencoders from a grid; BEGAN: 3x3 convolutions with ELUs and nearest-neighbour
upsampling, no normalisation); this pair keeps jaxgan's fast convolutions.

References:
  Zhao, Mathieu and LeCun, Energy-based Generative Adversarial Network, 2017.
  Berthelot, Schumm and Metz, BEGAN: Boundary Equilibrium Generative Adversarial
  Networks, 2017.
"""

from __future__ import annotations

import math

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.models.convolution import Conv, ConvTranspose
from jaxgan.models.layers import check_input_shape, dcgan_kernel_init, normalize

__all__ = ["ENERGIES", "AutoencoderDiscriminator", "reconstruction_energy"]

ENERGIES = ("mse", "l1")
_NORMALIZATIONS = ("batch", "none")


def reconstruction_energy(x: jax.Array, reconstruction: jax.Array, energy: str) -> jax.Array:
    """Per-example energy ``(B,)``: the mean over pixels of the squared (``mse``,
    EBGAN) or absolute (``l1``, BEGAN) reconstruction error, in float32."""
    difference = (x - reconstruction).astype(jnp.float32).reshape(x.shape[0], -1)
    if energy == "mse":
        return jnp.mean(jnp.square(difference), axis=1)
    if energy == "l1":
        return jnp.mean(jnp.abs(difference), axis=1)
    raise ValueError(f"energy={energy!r} is not supported; use one of {ENERGIES}")


class AutoencoderDiscriminator(nn.Module):
    """An autoencoder whose output is the reconstruction energy of each example.

    Input ``(B, image_size, image_size, channels)`` in ``[-1, 1]``; output energies
    ``(B,)`` (and, with ``return_features``, the code ``(B, code_dim)``).

    Attributes:
      image_size: 28, 32 or 64.
      channels: image channels ``C``.
      ndf: width of the first encoder layer (the decoder mirrors the encoder).
      code_dim: size of the code (the features EBGAN's pulling-away term reads).
      energy: ``mse`` (EBGAN) or ``l1`` (BEGAN); see :func:`reconstruction_energy`.
      normalization: ``batch`` (between the hidden layers, as DCGAN) or ``none``
        (BEGAN's autoencoder has none).
      conv_implementation: see :mod:`jaxgan.models.convolution`.
    """

    image_size: int = 28
    channels: int = 1
    ndf: int = 64
    code_dim: int = 64
    energy: str = "mse"
    normalization: str = "batch"
    conv_implementation: str = "auto"

    def __call__(self, x: jax.Array, *, train: bool = False, return_features: bool = False):
        reconstruction, code = self.autoencode(x, train=train)
        energies = reconstruction_energy(x, reconstruction, self.energy)
        return (energies, code) if return_features else energies

    @nn.compact
    def autoencode(self, x: jax.Array, *, train: bool = False) -> tuple[jax.Array, jax.Array]:
        """``(reconstruction, code)`` of ``x`` (``method="autoencode"`` in ``apply``)."""
        if self.image_size not in (28, 32, 64):
            raise ValueError(f"image_size={self.image_size} is not supported; use 28, 32 or 64")
        if self.normalization not in _NORMALIZATIONS:
            raise ValueError(
                f"AutoencoderDiscriminator normalization={self.normalization!r} is not "
                f"supported; use one of {_NORMALIZATIONS}"
            )
        if self.energy not in ENERGIES:
            raise ValueError(f"energy={self.energy!r} is not supported; use one of {ENERGIES}")
        size, channels = self.image_size, self.channels
        check_input_shape(type(self).__name__, x, (None, size, size, channels))
        layers = 2 if size == 28 else int(math.log2(size)) - 2
        norm = self.normalization

        def conv(cls, width, h, bias):
            return cls(
                width, (4, 4), strides=(2, 2), padding="SAME" if cls is ConvTranspose else
                ((1, 1), (1, 1)), use_bias=bias, kernel_init=dcgan_kernel_init,
                implementation=self.conv_implementation,
            )(h)  # fmt: skip

        h = x
        for i in range(layers):
            h = conv(Conv, self.ndf * 2**i, h, bias=i == 0 or norm == "none")
            if i > 0:
                h = normalize(h, norm, train=train)
            h = nn.leaky_relu(h, 0.2)
        shape = h.shape[1:]
        code = nn.Dense(self.code_dim, kernel_init=dcgan_kernel_init)(h.reshape(h.shape[0], -1))
        h = nn.Dense(math.prod(shape), use_bias=norm == "none", kernel_init=dcgan_kernel_init)(code)
        h = nn.relu(normalize(h.reshape((h.shape[0],) + shape), norm, train=train))
        for i in reversed(range(layers - 1)):
            h = conv(ConvTranspose, self.ndf * 2**i, h, bias=norm == "none")
            h = nn.relu(normalize(h, norm, train=train))
        return jnp.tanh(conv(ConvTranspose, channels, h, bias=True)), code
