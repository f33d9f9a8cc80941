"""The VAE baseline: a variational autoencoder whose decoder is a GAN's generator, trained
by the same runner, checkpointed and sampled the same way.

The seed lecture asks whether the generator can learn by itself, without a
discriminator: a VAE (Kingma and Welling 2014) trains G as the decoder of an encoder
``q(z | x) = N(mu(x), diag(sigma(x)^2))`` by maximising the evidence lower bound

    ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) || N(0, I)),

with ``z = mu + sigma * eps`` (the reparameterisation) and a Gaussian decoder ``p(x |
z) = N(G(z), s^2 I)``. ``decoder_std=None`` (the default) uses the optimal shared
``s``, ``s^2 = `` the batch's mean squared error (Rybkin et al. 2021, the sigma-VAE),
which balances the two terms without a hand-set weight; a number fixes ``s``.

:class:`VAE` has the interface of :class:`jaxgan.step.GAN` that the runner, the
parallel strategies, the checkpoints and the samplers use (``init``, ``train_step``,
``sample``; ``generator`` is the decoder and ``discriminator`` the encoder, each with
its own optimiser), and keeps its state in a :class:`jaxgan.state.GANState`, so
``experiments.train``, ``evaluate`` and ``sample`` treat a VAE run as a GAN run whose
generator is sampled from the prior (config ``framework='vae'``).

References:
  Kingma and Welling, Auto-Encoding Variational Bayes, 2014.
  Rybkin, Daniilidis and Levine, Simple and Effective VAE Training with Calibrated
  Decoders, 2021.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from jaxgan.state import GANState, split_variables, zero_counter
from jaxgan.step import _all_finite, _mean_inexact, ema_update, guarded_step

__all__ = ["VAE", "gaussian_kl", "gaussian_negative_log_likelihood"]

# The sigma-VAE's log s is clipped below at this value (as the paper's code), so a
# perfect reconstruction does not send the likelihood to infinity.
MIN_LOG_STD = -6.0


def gaussian_kl(mean: jax.Array, log_variance: jax.Array) -> jax.Array:
    """``KL(N(mean, diag(exp(log_variance))) || N(0, I))`` per example ``(B,)`` for
    ``(B, D)`` inputs: ``0.5 * sum(exp(lv) + mean^2 - 1 - lv)``."""
    terms = jnp.exp(log_variance) + jnp.square(mean) - 1.0 - log_variance
    return 0.5 * jnp.sum(terms.reshape(terms.shape[0], -1), axis=1)


def gaussian_negative_log_likelihood(x: jax.Array, reconstruction: jax.Array, *,
                                     std: float | None = None) -> jax.Array:  # fmt: skip
    """``-log N(x; reconstruction, s^2 I)`` per example ``(B,)``, in nats.

    ``std``: ``s``; ``None`` takes the optimal shared ``s`` of the batch, ``s^2 =``
    its mean squared error (clipped below at ``exp(MIN_LOG_STD)``), as the sigma-VAE.
    """
    squared = jnp.square(reconstruction - x).reshape(x.shape[0], -1)
    dimensions = squared.shape[1]
    if std is None:
        log_std = jnp.maximum(0.5 * jnp.log(jnp.mean(squared)), MIN_LOG_STD)
    else:
        log_std = jnp.log(jnp.float32(std))
    return (jnp.sum(squared, axis=1) * 0.5 * jnp.exp(-2.0 * log_std)
            + dimensions * (log_std + 0.5 * math.log(2.0 * math.pi)))  # fmt: skip


@dataclasses.dataclass(frozen=True)
class VAE:
    """A VAE with the train-step interface of :class:`jaxgan.step.GAN`.

    Attributes:
      generator: the decoder, ``G(z, *, train)`` -> images (a GAN generator).
      discriminator: the encoder, ``E(x, *, train)`` -> ``(B, 2 * latent_dim)``: the
        posterior's means, then its log-variances (e.g.
        :class:`jaxgan.models.DCGANEncoder` with ``latent_dim = 2 * latent_dim``).
      generator_optimizer, discriminator_optimizer: Optax transformations of the
        decoder and the encoder.
      latent_dim: size of ``z``.
      kl_weight: the KL term's weight (1: the ELBO; other values: a beta-VAE).
      decoder_std: the decoder's fixed standard deviation, or ``None`` for the
        sigma-VAE's optimal one (:func:`gaussian_negative_log_likelihood`).
      ema_decay, ema_warmup: the decoder-parameter EMA, as :class:`jaxgan.step.GAN`.
    """

    generator: nn.Module
    discriminator: nn.Module
    generator_optimizer: optax.GradientTransformation
    discriminator_optimizer: optax.GradientTransformation
    latent_dim: int
    kl_weight: float = 1.0
    decoder_std: float | None = None
    ema_decay: float | None = None
    ema_warmup: bool = True

    # What the runner and the strategies read of a GAN.
    n_critic = 1
    micro_batches = 1
    conditioning = "none"

    def __post_init__(self):
        if not isinstance(self.latent_dim, int) or self.latent_dim < 1:
            raise ValueError(f"latent_dim={self.latent_dim!r} must be an integer >= 1")
        if self.kl_weight < 0:
            raise ValueError(f"kl_weight={self.kl_weight} must be >= 0")
        if self.decoder_std is not None and not self.decoder_std > 0:
            raise ValueError(f"decoder_std={self.decoder_std} must be > 0 (or None: optimal)")
        if self.ema_decay is not None and not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"ema_decay={self.ema_decay} must lie in [0, 1)")

    def first_batch(self, batch: dict) -> dict:
        return batch

    def init(self, key: jax.Array, batch: dict) -> GANState:
        """Initialises the decoder, the encoder and their optimisers."""
        self._check_batch(batch)
        g_key, d_key = jax.random.split(key)
        z = jnp.zeros((batch["image"].shape[0], self.latent_dim), jnp.float32)
        g_params, g_collections = split_variables(self.generator.init(g_key, z))
        d_params, d_collections = split_variables(self.discriminator.init(d_key, batch["image"]))
        return GANState(
            step=zero_counter(),
            generator_params=g_params,
            discriminator_params=d_params,
            generator_collections=g_collections,
            discriminator_collections=d_collections,
            generator_opt_state=self.generator_optimizer.init(g_params),
            discriminator_opt_state=self.discriminator_optimizer.init(d_params),
            ema_params=g_params if self.ema_decay is not None else None,
            regularizer_state={},
            consecutive_skips=zero_counter(),
            total_skips=zero_counter(),
        )

    def _check_batch(self, batch: dict) -> None:
        if "image" not in batch:
            raise ValueError(f"the batch has keys {sorted(batch)}; the VAE needs 'image'")

    def _apply(self, module, params, collections, x):
        variables = {"params": params, **collections}
        if not collections:
            return module.apply(variables, x, train=True), collections
        return module.apply(variables, x, train=True, mutable=list(collections))

    def encode(self, state: GANState, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        """The posterior's ``(mean, log_variance)`` ``(B, latent_dim)`` each (evaluation
        mode)."""
        return self._split(self.discriminator.apply(state.discriminator_variables(), x))

    def _split(self, code: jax.Array) -> tuple[jax.Array, jax.Array]:
        if code.shape[-1] != 2 * self.latent_dim:
            raise ValueError(
                f"the encoder gives {code.shape[-1]} outputs; the VAE needs 2 * latent_dim = "
                f"{2 * self.latent_dim} (means, then log-variances)"
            )
        return code[:, : self.latent_dim], code[:, self.latent_dim :]

    def train_step(
        self,
        state: GANState,
        batch: dict,
        key: jax.Array,
        *,
        axis_name: str | None = None,
        shard_examples=None,
    ) -> tuple[GANState, Any]:
        """One step of both optimisers on the negative ELBO of ``batch["image"]``.

        ``axis_name``: the ``pmap`` axis to average gradients, metrics and statistics
        over; ``shard_examples``: the sharded strategy's constraint on per-example
        arrays (applied to the reparameterisation noise). Metrics: ``negative_elbo``
        (nats per example), ``reconstruction_loss`` (its likelihood term), ``kl``,
        ``decoder_std`` and ``mse``.
        """
        self._check_batch(batch)
        x = batch["image"]
        noise_key = jax.random.fold_in(jax.random.fold_in(key, state.step), 0)
        if axis_name is not None:
            noise_key = jax.random.fold_in(noise_key, jax.lax.axis_index(axis_name))
        noise = jax.random.normal(noise_key, (x.shape[0], self.latent_dim), jnp.float32)
        if shard_examples is not None:
            noise = shard_examples(noise)

        def loss_fn(params):
            g_params, d_params = params
            code, d_collections = self._apply(
                self.discriminator, d_params, state.discriminator_collections, x
            )
            mean, log_variance = self._split(code)
            z = mean + jnp.exp(0.5 * log_variance) * noise
            reconstruction, g_collections = self._apply(
                self.generator, g_params, state.generator_collections, z
            )
            nll = gaussian_negative_log_likelihood(x, reconstruction, std=self.decoder_std)
            kl = gaussian_kl(mean, log_variance)
            mse = jnp.mean(jnp.square(reconstruction - x))
            metrics = {
                "negative_elbo": jnp.mean(nll + kl),
                "reconstruction_loss": jnp.mean(nll),
                "kl": jnp.mean(kl),
                "mse": mse,
                "decoder_std": (jnp.sqrt(mse) if self.decoder_std is None
                                else jnp.float32(self.decoder_std)),
            }  # fmt: skip
            loss = jnp.mean(nll + self.kl_weight * kl)
            return loss, (metrics, g_collections, d_collections)

        params = (state.generator_params, state.discriminator_params)
        grads, (metrics, g_collections, d_collections) = jax.grad(loss_fn, has_aux=True)(params)
        grads, metrics = _mean_inexact((grads, metrics), axis_name)
        g_collections, d_collections = _mean_inexact((g_collections, d_collections), axis_name)
        finite = _all_finite(grads, metrics)
        updates_g, opt_g = self.generator_optimizer.update(
            grads[0], state.generator_opt_state, state.generator_params
        )
        updates_d, opt_d = self.discriminator_optimizer.update(
            grads[1], state.discriminator_opt_state, state.discriminator_params
        )
        params_g = optax.apply_updates(state.generator_params, updates_g)
        updated = state.replace(
            generator_params=params_g,
            discriminator_params=optax.apply_updates(state.discriminator_params, updates_d),
            generator_collections=g_collections,
            discriminator_collections=d_collections,
            generator_opt_state=opt_g,
            discriminator_opt_state=opt_d,
            ema_params=ema_update(
                state.ema_params, params_g, state.step, decay=self.ema_decay, warmup=self.ema_warmup
            ),  # fmt: skip
        )
        return guarded_step(state, updated, finite, metrics)

    def sample(self, state: GANState, inputs: tuple, *, ema: bool = True) -> jax.Array:
        """The decoder in evaluation mode on latents ``inputs = (z,)``: samples of the
        model when ``z ~ N(0, I)``."""
        return self.generator.apply(state.generator_variables(ema=ema), *inputs, train=False)
