"""LAPGAN's refinement levels: a conditional generator of the band-pass residual and
its discriminator (Denton et al. 2015).

Level ``k`` of a Laplacian pyramid (:mod:`jaxgan.pyramid`) refines the coarser image
upsampled, ``l_k = upsample(I_{k+1})``: ``G_k(l_k, z_k)`` draws the residual
``h_k`` and the level's image is ``l_k + h_k``. As in the paper's CIFAR-10 models, the
latent enters as a noise plane the size of the image, stacked beside ``l_k`` as one
more channel, and both players are small stride-1 convolutional networks (5 x 5
kernels, 128 feature maps; G with BatchNorm and ReLU, a linear output because a
residual is centred on 0 and not bounded; D sees ``h`` and ``l_k`` side by side, one
stride-2 layer, then a logit). The coarsest level is an ordinary unconditional GAN
(the paper: MLPs; here :class:`jaxgan.models.GoodfellowMLPGenerator` with an
``output_shape`` of the coarse image).

References:
  Denton, Chintala, Szlam and Fergus, Deep Generative Image Models using a Laplacian
  Pyramid of Adversarial Networks, 2015.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.models.convolution import Conv
from jaxgan.models.layers import check_input_shape, normalize

__all__ = ["LaplacianDiscriminator", "LaplacianGenerator"]


class LaplacianGenerator(nn.Module):
    """``G_k(condition, z) -> residual``. Input: the condition ``(B, H, W, C)`` (the
    upsampled coarser image) and ``z`` of ``latent_dim = H * W`` values, reshaped to one
    noise plane; output ``(B, H, W, C)``, unbounded.

    Attributes:
      channels: image channels ``C``.
      latent_dim: ``H * W`` of the level's images.
      features: feature maps of each hidden layer.
      num_layers: convolutions, the output one included.
      kernel_size: their square kernel.
    """

    channels: int = 1
    latent_dim: int = 14 * 14
    features: int = 128
    num_layers: int = 3
    kernel_size: int = 5
    axis_name: str | None = None

    @nn.compact
    def __call__(self, condition: jax.Array, z: jax.Array, *, train: bool = False) -> jax.Array:
        check_input_shape(type(self).__name__, condition, (None, None, None, self.channels))
        batch, height, width, _ = condition.shape
        if z.shape != (batch, self.latent_dim) or height * width != self.latent_dim:
            raise ValueError(
                f"LaplacianGenerator takes latents of shape (B, H*W) = ({batch}, "
                f"{height * width}) for {height}x{width} conditions and has latent_dim="
                f"{self.latent_dim}; got z of shape {z.shape}"
            )
        noise = z.reshape(batch, height, width, 1).astype(condition.dtype)
        x = jnp.concatenate([condition, noise], axis=-1)
        kernel = (self.kernel_size, self.kernel_size)
        for _ in range(self.num_layers - 1):
            x = Conv(self.features, kernel, padding="SAME", use_bias=False)(x)
            x = nn.relu(normalize(x, "batch", train=train, axis_name=self.axis_name))
        return Conv(self.channels, kernel, padding="SAME")(x)


class LaplacianDiscriminator(nn.Module):
    """``D_k(residual, condition) -> logits``. Input: the residual ``(B, H, W, C)`` and
    the upsampled coarser image of the same shape, stacked along the channels, then
    ``Conv 5x5 -> ReLU -> Conv 5x5 stride 2 -> ReLU -> Dense 1``; output the logits
    ``(B,)`` (with ``return_features``, also the flattened last feature maps).

    Attributes:
      channels: image channels ``C`` of the residual (the condition has as many).
      features: feature maps of both convolutions.
      kernel_size: their square kernel.
    """

    channels: int = 1
    features: int = 128
    kernel_size: int = 5

    @nn.compact
    def __call__(
        self,
        x: jax.Array,
        condition: jax.Array,
        *,
        train: bool = False,
        return_features: bool = False,
    ):
        del train
        check_input_shape(type(self).__name__, x, (None, None, None, self.channels))
        if condition.shape != x.shape:
            raise ValueError(
                f"LaplacianDiscriminator takes a condition of the residual's shape {x.shape}; "
                f"got {condition.shape}"
            )
        kernel = (self.kernel_size, self.kernel_size)
        h = jnp.concatenate([x, condition], axis=-1)
        h = nn.relu(Conv(self.features, kernel, padding="SAME")(h))
        h = nn.relu(Conv(self.features, kernel, strides=(2, 2), padding="SAME")(h))
        features = h.reshape(h.shape[0], -1)
        logits = nn.Dense(1)(features)[:, 0]
        return (logits, features) if return_features else logits
