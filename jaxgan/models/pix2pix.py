"""pix2pix: a U-Net generator and a PatchGAN discriminator on (input, output) pairs.

Both follow the authors' PyTorch code (``UnetGenerator``, ``NLayerDiscriminator``):
4x4 convolutions with stride 2 and padding 1, BatchNorm, LeakyReLU(0.2) on the way
down and ReLU on the way up, dropout 0.5 in the middle decoder layers, skip
connections that concatenate each encoder level with the decoder's.

References:
  Isola et al., Image-to-Image Translation with Conditional Adversarial Networks,
  2017.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.models.convolution import Conv, ConvTranspose
from jaxgan.models.layers import (
    ACTIVATION_NORMALIZATIONS,
    check_input_shape,
    check_normalization,
    dcgan_kernel_init,
    normalize,
    weight_layer,
)

__all__ = ["PatchGANDiscriminator", "UNetGenerator"]

_PAD1 = ((1, 1), (1, 1))


class UNetGenerator(nn.Module):
    """U-Net generator.

    ``num_downs`` stride-2 levels (8 for 256x256 images, 5 for 32x32); level ``i`` has
    ``min(ngf * 2**i, 8 * ngf)`` channels. The innermost level has no normalisation,
    the outermost encoder none either; dropout (active when ``train``, needing a
    ``dropout`` PRNG stream) follows the decoder convolutions of levels 4 to
    ``num_downs - 2``, as in the reference.

    Input ``(B, H, W, input_channels)`` with ``H`` and ``W`` divisible by
    ``2**num_downs``; output ``(B, H, W, output_channels)`` in ``[-1, 1]``.
    ``conv_implementation`` (``auto``, ``xla``, ``reformulated``) picks the convolution
    algorithm (:mod:`jaxgan.models.convolution`); parameters and results are the same.

    ``skip_connections=False`` drops the skips: an encoder-decoder whose only path is
    the innermost ``1 x 1`` code when ``H = 2**num_downs`` (GP-GAN's blending GAN and
    Context Encoders, whose bottleneck is a fully connected layer).
    """

    input_channels: int = 3
    output_channels: int = 3
    ngf: int = 64
    num_downs: int = 8
    use_dropout: bool = True
    skip_connections: bool = True
    axis_name: str | None = None
    conv_implementation: str = "auto"

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False) -> jax.Array:
        check_input_shape(type(self).__name__, x, (None, None, None, self.input_channels))
        factor = 2**self.num_downs
        if x.shape[1] % factor or x.shape[2] % factor:
            raise ValueError(
                f"UNetGenerator with num_downs={self.num_downs} needs image sides divisible by "
                f"{factor}; got {x.shape[1]}x{x.shape[2]}"
            )
        return jnp.tanh(self._level(x, 0, train))

    def _level(self, x: jax.Array, level: int, train: bool) -> jax.Array:
        """Encodes ``x`` one level down, recurses, decodes back to this level's input size."""
        innermost = level == self.num_downs - 1
        outermost = level == 0
        inner = min(self.ngf * 2**level, 8 * self.ngf)
        outer = (
            self.output_channels if outermost else min(self.ngf * 2 ** (level - 1), 8 * self.ngf)
        )

        h = x if outermost else nn.leaky_relu(x, 0.2)
        h = Conv(
            inner,
            (4, 4),
            strides=(2, 2),
            padding=_PAD1,
            use_bias=False,
            kernel_init=dcgan_kernel_init,
            implementation=self.conv_implementation,
        )(h)
        if not (outermost or innermost):
            h = normalize(h, "batch", train=train, axis_name=self.axis_name)
        if not innermost:
            h = self._level(h, level + 1, train)
        h = nn.relu(h)
        h = ConvTranspose(
            outer,
            (4, 4),
            strides=(2, 2),
            padding="SAME",
            use_bias=outermost,
            kernel_init=dcgan_kernel_init,
            implementation=self.conv_implementation,
        )(h)
        if outermost:
            return h
        h = normalize(h, "batch", train=train, axis_name=self.axis_name)
        if self.use_dropout and 4 <= level <= self.num_downs - 2:
            h = nn.Dropout(0.5, deterministic=not train)(h)
        return jnp.concatenate([x, h], axis=-1) if self.skip_connections else h


class PatchGANDiscriminator(nn.Module):
    """PatchGAN discriminator on ``concatenate([condition, x], -1)`` (on ``x`` alone
    without a ``condition``: CycleGAN's).

    ``num_layers`` stride-2 convolutions (the first without normalisation), one
    stride-1 convolution and a stride-1 convolution to one channel. With the default
    ``num_layers=3`` each output sees a 70x70 patch; for 256x256 inputs the output is
    ``(B, 30, 30, 1)``.

    Input ``x`` and ``condition`` ``(B, H, W, C)`` each (``condition`` may have other
    channels, or be ``None``); output logits ``(B, H', W', 1)``, or ``(logits, features)`` with
    ``return_features`` (features: the penultimate activations, flattened).
    ``conv_implementation`` as :class:`UNetGenerator`'s.
    """

    ndf: int = 64
    num_layers: int = 3
    normalization: str = "batch"
    axis_name: str | None = None
    conv_implementation: str = "auto"

    @nn.compact
    def __call__(
        self,
        x: jax.Array,
        condition: jax.Array | None = None,
        *,
        train: bool = False,
        return_features=False,
    ):
        check_normalization(self.normalization)
        spectral = self.normalization == "spectral"
        normalized = self.normalization in ACTIVATION_NORMALIZATIONS
        h = x
        if condition is not None:
            check_input_shape(type(self).__name__, condition, (x.shape[0], *x.shape[1:3], None))
            h = jnp.concatenate([condition.astype(x.dtype), x], axis=-1)
        for i in range(self.num_layers + 1):
            width = self.ndf * min(2**i, 8)
            strides = (2, 2) if i < self.num_layers else (1, 1)
            has_norm = normalized and i > 0
            conv = Conv(
                width,
                (4, 4),
                strides=strides,
                padding=_PAD1,
                use_bias=not has_norm,
                kernel_init=dcgan_kernel_init,
                implementation=self.conv_implementation,
            )
            h = weight_layer(conv, h, spectral=spectral, train=train)
            if has_norm:
                h = normalize(h, self.normalization, train=train, axis_name=self.axis_name)
            h = nn.leaky_relu(h, 0.2)
        features = h.reshape(h.shape[0], -1)
        head = Conv(
            1, (4, 4), padding=_PAD1, kernel_init=dcgan_kernel_init,
            implementation=self.conv_implementation,
        )  # fmt: skip
        logits = weight_layer(head, h, spectral=spectral, train=train)
        return (logits, features) if return_features else logits
