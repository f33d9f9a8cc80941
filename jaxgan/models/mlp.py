"""Multilayer-perceptron GANs: Goodfellow et al. 2014's MNIST pair and a toy-data pair.

Generators map latents ``(B, latent_dim)`` to samples; discriminators map samples to
one logit per example, shape ``(B,)``.
"""

from __future__ import annotations

import functools
import math

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.models.layers import (
    MaxoutDense,
    batch_aware_head,
    check_input_shape,
    check_normalization,
    normalize,
    weight_layer,
)

__all__ = [
    "GoodfellowMLPDiscriminator",
    "GoodfellowMLPGenerator",
    "MLPDiscriminator",
    "MLPGenerator",
]

_OUTPUT_ACTIVATIONS = {"sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh, "none": lambda x: x}


def _output_activation(name: str):
    try:
        return _OUTPUT_ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"output_activation={name!r} is not supported; use one of {tuple(_OUTPUT_ACTIVATIONS)}"
        ) from None


class GoodfellowMLPGenerator(nn.Module):
    """Goodfellow et al. 2014's MNIST generator: z (100) -> 1200 ReLU -> 1200 ReLU -> 784.

    Input ``(B, latent_dim)``; output ``(B, *output_shape)``, sigmoid in ``[0, 1]`` as
    in the paper, or ``tanh`` in ``[-1, 1]`` for data normalised that way.

    References:
      Goodfellow et al., Generative Adversarial Nets, 2014 (the MNIST model of the
      authors' pylearn2 configuration).
    """

    latent_dim: int = 100
    hidden: tuple[int, ...] = (1200, 1200)
    output_shape: tuple[int, ...] = (28, 28, 1)
    output_activation: str = "sigmoid"

    @nn.compact
    def __call__(self, z: jax.Array, *, train: bool = False) -> jax.Array:
        del train
        check_input_shape(type(self).__name__, z, (None, self.latent_dim))
        activation = _output_activation(self.output_activation)
        x = z
        for width in self.hidden:
            x = nn.relu(nn.Dense(width)(x))
        x = nn.Dense(math.prod(self.output_shape))(x)
        return activation(x).reshape((z.shape[0],) + tuple(self.output_shape))


class GoodfellowMLPDiscriminator(nn.Module):
    """Goodfellow et al. 2014's MNIST discriminator: two maxout layers and a logit.

    Flattened input -> dropout -> maxout(240 units x 5 pieces) -> dropout ->
    maxout(240 x 5) -> dropout -> Dense 1. Dropout (input drop 0.2, hidden drop 0.5 as
    in the authors' configuration) is active when ``train`` and needs a ``dropout``
    PRNG stream then.

    Input ``(B, *input_shape)``; output logits ``(B,)``, or ``(logits, features)`` with
    ``return_features`` (features: the last maxout layer, ``(B, 240)``).
    """

    input_shape: tuple[int, ...] = (28, 28, 1)
    maxout_units: tuple[int, ...] = (240, 240)
    pieces: int = 5
    input_dropout: float = 0.2
    hidden_dropout: float = 0.5
    minibatch_discrimination: int | None = None
    minibatch_kernel_dim: int = 5
    minibatch_stddev: int | None = None
    axis_name: str | None = None

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False, return_features: bool = False):
        check_input_shape(type(self).__name__, x, (None, *self.input_shape))
        h = x.reshape(x.shape[0], -1)
        h = nn.Dropout(self.input_dropout, deterministic=not train)(h)
        for units in self.maxout_units:
            h = MaxoutDense(units, self.pieces)(h)
            h = nn.Dropout(self.hidden_dropout, deterministic=not train)(h)
        features = h
        h = batch_aware_head(
            h,
            minibatch_discrimination=self.minibatch_discrimination,
            minibatch_kernel_dim=self.minibatch_kernel_dim,
            minibatch_stddev=self.minibatch_stddev,
            axis_name=self.axis_name,
        )
        logits = nn.Dense(1)(h)[:, 0]
        return (logits, features) if return_features else logits


class MLPGenerator(nn.Module):
    """A plain MLP generator for low-dimensional toy data (1-D, 2-D mixtures).

    Input ``(B, latent_dim)``; output ``(B, output_dim)`` (no output activation).

    Attributes:
      hidden: the hidden layers' widths (ReLU units).
      normalization: ``none``, or ``batch``: BatchNorm before each ReLU, the hidden
        layers then carrying no bias (PacGAN's and VEEGAN's toy generator, 4 x 400).
      kernel_init_std: draw every weight from ``N(0, std)`` (the PacGAN code's 0.02);
        ``None`` keeps Flax's LeCun-normal default.
      axis_name: synchronise BatchNorm statistics across this ``pmap`` axis.
    """

    latent_dim: int = 2
    hidden: tuple[int, ...] = (128, 128)
    output_dim: int = 2
    normalization: str = "none"
    kernel_init_std: float | None = None
    axis_name: str | None = None

    @nn.compact
    def __call__(self, z: jax.Array, *, train: bool = False) -> jax.Array:
        if self.normalization not in ("none", "batch"):
            raise ValueError(
                f"MLPGenerator normalization={self.normalization!r} is not supported; use "
                "'none' or 'batch'"
            )
        check_input_shape(type(self).__name__, z, (None, self.latent_dim))
        dense = _dense_factory(self.kernel_init_std)
        batch = self.normalization == "batch"
        x = z
        for width in self.hidden:
            x = dense(width, use_bias=not batch)(x)
            x = normalize(x, self.normalization, train=train, axis_name=self.axis_name)
            x = nn.relu(x)
        return dense(self.output_dim)(x)


class MLPDiscriminator(nn.Module):
    """A plain MLP discriminator for low-dimensional toy data.

    Input ``(B, input_dim)``; output ``(B,)``, or ``(output, features)`` with
    ``return_features`` (features: the last hidden layer). The batch-aware layers go
    before the last layer.

    Attributes:
      hidden: the hidden layers' widths.
      activation: ``leaky_relu`` (slope 0.2) or ``maxout``: each hidden layer is a
        linear maxout layer of ``maxout_pieces`` pieces (PacGAN's and VEEGAN's toy
        discriminator, 3 x 200 units of 5 pieces).
      normalization: ``none``, ``batch``, ``layer``, ``spectral``.
      kernel_init_std: draw every weight from ``N(0, std)``; ``None`` keeps Flax's
        LeCun-normal default.
      minibatch_discrimination, minibatch_kernel_dim, minibatch_stddev: batch-aware
        layers on the last hidden layer (see :class:`jaxgan.models.DCGANDiscriminator`).
    """

    input_dim: int = 2
    hidden: tuple[int, ...] = (128, 128)
    activation: str = "leaky_relu"
    maxout_pieces: int = 5
    normalization: str = "none"
    kernel_init_std: float | None = None
    minibatch_discrimination: int | None = None
    minibatch_kernel_dim: int = 5
    minibatch_stddev: int | None = None
    axis_name: str | None = None

    @nn.compact
    def __call__(self, x: jax.Array, *, train: bool = False, return_features: bool = False):
        check_normalization(self.normalization)
        if self.activation not in ("leaky_relu", "maxout"):
            raise ValueError(
                f"MLPDiscriminator activation={self.activation!r} is not supported; use "
                "'leaky_relu' or 'maxout'"
            )
        check_input_shape(type(self).__name__, x, (None, self.input_dim))
        spectral = self.normalization == "spectral"
        dense = _dense_factory(self.kernel_init_std)
        maxout = self.activation == "maxout"
        h = x
        for width in self.hidden:
            pieces = self.maxout_pieces if maxout else 1
            h = weight_layer(dense(width * pieces), h, spectral=spectral, train=train)
            h = normalize(h, self.normalization, train=train, axis_name=self.axis_name)
            if maxout:
                h = jnp.max(h.reshape(h.shape[0], width, pieces), axis=-1)
            else:
                h = nn.leaky_relu(h, 0.2)
        features = h
        h = batch_aware_head(
            h,
            minibatch_discrimination=self.minibatch_discrimination,
            minibatch_kernel_dim=self.minibatch_kernel_dim,
            minibatch_stddev=self.minibatch_stddev,
            axis_name=self.axis_name,
        )
        output = weight_layer(dense(1), h, spectral=spectral, train=train)[:, 0]
        return (output, features) if return_features else output


def _dense_factory(kernel_init_std: float | None):
    """``nn.Dense`` with weights from ``N(0, kernel_init_std)``, or Flax's default."""
    if kernel_init_std is None:
        return nn.Dense
    if not kernel_init_std > 0:
        raise ValueError(f"kernel_init_std={kernel_init_std} must be > 0 (or None)")
    return functools.partial(nn.Dense, kernel_init=nn.initializers.normal(kernel_init_std))
