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
terms get the same key on every device and draw their per-example noise for the
global batch and slice it (the gradient penalty's and DRAGAN's interpolation, zCR's
latent noise: :func:`jaxgan.penalties.draw_for_global_batch`), so they equal the
single-device step's; augmentations and CR's transforms fold in the device index
instead (independent per device, not equal to the single-device draws).

Objective
---------
``loss`` is a family name, a :class:`jaxgan.losses.LossFamily` or a pair of
functions; ``penalties`` and ``regularizers`` are terms of :mod:`jaxgan.objectives`
(names, regulariser objects, functions of the context, with weights, schedules and
lazy intervals); ``augmentation`` (:mod:`jaxgan.augment`) transforms everything D
sees; ``packing`` (PacGAN) lets D judge ``m`` samples at once; ``unrolled_steps``
(Unrolled GAN) takes G's gradient through ``k`` unrolled D updates; ``history_pool``
(Shrivastava et al. 2017, CycleGAN) shows D generated images drawn from a pool of past
ones. Terms read D's outputs from the step (no extra forward pass) and carry state in
``GANState.regularizer_state``. A generator may add losses of its own (StackGAN's
conditioning-augmentation KL): whatever it ``sow``s into the ``"losses"`` collection
(:data:`GENERATOR_LOSSES`) during its forward pass in the step is added to G's loss and
reported as ``generator_<name>``; the same forward pass serves, so it costs nothing more.

Override points
---------------
Subclasses may override :meth:`GAN.generator_inputs` (what the generator is fed),
:meth:`GAN.discriminator_view` (what D is shown: augmentation, packing) and
:meth:`GAN.discriminate` (calling D); everything else is composed from fields.

Micro-batches
-------------
With ``micro_batches = k`` each update accumulates the gradient over ``k``
micro-batches. Latents and the terms' per-example noise are drawn for the global batch
and each micro-batch takes its rows, so for models without batch coupling the step
equals the one over the whole batch (to float rounding). What couples the examples of
a batch sees the micro-batch, as it sees the device's batch under ``pmap``: BatchNorm
normalises each micro-batch by its own statistics (its running averages and every
other updated collection are averaged over the micro-batches), minibatch
discrimination compares a micro-batch's examples with each other, and so do the
terms' batch statistics (DRAGAN's ``std``, LeCam's means, top-k); accumulating the
statistics of the whole batch first would need a second pass over it. Augmentations
fold in the micro-batch's index (like a device's), and the history pool takes the
micro-batches one after another. With ``n_critic == 1``, G runs forward once in D's
update and again in its own (one pass cannot serve both without keeping every
micro-batch's activations). Unrolled GAN is not supported with micro-batches.

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

import flax
import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from jaxgan import image_pool, losses, micro_batches, objectives, penalties
from jaxgan.micro_batches import MicroBatch
from jaxgan.models import layers
from jaxgan.objectives import Context, Term
from jaxgan.state import GANState, split_variables, zero_counter

__all__ = [
    "AUGMENTATION_STATE",
    "CONDITIONINGS",
    "GAN",
    "GENERATOR_LOSSES",
    "HISTORY_POOL_STATE",
    "PRECISIONS",
    "UPDATES",
    "ema_update",
    "guarded_step",
]

Batch = dict[str, jax.Array]
Metrics = dict[str, jax.Array]
# The key of the augmentation's state in GANState.regularizer_state.
AUGMENTATION_STATE = "augmentation"
# The key of the history pool's state (history_pool) in GANState.regularizer_state.
HISTORY_POOL_STATE = "history_pool"
_RESERVED = (AUGMENTATION_STATE, HISTORY_POOL_STATE)

CONDITIONINGS = ("none", "labels", "acgan", "text", "image", "unpaired")
# The collection a generator sows its own losses into (StackGAN's conditioning
# augmentation KL): the step adds them to G's loss.
GENERATOR_LOSSES = layers.GENERATOR_LOSSES
UPDATES = ("alternating", "simultaneous")
# GAN.precision -> the dtype G and D compute in (parameters, optimiser state, losses and
# reductions stay float32).
PRECISIONS = {"float32": jnp.float32, "bfloat16": jnp.bfloat16}
_SMOOTHABLE = ("minimax", "non_saturating", "maximum_likelihood")


def _choice(field: str, value: Any, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"{field}={value!r} is not supported; use one of {tuple(allowed)}")


def _mean_inexact(tree, axis_name):
    """``pmean`` of the floating-point leaves (integer counters are equal on every device)."""
    if axis_name is None:
        return tree

    def mean(x):
        return jax.lax.pmean(x, axis_name) if jnp.issubdtype(x.dtype, jnp.inexact) else x

    return jax.tree.map(mean, tree)


def _own_losses(sown) -> dict[str, jax.Array]:
    """The generator's own losses by name (the last key of each sown path; values sown
    under the same name by several modules, or several times, are summed), float32."""
    own = {}
    for path, values in flax.traverse_util.flatten_dict(flax.core.unfreeze(sown)).items():
        value = sum(jnp.sum(v).astype(jnp.float32) for v in values)
        own[path[-1]] = own.get(path[-1], 0.0) + value
    return own


def _cast_floating(tree, dtype):
    """Every floating-point array of ``tree`` as ``dtype``; other leaves untouched."""

    def cast(x):
        floating = hasattr(x, "dtype") and jnp.issubdtype(x.dtype, jnp.floating)
        return x.astype(dtype) if floating else x

    return jax.tree.map(cast, tree)


def _all_finite(*trees) -> jax.Array:
    leaves = [jnp.all(jnp.isfinite(leaf)) for tree in trees for leaf in jax.tree.leaves(tree)]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.bool_(True)


def ema_update(ema, params, step: jax.Array, *, decay: float | None, warmup: bool):
    """The parameters' EMA after a step (``None`` stays ``None``): ``decay * ema + (1 -
    decay) * params``, the decay warmed up to ``min(decay, (1 + t) / (10 + t))`` at step
    ``t`` with ``warmup``."""
    if ema is None:
        return None
    rate = jnp.float32(decay)
    if warmup:
        t = step.astype(jnp.float32)
        rate = jnp.minimum(rate, (1.0 + t) / (10.0 + t))
    return jax.tree.map(lambda e, p: rate * e + (1.0 - rate) * p, ema, params)


def guarded_step(state: GANState, updated: GANState, finite: jax.Array, metrics: dict):
    """``(new state, float32 metrics)`` of a step whose result is ``updated``: every array
    of ``state`` is kept unless the whole step was ``finite``; the step counter moves
    either way, and the skip counters and the ``skipped``/``consecutive_skips`` metrics
    record a skip (the runner's non-finite stop reads them)."""
    new_state = jax.tree.map(lambda new, old: jnp.where(finite, new, old), updated, state)
    skipped = jnp.logical_not(finite).astype(jnp.int32)
    new_state = new_state.replace(
        step=state.step + 1,
        consecutive_skips=(state.consecutive_skips + 1) * skipped,
        total_skips=state.total_skips + skipped,
    )
    metrics = {name: value.astype(jnp.float32) for name, value in metrics.items()}
    metrics["skipped"] = skipped.astype(jnp.float32)
    metrics["consecutive_skips"] = new_state.consecutive_skips.astype(jnp.float32)
    return new_state, metrics


@dataclasses.dataclass(frozen=True)
class GAN:
    """The components of a GAN and the train step built from them.

    Attributes:
      generator: a Flax module called as ``G(z, *, train)``, ``G(z, labels, *,
        train)`` (``labels``/``acgan`` conditioning), ``G(z, text, *, train)``
        (``text``: StackGAN), ``G(condition, *, train)``
        (``image`` conditioning, pix2pix) or ``G(condition, z, *, train)`` (``image``
        conditioning with a ``latent_dim``: LAPGAN's levels) or ``G(x, *, train)``
        (``unpaired``: G translates the real batch itself, CycleGAN).
      discriminator: a Flax module called as ``D(x, *, train, return_features)``,
        ``D(x, labels, ...)`` (``labels``), ``D(x, text, ...)`` (``text``) or ``D(x,
        condition, ...)`` (``image``);
        with ``acgan`` it returns ``(outputs, class_logits)``.
      generator_optimizer, discriminator_optimizer: Optax transformations (WGAN's
        weight clipping is :func:`jaxgan.penalties.weight_clipping` chained last).
      loss: a loss family name (:func:`jaxgan.losses.names`), a
        :class:`jaxgan.losses.LossFamily`, or a pair ``(discriminator_loss,
        generator_loss)`` of pure functions (:func:`jaxgan.objectives.resolve_loss`).
      latent_dim: size of ``z``; with ``image`` conditioning ``None`` (pix2pix: the
        condition is G's only input) or the size of the latents G takes beside it.
      conditioning: ``none``, ``labels`` (CGAN or projection D; batches carry
        ``label``), ``acgan`` (auxiliary classifier), ``text`` (a caption's embedding,
        StackGAN: batches carry ``text``, a float vector per example, that G and D
        take beside ``z`` and ``x``) or ``image`` (pix2pix; batches
        carry ``condition``, the generator's input) or ``unpaired`` (two domains
        stacked along the channels, CycleGAN: G's input is the real batch ``image``
        itself, D is unconditional; :mod:`jaxgan.models.cyclegan`). With ``unpaired``
        the terms' ``context.latents`` is G's input and ``context.generator`` is
        ``x -> G(x)``, so a term can take cycles (:mod:`jaxgan.regularizers`).
      penalties: terms added to D's loss: ``(regulariser, weight[, every])`` pairs,
        :class:`jaxgan.objectives.Term` objects or bare regularisers; a regulariser
        is a name (:func:`jaxgan.regularizers.names`), an object with ``init`` and
        ``apply``, or a function of the :class:`jaxgan.objectives.Context`.
      regularizers: more terms, on either player (``Term(..., player=
        "generator")``); entries that are not ``Term`` go on the discriminator.
      augmentation: a differentiable augmentation of everything D sees
        (:mod:`jaxgan.augment`: ``DiffAugment``, ``ADA``, ``InstanceNoise``, or any
        object with the same methods), or ``None``.
      packing: PacGAN's ``m``: D judges ``m`` samples at once, concatenated along the
        last (channel) axis, real with real and generated with generated; the
        discriminator must take ``m`` times the channels (Lin et al. 2018).
      history_pool: D's updates see generated images drawn from a pool of this many
        past ones (:func:`jaxgan.image_pool.image_pool`; CycleGAN: 50), 0 for off. The
        pool is drawn for the global batch with a key shared by the devices (under
        ``pmap`` each device takes its slice), lives in ``regularizer_state`` and is
        checkpointed. G's update always sees its newest images.
      unrolled_steps: ``k`` of Unrolled GAN (Metz et al. 2017): G's loss is taken
        through ``k`` unrolled updates of D (its adversarial loss and optimiser),
        differentiated through the unrolling; D itself takes its ordinary update.
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
      ema_warmup: use ``min(ema_decay, (1 + t) / (10 + t))`` at step ``t``
        (TensorFlow's ``ExponentialMovingAverage`` with ``num_updates``), so the
        average forgets the initial weights in a short run (``True``, the default);
        with ``False`` the fixed decay keeps ``ema_decay ** t`` of them (22 % after
        1,500 steps at 0.999).
      unroll_critic: compile the ``n_critic`` critic iterations one after another
        (``True``, the default) or as one loop (``False``); the same arithmetic
        either way. Unrolled, XLA optimises each iteration like straight-line code:
        on CPU the WGAN-GP-28 step runs about 15% faster (inside a loop, XLA:CPU
        leaves the first layer's kernel-gradient convolution on a path about 10x
        slower), and XLA's cost analysis counts every iteration (it counts a loop
        body once). The loop compiles faster for large ``n_critic``.
      precision: ``float32`` or ``bfloat16`` (:data:`PRECISIONS`): the dtype G and D
        compute in; parameters, optimiser state, losses and reductions stay float32.
      micro_batches: gradient accumulation. Each update's (per-device) batch is split
        into this many micro-batches (strided: :func:`jaxgan.micro_batches.split`) that
        run one after another in a ``lax.scan``, so only one micro-batch's activations
        are live; their gradients are averaged before the one optimiser update. See
        "Micro-batches" above.
    """

    generator: nn.Module
    discriminator: nn.Module
    generator_optimizer: optax.GradientTransformation
    discriminator_optimizer: optax.GradientTransformation
    loss: Any = "non_saturating"
    latent_dim: int | None = None
    conditioning: str = "none"
    penalties: tuple = ()
    regularizers: tuple = ()
    augmentation: Any = None
    packing: int = 1
    history_pool: int = 0
    unrolled_steps: int = 0
    feature_matching_weight: float = 0.0
    auxiliary_weight: float = 1.0
    l1_weight: float = 0.0
    label_smoothing: float = 0.0
    n_critic: int = 1
    update: str = "alternating"
    ema_decay: float | None = None
    ema_warmup: bool = True
    unroll_critic: bool = True
    precision: str = "float32"
    micro_batches: int = 1

    def __post_init__(self):
        for field in ("loss", "penalties", "regularizers"):
            if isinstance(getattr(self, field), list):  # hashable, for jax.jit of the step
                object.__setattr__(self, field, tuple(getattr(self, field)))
        family = objectives.resolve_loss(self.loss)  # raises with the valid names
        _choice("conditioning", self.conditioning, CONDITIONINGS)
        _choice("update", self.update, UPDATES)
        _choice("precision", self.precision, tuple(PRECISIONS))
        terms = objectives.resolve_terms(tuple(self.penalties) + tuple(self.regularizers))
        for term in terms:
            if term.name in _RESERVED:
                raise ValueError(f"the term name {term.name!r} is reserved; name it otherwise")
        object.__setattr__(self, "_family", family)
        object.__setattr__(self, "_terms", terms)
        if self.conditioning not in ("image", "unpaired") and not self.latent_dim:
            raise ValueError(f"latent_dim={self.latent_dim!r}: a generator fed latents needs one")
        if self.conditioning == "unpaired" and self.latent_dim:
            raise ValueError(
                f"latent_dim={self.latent_dim!r}: with conditioning='unpaired' the generator's "
                "only input is the real batch; leave latent_dim None"
            )
        if not isinstance(self.history_pool, int) or self.history_pool < 0:
            raise ValueError(f"history_pool={self.history_pool!r} must be an integer >= 0")
        if self.n_critic < 1:
            raise ValueError(f"n_critic={self.n_critic} must be at least 1")
        if self.update == "simultaneous" and self.n_critic != 1:
            raise ValueError(
                f"update='simultaneous' needs n_critic=1; got n_critic={self.n_critic}"
            )
        if family.name == "began":
            from jaxgan.regularizers import BeganEquilibrium

            if not any(isinstance(t.regularizer, BeganEquilibrium) for t in terms):
                raise ValueError(
                    "loss='began' is BEGAN's L(x) and L_G only: add the began_equilibrium term "
                    "(its - k_t L(G(z)) part, with k_t as state), e.g. regularizers="
                    "(('began_equilibrium', 1.0),)"
                )
        if self.label_smoothing and family.name not in _SMOOTHABLE:
            raise ValueError(
                f"label_smoothing applies to the {_SMOOTHABLE} families; loss={family.name!r}"
            )
        if self.ema_decay is not None and not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"ema_decay={self.ema_decay} must lie in [0, 1)")
        if not isinstance(self.packing, int) or self.packing < 1:
            raise ValueError(f"packing={self.packing!r} must be an integer >= 1")
        if self.packing > 1 and self.conditioning != "none":
            raise ValueError(
                f"packing={self.packing} packs unconditional samples; conditioning="
                f"{self.conditioning!r} would need the conditions packed too"
            )
        if not isinstance(self.unrolled_steps, int) or self.unrolled_steps < 0:
            raise ValueError(f"unrolled_steps={self.unrolled_steps!r} must be an integer >= 0")
        if not isinstance(self.micro_batches, int) or self.micro_batches < 1:
            raise ValueError(f"micro_batches={self.micro_batches!r} must be an integer >= 1")
        if self.micro_batches > 1 and self.unrolled_steps:
            raise ValueError(
                f"unrolled_steps={self.unrolled_steps} with micro_batches={self.micro_batches}: "
                "the unrolled discriminator updates inside G's loss need the whole batch's "
                "gradient at once, which micro-batches do not give; use micro_batches=1"
            )
        if self.augmentation is not None and not callable(self.augmentation):
            raise TypeError(
                f"augmentation={self.augmentation!r} is not callable; use a jaxgan.augment "
                "augmentation or an object with init, __call__ and update"
            )

    @property
    def family(self) -> losses.LossFamily:
        """The adversarial loss family."""
        return self._family

    @property
    def terms(self) -> tuple[Term, ...]:
        """Every regularisation term, resolved (penalties first, then regularizers)."""
        return self._terms

    def player_terms(self, player: str) -> tuple[tuple[int, Term], ...]:
        """``(index, term)`` of the terms on ``player``; the index keys the term's randomness."""
        return tuple((i, t) for i, t in enumerate(self.terms) if t.player == player)

    @property
    def _needs_features(self) -> bool:
        return self.feature_matching_weight > 0 or any(
            getattr(t.regularizer, "needs_features", False) for t in self.terms
        )

    # ------------------------------------------------------------------
    # Calling the models.
    # ------------------------------------------------------------------

    def generator_inputs(
        self,
        key: jax.Array,
        batch: Batch,
        *,
        axis_name: str | None = None,
        shard_examples: Callable[[jax.Array], jax.Array] | None = None,
        micro_batch: MicroBatch | None = None,
    ) -> tuple:
        """The generator's positional inputs for ``batch``.

        Latents come from ``key``; under ``axis_name`` (or in a micro-batch) the global
        batch's latents are drawn and this piece's rows are taken
        (:func:`jaxgan.micro_batches.take_piece`). ``shard_examples`` (from a sharded
        strategy) lays them out along the batch like the data, so that the generator
        and everything downstream of it is split over the devices.
        """
        if self.conditioning == "image" and not self.latent_dim:
            return (batch["condition"],)
        if self.conditioning == "unpaired":
            return (batch["image"],)
        size = batch["image"].shape[0]
        z = micro_batches.take_piece(
            lambda shape: jax.random.normal(key, shape),
            (size, self.latent_dim),
            axis_name=axis_name,
            micro_batch=micro_batch,
        )
        if shard_examples is not None:
            z = shard_examples(z)
        if self.conditioning in ("labels", "acgan"):
            return (z, batch["label"])
        if self.conditioning == "text":
            return (z, batch["text"])
        if self.conditioning == "image":
            return (batch["condition"], z)
        return (z,)

    def _discriminator_inputs(self, x: jax.Array, batch: Batch) -> tuple:
        if self.conditioning == "labels":
            return (x, batch["label"])
        if self.conditioning == "text":
            return (x, batch["text"])
        if self.conditioning == "image":
            return (x, batch["condition"])
        return (x,)

    def _apply(self, module, params, collections, *args, key, **kwargs):
        """``module.apply`` in training mode, in ``precision``; returns (output, updated
        collections), both float32."""
        compute = PRECISIONS[self.precision]
        if compute != jnp.float32:
            params, args = _cast_floating(params, compute), _cast_floating(args, compute)
        variables = {"params": params, **collections}
        rngs = {"dropout": key}
        if not collections:
            out = module.apply(variables, *args, train=True, rngs=rngs, **kwargs)
        else:
            out, collections = module.apply(
                variables, *args, train=True, rngs=rngs, mutable=list(collections), **kwargs
            )
        if compute == jnp.float32:
            return out, collections
        return _cast_floating(out, jnp.float32), _cast_floating(collections, jnp.float32)

    def pack(self, x: jax.Array) -> jax.Array:
        """PacGAN packing: ``(B, ..., C) -> (B / m, ..., m C)``.

        Sample ``j`` of each pack fills channels ``j C`` to ``(j + 1) C``.
        """
        m = self.packing
        if m == 1:
            return x
        if x.shape[0] % m:
            raise ValueError(
                f"packing={m} needs a batch divisible by {m}; got {x.shape[0]} examples "
                "(per device under pmap)"
            )
        x = x.reshape((x.shape[0] // m, m) + x.shape[1:])
        x = jnp.moveaxis(x, 1, -2)
        return x.reshape(x.shape[:-2] + (m * x.shape[-1],))

    def discriminator_view(
        self, x: jax.Array, *, key: jax.Array, augmentation_state: Any, step: jax.Array
    ) -> jax.Array:
        """What D is shown of a batch ``x``: augmented (with ``key``), then packed."""
        if self.augmentation is not None:
            x = self.augmentation(x, key=key, state=augmentation_state, step=step)
        return self.pack(x)

    def discriminate(self, params, collections, x, batch, key):
        """D in training mode on ``x`` (as viewed).

        Returns ``({outputs, features?, class_logits?}, updated collections)``.
        """
        features = self._needs_features
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

    def _viewer(self, key, regularizer_state, step, axis_name, micro_batch=None):
        """``view(x, index)``: :meth:`discriminator_view` with the ``index``-th key from ``key``.

        Under ``pmap`` the device index is folded in (and in a micro-batched step the
        micro-batch's), so devices and micro-batches draw different augmentations for
        their examples.
        """
        augmentation_state = regularizer_state.get(AUGMENTATION_STATE)
        key = objectives.fold_in_device(key, axis_name, micro_batch)

        def view(x, index):
            return self.discriminator_view(
                x,
                key=jax.random.fold_in(key, index),
                augmentation_state=augmentation_state,
                step=step,
            )

        return view

    def _context_maker(self, player, params_d, collections_d, view, batch, dropout_key, extras,
                       *, real, fake, real_out, fake_out, params, generator):  # fmt: skip
        """``make_context(index, term_key)``: the context of ``player``'s ``index``-th term.

        The term's discriminator function sees what D sees (``view``) with a key of its
        own and drops the statistics it would update.
        """

        def make_context(index, term_key):
            def discriminate(x, batch=batch):
                out, _ = self.discriminate(
                    params_d, collections_d, view(x, 2 + index), batch, dropout_key
                )
                return out

            return Context(
                player=player,
                discriminator=lambda x: discriminate(x)["outputs"],
                discriminate=discriminate,
                real=real,
                fake=fake,
                real_outputs=real_out["outputs"] if real_out else None,
                fake_outputs=fake_out["outputs"],
                real_features=real_out.get("features") if real_out else None,
                fake_features=fake_out.get("features"),
                batch=batch,
                latents=extras["latents"],
                generator=generator,
                params=params,
                key=term_key,
                step=extras["step"],
                axis_name=extras["axis_name"],
                loss=self.family,
                micro_batch=extras.get("micro_batch"),
            )

        return make_context

    def _apply_terms(self, player, total, metrics, regularizer_state, make_context, key):
        """Adds ``player``'s terms to ``total``; returns (total, their new states)."""
        new_states = {}
        # The same key on every device: terms draw their noise for the global batch.
        for index, term in self.player_terms(player):
            context = make_context(index, jax.random.fold_in(key, index))
            value, new_states[term.name], term_metrics = objectives.evaluate_term(
                term, context, regularizer_state[term.name]
            )
            total = total + value
            metrics.update(term_metrics)
        return total, new_states

    def _discriminator_loss(self, params, collections, batch, fake, key, extras):
        """D's total loss on one real batch and one generated batch.

        ``extras``: ``step``, ``regularizer_state``, ``latents``, ``generator``
        (``z -> G(z)``) and ``axis_name`` for the terms' context.
        """
        dropout_key, penalty_key = jax.random.split(key)
        step, regularizer_state = extras["step"], extras["regularizer_state"]
        axis_name, micro_batch = extras["axis_name"], extras.get("micro_batch")
        view = self._viewer(
            jax.random.fold_in(key, 2), regularizer_state, step, axis_name, micro_batch
        )
        real = batch["image"]
        real_out, new_collections = self.discriminate(
            params, collections, view(real, 0), batch, dropout_key
        )
        fake_out, new_collections = self.discriminate(
            params, new_collections, view(fake, 1), batch, dropout_key
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

        make_context = self._context_maker(
            "discriminator", params, collections, view, batch, dropout_key, extras,
            real=real, fake=fake, real_out=real_out, fake_out=fake_out, params=params,
            generator=extras["generator"],
        )  # fmt: skip

        total, new_states = self._apply_terms(
            "discriminator", total, metrics, regularizer_state, make_context, penalty_key
        )
        metrics["discriminator_total_loss"] = total
        return total, (new_collections, metrics, new_states, real_out["outputs"])

    def _unrolled_discriminator(self, params_d, collections_d, opt_state_d, batch, fake, view, key,
                                axis_name):  # fmt: skip
        """D's parameters after ``unrolled_steps`` updates on its adversarial loss, as a
        differentiable function of ``fake`` (Metz et al. 2017, eq. 8)."""

        def adversarial(params):
            real_out, cols = self.discriminate(
                params, collections_d, view(batch["image"], 0), batch, key
            )
            fake_out, _ = self.discriminate(params, cols, view(fake, 1), batch, key)
            return self.family.discriminator_loss(real_out["outputs"], fake_out["outputs"])

        for _ in range(self.unrolled_steps):
            grads = jax.grad(adversarial)(params_d)
            if axis_name is not None:
                grads = jax.lax.pmean(grads, axis_name)
            updates, opt_state_d = self.discriminator_optimizer.update(grads, opt_state_d, params_d)
            params_d = optax.apply_updates(params_d, updates)
        return params_d

    def _generator_loss(self, fake, params_g, params_d, collections_d, batch, key, extras):
        """G's total loss as a function of the generated batch and G's parameters (D fixed).

        The adversarial loss reads G only through ``fake``; terms on the generator may
        read ``params_g`` directly (``extras["generator"](params_g, z)``).
        """
        step, regularizer_state = extras["step"], extras["regularizer_state"]
        axis_name, micro_batch = extras["axis_name"], extras.get("micro_batch")
        view = self._viewer(
            jax.random.fold_in(key, 2), regularizer_state, step, axis_name, micro_batch
        )
        params_d_adversarial = params_d
        if self.unrolled_steps:
            params_d_adversarial = self._unrolled_discriminator(
                params_d, collections_d, extras["discriminator_opt_state"], batch, fake,
                self._viewer(jax.random.fold_in(key, 3), regularizer_state, step, axis_name), key,
                axis_name,
            )  # fmt: skip
        fake_out, new_collections = self.discriminate(
            params_d_adversarial, collections_d, view(fake, 1), batch, key
        )
        g_terms = self.player_terms("generator")
        needs_real = (
            self.family.generator_needs_real_outputs
            or self.feature_matching_weight > 0
            or any(getattr(t.regularizer, "needs_real_outputs", False) for _, t in g_terms)
        )
        real_out = None
        if needs_real:
            real_out, new_collections = self.discriminate(
                params_d_adversarial, new_collections, view(batch["image"], 0), batch, key
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

        generator = extras["generator"]
        make_context = self._context_maker(
            "generator", params_d, collections_d, view, batch, key, extras,
            real=batch["image"], fake=fake, real_out=real_out, fake_out=fake_out, params=params_g,
            generator=None if generator is None else (lambda z: generator(params_g, z)),
        )  # fmt: skip

        total, new_states = self._apply_terms(
            "generator", total, metrics, regularizer_state, make_context,
            jax.random.fold_in(key, 4),
        )  # fmt: skip
        metrics["generator_total_loss"] = total
        return total, (new_collections, metrics, new_states)

    # ------------------------------------------------------------------
    # State.
    # ------------------------------------------------------------------

    def first_batch(self, batch: Batch) -> Batch:
        """The first critic iteration's batch (drops the ``n_critic`` axis)."""
        return batch if self.n_critic == 1 else jax.tree.map(lambda a: a[0], batch)

    def init(self, key: jax.Array, batch: Batch) -> GANState:
        """Initialises both networks, both optimisers, the EMA and the terms' state.

        Args:
          key: PRNG key.
          batch: a batch of the shape the step will see (dict with ``image`` and, per
            ``conditioning``, ``label`` or ``condition``).
        """
        batch = self.first_batch(batch)
        g_key, d_key, z_key = jax.random.split(key, 3)
        g_inputs = self.generator_inputs(z_key, batch)
        g_vars = self.generator.init({"params": g_key, "dropout": g_key}, *g_inputs)
        g_vars = {name: v for name, v in g_vars.items() if name != GENERATOR_LOSSES}
        d_inputs = self._discriminator_inputs(self.pack(batch["image"]), batch)
        d_vars = self.discriminator.init({"params": d_key, "dropout": d_key}, *d_inputs)
        g_params, g_collections = split_variables(g_vars)
        d_params, d_collections = split_variables(d_vars)
        term_key = jax.random.fold_in(key, 3)
        player_params = {"generator": g_params, "discriminator": d_params}
        regularizer_state = {
            term.name: objectives.init_term(
                term, jax.random.fold_in(term_key, index), batch, params=player_params[term.player]
            )
            for index, term in enumerate(self.terms)
        }
        if self.augmentation is not None:
            regularizer_state[AUGMENTATION_STATE] = self.augmentation.init(
                jax.random.fold_in(key, 4), batch
            )
        if self.history_pool:
            regularizer_state[HISTORY_POOL_STATE] = image_pool.image_pool(self.history_pool).init(
                batch["image"]
            )
        return GANState(
            step=zero_counter(),
            generator_params=g_params,
            discriminator_params=d_params,
            generator_collections=g_collections,
            discriminator_collections=d_collections,
            generator_opt_state=self.generator_optimizer.init(g_params),
            discriminator_opt_state=self.discriminator_optimizer.init(d_params),
            ema_params=g_params if self.ema_decay is not None else None,
            regularizer_state=regularizer_state,
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
        shard_examples: Callable[[jax.Array], jax.Array] | None = None,
    ) -> tuple[GANState, Metrics]:
        """One GAN train step: ``n_critic`` D updates and one G update.

        Args:
          state: the current state.
          batch: dict of arrays with a leading batch axis (and a leading
            ``n_critic`` axis before it when ``n_critic > 1``).
          key: the run's PRNG key; the step folds in ``state.step``.
          axis_name: the ``pmap`` axis to average gradients, metrics and statistics
            over (``None`` for ``jit``, sharded or not).
          shard_examples: under ``jax.jit`` over a mesh, a function that constrains an
            array with a leading batch axis to the batch's sharding
            (:meth:`jaxgan.parallel.Parallel.shard_examples`); the step applies it to
            the per-example arrays it creates itself (the latents), so that every
            per-example computation is split along the batch. ``None``: no hint.

        Returns:
          The new state and a flat dict of float32 scalar metrics.
        """
        self._check_batch(batch)
        step_key = jax.random.fold_in(key, state.step)
        critic_keys = jax.random.split(jax.random.fold_in(step_key, 0), self.n_critic)
        g_key = jax.random.fold_in(step_key, 1)

        k = self.micro_batches

        def mean(tree):
            return tree if axis_name is None else jax.lax.pmean(tree, axis_name)

        def apply_updates(optimizer, grads, opt_state, params):
            updates, opt_state = optimizer.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state

        def accumulate(fn, batch, carry=()):
            """``fn(micro_batch, data, carry) -> (summed, stacked, carry)`` over the ``k``
            micro-batches of ``batch``, one after another (``lax.scan``): the mean of
            ``summed`` (floating leaves), ``stacked`` concatenated along the batch, and the
            last ``carry``."""
            pieces = micro_batches.split(batch, k)

            def body(total_and_carry, xs):
                total, carry = total_and_carry
                index, data = xs
                if shard_examples is not None:  # every micro-batch spread over the devices
                    data = jax.tree.map(shard_examples, data)
                summed, stacked, carry = fn(MicroBatch(index, k), data, carry)
                return (micro_batches.add(total, summed), carry), stacked

            first = jax.tree.map(lambda a: a[0], pieces)
            shapes = jax.eval_shape(lambda: fn(MicroBatch(jnp.int32(0), k), first, carry)[0])
            (total, carry), stacked = jax.lax.scan(
                body, (micro_batches.zeros_like(shapes), carry), (jnp.arange(k), pieces)
            )
            stacked = jax.tree.map(lambda a: a.reshape((-1,) + a.shape[2:]), stacked)
            return micro_batches.mean(total, k), stacked, carry

        def generator_fn(collections_g, inputs, key):
            """``(params_g, z) -> G(z)`` with the batch's other inputs; statistics dropped."""
            if self.conditioning == "image":
                return None
            dropout_key = jax.random.split(key)[1]  # as generate's
            return lambda params_g, z: self._apply(
                self.generator, params_g, collections_g, z, *inputs[1:], key=dropout_key
            )[0]

        def generate(params_g, collections_g, batch, key, micro=None):
            """``(fake, own loss), (collections, inputs, own losses by name)``."""
            z_key, dropout_key = jax.random.split(key)
            inputs = self.generator_inputs(
                z_key, batch, axis_name=axis_name, shard_examples=shard_examples,
                micro_batch=micro,
            )  # fmt: skip
            fake, collections_g = self._apply(
                self.generator, params_g, {**collections_g, GENERATOR_LOSSES: {}}, *inputs,
                key=dropout_key,
            )  # fmt: skip
            collections_g = dict(collections_g)
            own = _own_losses(collections_g.pop(GENERATOR_LOSSES, {}))
            own_total = sum(own.values(), jnp.zeros((), jnp.float32))
            return (fake, own_total), (collections_g, inputs, own)

        def generate_with_vjp(params_g, collections_g, batch, key, micro=None):
            (fake, own_total), vjp_fn, (new_collections_g, inputs, own) = jax.vjp(
                lambda p: generate(p, collections_g, batch, key, micro), params_g, has_aux=True
            )
            g_fn = generator_fn(collections_g, inputs, key)
            own = {"total": own_total, **own}
            return fake, vjp_fn, mean(new_collections_g), inputs, g_fn, own

        def latents(inputs):
            return None if self.conditioning == "image" else inputs[0]

        params_g, collections_g = state.generator_params, state.generator_collections

        def critic_gradients(d_state, regularizer_state, fake, batch, key, inputs, g_fn, micro):
            """D's gradient on one (micro-)batch, before averaging over devices."""
            params_d, collections_d, _ = d_state
            if self.history_pool:
                pool_key = jax.random.fold_in(key, 5)
                if micro is not None:  # the pool takes the micro-batches one after another
                    pool_key = jax.random.fold_in(pool_key, micro.index)
                fake, pool_state = self._from_history_pool(
                    regularizer_state[HISTORY_POOL_STATE], fake, pool_key, axis_name
                )
                regularizer_state = {**regularizer_state, HISTORY_POOL_STATE: pool_state}
            extras = {
                "step": state.step,
                "regularizer_state": regularizer_state,
                "latents": latents(inputs),
                "generator": None if g_fn is None else (lambda z: g_fn(params_g, z)),
                "axis_name": axis_name,
                "micro_batch": micro,
            }
            grads, aux = jax.grad(self._discriminator_loss, has_aux=True)(
                params_d, collections_d, batch, jax.lax.stop_gradient(fake), key, extras
            )
            return (grads, *aux[:3]), aux[3], regularizer_state

        def critic_update(d_state, regularizer_state, collections_g, batch, key, gen_key,
                          generated=None):  # fmt: skip
            """One D update on ``batch``: ``(d_state, regularizer_state, collections_g,
            metrics, finite)``. ``generated``: ``(fake, inputs, g_fn)`` when the caller
            has run G on this batch already (one forward pass serves both updates)."""
            if k == 1:
                if generated is None:
                    (fake, _), (new_collections_g, inputs, _) = generate(
                        params_g, collections_g, batch, gen_key
                    )
                    generated = (fake, inputs, generator_fn(collections_g, inputs, gen_key))
                    collections_g = mean(new_collections_g)
                fake, inputs, g_fn = generated
                gradients, real_outputs, regularizer_state = critic_gradients(
                    d_state, regularizer_state, fake, batch, key, inputs, g_fn, None
                )
            else:
                # Micro-batches: each sees the same parameters, statistics and term state;
                # their gradients, metrics, statistics and term states are averaged. The
                # history pool alone is carried from one micro-batch to the next.
                pool = {}
                if self.history_pool:
                    pool = {HISTORY_POOL_STATE: regularizer_state[HISTORY_POOL_STATE]}

                def one(micro, data, pool):
                    (fake, _), (new_collections_g, inputs, _) = generate(
                        params_g, collections_g, data, gen_key, micro
                    )
                    g_fn = generator_fn(collections_g, inputs, gen_key)
                    gradients, real_outputs, reg = critic_gradients(
                        d_state, {**regularizer_state, **pool}, fake, data, key, inputs, g_fn,
                        micro,
                    )  # fmt: skip
                    pool = {name: reg[name] for name in pool}
                    return (gradients, mean(new_collections_g)), real_outputs, pool

                (gradients, collections_g), real_outputs, pool = accumulate(one, batch, pool)
                regularizer_state = {**regularizer_state, **pool}
            grads, collections_d, metrics, new_states = gradients
            params_d, _, opt_d = d_state
            grads, metrics, collections_d = mean((grads, metrics, collections_d))
            metrics["discriminator_grad_norm"] = optax.tree.norm(grads)
            params_d, opt_d = apply_updates(self.discriminator_optimizer, grads, opt_d, params_d)
            new_states = _mean_inexact(new_states, axis_name)
            if self.augmentation is not None:
                new_states[AUGMENTATION_STATE], augmentation_metrics = self.augmentation.update(
                    regularizer_state[AUGMENTATION_STATE],
                    real_outputs=jax.lax.stop_gradient(real_outputs),
                    step=state.step,
                    axis_name=axis_name,
                )
                metrics.update(augmentation_metrics)
            finite = _all_finite(grads, metrics)
            regularizer_state = {**regularizer_state, **new_states}
            d_state = (params_d, collections_d, opt_d)
            return d_state, regularizer_state, collections_g, metrics, finite

        d_state = (
            state.discriminator_params,
            state.discriminator_collections,
            state.discriminator_opt_state,
        )
        g_batch = jax.tree.map(lambda a: a[-1], batch) if self.n_critic > 1 else batch
        gen_key, g_loss_key = jax.random.split(g_key)
        regularizer_state = state.regularizer_state

        if self.n_critic == 1:
            # G's update sees the generated batch D's update saw: same latents and key.
            g_collections_in, g_gen_key, generated = collections_g, critic_keys[0], None
            if k == 1:
                # One generator forward pass serves both updates (with micro-batches G
                # runs again in G's update: keeping every micro-batch's backward pass
                # would keep the whole batch's activations).
                fake, g_vjp, collections_g, g_inputs, g_fn, g_own = generate_with_vjp(
                    params_g, collections_g, batch, critic_keys[0]
                )
                generated = (fake, g_inputs, g_fn)
            new_d_state, regularizer_state, _, d_metrics, finite = critic_update(
                d_state, regularizer_state, collections_g, batch, critic_keys[0], critic_keys[0],
                generated,
            )  # fmt: skip
        else:

            def critic_iteration(carry, inputs):
                d_state, regularizer_state, collections_g, finite = carry
                critic_batch, key = inputs
                gen_key, critic_key = jax.random.split(key)
                d_state, regularizer_state, collections_g, metrics, ok = critic_update(
                    d_state, regularizer_state, collections_g, critic_batch, critic_key, gen_key
                )
                return (d_state, regularizer_state, collections_g, finite & ok), metrics

            (new_d_state, regularizer_state, collections_g, finite), d_metrics = jax.lax.scan(
                critic_iteration,
                (d_state, regularizer_state, collections_g, jnp.bool_(True)),
                (batch, critic_keys),
                unroll=self.unroll_critic,
            )
            d_metrics = jax.tree.map(jnp.mean, d_metrics)
            g_collections_in, g_gen_key = collections_g, gen_key
            if k == 1:
                fake, g_vjp, collections_g, g_inputs, g_fn, g_own = generate_with_vjp(
                    params_g, collections_g, g_batch, gen_key
                )

        # The generator's gradient: through D's updated parameters (alternating) or the
        # parameters both gradients started from (simultaneous).
        params_d_for_g, collections_d_for_g, opt_d_for_g = (
            new_d_state if self.update == "alternating" else d_state
        )

        def generator_gradients(fake, g_vjp, g_inputs, g_fn, g_own, batch, micro):
            """G's gradient on one (micro-)batch, before averaging over devices."""
            extras = {
                "step": state.step,
                "regularizer_state": regularizer_state,
                "latents": latents(g_inputs),
                "generator": g_fn,
                "axis_name": axis_name,
                "micro_batch": micro,
                "discriminator_opt_state": opt_d_for_g,
            }
            (fake_grad, direct_grads_g), (collections_d_after_g, g_metrics, g_states) = jax.grad(
                self._generator_loss, argnums=(0, 1), has_aux=True
            )(fake, params_g, params_d_for_g, collections_d_for_g, batch, g_loss_key, extras)
            # The generator's own losses (sown in its forward pass) enter with weight 1.
            (grads_g,) = g_vjp((fake_grad, jnp.ones((), jnp.float32)))
            if len(g_own) > 1:  # the generator sowed losses of its own
                own_total = g_own.pop("total")
                g_metrics.update({f"generator_{name}": value for name, value in g_own.items()})
                g_metrics["generator_total_loss"] = g_metrics["generator_total_loss"] + own_total
            if self.player_terms("generator"):
                # Terms that read G's parameters directly (historical averaging, zCR).
                grads_g = jax.tree.map(jnp.add, grads_g, direct_grads_g)
            return grads_g, g_metrics, collections_d_after_g, g_states

        if k == 1:
            grads_g, g_metrics, collections_d_after_g, g_states = generator_gradients(
                fake, g_vjp, g_inputs, g_fn, g_own, g_batch, None
            )
        else:

            def one(micro, data, carry):
                fake, g_vjp, new_collections_g, inputs, g_fn, own = generate_with_vjp(
                    params_g, g_collections_in, data, g_gen_key, micro
                )
                gradients = generator_gradients(fake, g_vjp, inputs, g_fn, own, data, micro)
                return (gradients, new_collections_g), (), carry

            (gradients, collections_g), _, _ = accumulate(one, g_batch)
            grads_g, g_metrics, collections_d_after_g, g_states = gradients
        grads_g, g_metrics, collections_d_after_g = mean(
            (grads_g, g_metrics, collections_d_after_g)
        )
        regularizer_state = {**regularizer_state, **_mean_inexact(g_states, axis_name)}
        g_metrics["generator_grad_norm"] = optax.tree.norm(grads_g)
        new_params_g, new_opt_g = apply_updates(
            self.generator_optimizer, grads_g, state.generator_opt_state, params_g
        )
        finite = finite & _all_finite(grads_g, g_metrics)

        new_params_d, _, new_opt_d = new_d_state
        ema = ema_update(state.ema_params, new_params_g, state.step, decay=self.ema_decay,
                         warmup=self.ema_warmup)  # fmt: skip
        updated = state.replace(
            generator_params=new_params_g,
            discriminator_params=new_params_d,
            generator_collections=collections_g,
            discriminator_collections=collections_d_after_g,
            generator_opt_state=new_opt_g,
            discriminator_opt_state=new_opt_d,
            ema_params=ema,
            regularizer_state=regularizer_state,
        )
        return guarded_step(state, updated, finite, {**d_metrics, **g_metrics})

    def _from_history_pool(self, pool_state, fake, key, axis_name):
        """The images D sees instead of ``fake``, and the pool's new state.

        Under ``axis_name`` the pool takes the global batch (gathered in device order)
        with the key every device shares, so every replica keeps the same pool and
        each device gets the slice of its own examples: the single-device result.
        """
        pool = image_pool.image_pool(self.history_pool)
        fake = jax.lax.stop_gradient(fake)
        if axis_name is None:
            return pool.query(pool_state, fake, key)
        size = fake.shape[0]
        given, pool_state = pool.query(
            pool_state, jax.lax.all_gather(fake, axis_name, tiled=True), key
        )
        start = jax.lax.axis_index(axis_name) * size
        return jax.lax.dynamic_slice_in_dim(given, start, size), pool_state

    def _check_batch(self, batch: Batch) -> None:
        needed = {"image"} | {
            "labels": {"label"}, "acgan": {"label"}, "text": {"text"}, "image": {"condition"}
        }.get(self.conditioning, set())  # fmt: skip
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
        labels)``, ``(condition,)`` or ``(condition, z)``.
        """
        return self.generator.apply(state.generator_variables(ema=ema), *inputs, train=False)
