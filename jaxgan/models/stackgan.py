"""StackGAN's two stages for 28x28 digits with captions (Zhang et al. 2017).

A caption's embedding ``text`` ``(B, T)`` (here the bag of words of
:mod:`jaxgan.data.captions`) conditions both stages through **conditioning
augmentation**: a Dense layer (ReLU, as in the authors' ``CA_NET``) gives ``mu`` and
``log sigma^2`` of a Gaussian, and the generator sees ``c = mu + sigma * eps``. The
noise ``eps`` is the tail of the generator's latent ``z``, so the step draws it with
the rest of ``z`` and sampling stays a pure function of ``(z, text)``. The KL
divergence ``KL(N(mu, sigma^2) || N(0, I))`` (the authors' mean over the batch and the
``condition_dim`` units) times ``kl_weight`` is sown into the ``"losses"`` collection,
which :class:`jaxgan.step.GAN` adds to G's loss (``generator_conditioning_kl``).

- :class:`StackGANStage1Generator`: ``G_1(z, text)``, ``z = [noise | eps]``: ``[noise |
  c] -> Dense 7x7 x 2ngf -> BN -> ReLU -> up-block -> 3x3 conv -> tanh``, a 14x14
  image. An up-block is the authors' nearest-neighbour 2x upsampling, 3x3 convolution,
  BatchNorm and ReLU (no transposed convolution).
- :class:`StackGANStage2Generator`: ``G_2(z, text)``, ``z = [z_1 | eps_2]``: the frozen
  stage-I generator (submodule ``stage1``, in evaluation mode, behind a stop-gradient:
  its parameters get zero gradients and Adam leaves them exactly as loaded) draws the
  14x14 image from ``z_1``; an encoder (3x3 conv, ReLU) meets the stage's own
  conditioning augmentation ``c_2`` tiled over the 14x14 positions, then a 3x3 conv
  + BN + ReLU joint layer, residual blocks, an up-block to 28x28 and a 3x3 conv with
  tanh. ``experiments.train`` starts ``stage1`` from a trained stage-I run
  (``config.pretrained``).
- :class:`StackGANDiscriminator`: the image down to 7x7 by 4x4 stride-2 convolutions
  (LeakyReLU 0.2; BatchNorm after all but the first), the text compressed by a Dense
  layer (LeakyReLU) and tiled over the 7x7 positions, concatenated, a 3x3 conv + BN +
  LeakyReLU, and a Dense logit: the matching-aware discriminator's network, which is
  shown mismatched captions by the ``matching_aware`` regulariser
  (:mod:`jaxgan.regularizers`).

Sized for digits: the paper's 64x64 and 256x256 stages become 14x14 and 28x28, its
128-unit condition 16 units, its 1024-d char-CNN-RNN embedding the caption's bag of words.

References:
  Zhang et al., StackGAN: Text to Photo-realistic Image Synthesis with Stacked
  Generative Adversarial Networks, 2017 (sec. 3-4; code: hanzhanggit/StackGAN-Pytorch).
  Reed et al., Generative Adversarial Text to Image Synthesis, 2016 (GAN-CLS).
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.models.convolution import Conv
from jaxgan.models.layers import GENERATOR_LOSSES, check_input_shape, normalize

__all__ = [
    "ConditioningAugmentation",
    "StackGANDiscriminator",
    "StackGANStage1Generator",
    "StackGANStage2Generator",
    "conditioning_kl",
]


# "relu": the authors' CA_NET (ReLU on mu and log sigma^2, so sigma >= 1); "linear": a
# VAE's linear mu and log sigma^2, which lets sigma fall below 1.
CA_ACTIVATIONS = ("relu", "linear")


def conditioning_kl(mu: jax.Array, log_variance: jax.Array) -> jax.Array:
    """``KL(N(mu, diag(exp(log_variance))) || N(0, I))`` averaged over every element
    (the authors' ``KL_loss``: the mean, not the per-example sum, over the units)."""
    mu, log_variance = mu.astype(jnp.float32), log_variance.astype(jnp.float32)
    return 0.5 * jnp.mean(jnp.square(mu) + jnp.exp(log_variance) - 1.0 - log_variance)


class ConditioningAugmentation(nn.Module):
    """``c = mu(text) + sigma(text) * eps``, sowing ``kl_weight * KL`` as
    ``"conditioning_kl"`` (when ``kl_weight > 0``).

    Input ``text`` ``(B, T)`` and ``eps`` ``(B, condition_dim)``; output ``c``
    ``(B, condition_dim)``.
    """

    condition_dim: int = 16
    kl_weight: float = 1.0
    activation: str = "relu"

    @nn.compact
    def __call__(self, text: jax.Array, eps: jax.Array) -> jax.Array:
        if text.ndim != 2 or eps.shape != (text.shape[0], self.condition_dim):
            raise ValueError(
                f"conditioning augmentation takes text (B, T) and eps (B, {self.condition_dim});"
                f" got {text.shape} and {eps.shape}"
            )
        if self.activation not in CA_ACTIVATIONS:
            raise ValueError(
                f"conditioning augmentation activation={self.activation!r}; use one of "
                f"{CA_ACTIVATIONS}"
            )
        moments = nn.Dense(2 * self.condition_dim)(text.astype(eps.dtype))
        if self.activation == "relu":
            moments = nn.relu(moments)
        mu, log_variance = jnp.split(moments, 2, axis=-1)
        if self.kl_weight > 0 and not self.is_initializing():  # no "losses" in the variables
            self.sow(GENERATOR_LOSSES, "conditioning_kl",
                     self.kl_weight * conditioning_kl(mu, log_variance))  # fmt: skip
        return mu + jnp.exp(0.5 * log_variance) * eps


def _up_block(x: jax.Array, features: int, *, train: bool, axis_name: str | None) -> jax.Array:
    """Nearest-neighbour 2x upsampling, 3x3 conv, BatchNorm, ReLU (the authors' upBlock)."""
    x = jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)
    x = Conv(features, (3, 3), padding="SAME", use_bias=False)(x)
    return nn.relu(normalize(x, "batch", train=train, axis_name=axis_name))


def _split_latents(z: jax.Array, latent_dim: int, condition_dim: int, model: str):
    if z.ndim != 2 or z.shape[1] != latent_dim or latent_dim <= condition_dim:
        raise ValueError(
            f"{model} takes z of shape (B, {latent_dim}) (latent_dim > condition_dim="
            f"{condition_dim}: the condition's noise is its last {condition_dim} values); "
            f"got {z.shape}"
        )
    return z[:, : latent_dim - condition_dim], z[:, latent_dim - condition_dim :]


def _tile(vector: jax.Array, like: jax.Array) -> jax.Array:
    """``(B, K)`` -> ``(B, H, W, K)`` with ``like``'s spatial shape."""
    batch, height, width = like.shape[:3]
    return jnp.broadcast_to(vector[:, None, None, :], (batch, height, width, vector.shape[-1]))


class StackGANStage1Generator(nn.Module):
    """``G_1(z, text)``. Input ``z`` ``(B, latent_dim)`` and ``text`` ``(B, T)``; output
    ``(B, 14, 14, channels)`` in ``[-1, 1]``.

    Attributes:
      latent_dim: size of ``z``: the noise, then ``condition_dim`` values of the
        conditioning augmentation's ``eps``.
      condition_dim: units of the augmented condition ``c``.
      ngf: feature maps at 14x14 (``2 ngf`` at 7x7).
      channels: image channels.
      kl_weight: weight of the sown KL term (0: none).
      ca_activation: the conditioning augmentation's (:data:`CA_ACTIVATIONS`).
    """

    latent_dim: int = 80
    condition_dim: int = 16
    ngf: int = 64
    channels: int = 1
    kl_weight: float = 1.0
    ca_activation: str = "relu"
    axis_name: str | None = None

    @nn.compact
    def __call__(self, z: jax.Array, text: jax.Array, *, train: bool = False) -> jax.Array:
        noise, eps = _split_latents(z, self.latent_dim, self.condition_dim, type(self).__name__)
        c = ConditioningAugmentation(
            self.condition_dim, self.kl_weight, self.ca_activation, name="conditioning"
        )(text, eps)
        x = nn.Dense(7 * 7 * 2 * self.ngf, use_bias=False)(jnp.concatenate([noise, c], -1))
        x = nn.relu(normalize(x, "batch", train=train, axis_name=self.axis_name))
        x = x.reshape(z.shape[0], 7, 7, 2 * self.ngf)
        x = _up_block(x, self.ngf, train=train, axis_name=self.axis_name)
        return jnp.tanh(Conv(self.channels, (3, 3), padding="SAME")(x))


class StackGANStage2Generator(nn.Module):
    """``G_2(z, text)``, refining the frozen stage-I image of ``z``'s first
    ``stage1_latent_dim`` values. Input ``z`` ``(B, latent_dim)`` and ``text`` ``(B,
    T)``; output ``(B, 28, 28, channels)`` in ``[-1, 1]``.

    Attributes:
      latent_dim: ``stage1_latent_dim + condition_dim``.
      condition_dim: units of this stage's augmented condition.
      ngf: feature maps at 14x14 (``ngf / 2`` at 28x28).
      num_residual: residual blocks at 14x14 (the paper: 4 at 16x16).
      stage1_latent_dim, stage1_condition_dim, stage1_ngf, stage1_ca_activation: the
        stage-I generator's fields.
      channels: image channels.
      kl_weight: weight of this stage's sown KL term.
      ca_activation: this stage's conditioning augmentation's (:data:`CA_ACTIVATIONS`).
    """

    latent_dim: int = 96
    condition_dim: int = 16
    ngf: int = 64
    num_residual: int = 2
    stage1_latent_dim: int = 80
    stage1_condition_dim: int = 16
    stage1_ngf: int = 64
    stage1_ca_activation: str = "relu"
    channels: int = 1
    kl_weight: float = 1.0
    ca_activation: str = "relu"
    axis_name: str | None = None

    @nn.compact
    def __call__(self, z: jax.Array, text: jax.Array, *, train: bool = False) -> jax.Array:
        z1, eps = _split_latents(z, self.latent_dim, self.condition_dim, type(self).__name__)
        if z1.shape[1] != self.stage1_latent_dim:
            raise ValueError(
                f"StackGANStage2Generator has latent_dim={self.latent_dim} = stage1_latent_dim "
                f"+ condition_dim; got stage1_latent_dim={self.stage1_latent_dim}, "
                f"condition_dim={self.condition_dim}"
            )
        stage1 = StackGANStage1Generator(
            self.stage1_latent_dim, self.stage1_condition_dim, self.stage1_ngf, self.channels,
            kl_weight=0.0, ca_activation=self.stage1_ca_activation, name="stage1",
        )  # fmt: skip
        low = jax.lax.stop_gradient(stage1(z1, text, train=False))
        c = ConditioningAugmentation(
            self.condition_dim, self.kl_weight, self.ca_activation, name="conditioning"
        )(text, eps)
        x = nn.relu(Conv(self.ngf, (3, 3), padding="SAME")(low))
        x = jnp.concatenate([x, _tile(c, x)], axis=-1)
        x = Conv(self.ngf, (3, 3), padding="SAME", use_bias=False)(x)
        x = nn.relu(normalize(x, "batch", train=train, axis_name=self.axis_name))
        for _ in range(self.num_residual):
            h = Conv(self.ngf, (3, 3), padding="SAME", use_bias=False)(x)
            h = nn.relu(normalize(h, "batch", train=train, axis_name=self.axis_name))
            h = Conv(self.ngf, (3, 3), padding="SAME", use_bias=False)(h)
            x = nn.relu(x + normalize(h, "batch", train=train, axis_name=self.axis_name))
        x = _up_block(x, self.ngf // 2, train=train, axis_name=self.axis_name)
        return jnp.tanh(Conv(self.channels, (3, 3), padding="SAME")(x))


class StackGANDiscriminator(nn.Module):
    """``D(x, text)``. Input images ``x`` ``(B, H, H, channels)`` with ``H = 7 * 2^k``
    (14, 28) and ``text`` ``(B, T)``; output the logits ``(B,)`` (with
    ``return_features``, also the flattened joint features before the logit).

    Attributes:
      ndf: feature maps of the first convolution (doubling per stride-2 layer).
      text_dim: units of the compressed text (the paper's ``N_d``).
      channels: image channels.
    """

    ndf: int = 64
    text_dim: int = 16
    channels: int = 1
    axis_name: str | None = None

    @nn.compact
    def __call__(self, x: jax.Array, text: jax.Array, *, train: bool = False,
                 return_features: bool = False):  # fmt: skip
        check_input_shape(type(self).__name__, x, (None, None, None, self.channels))
        size = x.shape[1]
        downs = 0
        while size > 7 and size % 2 == 0:
            size, downs = size // 2, downs + 1
        if size != 7 or x.shape[2] != x.shape[1] or downs == 0:
            raise ValueError(
                f"StackGANDiscriminator takes square images of 7 * 2^k pixels, k >= 1 "
                f"(14, 28, ...); got {x.shape[1:3]}"
            )
        if text.shape[:1] != x.shape[:1] or text.ndim != 2:
            raise ValueError(f"text must have shape ({x.shape[0]}, T); got {text.shape}")
        features = self.ndf
        for layer in range(downs):
            x = Conv(features, (4, 4), strides=(2, 2), padding=((1, 1), (1, 1)),
                     use_bias=layer == 0)(x)  # fmt: skip
            if layer:
                x = normalize(x, "batch", train=train, axis_name=self.axis_name)
            x = nn.leaky_relu(x, 0.2)
            features *= 2
        t = nn.leaky_relu(nn.Dense(self.text_dim)(text.astype(x.dtype)), 0.2)
        x = jnp.concatenate([x, _tile(t, x)], axis=-1)
        x = Conv(features // 2, (3, 3), padding="SAME", use_bias=False)(x)
        x = nn.leaky_relu(normalize(x, "batch", train=train, axis_name=self.axis_name), 0.2)
        flat = x.reshape(x.shape[0], -1)
        logits = nn.Dense(1)(flat)[:, 0]
        return (logits, flat) if return_features else logits
