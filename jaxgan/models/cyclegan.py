"""CycleGAN: two ResNet-block translators and two PatchGAN discriminators (Zhu et al. 2017).

CycleGAN learns ``G_AB: A -> B`` and ``G_BA: B -> A`` between two unpaired domains,
with a discriminator on each. jaxgan's train step has one generator and one
discriminator, so the pair acts on the two domains *stacked along the channels*: an
example is ``x = [a | b]`` (domain A's ``channels_a`` channels, then domain B's), and

- :class:`CycleGANGenerator` maps ``[a | b]`` to ``[G_BA(b) | G_AB(a)]``: each domain's
  slot holds a translation *into* that domain. So ``G(G(x)) = [G_BA(G_AB(a)) |
  G_AB(G_BA(b))]`` is both cycles, compared with ``x`` by
  :class:`jaxgan.regularizers.CycleConsistency`, and ``G([b | a]) = [G_BA(a) |
  G_AB(b)]`` is both identity mappings (:class:`jaxgan.regularizers.Identity`).
- :class:`CycleGANDiscriminator` judges slot A with ``D_A`` and slot B with ``D_B``
  and returns both patch maps side by side along the channels, so any loss family's
  mean over the outputs is the mean of the two discriminators' losses.

Each example's two slots never interact (the translators and discriminators are
separate networks and instance normalisation is per example), so which ``a`` shares an
example with which ``b`` does not matter: the data can pair them at random.

The translator is the authors' ``ResnetGenerator``: reflection-padded 7x7 convolution
(``ngf``), ``num_downs`` stride-2 3x3 convolutions doubling the channels,
``num_blocks`` residual blocks (reflection pad, 3x3, InstanceNorm, ReLU, reflection
pad, 3x3, InstanceNorm, plus the input), as many stride-2 transposed convolutions back,
and a reflection-padded 7x7 convolution to the domain's channels with tanh. Every
normalisation is InstanceNorm without scale or offset, weights are ``N(0, 0.02)`` and
convolutions carry biases, as in the reference (``norm='instance'``,
``init_type='normal'``). The paper uses ``ngf = 64`` and 9 blocks (6 below 256x256);
the discriminators are the 70x70 PatchGAN (``num_layers = 3``) with InstanceNorm.

References:
  Zhu et al., Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial
  Networks, 2017 (sec. 4 and appendix 7.2).
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.models.convolution import Conv, ConvTranspose
from jaxgan.models.layers import check_input_shape, dcgan_kernel_init, normalize
from jaxgan.models.pix2pix import PatchGANDiscriminator

__all__ = ["CycleGANDiscriminator", "CycleGANGenerator", "ResNetTranslator", "split_domains"]


def _reflect(x: jax.Array, width: int) -> jax.Array:
    return jnp.pad(x, ((0, 0), (width, width), (width, width), (0, 0)), mode="reflect")


def split_domains(x: jax.Array, channels_a: int, channels_b: int) -> tuple[jax.Array, jax.Array]:
    """``(a, b)`` of a stacked ``[a | b]`` batch; raises naming the expected channels."""
    if x.ndim != 4 or x.shape[-1] != channels_a + channels_b:
        raise ValueError(
            f"expected two domains stacked along the channels, (B, H, W, {channels_a} + "
            f"{channels_b}); got {tuple(x.shape)}"
        )
    return x[..., :channels_a], x[..., channels_a:]


class ResNetTranslator(nn.Module):
    """One direction of CycleGAN: ``(B, H, W, C_in) -> (B, H, W, output_channels)`` in
    ``[-1, 1]``; ``H`` and ``W`` divisible by ``2**num_downs``."""

    output_channels: int = 1
    ngf: int = 64
    num_blocks: int = 6
    num_downs: int = 2
    conv_implementation: str = "auto"

    def _conv(self, features, kernel, strides=1, padding="VALID"):
        return Conv(
            features, (kernel, kernel), strides=(strides, strides), padding=padding,
            kernel_init=dcgan_kernel_init, implementation=self.conv_implementation,
        )  # fmt: skip

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False) -> jax.Array:
        factor = 2**self.num_downs
        if x.ndim != 4 or x.shape[1] % factor or x.shape[2] % factor:
            raise ValueError(
                f"ResNetTranslator with num_downs={self.num_downs} needs (B, H, W, C) images "
                f"with sides divisible by {factor}; got {tuple(x.shape)}"
            )

        def norm_relu(h):
            return nn.relu(normalize(h, "instance", train=train))

        h = norm_relu(self._conv(self.ngf, 7)(_reflect(x, 3)))
        for i in range(self.num_downs):
            h = norm_relu(self._conv(self.ngf * 2 ** (i + 1), 3, 2, ((1, 1), (1, 1)))(h))
        width = self.ngf * 2**self.num_downs
        for _ in range(self.num_blocks):
            r = norm_relu(self._conv(width, 3)(_reflect(h, 1)))
            r = normalize(self._conv(width, 3)(_reflect(r, 1)), "instance", train=train)
            h = h + r
        for i in reversed(range(self.num_downs)):
            h = ConvTranspose(
                self.ngf * 2**i, (3, 3), strides=(2, 2), padding="SAME",
                kernel_init=dcgan_kernel_init, implementation=self.conv_implementation,
            )(h)  # fmt: skip
            h = norm_relu(h)
        return jnp.tanh(self._conv(self.output_channels, 7)(_reflect(h, 3)))


class CycleGANGenerator(nn.Module):
    """Both translators on stacked domains: ``[a | b] -> [G_BA(b) | G_AB(a)]``.

    Input and output ``(B, H, W, channels_a + channels_b)``. Parameters: ``a_to_b``
    (``G_AB``) and ``b_to_a`` (``G_BA``), each a :class:`ResNetTranslator`.
    """

    channels_a: int = 1
    channels_b: int = 1
    ngf: int = 64
    num_blocks: int = 6
    num_downs: int = 2
    conv_implementation: str = "auto"

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False) -> jax.Array:
        a, b = split_domains(x, self.channels_a, self.channels_b)
        shared = dict(
            ngf=self.ngf, num_blocks=self.num_blocks, num_downs=self.num_downs,
            conv_implementation=self.conv_implementation,
        )  # fmt: skip
        fake_b = ResNetTranslator(self.channels_b, name="a_to_b", **shared)(a, train=train)
        fake_a = ResNetTranslator(self.channels_a, name="b_to_a", **shared)(b, train=train)
        return jnp.concatenate([fake_a, fake_b], axis=-1)


class CycleGANDiscriminator(nn.Module):
    """``D_A`` on slot A and ``D_B`` on slot B, each a :class:`PatchGANDiscriminator`.

    Input ``(B, H, W, channels_a + channels_b)``; output ``(B, H', W', 2)``: ``D_A``'s
    patch logits in channel 0, ``D_B``'s in channel 1 (and, with ``return_features``,
    both feature vectors concatenated).
    """

    channels_a: int = 1
    channels_b: int = 1
    ndf: int = 64
    num_layers: int = 3
    normalization: str = "instance"
    conv_implementation: str = "auto"

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False, return_features=False):
        check_input_shape(
            type(self).__name__, x, (None, None, None, self.channels_a + self.channels_b)
        )
        a, b = split_domains(x, self.channels_a, self.channels_b)
        shared = dict(
            ndf=self.ndf, num_layers=self.num_layers, normalization=self.normalization,
            conv_implementation=self.conv_implementation,
        )  # fmt: skip
        out_a = PatchGANDiscriminator(name="domain_a", **shared)(
            a, train=train, return_features=return_features
        )
        out_b = PatchGANDiscriminator(name="domain_b", **shared)(
            b, train=train, return_features=return_features
        )
        if not return_features:
            return jnp.concatenate([out_a, out_b], axis=-1)
        logits = jnp.concatenate([out_a[0], out_b[0]], axis=-1)
        return logits, jnp.concatenate([out_a[1], out_b[1]], axis=-1)
