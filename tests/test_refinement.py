"""Discriminator-driven sampling (jaxgan.refinement) against closed forms on quadratic scores."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import refinement

MU = jnp.array([[1.0, -2.0]])  # (1, 2): broadcasts against a batch


def gaussian_log_density(sigma):
    return lambda x: -jnp.sum(jnp.square(x - MU), axis=1) / (2 * sigma**2)


def test_gradient_ascent_on_a_quadratic_contracts_geometrically():
    # x_{t+1} - mu = (1 - eta / sigma^2) (x_t - mu), so after t steps (1 - eta/sigma^2)^t.
    x0 = jnp.array([[3.0, 0.0], [-1.0, 5.0]])
    x = refinement.gradient_ascent(gaussian_log_density(2.0), x0, steps=5, step_size=0.5)
    np.testing.assert_allclose(x, MU + (1 - 0.5 / 4.0) ** 5 * (x0 - MU), rtol=1e-6)
    unchanged = refinement.gradient_ascent(gaussian_log_density(1.0), x0, steps=0, step_size=1.0)
    np.testing.assert_array_equal(unchanged, x0)


@pytest.mark.parametrize("temperature", [1.0, 2.0])
def test_langevin_samples_its_closed_form_stationary_gaussian(temperature):
    # On log p = -|x - mu|^2 / (2 sigma^2) the chain is linear: x' - mu = a (x - mu) +
    # sqrt(eta) xi with a = 1 - eta / (2 T sigma^2), stationary N(mu, v I) with
    # v = eta / (1 - a^2) = T sigma^2 / (1 - eta / (4 T sigma^2)).
    sigma, eta, chains = 0.5, 0.05, 4000
    start = jnp.zeros((chains, 2))
    x = refinement.langevin(gaussian_log_density(sigma), start, jax.random.key(0), steps=400,
                            step_size=eta, temperature=temperature)  # fmt: skip
    variance = temperature * sigma**2 / (1 - eta / (4 * temperature * sigma**2))
    np.testing.assert_allclose(x.mean(axis=0), MU[0], atol=4 * np.sqrt(variance / chains))
    # The sample variance of 4,000 draws has a relative sd of sqrt(2 / 3999) = 2.2%.
    np.testing.assert_allclose(x.var(axis=0), variance, rtol=0.09)


def test_latent_log_density_tilts_the_prior_by_the_logit():
    # G the identity and d(z) = w . z + b: -|z|^2 / 2 + w . z + b, i.e. N(w, I) up to a
    # constant; Langevin on it centres on w.
    w = jnp.array([0.5, -1.5])
    log_p = refinement.latent_log_density(lambda z: z, lambda x: x @ w + 3.0)  # (B,)
    z = jnp.array([[1.0, 2.0]])
    assert float(log_p(z)[0]) == pytest.approx(-2.5 + (0.5 - 3.0) + 3.0)
    samples = refinement.langevin(log_p, jnp.zeros((4000, 2)), jax.random.key(1), steps=300,
                                  step_size=0.1)  # fmt: skip
    np.testing.assert_allclose(samples.mean(axis=0), w, atol=0.08)


def test_bounds_project_every_step():
    # Ascent towards mu = (1, -2) inside [-1, 0.5]^2 stops on the box's edge.
    x = refinement.gradient_ascent(gaussian_log_density(1.0), jnp.zeros((1, 2)), steps=50,
                                   step_size=0.5, bounds=(-1.0, 0.5))  # fmt: skip
    np.testing.assert_allclose(x, [[0.5, -1.0]], atol=1e-6)
    y = refinement.langevin(gaussian_log_density(1.0), jnp.zeros((500, 2)), jax.random.key(2),
                            steps=20, step_size=1.0, bounds=(-0.25, 0.25))  # fmt: skip
    assert float(jnp.max(jnp.abs(y))) <= 0.25 and float(jnp.max(y)) == pytest.approx(0.25)


def test_refinement_errors():
    f = gaussian_log_density(1.0)
    with pytest.raises(ValueError, match="steps=-1 must be an integer >= 0"):
        refinement.gradient_ascent(f, MU, steps=-1, step_size=0.1)
    with pytest.raises(ValueError, match="step_size=0 must be > 0"):
        refinement.langevin(f, MU, jax.random.key(0), steps=1, step_size=0)
    with pytest.raises(ValueError, match="temperature=0.0 must be > 0"):
        refinement.langevin(f, MU, jax.random.key(0), steps=1, step_size=0.1,
                            temperature=0.0)  # fmt: skip


# ---------------------------------------------------------------------------
# PPGN (Nguyen et al. 2017): prior term, condition term, noise.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("epsilon2", [0.0, 0.05])
def test_ppgn_chain_reaches_its_closed_form_stationary_gaussian(epsilon2):
    # Gaussian prior (score -z) and a Gaussian condition log p(y|z) = -|z - mu|^2 / 2:
    # z' = (1 - e1 - e2) z + e2 mu + e3 xi, an AR(1) chain with stationary mean
    # e2 mu / (e1 + e2) and variance e3^2 / (1 - (1 - e1 - e2)^2).
    e1, e3, chains = 0.02, 0.1, 4000
    condition = gaussian_log_density(1.0)
    z = refinement.ppgn_sample(refinement.gaussian_prior_score, condition, jnp.zeros((chains, 2)),
                               jax.random.key(3), steps=500, epsilon1=e1, epsilon2=epsilon2,
                               epsilon3=e3)  # fmt: skip
    mean = epsilon2 * MU[0] / (e1 + epsilon2)
    variance = e3**2 / (1 - (1 - e1 - epsilon2) ** 2)
    np.testing.assert_allclose(z.mean(axis=0), mean, atol=4 * np.sqrt(variance / chains))
    np.testing.assert_allclose(z.var(axis=0), variance, rtol=0.09)


def test_class_log_likelihood_is_the_log_softmax_of_the_requested_class():
    # G doubles z; the classifier is linear: logits = G(z) @ W.
    w = np.array([[1.0, -1.0, 0.5], [0.0, 2.0, -1.0]], np.float32)
    z = np.array([[0.3, -0.2], [1.0, 0.5]], np.float32)
    labels = np.array([2, 1])
    log_p = refinement.class_log_likelihood(lambda z: 2 * z, lambda x: x @ w, labels)
    logits = 2 * z @ w
    expected = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(log_p(z), expected[[0, 1], labels], rtol=1e-6)
    # Its gradient moves z towards the class: one ascent step raises log p(y | G(z)).
    moved = refinement.gradient_ascent(log_p, jnp.asarray(z), steps=1, step_size=0.1)
    assert np.all(np.asarray(log_p(moved)) > np.asarray(log_p(z)))
    with pytest.raises(ValueError, match="3 labels for a batch of 2 latents"):
        refinement.class_log_likelihood(lambda z: z, lambda x: x @ w, np.arange(3))(z)


def test_denoising_score_of_the_optimal_gaussian_denoiser():
    # For z ~ N(0, I) corrupted by N(0, s^2 I), the optimal denoiser is
    # E[z | z~] = z~ / (1 + s^2), so the score is -z / (1 + s^2): the score of the
    # smoothed prior N(0, (1 + s^2) I).
    s = 0.5
    score = refinement.denoising_score(lambda z: z / (1 + s**2), s)
    z = jnp.array([[1.0, -2.0, 0.5]])
    np.testing.assert_allclose(score(z), -z / (1 + s**2), rtol=1e-6)
    with pytest.raises(ValueError, match="noise_std=0.0 must be > 0"):
        refinement.denoising_score(lambda z: z, 0.0)
    with pytest.raises(ValueError, match="epsilon3=-1.0 must be >= 0"):
        refinement.ppgn_sample(score, lambda z: z[:, 0], z, jax.random.key(0), steps=1,
                               epsilon1=0.1, epsilon2=0.1, epsilon3=-1.0)  # fmt: skip


def test_a_trained_latent_denoiser_learns_the_smoothed_gaussian_score():
    # Codes from N(mu, diag(s^2)): the optimal denoiser at noise sigma is E[z | z + e] =
    # mu + s^2 / (s^2 + sigma^2) (z~ - mu), so its score is -(z - mu) / (s^2 + sigma^2)
    # (the density convolved with the noise), not the N(0, I) prior's -z.
    mu = np.array([1.0, -2.0, 0.5], np.float32)
    std = np.array([0.5, 1.0, 2.0], np.float32)
    sigma = 0.5
    rng = np.random.default_rng(0)
    codes = jnp.asarray(mu + std * rng.normal(size=(4096, 3)).astype(np.float32))
    denoiser = refinement.LatentDenoiser(hidden=(64, 64))
    variables, history = jax.jit(
        lambda c, k: refinement.train_denoiser(
            denoiser, c, k, noise_std=sigma, steps=3000, batch_size=1024
        )
    )(codes, jax.random.key(0))
    # The loss ends near the optimal denoiser's: sum_d s^2 sigma^2 / (s^2 + sigma^2) / 3.
    optimum = np.mean(std**2 * sigma**2 / (std**2 + sigma**2))
    assert float(np.mean(history[-100:])) == pytest.approx(optimum, rel=0.05)
    z = jnp.asarray(mu + std * rng.normal(size=(500, 3)).astype(np.float32))
    score = refinement.denoising_score(lambda q: denoiser.apply(variables, q), sigma)(z)
    expected = -(np.asarray(z) - mu) / (std**2 + sigma**2)
    relative = lambda a: np.sqrt(np.mean((a - expected) ** 2) / np.mean(expected**2))  # noqa: E731
    assert relative(np.asarray(score)) < 0.2
    assert relative(-np.asarray(z)) > 1.0  # the N(0, I) score is far off
    with pytest.raises(ValueError, match="N >= batch_size=256"):
        refinement.train_denoiser(denoiser, codes[:10], jax.random.key(0), noise_std=1.0, steps=1)
    with pytest.raises(ValueError, match="noise_std=0"):
        refinement.train_denoiser(denoiser, codes, jax.random.key(0), noise_std=0, steps=1)
