"""Class-conditional wrappers around any generator or discriminator.

- :class:`ConditionalGenerator` (CGAN, also AC-GAN's generator): the label's one-hot
  code is concatenated to ``z``, so the wrapped generator's ``latent_dim`` is
  ``z_dim + num_classes``.
- :class:`ConditionalDiscriminator` (CGAN): the one-hot code is concatenated to D's
  input -- as constant feature maps for images -- so the wrapped discriminator takes
  ``channels + num_classes`` channels (or ``input_dim + num_classes`` features).
- :class:`ProjectionDiscriminator`: ``D(x, y) = psi(phi(x)) + <embed(y), phi(x)>``.
- :class:`ACGANDiscriminator`: an auxiliary classifier head on D's features.

Labels are integer class indices of shape ``(B,)``.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.models.layers import weight_layer

__all__ = [
    "ACGANDiscriminator",
    "ConditionalDiscriminator",
    "ConditionalGenerator",
    "ProjectionDiscriminator",
]


def _one_hot(labels: jax.Array, num_classes: int, batch: int, dtype) -> jax.Array:
    if labels.shape != (batch,):
        raise ValueError(
            f"labels must be integer class indices of shape ({batch},); got {labels.shape}"
        )
    return jax.nn.one_hot(labels, num_classes, dtype=dtype)


class ConditionalGenerator(nn.Module):
    """CGAN generator: ``G(concat(z, one_hot(y)))``.

    Input ``z`` ``(B, z_dim)`` and labels ``(B,)``; output as the wrapped generator's,
    whose ``latent_dim`` must be ``z_dim + num_classes``.

    References:
      Mirza & Osindero, Conditional Generative Adversarial Nets, 2014.
    """

    generator: nn.Module
    num_classes: int

    @nn.compact
    def __call__(self, z: jax.Array, labels: jax.Array, *, train: bool = False) -> jax.Array:
        code = _one_hot(labels, self.num_classes, z.shape[0], z.dtype)
        return self.generator(jnp.concatenate([z, code], axis=-1), train=train)


class ConditionalDiscriminator(nn.Module):
    """CGAN discriminator: the one-hot label concatenated to D's input.

    Input ``(B, ...)`` and labels ``(B,)``. For images ``(B, H, W, C)`` the code is
    broadcast to ``(B, H, W, num_classes)`` and appended as channels.

    References:
      Mirza & Osindero, Conditional Generative Adversarial Nets, 2014.
    """

    discriminator: nn.Module
    num_classes: int

    @nn.compact
    def __call__(
        self, x: jax.Array, labels: jax.Array, *, train: bool = False, return_features=False
    ):
        code = _one_hot(labels, self.num_classes, x.shape[0], x.dtype)
        code = code.reshape((x.shape[0],) + (1,) * (x.ndim - 2) + (self.num_classes,))
        code = jnp.broadcast_to(code, x.shape[:-1] + (self.num_classes,))
        return self.discriminator(
            jnp.concatenate([x, code], axis=-1), train=train, return_features=return_features
        )


class ProjectionDiscriminator(nn.Module):
    """Projection discriminator: ``psi(phi(x)) + <V y, phi(x)>``.

    ``phi(x)`` are the wrapped discriminator's features (``return_features``) and
    ``psi(phi(x))`` its output; ``V`` is a class embedding of the features' size,
    spectrally normalised when ``spectral`` (as in SNGAN's projection model).

    Input ``(B, ...)`` and labels ``(B,)``; output ``(B,)``, or ``(output, features)``.

    References:
      Miyato & Koyama, cGANs with Projection Discriminator, 2018.
    """

    discriminator: nn.Module
    num_classes: int
    spectral: bool = False

    @nn.compact
    def __call__(
        self, x: jax.Array, labels: jax.Array, *, train: bool = False, return_features=False
    ):
        output, features = self.discriminator(x, train=train, return_features=True)
        code = _one_hot(labels, self.num_classes, x.shape[0], features.dtype)
        # A bias-free Dense on the one-hot code is the embedding lookup V y.
        embed = nn.Dense(features.shape[-1], use_bias=False, name="embedding")
        embedding = weight_layer(embed, code, spectral=self.spectral, train=train)
        output = output + jnp.sum(embedding * features, axis=-1)
        return (output, features) if return_features else output


class ACGANDiscriminator(nn.Module):
    """AC-GAN discriminator: the wrapped D's output plus class logits from its features.

    Input ``(B, ...)`` (labels are not an input: D predicts them); output ``(logits,
    class_logits)`` with ``class_logits`` ``(B, num_classes)``, or ``(logits,
    class_logits, features)`` with ``return_features``. Train the head with
    :func:`jaxgan.losses.auxiliary_classifier_loss` on real and generated data.

    References:
      Odena et al., Conditional Image Synthesis with Auxiliary Classifier GANs, 2017.
    """

    discriminator: nn.Module
    num_classes: int
    spectral: bool = False

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False, return_features=False):
        output, features = self.discriminator(x, train=train, return_features=True)
        head = nn.Dense(self.num_classes, name="classifier")
        class_logits = weight_layer(head, features, spectral=self.spectral, train=train)
        if return_features:
            return output, class_logits, features
        return output, class_logits
