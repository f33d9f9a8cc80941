"""Regularisers written with the objective protocol (:mod:`jaxgan.objectives`).

Each is an object with ``init(key, batch) -> state`` and ``apply(context, state) ->
(value, new_state, metrics)``; put one on a player with a weight, a schedule and an
interval through :class:`jaxgan.objectives.Term`, or by name (``("r1", 10.0)``):
:func:`get` builds the same objects from their names.

=======================  ======  =====================================================
name                     player  what
=======================  ======  =====================================================
gradient_penalty         D       WGAN-GP (Gulrajani et al. 2017)
gradient_penalty_one_sided D     its one-sided form
dragan                   D       DRAGAN (Kodali et al. 2017)
r1, r2                   D       Mescheder et al. 2018 (lazy R1: ``every=16``)
lecam                    D       LeCam (Tseng et al. 2021), EMA state
consistency              D       CR on real images (Zhang et al. 2020)
balanced_consistency     D       bCR, real and generated (Zhao et al. 2021)
latent_consistency       D or G  zCR (Zhao et al. 2021)
historical_averaging     D or G  Salimans et al. 2016, running-mean state
top_k                    G       top-k generator updates (Sinha et al. 2020)
cycle_consistency        G       CycleGAN's cycle loss (Zhu et al. 2017)
identity                 G       CycleGAN's identity loss
reconstruction           G       paired translation's L1 or L2 to the target (GP-GAN)
matching_aware           D       mismatched conditions as fakes (GAN-CLS, StackGAN)
pulling_away             G       EBGAN's pulling-away term on D's codes (Zhao et al. 2017)
began_equilibrium        D       BEGAN's ``- k_t L(G(z))`` with ``k_t`` as state
=======================  ======  =====================================================
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from jaxgan import augment, penalties
from jaxgan.objectives import Context, Regularizer, fold_in_device

__all__ = [
    "BalancedConsistency",
    "BeganEquilibrium",
    "Consistency",
    "CycleConsistency",
    "Dragan",
    "GradientPenalty",
    "HistoricalAveraging",
    "Identity",
    "LatentConsistency",
    "LeCam",
    "MatchingAware",
    "PullingAway",
    "R1",
    "Reconstruction",
    "R2",
    "TopK",
    "get",
    "names",
    "pulling_away",
]

DISCRIMINATOR = ("discriminator",)
GENERATOR = ("generator",)


def _per_example_squared_difference(a: jax.Array, b: jax.Array) -> jax.Array:
    """``mean_i ||a_i - b_i||^2`` over the batch axis, float32."""
    difference = (a.astype(jnp.float32) - b.astype(jnp.float32)).reshape(a.shape[0], -1)
    return jnp.mean(jnp.sum(jnp.square(difference), axis=1))


# ----------------------------------------------------------------------------
# Input-gradient penalties (jaxgan.penalties, as terms).
# ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class GradientPenalty(Regularizer):
    """WGAN-GP on interpolates of the real and generated batch.

    See :func:`jaxgan.penalties.gradient_penalty`.
    """

    one_sided: bool = False
    target: float = 1.0
    name: str = "gradient_penalty"
    players = DISCRIMINATOR

    def apply(self, context: Context, state):
        value = penalties.gradient_penalty(
            context.discriminator,
            context.real,
            context.fake,
            key=context.key,
            target=self.target,
            one_sided=self.one_sided,
            axis_name=context.axis_name,
            micro_batch=context.micro_batch,
        )
        return value, state, {}


@dataclasses.dataclass(frozen=True)
class Dragan(Regularizer):
    """DRAGAN's penalty around the real batch (:func:`penalties.dragan_penalty`)."""

    perturbation_scale: float = 0.5
    name: str = "dragan"
    players = DISCRIMINATOR

    def apply(self, context, state):
        value = penalties.dragan_penalty(
            context.discriminator,
            context.real,
            key=context.key,
            perturbation_scale=self.perturbation_scale,
            axis_name=context.axis_name,
            micro_batch=context.micro_batch,
        )
        return value, state, {}


@dataclasses.dataclass(frozen=True)
class R1(Regularizer):
    """R1: ``mean_i ||grad D(x_i)||^2`` on the real batch (weight = gamma / 2).

    Lazy R1 as in StyleGAN2: ``Term(R1(), weight=gamma / 2, every=16)``; with an
    augmentation the gradient is taken through it, with respect to the un-augmented
    images (StyleGAN2-ADA).
    """

    name: str = "r1"
    players = DISCRIMINATOR

    def apply(self, context, state):
        return penalties.r1_penalty(context.discriminator, context.real), state, {}


@dataclasses.dataclass(frozen=True)
class R2(Regularizer):
    """R2: ``mean_i ||grad D(x~_i)||^2`` on the generated batch."""

    name: str = "r2"
    players = DISCRIMINATOR

    def apply(self, context, state):
        return penalties.r2_penalty(context.discriminator, context.fake), state, {}


# ----------------------------------------------------------------------------
# Regularisers that read D's outputs (no extra forward pass).
# ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LeCam(Regularizer):
    """LeCam regularisation: ``E||D(x) - a_F||^2 + E||D(G(z)) - a_R||^2``.

    ``a_R`` and ``a_F`` are exponential moving averages (``decay``) of D's mean output
    on real and on generated data, kept as state; they are updated with this step's
    outputs before the term is computed, as in the reference code. Reads the outputs
    the step already computed: no extra discriminator pass.

    References:
      Tseng et al., Regularizing Generative Adversarial Networks under Limited Data,
      2021 (eq. 3).
    """

    decay: float = 0.99
    name: str = "lecam"
    players = DISCRIMINATOR

    def __post_init__(self):
        if not 0.0 <= self.decay < 1.0:
            raise ValueError(f"LeCam decay={self.decay} must lie in [0, 1)")

    def init(self, key, batch):
        del key, batch
        return {"real": jnp.zeros((), jnp.float32), "fake": jnp.zeros((), jnp.float32)}

    def apply(self, context, state):
        real = context.real_outputs.astype(jnp.float32)
        fake = context.fake_outputs.astype(jnp.float32)
        means = jax.lax.stop_gradient({"real": jnp.mean(real), "fake": jnp.mean(fake)})
        if context.axis_name is not None:
            means = jax.lax.pmean(means, context.axis_name)
        new = jax.tree.map(lambda ema, m: self.decay * ema + (1 - self.decay) * m, state, means)
        value = jnp.mean(jnp.square(real - new["fake"])) + jnp.mean(jnp.square(fake - new["real"]))
        return value, new, {"lecam_ema_real": new["real"], "lecam_ema_fake": new["fake"]}


@dataclasses.dataclass(frozen=True)
class TopK(Regularizer):
    """Top-k generator updates: G's adversarial loss on the ``k`` generated samples D rates
    most real.

    The term's value is ``L_G(top-k) - L_G(all)``, so with weight 1 the generator's
    adversarial loss becomes the loss on the top ``k`` (its gradient, exactly, since
    both parts reuse the outputs the step computed). ``k = max(keep(step), min_keep) x
    B``, ``keep`` decaying by ``decay`` per ``decay_every`` steps from 1 (the paper
    decays per epoch with gamma = 0.99, nu = 0.5). Families whose generator loss
    reads D(x) (relativistic) are refused: their per-example losses are not separable.

    References:
      Sinha et al., Top-k Training of GANs: Improving GAN Performance by Throwing Away
      Bad Samples, 2020 (Algorithm 1).
    """

    decay: float = 0.99
    decay_every: int = 1000
    min_keep: float = 0.5
    name: str = "top_k"
    players = GENERATOR

    def __post_init__(self):
        if not 0.0 < self.min_keep <= 1.0:
            raise ValueError(f"TopK min_keep={self.min_keep} must lie in (0, 1]")
        if not 0.0 < self.decay <= 1.0:
            raise ValueError(f"TopK decay={self.decay} must lie in (0, 1]")

    def keep(self, step: jax.Array) -> jax.Array:
        fraction = jnp.power(self.decay, jnp.floor(step / self.decay_every))
        return jnp.maximum(fraction, self.min_keep)

    def apply(self, context, state):
        family = context.loss
        if family.generator_needs_real_outputs:
            raise ValueError(
                f"top_k needs a loss with per-example generator terms; loss {family.name!r} "
                "reads D(x) too"
            )
        outputs = context.fake_outputs
        per_example = jax.vmap(lambda o: family.generator_loss(o[None]))(outputs)
        size = outputs.shape[0]
        k = jnp.clip(jnp.ceil(self.keep(context.step) * size), 1, size).astype(jnp.int32)
        scores = jax.lax.stop_gradient(
            jnp.mean(outputs.astype(jnp.float32).reshape(size, -1), axis=1)
        )
        threshold = jnp.sort(scores)[::-1][k - 1]
        selected = (scores >= threshold).astype(jnp.float32)
        top = jnp.sum(selected * per_example) / jnp.sum(selected)
        return top - jnp.mean(per_example), state, {"top_k_fraction": k / size}


# ----------------------------------------------------------------------------
# Consistency regularisation.
# ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Consistency(Regularizer):
    """CR: ``E||D(x) - D(T(x))||^2`` on real images, T a random flip and a small translation.

    D(x) is the output the step already computed; one extra pass on T(x).

    References:
      Zhang et al., Consistency Regularization for Generative Adversarial Networks,
      2020 (eq. 1; lambda = 10).
    """

    max_shift: int = 2
    transform: Callable | None = None
    name: str = "consistency"
    players = DISCRIMINATOR

    def _term(self, context, images, outputs, key):
        transform = self.transform or (
            lambda x, k: augment.flip_and_translate(x, k, max_shift=self.max_shift)
        )
        return _per_example_squared_difference(
            outputs, context.discriminator(transform(images, key))
        )

    def apply(self, context, state):
        key = fold_in_device(context.key, context.axis_name, context.micro_batch)
        return self._term(context, context.real, context.real_outputs, key), state, {}


@dataclasses.dataclass(frozen=True)
class BalancedConsistency(Consistency):
    """bCR: CR on real images (``real_weight``) and on generated ones (``fake_weight``).

    The term's weight multiplies both; the paper uses lambda_real = lambda_fake = 10
    (weight 10, the default relative weights 1).

    References:
      Zhao et al., Improved Consistency Regularization for GANs, 2021 (eq. 3).
    """

    real_weight: float = 1.0
    fake_weight: float = 1.0
    name: str = "balanced_consistency"

    def apply(self, context, state):
        real_key, fake_key = jax.random.split(
            fold_in_device(context.key, context.axis_name, context.micro_batch)
        )
        real = self._term(context, context.real, context.real_outputs, real_key)
        fake = self._term(context, context.fake, context.fake_outputs, fake_key)
        value = self.real_weight * real + self.fake_weight * fake
        return value, state, {"bcr_real": real, "bcr_fake": fake}


@dataclasses.dataclass(frozen=True)
class LatentConsistency(Regularizer):
    """zCR: latent-perturbation consistency, for either player.

    - On D: ``E||D(G(z)) - D(G(z + dz))||^2``, ``dz ~ N(0, sigma^2 I)`` (D should not
      tell nearby latents apart).
    - On G: ``-E||G(z) - G(z + dz)||^2`` (G should map nearby latents to different
      images; the paper's lambda_gen = 0.5 with lambda_dis = 5).

    Needs the generator's latents (not for image-conditioned generators). One extra
    generator pass, and on D one extra discriminator pass.

    References:
      Zhao et al., Improved Consistency Regularization for GANs, 2021 (eqs. 4-5).
    """

    sigma: float = 0.03
    name: str = "latent_consistency"

    def apply(self, context, state):
        if context.latents is None or context.generator is None:
            raise ValueError("latent_consistency needs a generator fed latents (not pix2pix)")
        noise = self.sigma * penalties.draw_for_global_batch(
            jax.random.normal,
            context.key,
            context.latents.shape,
            axis_name=context.axis_name,
            micro_batch=context.micro_batch,
        )
        perturbed = context.generator(context.latents + noise)
        if context.player == "discriminator":
            perturbed = jax.lax.stop_gradient(perturbed)
            value = _per_example_squared_difference(
                context.fake_outputs, context.discriminator(perturbed)
            )
        else:
            value = -_per_example_squared_difference(context.fake, perturbed)
        return value, state, {}


# ----------------------------------------------------------------------------
# Historical averaging (Salimans et al. 2016).
# ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class HistoricalAveraging(Regularizer):
    """``||theta - (1/t) sum_{i<=t} theta_i||^2`` on the player's own parameters.

    The running mean of the parameters the player has had, this step's included, is
    the state (it starts at the initial parameters, t = 1). Salimans et al. add it to
    each player's cost.

    References:
      Salimans et al., Improved Techniques for Training GANs, 2016 (sec. 3.3).
    """

    name: str = "historical_averaging"

    def init(self, key, batch, *, params):
        del key, batch
        return {"count": jnp.zeros((), jnp.int32), "mean": params}

    def apply(self, context, state):
        params = context.params
        current = jax.lax.stop_gradient(params)
        count = state["count"] + 1
        mean = jax.tree.map(
            lambda m, p: m + (p - m) / count.astype(m.dtype), state["mean"], current
        )
        value = sum(
            jnp.sum(jnp.square(p.astype(jnp.float32) - m.astype(jnp.float32)))
            for p, m in zip(jax.tree.leaves(params), jax.tree.leaves(mean), strict=True)
        )
        return value, {"count": count, "mean": mean}, {}


# ----------------------------------------------------------------------------
# CycleGAN's reconstruction terms (Zhu et al. 2017), on unpaired translation.
# ----------------------------------------------------------------------------


def _translator_input(context: Context, name: str) -> jax.Array:
    """G's input (the real ``[a | b]`` batch) of an ``unpaired`` GAN; raises otherwise."""
    if context.generator is None or context.latents is None or context.latents.ndim != 4:
        raise ValueError(
            f"{name} needs a generator that translates images, G(x) with conditioning="
            "'unpaired' (CycleGAN: jaxgan.models.cyclegan)"
        )
    return context.latents


def _mean_absolute_error(a: jax.Array, b: jax.Array) -> jax.Array:
    return jnp.mean(jnp.abs(a.astype(jnp.float32) - b.astype(jnp.float32)))


@dataclasses.dataclass(frozen=True)
class CycleConsistency(Regularizer):
    """CycleGAN's cycle loss ``mean |G(G(x)) - x|`` on G.

    With the two domains stacked, ``x = [a | b]`` and ``G(x) = [G_BA(b) | G_AB(a)]``
    (:mod:`jaxgan.models.cyclegan`), so ``G(G(x)) = [G_BA(G_AB(a)) | G_AB(G_BA(b))]``
    and the mean over every pixel is the mean of the forward and backward cycles' L1
    losses: the paper's ``lambda (L_cyc(A) + L_cyc(B))`` is this term with weight
    ``lambda`` beside the two adversarial losses' mean (both sides halved). G's
    gradient flows through both translations. One more pass of both translators.

    References:
      Zhu et al., Unpaired Image-to-Image Translation using Cycle-Consistent
      Adversarial Networks, 2017 (eq. 2).
    """

    name: str = "cycle_consistency"
    players = GENERATOR

    def apply(self, context, state):
        x = _translator_input(context, self.name)
        value = _mean_absolute_error(context.generator(context.fake), x)
        return value, state, {}


@dataclasses.dataclass(frozen=True)
class Identity(Regularizer):
    """CycleGAN's identity loss ``mean |G([b | a]) - [a | b]|`` on G: each translator
    should leave an image of its target domain unchanged (``G_AB(b) = b``, ``G_BA(a) =
    a``). Needs the two domains to have the same channels. The paper weighs it ``0.5
    lambda`` (5 with the cycle's 10). One more pass of both translators.

    References:
      Zhu et al. 2017 (sec. 5.2, after Taigman et al. 2017).
    """

    name: str = "identity"
    players = GENERATOR

    def apply(self, context, state):
        x = _translator_input(context, self.name)
        channels = x.shape[-1]
        if channels % 2:
            raise ValueError(
                f"identity swaps two domains of equal channels; G's input has {channels}"
            )
        half = channels // 2
        swapped = jnp.concatenate([x[..., half:], x[..., :half]], axis=-1)
        return _mean_absolute_error(context.generator(swapped), x), state, {}


@dataclasses.dataclass(frozen=True)
class Reconstruction(Regularizer):
    """Paired translation's reconstruction loss on G: ``mean |G(c) - x|`` (``norm=1``,
    pix2pix's L1) or ``mean (G(c) - x)^2`` (``norm=2``, GP-GAN's blending GAN, and
    Context Encoders) over every pixel, ``x`` the real image paired with the condition
    ``c``. GP-GAN weighs L2 0.999 and the adversarial loss 0.001: this term with
    weight 999 beside the adversarial loss.

    References:
      Wu et al., GP-GAN: Towards Realistic High-Resolution Image Blending, 2017 (eq. 2);
      Pathak et al., Context Encoders, 2016.
    """

    name: str = "reconstruction"
    norm: int = 2
    players = GENERATOR

    def __post_init__(self):
        if self.norm not in (1, 2):
            raise ValueError(f"reconstruction: norm={self.norm!r}; valid: 1 (L1), 2 (L2)")

    def apply(self, context, state):
        if context.fake.shape != context.real.shape:
            raise ValueError(
                f"reconstruction compares G's output {context.fake.shape} with the real "
                f"image {context.real.shape}; they need the same shape (paired translation, "
                "conditioning='image')"
            )
        difference = context.fake.astype(jnp.float32) - context.real.astype(jnp.float32)
        value = jnp.mean(jnp.abs(difference) if self.norm == 1 else jnp.square(difference))
        return value, state, {}


# ----------------------------------------------------------------------------
# Matching-aware discrimination (Reed et al. 2016; StackGAN), on conditional GANs.
# ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MatchingAware(Regularizer):
    """Real images with mismatched conditions count as fakes: GAN-CLS's third pair.

    D is shown each real image with the condition of the next example in the batch
    (``condition`` names the batch key: ``"text"`` for captions, ``"label"`` for class
    labels) and the term is ``L_D(D(x, c), D(x, c')) - L_D(D(x, c), D(G(z, c), c))``,
    the family's D loss against the mismatched pairs minus its loss against the
    generated ones, both from the step's real outputs. With weight 1/2, D's total loss
    becomes ``(L_D(real, fake) + L_D(real, mismatched)) / 2``; for a family whose loss
    is a real part plus a fake part (every family but the relativistic one) that is
    Reed et al.'s ``log D(x, c) + (log(1 - D(x, c')) + log(1 - D(G(z), c))) / 2``, as
    StackGAN trains its discriminators. The shifted condition can equal the original
    when two neighbours share a caption or a label (about 1 pair in 120 with the 250
    captions of ``mnist_5k_captions``); those pairs then count as fakes too. One more pass of D on
    the real batch.

    References:
      Reed et al., Generative Adversarial Text to Image Synthesis, 2016 (GAN-CLS,
      Algorithm 1); Zhang et al. 2017 (StackGAN, sec. 3.1).
    """

    condition: str = "text"
    name: str = "matching_aware"
    players = DISCRIMINATOR

    def apply(self, context, state):
        if self.condition not in context.batch or context.real_outputs is None:
            raise ValueError(
                f"matching_aware shows D real images with mismatched {self.condition!r}; the "
                f"batch has {sorted(context.batch)} (set condition= to the conditioning's key)"
            )
        shifted = jnp.roll(context.batch[self.condition], 1, axis=0)
        mismatched = context.discriminate(context.real, batch={
            **context.batch, self.condition: shifted
        })["outputs"]  # fmt: skip
        against_mismatched = context.loss.discriminator_loss(context.real_outputs, mismatched)
        against_fake = context.loss.discriminator_loss(context.real_outputs, context.fake_outputs)
        return (
            against_mismatched - against_fake,
            state,
            {f"{self.name}_mismatched_output": jnp.mean(mismatched)},
        )


def pulling_away(features: jax.Array) -> jax.Array:
    """EBGAN's pulling-away term: the mean squared cosine similarity over pairs ``i != j``.

    ``f_PT(S) = 1 / (N (N - 1)) sum_i sum_{j != i} (S_i . S_j / (|S_i| |S_j|))^2`` for
    ``S`` of shape ``(N, ...)`` (flattened per example): 0 for orthogonal codes, 1 for
    parallel ones. Computed from the ``(N, N)`` Gram matrix of the normalised codes.
    """
    s = features.astype(jnp.float32).reshape(features.shape[0], -1)
    n = s.shape[0]
    if n < 2:
        raise ValueError(f"the pulling-away term compares pairs; got a batch of {n}")
    unit = s / jnp.maximum(jnp.linalg.norm(s, axis=1, keepdims=True), 1e-12)
    cosines = unit @ unit.T
    return (jnp.sum(jnp.square(cosines)) - jnp.sum(jnp.square(jnp.diag(cosines)))) / (n * (n - 1))


@dataclasses.dataclass(frozen=True)
class PullingAway(Regularizer):
    """EBGAN's pulling-away term on the generator: :func:`pulling_away` of D's codes of
    the generated batch (the autoencoder's encoder output, D's features), so G spreads
    its samples over the code space (weight 0.1 in the paper).

    References:
      Zhao, Mathieu and LeCun, Energy-based Generative Adversarial Network, 2017 (eq. 3).
    """

    name: str = "pulling_away"
    players = GENERATOR
    needs_features = True

    def apply(self, context, state):
        if context.fake_features is None:
            raise ValueError("pulling_away needs D's features (return_features=True)")
        value = pulling_away(context.fake_features)
        return value, state, {}


@dataclasses.dataclass(frozen=True)
class BeganEquilibrium(Regularizer):
    """BEGAN's equilibrium: D's loss gets ``- k_t L(G(z))``, and ``k_t`` follows
    ``k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1)``.

    ``L`` are the batch means of D's outputs (the autoencoder's energies) on real and
    generated images, as D's update saw them; ``k_t`` is the term's state (checkpointed
    with the run), read without gradient. Reports ``began_k`` (the new ``k``) and
    ``began_convergence``, the paper's ``M_global = L(x) + |gamma L(x) - L(G(z))|``.
    Use weight 1 with the ``began`` loss family (which gives ``L(x)`` and ``L_G``).

    References:
      Berthelot, Schumm and Metz, BEGAN, 2017 (eqs. 4-5, section 3.4.1).
    """

    gamma: float = 0.5
    lambda_k: float = 0.001
    initial_k: float = 0.0
    name: str = "began_equilibrium"
    players = DISCRIMINATOR

    def __post_init__(self):
        if not 0.0 < self.gamma <= 1.0:
            raise ValueError(f"BEGAN gamma={self.gamma} must lie in (0, 1]")
        if not self.lambda_k >= 0.0:
            raise ValueError(f"BEGAN lambda_k={self.lambda_k} must be >= 0")
        if not 0.0 <= self.initial_k <= 1.0:
            raise ValueError(f"BEGAN initial_k={self.initial_k} must lie in [0, 1]")

    def init(self, key, batch):
        del key, batch
        return {"k": jnp.asarray(self.initial_k, jnp.float32)}

    def apply(self, context, state):
        fake = jnp.mean(context.fake_outputs.astype(jnp.float32))
        real = jnp.mean(context.real_outputs.astype(jnp.float32))
        means = jax.lax.stop_gradient((real, fake))
        if context.axis_name is not None:
            means = jax.lax.pmean(means, context.axis_name)
        balance = self.gamma * means[0] - means[1]
        k = jax.lax.stop_gradient(state["k"])
        new_k = jnp.clip(k + self.lambda_k * balance, 0.0, 1.0)
        metrics = {"began_k": new_k, "began_convergence": means[0] + jnp.abs(balance)}
        return -k * fake, {"k": new_k}, metrics


_REGULARIZERS: dict[str, Callable[..., Regularizer]] = {
    "gradient_penalty": GradientPenalty,
    "gradient_penalty_one_sided": lambda **o: GradientPenalty(
        one_sided=True, name="gradient_penalty_one_sided", **o
    ),
    "dragan": Dragan,
    "r1": R1,
    "r2": R2,
    "lecam": LeCam,
    "consistency": Consistency,
    "balanced_consistency": BalancedConsistency,
    "latent_consistency": LatentConsistency,
    "historical_averaging": HistoricalAveraging,
    "top_k": TopK,
    "cycle_consistency": CycleConsistency,
    "identity": Identity,
    "reconstruction": Reconstruction,
    "matching_aware": MatchingAware,
    "pulling_away": PullingAway,
    "began_equilibrium": BeganEquilibrium,
}


def names() -> tuple[str, ...]:
    """The regulariser names that :func:`get` accepts."""
    return tuple(_REGULARIZERS)


def get(name: str, **options: Any) -> Regularizer:
    """The built-in regulariser called ``name``, built with ``options``.

    Raises:
      ValueError: for an unknown name (listing the valid ones) or bad options.
    """
    if not isinstance(name, str) or name not in _REGULARIZERS:
        raise ValueError(f"unknown regularizer {name!r}; valid names are: {', '.join(names())}")
    try:
        return _REGULARIZERS[name](**options)
    except TypeError as error:
        raise ValueError(f"regularizer {name!r}: bad options {options} ({error})") from None
