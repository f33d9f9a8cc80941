"""Sampling with a trained discriminator: its argmax, Langevin dynamics, and D-guided
refinement of generator samples in data or latent space.

The seed lecture's question, "can the discriminator generate?": ``x* = argmax_x D(x)``
by gradient ascent on D's input (:func:`gradient_ascent`), or samples of the density
``p(x) ∝ exp(D(x) / T)`` by unadjusted Langevin dynamics (:func:`langevin`). Started
from generator samples instead of noise, the same moves refine them. In latent space,
discriminator-driven latent sampling (DDLS, Che et al. 2020) samples ``p(z) ∝ N(z; 0,
I) exp(d(G(z)))`` -- ``d`` D's logit -- whose image under G is the distribution
``p_g(x) exp(d(x))``, which equals the data distribution when D is the optimal
discriminator of the non-saturating game (:func:`latent_log_density`).

Plug and Play Generative Networks (PPGN, Nguyen et al. 2017) sample a condition in the
same latent space: :func:`ppgn_sample` moves ``z`` along a prior term (the Gaussian
prior's score, :func:`gaussian_prior_score`, or a denoising autoencoder's,
:func:`denoising_score`, trained on latents by :func:`train_denoiser`), a condition
term ``grad_z log p(y | G(z))`` from a classifier (:func:`class_log_likelihood`) and
noise, each with its own step (the paper's epsilon_1, epsilon_2, epsilon_3).

Every function takes a *per-example* score ``f: (B, ...) -> (B,)`` and moves each
example along the gradient of its own score (the gradient of ``sum(f(x))``), so ``f``
must not couple the examples of a batch: use D in inference mode (BatchNorm's running
averages), without minibatch discrimination.

References:
  Che et al., Your GAN is Secretly an Energy-based Model and You Should Use
  Discriminator Driven Latent Sampling, 2020.
  Welling and Teh, Bayesian Learning via Stochastic Gradient Langevin Dynamics, 2011.
  Nguyen, Clune, Bengio, Dosovitskiy and Yosinski, Plug & Play Generative Networks:
  Conditional Iterative Generation of Images in Latent Space, 2017.
  Alain and Bengio, What Regularized Auto-Encoders Learn from the Data-Generating
  Distribution, 2014 (a denoising autoencoder's score).
"""

from __future__ import annotations

from collections.abc import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

__all__ = [
    "LatentDenoiser",
    "class_log_likelihood",
    "denoising_score",
    "gaussian_prior_score",
    "gradient_ascent",
    "langevin",
    "latent_log_density",
    "ppgn_sample",
    "train_denoiser",
]

Score = Callable[[jax.Array], jax.Array]


def _check(steps: int, step_size: float) -> None:
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps={steps!r} must be an integer >= 0")
    if not step_size > 0:
        raise ValueError(f"step_size={step_size!r} must be > 0")


def _per_example_gradient(score: Score) -> Callable[[jax.Array], jax.Array]:
    return jax.grad(lambda x: jnp.sum(score(x).astype(jnp.float32)))


def _project(x: jax.Array, bounds: tuple[float, float] | None) -> jax.Array:
    return x if bounds is None else jnp.clip(x, *bounds)


def gradient_ascent(score: Score, x: jax.Array, *, steps: int, step_size: float,
                    bounds: tuple[float, float] | None = None) -> jax.Array:  # fmt: skip
    """``steps`` steps of ``x <- x + step_size * grad score(x)``, example by example.

    ``score(x)`` is ``(B,)`` for ``x`` of shape ``(B, ...)``: D's logit or critic value.
    ``bounds``: project every step onto ``[low, high]`` (images: ``(-1, 1)``).
    """
    _check(steps, step_size)
    gradient = _per_example_gradient(score)

    def step(x, _):
        return _project(x + step_size * gradient(x), bounds), None

    return jax.lax.scan(step, x, None, length=steps)[0]


def langevin(log_density: Score, x: jax.Array, key: jax.Array, *, steps: int,
             step_size: float, temperature: float = 1.0,
             bounds: tuple[float, float] | None = None) -> jax.Array:  # fmt: skip
    """Unadjusted Langevin dynamics on ``p(x) ∝ exp(log_density(x) / temperature)``.

    ``x <- x + (step_size / 2) grad log_density(x) / temperature + sqrt(step_size) xi``,
    ``xi ~ N(0, I)``, ``steps`` times, example by example. For small steps the chain's
    stationary distribution approaches ``p`` (its bias is of order ``step_size``).
    ``bounds``: project every step onto ``[low, high]``.
    """
    _check(steps, step_size)
    if not temperature > 0:
        raise ValueError(f"temperature={temperature!r} must be > 0")
    gradient = _per_example_gradient(log_density)
    scale = jnp.sqrt(jnp.asarray(step_size, x.dtype))

    def step(x, key):
        noise = jax.random.normal(key, x.shape, x.dtype)
        moved = x + 0.5 * step_size * gradient(x) / temperature + scale * noise
        return _project(moved, bounds), None

    return jax.lax.scan(step, x, jax.random.split(key, steps))[0]


def latent_log_density(generate: Callable[[jax.Array], jax.Array], logit: Score) -> Score:
    """DDLS's ``log p(z) = -|z|^2 / 2 + d(G(z))`` (up to a constant) for latents ``(B, D)``.

    ``generate`` maps latents to samples and ``logit`` samples to D's logits ``(B,)``;
    :func:`langevin` on this density refines latents, and ``generate`` of the result
    samples ``p_g(x) exp(d(x))`` (Che et al. 2020, eq. 5).
    """

    def log_density(z):
        prior = -0.5 * jnp.sum(jnp.square(z.astype(jnp.float32)).reshape(z.shape[0], -1), axis=1)
        return prior + logit(generate(z)).astype(jnp.float32).reshape(z.shape[0])

    return log_density


def gaussian_prior_score(z: jax.Array) -> jax.Array:
    """``grad_z log N(z; 0, I) = -z``: the prior term of a generator with Gaussian latents."""
    return -z


def denoising_score(reconstruct: Callable[[jax.Array], jax.Array], noise_std: float):
    """The score a denoising autoencoder has learnt: ``(R(z) - z) / noise_std^2``.

    ``reconstruct`` (``R``) was trained to undo Gaussian corruption of standard deviation
    ``noise_std``; ``R(z) - z`` then approximates ``noise_std^2 grad log p(z)`` (Alain
    and Bengio 2014), PPGN's prior term ``epsilon_1 (R(h) - h)`` up to the step.
    """
    if not noise_std > 0:
        raise ValueError(f"noise_std={noise_std!r} must be > 0")
    return lambda z: (reconstruct(z) - z) / noise_std**2


class LatentDenoiser(nn.Module):
    """PPGN's prior network on codes: ``R(z) = z + MLP(z)``, ReLU layers of ``hidden``
    units and a last layer initialised at zero, so that ``R`` starts as the identity.
    Input and output ``(B, D)``."""

    hidden: tuple[int, ...] = (256, 256)

    @nn.compact
    def __call__(self, z: jax.Array) -> jax.Array:
        h = z
        for width in self.hidden:
            h = nn.relu(nn.Dense(width)(h))
        return z + nn.Dense(z.shape[-1], kernel_init=nn.initializers.zeros)(h)


def train_denoiser(denoiser: nn.Module, latents: jax.Array, key: jax.Array, *,
                   noise_std: float, steps: int, batch_size: int = 256,
                   learning_rate: float = 1e-3):  # fmt: skip
    """Trains ``denoiser`` (a Flax module ``(B, D) -> (B, D)``, e.g. a
    :class:`LatentDenoiser`) to undo Gaussian corruption of ``latents``.

    Each Adam step takes a batch of ``latents`` ``(N, D)`` (the codes whose density is
    the prior: in PPGN, an encoder's codes of real images), adds ``N(0, noise_std^2)``
    and regresses ``R`` of the corrupted codes on the clean ones. At the optimum ``R(z)
    = E[z_clean | z]``, and ``(R(z) - z) / noise_std^2`` is the score of the data's
    density smoothed by the noise (Tweedie's formula; :func:`denoising_score`).

    Returns ``(variables, history)``: the trained variables and the loss per step;
    ``denoising_score(lambda z: denoiser.apply(variables, z), noise_std)`` is the prior
    term. Call it inside ``jax.jit`` with the latents as an argument.
    """
    if not noise_std > 0:
        raise ValueError(f"noise_std={noise_std!r} must be > 0")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps={steps!r} must be an integer >= 1")
    if latents.ndim != 2 or latents.shape[0] < batch_size:
        raise ValueError(
            f"latents must be (N, D) with N >= batch_size={batch_size}; got {latents.shape}"
        )
    init_key, key = jax.random.split(key)
    variables = denoiser.init(init_key, latents[:1])
    optimizer = optax.adam(learning_rate)

    def loss_fn(variables, key):
        index_key, noise_key = jax.random.split(key)
        clean = latents[jax.random.choice(index_key, latents.shape[0], (batch_size,))]
        noisy = clean + noise_std * jax.random.normal(noise_key, clean.shape, clean.dtype)
        return jnp.mean(jnp.square(denoiser.apply(variables, noisy) - clean))

    def step(carry, key):
        variables, opt_state = carry
        value, grad = jax.value_and_grad(loss_fn)(variables, key)
        updates, opt_state = optimizer.update(grad, opt_state, variables)
        return (optax.apply_updates(variables, updates), opt_state), value

    carry = (variables, optimizer.init(variables))
    (variables, _), history = jax.lax.scan(step, carry, jax.random.split(key, steps))
    return variables, history


def class_log_likelihood(
    generate: Callable[[jax.Array], jax.Array],
    logits: Callable[[jax.Array], jax.Array],
    labels: jax.Array,
) -> Score:
    """PPGN's condition: ``log p(y | G(z)) = log_softmax(C(G(z)))[y]`` per example ``(B,)``.

    ``logits`` maps images to a classifier's class logits ``(B, K)``; ``labels`` ``(B,)``
    are the requested classes.
    """
    labels = jnp.asarray(labels)

    def log_likelihood(z):
        log_probabilities = jax.nn.log_softmax(logits(generate(z)).astype(jnp.float32), axis=-1)
        if log_probabilities.shape[0] != labels.shape[0]:
            raise ValueError(
                f"{labels.shape[0]} labels for a batch of {log_probabilities.shape[0]} latents"
            )
        return jnp.take_along_axis(log_probabilities, labels[:, None], axis=1)[:, 0]

    return log_likelihood


def ppgn_sample(prior_score: Callable[[jax.Array], jax.Array], condition: Score,
                z: jax.Array, key: jax.Array, *, steps: int, epsilon1: float,
                epsilon2: float, epsilon3: float) -> jax.Array:  # fmt: skip
    """PPGN's sampler (Nguyen et al. 2017, eq. 11) in the generator's latent space:

    ``z <- z + epsilon1 * prior_score(z) + epsilon2 * grad_z condition(z)
    + N(0, epsilon3^2 I)``, ``steps`` times, example by example.

    ``prior_score``: :func:`gaussian_prior_score` or :func:`denoising_score`;
    ``condition``: per-example ``log p(y | G(z))`` (:func:`class_log_likelihood`).
    ``epsilon1 = epsilon3^2 / 2`` with ``epsilon2 = epsilon1`` is Langevin dynamics on
    ``p(z) p(y | G(z))``; PPGN takes a larger condition step and smaller noise, trading
    diversity for the condition.
    """
    _check(steps, 1.0)
    for name, value in (("epsilon1", epsilon1), ("epsilon2", epsilon2), ("epsilon3", epsilon3)):
        if not value >= 0:
            raise ValueError(f"{name}={value!r} must be >= 0")
    gradient = _per_example_gradient(condition)

    def step(z, key):
        noise = jax.random.normal(key, z.shape, z.dtype)
        moved = z + epsilon1 * prior_score(z) + epsilon2 * gradient(z) + epsilon3 * noise
        return moved.astype(z.dtype), None

    return jax.lax.scan(step, z, jax.random.split(key, steps))[0]
