"""Tests for jaxgan.penalties against closed forms and NumPy."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgan import penalties

KEY = jax.random.key(0)


def linear_critic(w, b=0.0):
    """D(x) = <w, x> + b per example; grad D = w everywhere."""
    return lambda x: jnp.sum(x.reshape(x.shape[0], -1) * w.reshape(1, -1), axis=1) + b


def quadratic_critic(x):
    """D(x) = ||x||^2 / 2 per example; grad D(x) = x."""
    return 0.5 * jnp.sum(jnp.square(x.reshape(x.shape[0], -1)), axis=1)


def random_batch(shape, seed):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


# ----------------------------------------------------------------------------
# WGAN-GP gradient penalty.
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 4, 2)], ids=["vector", "image"])
@pytest.mark.parametrize("target", [1.0, 0.5])
def test_gradient_penalty_linear_critic_is_closed_form(shape, target):
    w = jnp.asarray(random_batch(shape[1:], 1))
    real, gen = random_batch(shape, 2), random_batch(shape, 3)

    @jax.jit
    def penalty(w, real, gen):
        return penalties.gradient_penalty(linear_critic(w, 3.0), real, gen, key=KEY, target=target)

    expected = (np.linalg.norm(np.asarray(w, np.float64)) - target) ** 2
    np.testing.assert_allclose(penalty(w, real, gen), expected, rtol=1e-5)


def test_gradient_penalty_double_backprop_matches_closed_form():
    # d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w||.
    w = jnp.asarray([0.3, -1.2, 2.0])
    real, gen = random_batch((8, 3), 4), random_batch((8, 3), 5)
    grad = jax.jit(
        jax.grad(lambda w: penalties.gradient_penalty(linear_critic(w), real, gen, key=KEY))
    )(w)
    w64 = np.asarray(w, np.float64)
    norm = np.linalg.norm(w64)
    np.testing.assert_allclose(grad, 2 * (norm - 1) * w64 / norm, rtol=1e-5)


def test_gradient_penalty_one_sided():
    real, gen = random_batch((4, 2), 6), random_batch((4, 2), 7)
    small, large = jnp.asarray([0.3, 0.4]), jnp.asarray([3.0, 4.0])  # norms 0.5 and 5
    one_sided = jax.jit(
        lambda w: penalties.gradient_penalty(linear_critic(w), real, gen, key=KEY, one_sided=True)
    )
    np.testing.assert_allclose(one_sided(small), 0.0, atol=1e-7)
    np.testing.assert_allclose(one_sided(large), 16.0, rtol=1e-5)


def test_gradient_penalty_zero_gradient_is_finite():
    # A flat critic: grad D = 0, penalty = target^2, and its parameter gradient is finite.
    real, gen = random_batch((4, 3), 8), random_batch((4, 3), 9)
    value, grad = jax.jit(
        jax.value_and_grad(
            lambda w: penalties.gradient_penalty(linear_critic(w), real, gen, key=KEY, target=2.0)
        )
    )(jnp.zeros(3))
    np.testing.assert_allclose(value, 4.0)
    assert np.all(np.isfinite(grad))


def test_gradient_penalty_at_identical_batches_uses_those_points():
    # real == gen makes every interpolate equal x, whatever eps is drawn.
    x = random_batch((5, 2, 3), 10)
    value = jax.jit(lambda x: penalties.gradient_penalty(quadratic_critic, x, x, key=KEY))(x)
    norms = np.linalg.norm(x.reshape(5, -1).astype(np.float64), axis=1)
    np.testing.assert_allclose(value, np.mean((norms - 1) ** 2), rtol=1e-5)


def test_gradient_penalty_interpolates_per_example():
    # real = 0, gen = 1 in one dimension, quadratic critic, target 0: the penalty is
    # mean_i (1 - eps_i)^2, whose expectation over eps ~ U[0, 1] is 1/3. One eps shared
    # by the whole batch would give (1 - eps)^2, anywhere in [0, 1].
    real, gen = jnp.zeros((4096, 1)), jnp.ones((4096, 1))
    values = [
        penalties.gradient_penalty(quadratic_critic, real, gen, key=jax.random.key(s), target=0.0)
        for s in range(3)
    ]
    np.testing.assert_allclose(values, 1.0 / 3.0, atol=0.02)
    assert len({float(v) for v in values}) == 3  # a fresh draw per key


def test_gradient_penalty_patch_outputs_sum_per_example():
    # D maps (B, 4) to patch outputs (B, 2, 1, 1) = x @ A; the gradient of the summed
    # patches for each example is A's row sums.
    a = random_batch((4, 2), 11)
    critic = lambda x: (x @ a).reshape(x.shape[0], 2, 1, 1)
    real, gen = random_batch((3, 4), 12), random_batch((3, 4), 13)
    value = jax.jit(lambda r, g: penalties.gradient_penalty(critic, r, g, key=KEY))(real, gen)
    expected = (np.linalg.norm(a.astype(np.float64).sum(axis=1)) - 1) ** 2
    np.testing.assert_allclose(value, expected, rtol=1e-5)


def test_gradient_penalty_on_coupled_critic_is_total_derivative():
    # D_j = <w, x_j> + c <v, mean_k x_k> couples the batch. The documented choice is the
    # gradient of sum_j D_j with respect to x_i: w + c v for every example.
    w, v, c = np.array([1.0, 0.0, 2.0]), np.array([0.5, -1.0, 0.0]), 3.0

    def critic(x):
        return x @ jnp.asarray(w, jnp.float32) + c * (
            jnp.mean(x, axis=0) @ jnp.asarray(v, jnp.float32)
        )

    real, gen = random_batch((6, 3), 14), random_batch((6, 3), 15)
    value = jax.jit(lambda r, g: penalties.gradient_penalty(critic, r, g, key=KEY))(real, gen)
    np.testing.assert_allclose(value, (np.linalg.norm(w + c * v) - 1) ** 2, rtol=1e-5)


def test_gradient_penalty_shape_mismatch():
    with pytest.raises(ValueError, match=r"real_data has shape \(4, 3\).*\(4, 2\)"):
        penalties.gradient_penalty(quadratic_critic, jnp.zeros((4, 3)), jnp.zeros((4, 2)), key=KEY)


def test_gradient_penalty_needs_batch_axis():
    with pytest.raises(ValueError, match="batch axis"):
        penalties.gradient_penalty(quadratic_critic, jnp.zeros(()), jnp.zeros(()), key=KEY)


# ----------------------------------------------------------------------------
# DRAGAN, R1, R2.
# ----------------------------------------------------------------------------


def test_dragan_linear_critic_is_closed_form():
    w = jnp.asarray([1.0, 2.0, 2.0])  # norm 3
    real = random_batch((8, 3), 16)
    value = jax.jit(lambda w, x: penalties.dragan_penalty(linear_critic(w), x, key=KEY))(w, real)
    np.testing.assert_allclose(value, 4.0, rtol=1e-5)


def test_dragan_perturbation_scales_with_batch_std():
    # x = +-2 (std 2), quadratic critic, target 0: the penalty is mean (x + delta)^2 with
    # delta = alpha * 0.5 * 2 * u, alpha, u ~ U[0, 1] independent. Its expectation is
    # 4 + E[alpha^2 u^2] = 4 + 1/9; without the perturbation it would be exactly 4.
    x = jnp.tile(jnp.asarray([[2.0], [-2.0]]), (50_000, 1))
    value = jax.jit(lambda x: penalties.dragan_penalty(quadratic_critic, x, key=KEY, target=0.0))(x)
    np.testing.assert_allclose(value, 4.0 + 1.0 / 9.0, atol=0.02)


def test_r1_and_r2_closed_forms():
    w = jnp.asarray([[0.5, -1.0], [2.0, 0.0]])
    x = random_batch((5, 2, 2), 17)
    r1 = jax.jit(lambda w, x: penalties.r1_penalty(linear_critic(w), x))(w, x)
    np.testing.assert_allclose(r1, np.sum(np.asarray(w, np.float64) ** 2), rtol=1e-6)
    r2 = jax.jit(lambda x: penalties.r2_penalty(quadratic_critic, x))(x)
    expected = np.mean(np.sum(x.reshape(5, -1).astype(np.float64) ** 2, axis=1))
    np.testing.assert_allclose(r2, expected, rtol=1e-5)


def test_r1_gradient_with_respect_to_parameters():
    # d/dw ||w||^2 = 2 w.
    w = jnp.asarray([0.5, -1.5])
    grad = jax.jit(jax.grad(lambda w: penalties.r1_penalty(linear_critic(w), jnp.ones((3, 2)))))(w)
    np.testing.assert_allclose(grad, 2 * np.asarray(w), rtol=1e-6)


# ----------------------------------------------------------------------------
# Feature matching.
# ----------------------------------------------------------------------------


def test_feature_matching_matches_numpy():
    real, gen = random_batch((6, 4, 2), 18), random_batch((3, 4, 2), 19)  # batch sizes differ
    value = jax.jit(penalties.feature_matching_loss)(real, gen)
    expected = np.sum((real.astype(np.float64).mean(0) - gen.astype(np.float64).mean(0)) ** 2)
    np.testing.assert_allclose(value, expected, rtol=1e-5)


def test_feature_matching_sums_over_layers():
    real = {"a": np.ones((2, 3), np.float32), "b": np.zeros((2, 1), np.float32)}
    gen = {"a": np.zeros((2, 3), np.float32), "b": np.full((2, 1), 2.0, np.float32)}
    np.testing.assert_allclose(penalties.feature_matching_loss(real, gen), 3.0 + 4.0)


def test_feature_matching_mismatch():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        penalties.feature_matching_loss(jnp.zeros((2, 3)), jnp.zeros((2, 4)))
    with pytest.raises(ValueError, match="structure"):
        penalties.feature_matching_loss([jnp.zeros((2, 3))], [jnp.zeros((2, 3))] * 2)


# ----------------------------------------------------------------------------
# Weight clipping.
# ----------------------------------------------------------------------------


def test_clip_weights():
    params = {"w": jnp.asarray([-0.5, 0.005, 0.02]), "b": jnp.asarray([0.0])}
    clipped = jax.jit(penalties.clip_weights)(params)
    np.testing.assert_allclose(clipped["w"], [-0.01, 0.005, 0.01])
    np.testing.assert_allclose(clipped["b"], [0.0])


def test_weight_clipping_transform_lands_in_range():
    params = {"w": jnp.asarray([0.0095, -0.003, 0.0])}
    grads = {"w": jnp.asarray([-1.0, 1.0, 1e-9])}
    optimizer = optax.chain(optax.sgd(0.01), penalties.weight_clipping(0.01))
    state = optimizer.init(params)
    updates, _ = jax.jit(optimizer.update)(grads, state, params)
    new = optax.apply_updates(params, updates)
    # sgd moves w by -0.01 * g: 0.0195 -> clipped 0.01; -0.013 -> -0.01; ~0 stays.
    np.testing.assert_allclose(new["w"], [0.01, -0.01, -1e-11], rtol=1e-6, atol=1e-9)


def test_weight_clipping_errors():
    with pytest.raises(ValueError, match="clip_value=-0.01"):
        penalties.clip_weights({"w": jnp.zeros(2)}, -0.01)
    transform = penalties.weight_clipping()
    with pytest.raises(ValueError, match="needs the current params"):
        transform.update({"w": jnp.zeros(2)}, transform.init({"w": jnp.zeros(2)}))
