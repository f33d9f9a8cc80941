"""The objective protocol: how losses and regularisers plug into :class:`jaxgan.step.GAN`.

A GAN's objective is an adversarial loss family plus weighted terms on either player.
Everything here is public so research code can plug in its own pieces without
subclassing the step or mutating module globals:

- **Losses**: :func:`resolve_loss` turns a family name, a
  :class:`jaxgan.losses.LossFamily`, or a pair of pure functions ``(discriminator_loss,
  generator_loss)`` into a ``LossFamily``. ``GAN(loss=...)`` accepts any of them.
- **Regularisers**: an object with ``init(key, batch) -> state`` and ``apply(context,
  state) -> (value, new_state, metrics)`` (subclass :class:`Regularizer`), or a plain
  function ``fn(context) -> value`` (stateless). ``context`` is a :class:`Context`: the
  discriminator as a function, the real and generated batches, D's outputs (and
  features) that the step has already computed, a key, the step number, the player's
  own parameters and the ``pmap`` axis name.
- **Terms**: :class:`Term` puts a regulariser on a player with a weight (a float or an
  Optax schedule of the step) and an interval ``every`` (lazy regularisation: the
  term is computed under ``lax.cond`` on steps where ``step % every == 0`` and its
  weight multiplied by ``every``, as in StyleGAN2). ``GAN(regularizers=...)`` takes
  terms, ``(regulariser, weight)`` pairs or bare regularisers; a regulariser may be
  named (``("r1", 10.0)``), resolved by :func:`jaxgan.regularizers.get` to the same
  objects.

State: each term's state lives in ``GANState.regularizer_state[term.name]``, so it is
checkpointed with the run and kept unchanged by the step's non-finite guard. Under
``pmap`` the step averages the floating-point leaves of a new state over the devices,
so replicas stay identical.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from jaxgan import losses
from jaxgan.micro_batches import MicroBatch, piece

__all__ = [
    "PLAYERS",
    "Context",
    "FunctionRegularizer",
    "Regularizer",
    "Term",
    "evaluate_term",
    "fold_in_device",
    "init_term",
    "parse_terms",
    "resolve_loss",
    "resolve_terms",
    "schedule_value",
]

PLAYERS = ("discriminator", "generator")
PyTree = Any
Schedule = Callable[[jax.Array], jax.typing.ArrayLike]


@dataclasses.dataclass(frozen=True)
class Context:
    """What the step hands a regulariser: everything it has already computed.

    Attributes:
      player: ``"discriminator"`` (the term is added to D's loss, differentiated with
        respect to D's parameters) or ``"generator"`` (added to G's loss).
      discriminator: ``x -> outputs``, D in training mode with this update's
        parameters, the step's augmentation and packing included; the statistics
        it would update are dropped. On the generator's side D's parameters are
        fixed, and gradients flow to ``x``.
      discriminate: ``x -> dict`` with ``outputs`` and, where the model gives them,
        ``features`` and ``class_logits``; ``discriminate(x, batch=other)`` shows D
        ``x`` with another batch's conditions (labels, text, condition images).
      real: the real batch ``(B, ...)`` before augmentation.
      fake: the generated batch ``(B, ...)`` before augmentation (gradient-stopped on
        the discriminator's side; differentiable on the generator's).
      real_outputs, fake_outputs: D's outputs on ``real`` and ``fake`` as the step
        computed them for the adversarial loss (``real_outputs`` is ``None`` on the
        generator's side unless the loss or a term needs it).
      real_features, fake_features: D's features, when a term sets
        ``needs_features`` (else ``None``).
      batch: the whole batch dict (labels, conditions).
      latents: the generator's latents ``z`` (``None`` with image conditioning).
      generator: ``z -> G(z)`` in training mode with this step's generator
        parameters (differentiable on the generator's side only), the batch's other
        generator inputs (labels) included.
      params: the player's own parameters (differentiable: a term on them, like
        historical averaging, is part of the player's gradient).
      key: a PRNG key of the term's own.
      step: int32 scalar, the number of train steps taken before this one.
      axis_name: the ``pmap`` axis name, or ``None``.
      loss: the adversarial :class:`jaxgan.losses.LossFamily`.
      micro_batch: in a micro-batched step (``GAN.micro_batches``), which micro-batch
        the context holds (:class:`jaxgan.micro_batches.MicroBatch`); ``None``
        otherwise. Terms that draw per-example noise pass it to
        :func:`jaxgan.penalties.draw_for_global_batch` (and :func:`fold_in_device`).
    """

    player: str
    discriminator: Callable[[jax.Array], jax.Array]
    discriminate: Callable[..., dict]
    real: jax.Array
    fake: jax.Array
    real_outputs: jax.Array | None
    fake_outputs: jax.Array
    real_features: Any
    fake_features: Any
    batch: dict
    latents: jax.Array | None
    generator: Callable[[jax.Array], jax.Array] | None
    params: PyTree
    key: jax.Array
    step: jax.Array
    axis_name: str | None
    loss: losses.LossFamily
    micro_batch: MicroBatch | None = None


class Regularizer:
    """Base class of a regulariser: override :meth:`apply` (and :meth:`init` for state).

    Attributes:
      name: the default name of its term (metrics, state key).
      players: the players it may be put on.
      needs_features: whether the step must compute D's features for the context.
      needs_real_outputs: whether, on the generator's side, the step must compute
        D's outputs on the real batch.
    """

    name: str = "regularizer"
    players: tuple[str, ...] = PLAYERS
    needs_features: bool = False
    needs_real_outputs: bool = False

    def init(self, key: jax.Array, batch: dict) -> PyTree:
        """The state before the first step (``{}`` for a stateless regulariser).

        A regulariser whose state is shaped like its player's parameters declares
        ``init(self, key, batch, *, params)`` instead, and gets them.
        """
        del key, batch
        return {}

    def apply(self, context: Context, state: PyTree) -> tuple[jax.Array, PyTree, dict]:
        """``(value, new_state, metrics)``: a float32 scalar, the next state, extra metrics."""
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class FunctionRegularizer(Regularizer):
    """A stateless regulariser from ``fn(context) -> value`` (or ``(value, metrics)``)."""

    fn: Callable[[Context], Any]
    name: str = "regularizer"
    players: tuple[str, ...] = PLAYERS
    needs_features: bool = False
    needs_real_outputs: bool = False

    def apply(self, context, state):
        out = self.fn(context)
        value, metrics = out if isinstance(out, tuple) else (out, {})
        return jnp.asarray(value, jnp.float32), state, metrics


@dataclasses.dataclass(frozen=True)
class Term:
    """A weighted regulariser on one player.

    Attributes:
      regularizer: a :class:`Regularizer`, a function ``fn(context) -> value``, or a
        name for :func:`jaxgan.regularizers.get`.
      weight: a float or a schedule ``step -> weight`` (e.g. ``optax.linear_schedule``).
      every: compute the term on steps where ``step % every == 0`` only, with its
        weight multiplied by ``every`` (lazy regularisation, Karras et al. 2020).
      player: ``"discriminator"`` or ``"generator"``.
      name: the key of its metric and its state (default: the regulariser's name).
    """

    regularizer: Any
    weight: float | Schedule = 1.0
    every: int = 1
    player: str = "discriminator"
    name: str | None = None

    def __post_init__(self):
        if isinstance(self.regularizer, str):
            from jaxgan import regularizers  # the built-ins are written with this protocol

            object.__setattr__(self, "regularizer", regularizers.get(self.regularizer))
        elif not isinstance(self.regularizer, Regularizer):
            if not callable(self.regularizer) or hasattr(self.regularizer, "apply"):
                _check_protocol(self.regularizer)
            else:
                name = getattr(self.regularizer, "__name__", "regularizer")
                object.__setattr__(
                    self, "regularizer", FunctionRegularizer(self.regularizer, name=name)
                )
        if self.player not in PLAYERS:
            raise ValueError(f"player={self.player!r} is not supported; use one of {PLAYERS}")
        players = getattr(self.regularizer, "players", PLAYERS)
        if self.player not in players:
            raise ValueError(
                f"regularizer {self.label!r} goes on the {' or '.join(players)}; "
                f"got player={self.player!r}"
            )
        if not isinstance(self.every, int) or self.every < 1:
            raise ValueError(f"every={self.every!r} for {self.label!r} must be an integer >= 1")
        if not callable(self.weight) and not float(self.weight) >= 0.0:
            raise ValueError(f"weight={self.weight!r} for {self.label!r} must be >= 0")
        if self.name is None:
            object.__setattr__(self, "name", getattr(self.regularizer, "name", "regularizer"))

    @property
    def label(self) -> str:
        return self.name or getattr(self.regularizer, "name", "regularizer")


def _check_protocol(regularizer: Any) -> None:
    methods = (getattr(regularizer, "apply", None), getattr(regularizer, "init", None))
    if not all(map(callable, methods)):
        raise TypeError(
            f"regularizer {regularizer!r} is neither a name, a function of the context, nor an "
            "object with init(key, batch) and apply(context, state)"
        )


def _as_term(entry: Any, player: str) -> Term:
    if isinstance(entry, Term):
        return entry
    if isinstance(entry, tuple | list):
        if not 1 <= len(entry) <= 3:
            raise ValueError(
                f"regularizer entry {entry!r}: use (regularizer, weight) or (regularizer, "
                "weight, every), or a Term"
            )
        return Term(*entry, player=player)
    return Term(entry, player=player)


def resolve_terms(entries: Sequence[Any], *, player: str = "discriminator") -> tuple[Term, ...]:
    """Terms from ``Term`` objects, ``(regulariser, weight[, every])`` tuples or regularisers.

    Entries that are not :class:`Term` go on ``player``. Names that repeat get a
    numeric suffix (``r1``, ``r1_1``), so every term has its own state and metric.
    """
    terms = []
    seen: dict[str, int] = {}
    for entry in entries:
        term = _as_term(entry, player)
        count = seen.get(term.name, 0)
        seen[term.name] = count + 1
        if count:
            term = dataclasses.replace(term, name=f"{term.name}_{count}")
        terms.append(term)
    return tuple(terms)


def parse_terms(text: str) -> tuple[Term, ...]:
    """Terms from ``"NAME:WEIGHT[:EVERY[:PLAYER]],..."`` (a command line's form).

    ``NAME`` is a built-in regulariser (:func:`jaxgan.regularizers.names`); ``PLAYER``
    defaults to the discriminator, except for ``top_k`` (the generator's).
    E.g. ``"r1:5:16,lecam:0.3"``: lazy R1 every 16 steps and LeCam.
    """
    terms = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        parts = entry.split(":")
        if not 2 <= len(parts) <= 4:
            raise ValueError(
                f"regularizer {entry!r}: use NAME:WEIGHT[:EVERY[:PLAYER]], e.g. r1:5:16"
            )
        try:
            weight, every = float(parts[1]), int(parts[2]) if len(parts) > 2 else 1
        except ValueError:
            raise ValueError(
                f"regularizer {entry!r}: WEIGHT must be a number and EVERY an integer"
            ) from None
        default_player = "generator" if parts[0] == "top_k" else "discriminator"
        player = parts[3] if len(parts) > 3 else default_player
        terms.append(Term(parts[0], weight=weight, every=every, player=player))
    return resolve_terms(terms)


def resolve_loss(loss: Any) -> losses.LossFamily:
    """A :class:`jaxgan.losses.LossFamily` from a name, a family, or a pair of functions.

    Args:
      loss: a family name (:func:`jaxgan.losses.names`), a ``LossFamily``, or a pair
        ``(discriminator_loss, generator_loss)`` of pure functions:
        ``discriminator_loss(discriminator_real_outputs, discriminator_gen_outputs)``
        and ``generator_loss(discriminator_gen_outputs)`` -- or, for a generator loss
        that reads D(x) too (relativistic losses), ``generator_loss(
        discriminator_real_outputs, discriminator_gen_outputs)``: a two-argument
        generator loss is detected from its signature.
    """
    if isinstance(loss, losses.LossFamily):
        return loss
    if isinstance(loss, str):
        return losses.get(loss)
    if isinstance(loss, tuple | list) and len(loss) == 2 and all(map(callable, loss)):
        discriminator_loss, generator_loss = loss
        return losses.LossFamily(
            name=getattr(discriminator_loss, "__name__", "custom"),
            discriminator_loss=discriminator_loss,
            generator_loss=generator_loss,
            generator_needs_real_outputs=_positional_arity(generator_loss) >= 2,
        )
    raise ValueError(
        f"loss={loss!r} is not a loss family; use a name ({', '.join(losses.names())}), a "
        "jaxgan.losses.LossFamily, or a pair (discriminator_loss, generator_loss) of functions"
    )


def _positional_arity(fn: Callable) -> int:
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 1
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    required = [p for p in parameters if p.kind in kinds and p.default is inspect.Parameter.empty]
    return len(required)


def fold_in_device(
    key: jax.Array, axis_name: str | None, micro_batch: MicroBatch | None = None
) -> jax.Array:
    """Under ``pmap``, ``key`` with the device index folded in, so that devices draw
    independently; in a micro-batched step the piece's index (device-major,
    :func:`jaxgan.micro_batches.piece`) instead; ``key`` itself outside both."""
    if axis_name is None and micro_batch is None:
        return key
    return jax.random.fold_in(key, piece(axis_name, micro_batch)[0])


def schedule_value(weight: float | Schedule, step: jax.Array) -> jax.Array:
    """A term's weight at ``step``: the float, or the schedule evaluated there (float32)."""
    value = weight(step) if callable(weight) else weight
    return jnp.asarray(value, jnp.float32)


def init_term(term: Term, key: jax.Array, batch: dict, *, params: PyTree) -> PyTree:
    """The term's initial state; ``params`` (its player's) go to an ``init`` that takes them."""
    init = term.regularizer.init
    try:
        takes_params = "params" in inspect.signature(init).parameters
    except (TypeError, ValueError):
        takes_params = False
    return init(key, batch, params=params) if takes_params else init(key, batch)


def evaluate_term(term: Term, context: Context, state: PyTree) -> tuple[jax.Array, PyTree, dict]:
    """``(weighted value, new state, metrics)`` of one term, lazily where ``every > 1``.

    The metrics hold the unweighted value under the term's name (0 on the steps a
    lazy term skips) and the regulariser's own metrics.
    """

    def compute(state):
        value, new_state, metrics = term.regularizer.apply(context, state)
        value = jnp.asarray(value, jnp.float32)
        return value, new_state, {name: jnp.asarray(m, jnp.float32) for name, m in metrics.items()}

    if term.every == 1:
        value, new_state, metrics = compute(state)
    else:

        def skip(state):
            shapes = jax.eval_shape(compute, state)
            value, _, metrics = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)
            return value, state, metrics

        value, new_state, metrics = jax.lax.cond(
            context.step % term.every == 0, compute, skip, state
        )
    weight = schedule_value(term.weight, context.step) * term.every
    return weight * value, new_state, {term.name: value, **metrics}
