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
