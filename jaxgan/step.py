"""The GAN train step: one pure function ``(state, batch, key) -> (state, metrics)``.

:class:`GAN` bundles the components -- generator, discriminator, a loss family from
:mod:`jaxgan.losses`, weighted penalties from :mod:`jaxgan.penalties`, two Optax
optimisers and the update schedule -- and builds the step from them. The step is a
plain JAX function: jit it, pmap it (with ``axis_name``) or shard it
(:mod:`jaxgan.parallel` does each).

Schedule
--------
- ``n_critic`` discriminator updates per generator update, inside one compiled step
  (``lax.scan``, unrolled by default: ``unroll_critic``); each critic iteration has
  its own real batch (the batch's arrays carry a leading ``n_critic`` axis when
  ``n_critic > 1``) and its own key. The generator update draws fresh latents.
- ``update="alternating"``: D then G, G's gradient taken through the updated D. With
  ``n_critic == 1`` the generator's forward pass is shared: the generated batch the
  D update saw is the one G's gradient flows through (as in the PyTorch DCGAN
  reference), so G runs forward once per step.
- ``update="simultaneous"``: both gradients at the same parameters and the same
  generated batch (Goodfellow 2016's tutorial), then both updates.
- Separate optimisers give separate learning rates (TTUR, Heusel et al. 2017).

Keys
----
Per-step keys are ``fold_in(key, state.step)``; every critic iteration and the
generator update split their own keys from that, so no key is reused. Under ``pmap``
the latents of the global batch are drawn on every device and each device takes its
slice, so a pmapped step sees the same latents as the single-device step; the
penalties' interpolation noise is drawn per device.

Non-finite guard
----------------
If any loss or gradient of the step is not finite, the step changes nothing in either
network or optimiser state; it increments ``state.step``, ``consecutive_skips`` and
``total_skips`` and reports ``skipped = 1``. :func:`jaxgan.training.check_finite`
stops a training loop after a configurable number of consecutive skips.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from jaxgan import losses, penalties
from jaxgan.state import GANState, split_variables, zero_counter

__all__ = ["CONDITIONINGS", "GAN", "PENALTIES", "UPDATES"]

Batch = dict[str, jax.Array]
Metrics = dict[str, jax.Array]


def _gradient_penalty(one_sided: bool):
    def penalty(d, real, fake, key):
        return penalties.gradient_penalty(d, real, fake, key=key, one_sided=one_sided)

    return penalty


# name -> fn(discriminator_fn, real_data, generated_data, key) -> scalar
PENALTIES: dict[str, Callable[..., jax.Array]] = {
    "gradient_penalty": _gradient_penalty(one_sided=False),
    "gradient_penalty_one_sided": _gradient_penalty(one_sided=True),
    "dragan": lambda d, real, fake, key: penalties.dragan_penalty(d, real, key=key),
    "r1": lambda d, real, fake, key: penalties.r1_penalty(d, real),
    "r2": lambda d, real, fake, key: penalties.r2_penalty(d, fake),
}

CONDITIONINGS = ("none", "labels", "acgan", "image")
UPDATES = ("alternating", "simultaneous")
_SMOOTHABLE = ("minimax", "non_saturating", "maximum_likelihood")


def _choice(field: str, value: Any, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"{field}={value!r} is not supported; use one of {tuple(allowed)}")


def _all_finite(*trees) -> jax.Array:
    leaves = [jnp.all(jnp.isfinite(leaf)) for tree in trees for leaf in jax.tree.leaves(tree)]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.bool_(True)


@dataclasses.dataclass(frozen=True)
class GAN:
    """The components of a GAN and the train step built from them.

    Attributes:
      generator: a Flax module called as ``G(z, *, train)``, ``G(z, labels, *,
        train)`` (``labels``/``acgan`` conditioning) or ``G(condition, *, train)``
        (``image`` conditioning, pix2pix).
      discriminator: a Flax module called as ``D(x, *, train, return_features)``,
        ``D(x, labels, ...)`` (``labels``) or ``D(x, condition, ...)`` (``image``);
        with ``acgan`` it returns ``(outputs, class_logits)``.
      generator_optimizer, discriminator_optimizer: Optax transformations (WGAN's
        weight clipping is :func:`jaxgan.penalties.weight_clipping` chained last).
      loss: a loss family name (:func:`jaxgan.losses.names`).
      latent_dim: size of ``z`` (not used with ``image`` conditioning).
      conditioning: ``none``, ``labels`` (CGAN or projection D; batches carry
        ``label``), ``acgan`` (auxiliary classifier) or ``image`` (pix2pix; batches
        carry ``condition``, the generator's input).
      penalties: ``(name, weight)`` pairs added to D's loss; names in
        :data:`PENALTIES`.
      feature_matching_weight: weight of Salimans et al.'s feature-matching loss
        (on D's features) added to G's loss.
      auxiliary_weight: weight of AC-GAN's class loss in both players' losses.
      l1_weight: weight of pix2pix's L1 reconstruction loss in G's loss (100 in the
        paper).
      label_smoothing: one-sided label smoothing of the real targets (sigmoid
        families only).
      n_critic: discriminator updates per generator update.
      update: ``alternating`` or ``simultaneous``.
      ema_decay: decay of the generator-parameter EMA, or ``None`` (off).
      unroll_critic: compile the ``n_critic`` critic iterations one after another
        (``True``, the default) or as one loop (``False``); the same arithmetic
        either way. Unrolled, XLA optimises each iteration like straight-line code:
        on CPU the WGAN-GP-28 step runs about 15% faster (inside a loop, XLA:CPU
        leaves the first layer's kernel-gradient convolution on a path about 10x
        slower), and XLA's cost analysis counts every iteration (it counts a loop
        body once). The loop compiles faster for large ``n_critic``.
    """

    generator: nn.Module
    discriminator: nn.Module
    generator_optimizer: optax.GradientTransformation
    discriminator_optimizer: optax.GradientTransformation
    loss: str = "non_saturating"
    latent_dim: int | None = None
    conditioning: str = "none"
    penalties: tuple[tuple[str, float], ...] = ()
    feature_matching_weight: float = 0.0
    auxiliary_weight: float = 1.0
    l1_weight: float = 0.0
    label_smoothing: float = 0.0
    n_critic: int = 1
    update: str = "alternating"
    ema_decay: float | None = None
    unroll_critic: bool = True

    def __post_init__(self):
        losses.get(self.loss)  # raises with the valid names
        _choice("conditioning", self.conditioning, CONDITIONINGS)
        _choice("update", self.update, UPDATES)
        for name, _ in self.penalties:
            _choice("penalty", name, PENALTIES)
        if self.conditioning != "image" and not self.latent_dim:
            raise ValueError(f"latent_dim={self.latent_dim!r}: a generator fed latents needs one")
        if self.n_critic < 1:
            raise ValueError(f"n_critic={self.n_critic} must be at least 1")
        if self.update == "simultaneous" and self.n_critic != 1:
            raise ValueError(
                f"update='simultaneous' needs n_critic=1; got n_critic={self.n_critic}"
            )
        if self.label_smoothing and self.loss not in _SMOOTHABLE:
            raise ValueError(
                f"label_smoothing applies to the {_SMOOTHABLE} families; loss={self.loss!r}"
            )
        if self.ema_decay is not None and not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"ema_decay={self.ema_decay} must lie in [0, 1)")

    @property
    def family(self) -> losses.LossFamily:
        return losses.get(self.loss)

    # ------------------------------------------------------------------
    # Calling the models.
    # ------------------------------------------------------------------

    def generator_inputs(
        self, key: jax.Array, batch: Batch, *, axis_name: str | None = None
    ) -> tuple:
        """The generator's positional inputs for ``batch``.

        Latents come from ``key``; under ``axis_name`` the global batch's latents are
        drawn and this device's slice is taken.
        """
        if self.conditioning == "image":
            return (batch["condition"],)
        size = batch["image"].shape[0]
        if axis_name is None:
            z = jax.random.normal(key, (size, self.latent_dim))
        else:
            devices = jax.lax.psum(1, axis_name)
            z_all = jax.random.normal(key, (size * devices, self.latent_dim))
            z = jax.lax.dynamic_slice_in_dim(z_all, jax.lax.axis_index(axis_name) * size, size)
        if self.conditioning in ("labels", "acgan"):
            return (z, batch["label"])
        return (z,)

    def _discriminator_inputs(self, x: jax.Array, batch: Batch) -> tuple:
        if self.conditioning == "labels":
            return (x, batch["label"])
        if self.conditioning == "image":
            return (x, batch["condition"])
        return (x,)

    @staticmethod
    def _apply(module, params, collections, *args, key, **kwargs):
        """``module.apply`` in training mode; returns (output, updated collections)."""
        variables = {"params": params, **collections}
        rngs = {"dropout": key}
        if not collections:
            return module.apply(variables, *args, train=True, rngs=rngs, **kwargs), collections
        return module.apply(
            variables, *args, train=True, rngs=rngs, mutable=list(collections), **kwargs
        )

    def _discriminate(self, params, collections, x, batch, key):
        """D in training mode on ``x``: ({outputs, features?, class_logits?}, collections)."""
        features = self.feature_matching_weight > 0
        out, collections = self._apply(
            self.discriminator,
            params,
            collections,
            *self._discriminator_inputs(x, batch),
            key=key,
            **({"return_features": True} if features else {}),
        )
        parts = list(out) if isinstance(out, tuple) else [out]
        result = {"outputs": parts.pop(0)}
        if self.conditioning == "acgan":
            result["class_logits"] = parts.pop(0)
        if features:
            result["features"] = parts.pop(0)
        return result, collections

    # ------------------------------------------------------------------
    # Losses.
    # ------------------------------------------------------------------

    def _discriminator_loss(self, params, collections, batch, fake, key):
        """D's total loss on one real batch and one generated batch."""
        dropout_key, penalty_key = jax.random.split(key)
        real = batch["image"]
        real_out, new_collections = self._discriminate(
            params, collections, real, batch, dropout_key
        )
        fake_out, new_collections = self._discriminate(
            params, new_collections, fake, batch, dropout_key
        )
        smoothing = {"label_smoothing": self.label_smoothing} if self.label_smoothing else {}
        adversarial = self.family.discriminator_loss(
            real_out["outputs"], fake_out["outputs"], **smoothing
        )
        total = adversarial
        metrics = {
            "discriminator_loss": adversarial,
            "discriminator_real_output": jnp.mean(real_out["outputs"]),
            "discriminator_gen_output": jnp.mean(fake_out["outputs"]),
        }
        if self.conditioning == "acgan":
            auxiliary = losses.auxiliary_classifier_loss(
                real_out["class_logits"], batch["label"]
            ) + losses.auxiliary_classifier_loss(fake_out["class_logits"], batch["label"])
            total = total + self.auxiliary_weight * auxiliary
            metrics["discriminator_auxiliary_loss"] = auxiliary

        def outputs_fn(x):
            # Penalty passes read D's outputs; the statistics they would update are dropped.
            return self._discriminate(params, collections, x, batch, dropout_key)[0]["outputs"]

        for index, (name, weight) in enumerate(self.penalties):
            value = PENALTIES[name](outputs_fn, real, fake, jax.random.fold_in(penalty_key, index))
            total = total + weight * value
            metrics[name] = value
        metrics["discriminator_total_loss"] = total
        return total, (new_collections, metrics)

    def _generator_loss(self, fake, params_d, collections_d, batch, key):
        """G's total loss as a function of the generated batch (D fixed)."""
        fake_out, new_collections = self._discriminate(params_d, collections_d, fake, batch, key)
        needs_real = self.family.generator_needs_real_outputs or self.feature_matching_weight > 0
        real_out = None
        if needs_real:
            real_out, new_collections = self._discriminate(
                params_d, new_collections, batch["image"], batch, key
            )
            real_out = jax.tree.map(jax.lax.stop_gradient, real_out)
        adversarial = self.family.generator_loss_from(
            real_out["outputs"] if real_out else None, fake_out["outputs"]
        )
        total = adversarial
        metrics = {"generator_loss": adversarial}
        if self.feature_matching_weight > 0:
            matching = penalties.feature_matching_loss(real_out["features"], fake_out["features"])
            total = total + self.feature_matching_weight * matching
            metrics["feature_matching"] = matching
        if self.conditioning == "acgan":
            auxiliary = losses.auxiliary_classifier_loss(fake_out["class_logits"], batch["label"])
            total = total + self.auxiliary_weight * auxiliary
            metrics["generator_auxiliary_loss"] = auxiliary
        if self.l1_weight > 0:
            l1 = jnp.mean(jnp.abs(fake.astype(jnp.float32) - batch["image"].astype(jnp.float32)))
            total = total + self.l1_weight * l1
            metrics["l1"] = l1
        metrics["generator_total_loss"] = total
        return total, (new_collections, metrics)

    # ------------------------------------------------------------------
    # State.
    # ------------------------------------------------------------------

    def first_batch(self, batch: Batch) -> Batch:
        """The first critic iteration's batch (drops the ``n_critic`` axis)."""
        return batch if self.n_critic == 1 else jax.tree.map(lambda a: a[0], batch)

    def init(self, key: jax.Array, batch: Batch) -> GANState:
        """Initialises both networks, both optimisers and the EMA from a sample batch.

        Args:
          key: PRNG key.
          batch: a batch of the shape the step will see (dict with ``image`` and, per
            ``conditioning``, ``label`` or ``condition``).
        """
        batch = self.first_batch(batch)
        g_key, d_key, z_key = jax.random.split(key, 3)
        g_inputs = self.generator_inputs(z_key, batch)
        g_vars = self.generator.init({"params": g_key, "dropout": g_key}, *g_inputs)
        d_inputs = self._discriminator_inputs(batch["image"], batch)
        d_vars = self.discriminator.init({"params": d_key, "dropout": d_key}, *d_inputs)
        g_params, g_collections = split_variables(g_vars)
        d_params, d_collections = split_variables(d_vars)
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

    # ------------------------------------------------------------------
    # The step.
    # ------------------------------------------------------------------

    def train_step(
        self,
        state: GANState,
        batch: Batch,
        key: jax.Array,
        *,
        axis_name: str | None = None,
    ) -> tuple[GANState, Metrics]:
        """One GAN train step: ``n_critic`` D updates and one G update.

        Args:
          state: the current state.
          batch: dict of arrays with a leading batch axis (and a leading
            ``n_critic`` axis before it when ``n_critic > 1``).
          key: the run's PRNG key; the step folds in ``state.step``.
          axis_name: the ``pmap`` axis to average gradients, metrics and statistics
            over (``None`` for ``jit``, sharded or not).

        Returns:
          The new state and a flat dict of float32 scalar metrics.
        """
        self._check_batch(batch)
        step_key = jax.random.fold_in(key, state.step)
        critic_keys = jax.random.split(jax.random.fold_in(step_key, 0), self.n_critic)
        g_key = jax.random.fold_in(step_key, 1)

        def mean(tree):
            return tree if axis_name is None else jax.lax.pmean(tree, axis_name)

        def apply_updates(optimizer, grads, opt_state, params):
            updates, opt_state = optimizer.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state

        def generate(params_g, collections_g, batch, key):
            z_key, dropout_key = jax.random.split(key)
            inputs = self.generator_inputs(z_key, batch, axis_name=axis_name)
            return self._apply(self.generator, params_g, collections_g, *inputs, key=dropout_key)

        def generate_with_vjp(params_g, collections_g, batch, key):
            fake, vjp_fn, collections_g = jax.vjp(
                lambda p: generate(p, collections_g, batch, key), params_g, has_aux=True
            )
            return fake, vjp_fn, mean(collections_g)

        def critic_update(d_state, fake, batch, key):
            params_d, collections_d, opt_d = d_state
            grads, (collections_d, metrics) = jax.grad(self._discriminator_loss, has_aux=True)(
                params_d, collections_d, batch, jax.lax.stop_gradient(fake), key
            )
            grads, metrics, collections_d = mean((grads, metrics, collections_d))
            metrics["discriminator_grad_norm"] = optax.tree.norm(grads)
            params_d, opt_d = apply_updates(self.discriminator_optimizer, grads, opt_d, params_d)
            finite = _all_finite(grads, metrics)
            return (params_d, collections_d, opt_d), metrics, finite

        d_state = (
            state.discriminator_params,
            state.discriminator_collections,
            state.discriminator_opt_state,
        )
        params_g, collections_g = state.generator_params, state.generator_collections
        g_batch = jax.tree.map(lambda a: a[-1], batch) if self.n_critic > 1 else batch
        gen_key, g_loss_key = jax.random.split(g_key)

        if self.n_critic == 1:
            # One generator forward pass serves both updates.
            fake, g_vjp, collections_g = generate_with_vjp(
                params_g, collections_g, batch, critic_keys[0]
            )
            new_d_state, d_metrics, finite = critic_update(d_state, fake, batch, critic_keys[0])
        else:

            def critic_iteration(carry, inputs):
                d_state, collections_g, finite = carry
                critic_batch, key = inputs
                gen_key, critic_key = jax.random.split(key)
                fake, collections_g = generate(params_g, collections_g, critic_batch, gen_key)
                d_state, metrics, ok = critic_update(d_state, fake, critic_batch, critic_key)
                return (d_state, mean(collections_g), finite & ok), metrics

            (new_d_state, collections_g, finite), d_metrics = jax.lax.scan(
                critic_iteration,
                (d_state, collections_g, jnp.bool_(True)),
                (batch, critic_keys),
                unroll=self.unroll_critic,
            )
            d_metrics = jax.tree.map(jnp.mean, d_metrics)
            fake, g_vjp, collections_g = generate_with_vjp(
                params_g, collections_g, g_batch, gen_key
            )

        # The generator's gradient: through D's updated parameters (alternating) or the
        # parameters both gradients started from (simultaneous).
        params_d_for_g, collections_d_for_g = (
            new_d_state[:2] if self.update == "alternating" else d_state[:2]
        )
        fake_grad, (collections_d_after_g, g_metrics) = jax.grad(
            self._generator_loss, has_aux=True
        )(fake, params_d_for_g, collections_d_for_g, g_batch, g_loss_key)
        (grads_g,) = g_vjp(fake_grad)
        grads_g, g_metrics, collections_d_after_g = mean(
            (grads_g, g_metrics, collections_d_after_g)
        )
        g_metrics["generator_grad_norm"] = optax.tree.norm(grads_g)
        new_params_g, new_opt_g = apply_updates(
            self.generator_optimizer, grads_g, state.generator_opt_state, params_g
        )
        finite = finite & _all_finite(grads_g, g_metrics)

        new_params_d, _, new_opt_d = new_d_state
        ema = state.ema_params
        if ema is not None:
            ema = jax.tree.map(
                lambda e, p: self.ema_decay * e + (1.0 - self.ema_decay) * p, ema, new_params_g
            )
        updated = state.replace(
            generator_params=new_params_g,
            discriminator_params=new_params_d,
            generator_collections=collections_g,
            discriminator_collections=collections_d_after_g,
            generator_opt_state=new_opt_g,
            discriminator_opt_state=new_opt_d,
            ema_params=ema,
        )
        # The guard: keep every array of the old state unless the whole step was finite.
        new_state = jax.tree.map(lambda new, old: jnp.where(finite, new, old), updated, state)
        skipped = jnp.logical_not(finite).astype(jnp.int32)
        new_state = new_state.replace(
            step=state.step + 1,
            consecutive_skips=(state.consecutive_skips + 1) * skipped,
            total_skips=state.total_skips + skipped,
        )
        metrics = {**d_metrics, **g_metrics}
        metrics = {name: value.astype(jnp.float32) for name, value in metrics.items()}
        metrics["skipped"] = skipped.astype(jnp.float32)
        metrics["consecutive_skips"] = new_state.consecutive_skips.astype(jnp.float32)
        return new_state, metrics

    def _check_batch(self, batch: Batch) -> None:
        needed = {"image"} | {"labels": {"label"}, "acgan": {"label"}, "image": {"condition"}}.get(
            self.conditioning, set()
        )
        missing = needed - set(batch)
        if missing:
            raise ValueError(
                f"the batch has keys {sorted(batch)} but conditioning={self.conditioning!r} "
                f"needs {sorted(needed)}"
            )
        if self.n_critic > 1:
            leading = {name: array.shape[0] for name, array in batch.items()}
            if any(size != self.n_critic for size in leading.values()):
                raise ValueError(
                    f"with n_critic={self.n_critic} every batch array needs a leading axis of "
                    f"{self.n_critic} (one real batch per critic iteration); got {leading}"
                )

    # ------------------------------------------------------------------
    # Sampling.
    # ------------------------------------------------------------------

    def sample(self, state: GANState, inputs: tuple, *, ema: bool = True) -> jax.Array:
        """The generator in evaluation mode on ``inputs`` (EMA parameters if present).

        ``inputs`` are the generator's positional inputs, e.g. ``(z,)``, ``(z,
        labels)`` or ``(condition,)``.
        """
        return self.generator.apply(state.generator_variables(ema=ema), *inputs, train=False)
