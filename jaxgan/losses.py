"""Adversarial losses as small pure functions.

Every loss family comes as a pair, ``<family>_discriminator_loss`` and
``<family>_generator_loss`` (the TF-GAN naming). Inputs are the raw discriminator
outputs -- logits for the sigmoid-cross-entropy families, critic scores for the
Wasserstein, hinge and least-squares families -- of any shape: ``(B,)``, ``(B, 1)``
or PatchGAN-shaped ``(B, H, W, 1)``. Real and generated outputs must have the same
shape. Each loss returns a float32 scalar, the mean over elements; a discriminator
loss is the sum of the mean real term and the mean generated term.

The sigmoid families are written with ``softplus`` (``-log sigmoid(x) =
softplus(-x)``), so values and gradients stay finite for logits of +-1e4.

``get(name)`` returns a :class:`LossFamily`, so a config can name a family.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp

__all__ = [
    "LossFamily",
    "get",
    "names",
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_discriminator_loss",
    "non_saturating_generator_loss",
    "maximum_likelihood_discriminator_loss",
    "maximum_likelihood_generator_loss",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "relativistic_average_discriminator_loss",
    "relativistic_average_generator_loss",
    "auxiliary_classifier_loss",
    "began_discriminator_loss",
    "ebgan",
    "ebgan_discriminator_loss",
    "energy_generator_loss",
]


def _as_float32(outputs: jax.typing.ArrayLike) -> jax.Array:
    return jnp.asarray(outputs).astype(jnp.float32)


def _paired(
    discriminator_real_outputs: jax.typing.ArrayLike,
    discriminator_gen_outputs: jax.typing.ArrayLike,
) -> tuple[jax.Array, jax.Array]:
    """Casts both outputs to float32 and checks that their shapes agree."""
    real = _as_float32(discriminator_real_outputs)
    gen = _as_float32(discriminator_gen_outputs)
    if real.shape != gen.shape:
        raise ValueError(
            f"discriminator_real_outputs has shape {real.shape} but "
            f"discriminator_gen_outputs has shape {gen.shape}; they must have the same shape "
            "(e.g. both (B,), both (B, 1) or both (B, H, W, 1))"
        )
    return real, gen


# ----------------------------------------------------------------------------
# Minimax, non-saturating and maximum-likelihood games (Goodfellow 2014).
# All three share the discriminator's cross-entropy loss.
# ----------------------------------------------------------------------------


def minimax_discriminator_loss(
    discriminator_real_outputs: jax.typing.ArrayLike,
    discriminator_gen_outputs: jax.typing.ArrayLike,
    *,
    label_smoothing: float = 0.0,
) -> jax.Array:
    """Cross-entropy discriminator loss of the original GAN game.

    ``-E log D(x) - E log(1 - D(G(z)))`` with ``D = sigmoid(logits)``. With
    one-sided label smoothing (Salimans et al. 2016, section 3.4) the real target is
    ``1 - label_smoothing`` instead of 1; generated targets stay 0.

    Args:
      discriminator_real_outputs: logits of D on real data, any shape ``S``.
      discriminator_gen_outputs: logits of D on generated data, shape ``S``.
      label_smoothing: amount in ``[0, 1)`` taken off the real labels.

    Returns:
      A float32 scalar.

    References:
      Goodfellow et al., Generative Adversarial Nets, 2014.
    """
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label_smoothing={label_smoothing!r} must lie in [0, 1)")
    real, gen = _paired(discriminator_real_outputs, discriminator_gen_outputs)
    real_target = 1.0 - label_smoothing
    # BCE(x, t) = t * softplus(-x) + (1 - t) * softplus(x).
    real_term = real_target * jax.nn.softplus(-real) + (1.0 - real_target) * jax.nn.softplus(real)
    return jnp.mean(real_term) + jnp.mean(jax.nn.softplus(gen))


def minimax_generator_loss(discriminator_gen_outputs: jax.typing.ArrayLike) -> jax.Array:
    """Saturating generator loss of the zero-sum game: ``E log(1 - D(G(z)))``.

    Args:
      discriminator_gen_outputs: logits of D on generated data, any shape.

    Returns:
      A float32 scalar (non-positive).

    References:
      Goodfellow et al., Generative Adversarial Nets, 2014.
    """
    return -jnp.mean(jax.nn.softplus(_as_float32(discriminator_gen_outputs)))


non_saturating_discriminator_loss = minimax_discriminator_loss


def non_saturating_generator_loss(discriminator_gen_outputs: jax.typing.ArrayLike) -> jax.Array:
    """Non-saturating heuristic generator loss: ``-E log D(G(z))``.

    Args:
      discriminator_gen_outputs: logits of D on generated data, any shape.

    Returns:
      A float32 scalar (non-negative).

    References:
      Goodfellow et al., Generative Adversarial Nets, 2014, section 3.
    """
    return jnp.mean(jax.nn.softplus(-_as_float32(discriminator_gen_outputs)))


maximum_likelihood_discriminator_loss = minimax_discriminator_loss


def maximum_likelihood_generator_loss(
    discriminator_gen_outputs: jax.typing.ArrayLike,
    *,
    max_logit: float = 50.0,
) -> jax.Array:
    """Maximum-likelihood generator loss: ``-1/2 E exp(sigmoid^-1(D(G(z))))``.

    With an optimal discriminator its expected gradient equals that of maximum
    likelihood. Since ``sigmoid^-1(D) `` is the logit itself the loss is
    ``-1/2 E exp(logit)``. ``exp`` overflows float32 above 88, so the logit is
    clipped at ``max_logit`` (where ``D(G(z)) > 1 - 2e-22``: the generator already
    fools D completely there, and the clipped elements get zero gradient).

    Args:
      discriminator_gen_outputs: logits of D on generated data, any shape.
      max_logit: the clip applied to logits before ``exp``.

    Returns:
      A float32 scalar (negative).

    References:
      Goodfellow, On distinguishability criteria for estimating generative
      models, arXiv:1412.6515, 2014.
    """
    gen = _as_float32(discriminator_gen_outputs)
    return -0.5 * jnp.mean(jnp.exp(jnp.minimum(gen, max_logit)))


# ----------------------------------------------------------------------------
# Critic-score families.
# ----------------------------------------------------------------------------


def wasserstein_discriminator_loss(
    discriminator_real_outputs: jax.typing.ArrayLike,
    discriminator_gen_outputs: jax.typing.ArrayLike,
) -> jax.Array:
    """Wasserstein critic loss: ``E D(G(z)) - E D(x)``.

    Args:
      discriminator_real_outputs: critic scores on real data, any shape ``S``.
      discriminator_gen_outputs: critic scores on generated data, shape ``S``.

    Returns:
      A float32 scalar, the negated estimate of the Wasserstein-1 distance.

    References:
      Arjovsky et al., Wasserstein GAN, 2017.
    """
    real, gen = _paired(discriminator_real_outputs, discriminator_gen_outputs)
    return jnp.mean(gen) - jnp.mean(real)


def wasserstein_generator_loss(discriminator_gen_outputs: jax.typing.ArrayLike) -> jax.Array:
    """Wasserstein generator loss: ``-E D(G(z))``.

    Args:
      discriminator_gen_outputs: critic scores on generated data, any shape.

    Returns:
      A float32 scalar.

    References:
      Arjovsky et al., Wasserstein GAN, 2017.
    """
    return -jnp.mean(_as_float32(discriminator_gen_outputs))


def hinge_discriminator_loss(
    discriminator_real_outputs: jax.typing.ArrayLike,
    discriminator_gen_outputs: jax.typing.ArrayLike,
) -> jax.Array:
    """Hinge discriminator loss: ``E relu(1 - D(x)) + E relu(1 + D(G(z)))``.

    Args:
      discriminator_real_outputs: scores on real data, any shape ``S``.
      discriminator_gen_outputs: scores on generated data, shape ``S``.

    Returns:
      A float32 scalar.

    References:
      Lim & Ye, Geometric GAN, 2017; Miyato et al., Spectral Normalization for
      Generative Adversarial Networks, 2018.
    """
    real, gen = _paired(discriminator_real_outputs, discriminator_gen_outputs)
    return jnp.mean(jax.nn.relu(1.0 - real)) + jnp.mean(jax.nn.relu(1.0 + gen))


def hinge_generator_loss(discriminator_gen_outputs: jax.typing.ArrayLike) -> jax.Array:
    """Hinge generator loss: ``-E D(G(z))``.

    Args:
      discriminator_gen_outputs: scores on generated data, any shape.

    Returns:
      A float32 scalar.

    References:
      Lim & Ye, Geometric GAN, 2017; Miyato et al., 2018.
    """
    return wasserstein_generator_loss(discriminator_gen_outputs)


def least_squares_discriminator_loss(
    discriminator_real_outputs: jax.typing.ArrayLike,
    discriminator_gen_outputs: jax.typing.ArrayLike,
    *,
    real_label: float = 1.0,
    gen_label: float = 0.0,
) -> jax.Array:
    """Least-squares discriminator loss: ``1/2 E (D(x) - b)^2 + 1/2 E (D(G(z)) - a)^2``.

    Args:
      discriminator_real_outputs: scores on real data, any shape ``S``.
      discriminator_gen_outputs: scores on generated data, shape ``S``.
      real_label: ``b`` in the paper (default 1).
      gen_label: ``a`` in the paper (default 0).

    Returns:
      A float32 scalar.

    References:
      Mao et al., Least Squares Generative Adversarial Networks, 2017 (eq. 2).
    """
    real, gen = _paired(discriminator_real_outputs, discriminator_gen_outputs)
    return 0.5 * jnp.mean(jnp.square(real - real_label)) + 0.5 * jnp.mean(
        jnp.square(gen - gen_label)
    )


def least_squares_generator_loss(
    discriminator_gen_outputs: jax.typing.ArrayLike,
    *,
    target_label: float = 1.0,
) -> jax.Array:
    """Least-squares generator loss: ``1/2 E (D(G(z)) - c)^2``.

    Args:
      discriminator_gen_outputs: scores on generated data, any shape.
      target_label: ``c`` in the paper, the value G wants D to believe (default 1).

    Returns:
      A float32 scalar.

    References:
      Mao et al., Least Squares Generative Adversarial Networks, 2017 (eq. 2).
    """
    gen = _as_float32(discriminator_gen_outputs)
    return 0.5 * jnp.mean(jnp.square(gen - target_label))


# ----------------------------------------------------------------------------
# Energy-based GANs (EBGAN, BEGAN): D's outputs are energies (an autoencoder's
# reconstruction error, jaxgan.models.AutoencoderDiscriminator), low on data.
# ----------------------------------------------------------------------------

# EBGAN's MNIST margin is m = 10 on D(x) = ||Dec(Enc(x)) - x||_2 over 784 pixels; the
# energies here are per-pixel mean squared errors (||.||^2 / 784), where that boundary
# sits at 10^2 / 784 = 0.128.
EBGAN_MARGIN = 0.128


def ebgan_discriminator_loss(
    discriminator_real_outputs: jax.typing.ArrayLike,
    discriminator_gen_outputs: jax.typing.ArrayLike,
    *,
    margin: float = EBGAN_MARGIN,
) -> jax.Array:
    """EBGAN's discriminator loss: ``E D(x) + E max(0, m - D(G(z)))`` on energies.

    Args:
      discriminator_real_outputs: energies of real data, any shape ``S``.
      discriminator_gen_outputs: energies of generated data, shape ``S``.
      margin: ``m``: D pushes generated energies up to it, no further.

    Returns:
      A float32 scalar.

    References:
      Zhao, Mathieu and LeCun, Energy-based Generative Adversarial Network, 2017 (eq. 1).
    """
    real, gen = _paired(discriminator_real_outputs, discriminator_gen_outputs)
    return jnp.mean(real) + jnp.mean(jax.nn.relu(margin - gen))


def energy_generator_loss(discriminator_gen_outputs: jax.typing.ArrayLike) -> jax.Array:
    """The energy-based generator loss ``E D(G(z))`` (EBGAN eq. 2; BEGAN's ``L_G``)."""
    return jnp.mean(_as_float32(discriminator_gen_outputs))


def began_discriminator_loss(
    discriminator_real_outputs: jax.typing.ArrayLike,
    discriminator_gen_outputs: jax.typing.ArrayLike,
) -> jax.Array:
    """BEGAN's ``L_D`` without its ``k_t`` part: ``E L(x)``, the real energies' mean.

    The ``- k_t L(G(z))`` part needs the equilibrium variable carried across steps: the
    ``began_equilibrium`` term (:class:`jaxgan.regularizers.BeganEquilibrium`) adds it,
    and the ``began`` family is only accepted with that term.

    References:
      Berthelot, Schumm and Metz, BEGAN, 2017 (eq. 4).
    """
    real, _ = _paired(discriminator_real_outputs, discriminator_gen_outputs)
    return jnp.mean(real)


def ebgan(margin: float = EBGAN_MARGIN) -> LossFamily:
    """The ``ebgan`` family with margin ``m`` (``losses.get("ebgan", margin=...)``)."""
    if not margin > 0:
        raise ValueError(f"EBGAN margin={margin!r} must be > 0")
    return LossFamily(
        "ebgan",
        functools.partial(ebgan_discriminator_loss, margin=float(margin)),
        energy_generator_loss,
    )


# ----------------------------------------------------------------------------
# Relativistic average GAN (RaSGAN).
# ----------------------------------------------------------------------------


def _relativistic_logits(real: jax.Array, gen: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``C(x) - E C(x~)`` and ``C(x~) - E C(x)``, the means taken over the batch axis.

    For ``(B,)`` and ``(B, 1)`` outputs the batch mean is the paper's scalar
    expectation; for patch outputs each location is compared with the same
    location's batch mean.
    """
    if real.ndim == 0:
        raise ValueError("relativistic losses need a batch axis; got scalar discriminator outputs")
    real_mean = jnp.mean(real, axis=0, keepdims=True)
    gen_mean = jnp.mean(gen, axis=0, keepdims=True)
    return real - gen_mean, gen - real_mean


def relativistic_average_discriminator_loss(
    discriminator_real_outputs: jax.typing.ArrayLike,
    discriminator_gen_outputs: jax.typing.ArrayLike,
) -> jax.Array:
    """Relativistic average standard-GAN discriminator loss.

    ``-E_x log sigmoid(C(x) - E C(x~)) - E_x~ log(1 - sigmoid(C(x~) - E C(x)))``,
    where ``C`` is the raw (non-transformed) discriminator output.

    Args:
      discriminator_real_outputs: raw outputs on real data, shape ``(B, ...)``.
      discriminator_gen_outputs: raw outputs on generated data, same shape.

    Returns:
      A float32 scalar.

    References:
      Jolicoeur-Martineau, The relativistic discriminator: a key element missing
      from standard GAN, 2018 (RaSGAN, eq. for L_D^RaSGAN).
    """
    real, gen = _paired(discriminator_real_outputs, discriminator_gen_outputs)
    real_rel, gen_rel = _relativistic_logits(real, gen)
    return jnp.mean(jax.nn.softplus(-real_rel)) + jnp.mean(jax.nn.softplus(gen_rel))


def relativistic_average_generator_loss(
    discriminator_real_outputs: jax.typing.ArrayLike,
    discriminator_gen_outputs: jax.typing.ArrayLike,
) -> jax.Array:
    """Relativistic average standard-GAN generator loss.

    ``-E_x~ log sigmoid(C(x~) - E C(x)) - E_x log(1 - sigmoid(C(x) - E C(x~)))``:
    the discriminator loss with the roles of real and generated data swapped, so
    it needs the outputs on real data too.

    Args:
      discriminator_real_outputs: raw outputs on real data, shape ``(B, ...)``.
      discriminator_gen_outputs: raw outputs on generated data, same shape.

    Returns:
      A float32 scalar.

    References:
      Jolicoeur-Martineau, 2018 (RaSGAN, L_G^RaSGAN).
    """
    real, gen = _paired(discriminator_real_outputs, discriminator_gen_outputs)
    real_rel, gen_rel = _relativistic_logits(real, gen)
    return jnp.mean(jax.nn.softplus(-gen_rel)) + jnp.mean(jax.nn.softplus(real_rel))


# ----------------------------------------------------------------------------
# AC-GAN's auxiliary classification term.
# ----------------------------------------------------------------------------


def auxiliary_classifier_loss(
    class_logits: jax.typing.ArrayLike, labels: jax.typing.ArrayLike
) -> jax.Array:
    """AC-GAN's class log-likelihood term: mean softmax cross-entropy ``-E log P(C=c|x)``.

    Both players minimise it (D on real and generated data, G on generated data), in
    addition to their adversarial losses.

    Args:
      class_logits: ``(B, num_classes)`` logits of the auxiliary classifier.
      labels: ``(B,)`` integer class indices.

    Returns:
      A float32 scalar.

    References:
      Odena et al., Conditional Image Synthesis with Auxiliary Classifier GANs, 2017.
    """
    logits = _as_float32(class_logits)
    labels = jnp.asarray(labels)
    if logits.ndim != 2 or labels.shape != logits.shape[:1]:
        raise ValueError(
            f"class_logits must be (B, num_classes) and labels (B,); got {logits.shape} "
            f"and {labels.shape}"
        )
    log_probs = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.mean(jnp.take_along_axis(log_probs, labels[:, None].astype(jnp.int32), axis=-1))


# ----------------------------------------------------------------------------
# Lookup by name.
# ----------------------------------------------------------------------------


class LossFamily(NamedTuple):
    """A named pair of discriminator and generator losses.

    Attributes:
      name: the family's name, as accepted by :func:`get`.
      discriminator_loss: ``(discriminator_real_outputs, discriminator_gen_outputs) -> scalar``.
      generator_loss: ``(discriminator_gen_outputs) -> scalar``, or, when
        ``generator_needs_real_outputs``, ``(discriminator_real_outputs,
        discriminator_gen_outputs) -> scalar``.
      generator_needs_real_outputs: whether the generator loss also reads D(x).
    """

    name: str
    discriminator_loss: Callable[..., jax.Array]
    generator_loss: Callable[..., jax.Array]
    generator_needs_real_outputs: bool = False

    def generator_loss_from(
        self,
        discriminator_real_outputs: jax.typing.ArrayLike | None,
        discriminator_gen_outputs: jax.typing.ArrayLike,
    ) -> jax.Array:
        """Calls the generator loss with one signature for every family.

        ``discriminator_real_outputs`` is read only where the family needs it
        (``generator_needs_real_outputs``) and may be ``None`` otherwise.
        """
        if not self.generator_needs_real_outputs:
            return self.generator_loss(discriminator_gen_outputs)
        if discriminator_real_outputs is None:
            raise ValueError(
                f"the {self.name!r} generator loss needs discriminator_real_outputs; got None"
            )
        return self.generator_loss(discriminator_real_outputs, discriminator_gen_outputs)


_FAMILIES: dict[str, LossFamily] = {
    family.name: family
    for family in (
        LossFamily("minimax", minimax_discriminator_loss, minimax_generator_loss),
        LossFamily(
            "non_saturating", non_saturating_discriminator_loss, non_saturating_generator_loss
        ),
        LossFamily(
            "maximum_likelihood",
            maximum_likelihood_discriminator_loss,
            maximum_likelihood_generator_loss,
        ),
        LossFamily("wasserstein", wasserstein_discriminator_loss, wasserstein_generator_loss),
        LossFamily("hinge", hinge_discriminator_loss, hinge_generator_loss),
        LossFamily("least_squares", least_squares_discriminator_loss, least_squares_generator_loss),
        LossFamily(
            "relativistic_average",
            relativistic_average_discriminator_loss,
            relativistic_average_generator_loss,
            generator_needs_real_outputs=True,
        ),
        LossFamily("ebgan", ebgan_discriminator_loss, energy_generator_loss),
        LossFamily("began", began_discriminator_loss, energy_generator_loss),
    )
}
# Families that take options (losses.get(name, **options)).
_FACTORIES = {"ebgan": ebgan}


def names() -> tuple[str, ...]:
    """The loss family names that :func:`get` accepts."""
    return tuple(_FAMILIES)


def get(name: str, **options) -> LossFamily:
    """Returns the loss family called ``name``.

    Args:
      name: one of :func:`names`: ``minimax``, ``non_saturating``,
        ``maximum_likelihood``, ``wasserstein``, ``hinge``, ``least_squares``,
        ``relativistic_average``, ``ebgan``, ``began``.
      **options: the family's options, for the families that take any (``ebgan``:
        ``margin``).

    Raises:
      ValueError: for an unknown name, listing the valid ones, or options the family
        does not take.
    """
    if options:
        factory = _FACTORIES.get(name)
        accepted = () if factory is None else tuple(inspect.signature(factory).parameters)
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            raise ValueError(
                f"loss family {name!r} takes no option {', '.join(map(repr, unknown))}; "
                + (f"its options: {', '.join(accepted)}" if accepted else "it takes none")
            )
        return factory(**options)
    try:
        return _FAMILIES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown loss family {name!r}; valid names are: {', '.join(_FAMILIES)}"
        ) from None
