"""Tests for jaxgan.losses.

One mixin holds the checks every family must pass; each family's subclass supplies
values worked out by hand and a float64 NumPy reference written from the paper's
formula with probabilities (not log-sigmoids), so the library's stable forms are
checked against the textbook ones.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import losses

LN3 = math.log(3.0)


def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, np.float64)))


def np_bce_real(x, target=1.0):
    d = np_sigmoid(x)
    return -(target * np.log(d) + (1.0 - target) * np.log(1.0 - d))


class LossFamilyMixin:
    """Checks shared by every loss family; subclasses set the class attributes."""

    family: str
    # Small 1-D inputs and the losses worked out by hand for them.
    hand_real: list
    hand_gen: list
    hand_discriminator_loss: float
    hand_generator_loss: float

    def reference_discriminator_loss(self, real, gen):
        raise NotImplementedError

    def reference_generator_loss(self, real, gen):
        raise NotImplementedError

    @property
    def pair(self):
        return losses.get(self.family)

    def discriminator_loss(self, real, gen):
        return jax.jit(self.pair.discriminator_loss)(real, gen)

    def generator_loss(self, real, gen):
        return jax.jit(self.pair.generator_loss_from)(real, gen)

    def test_get_returns_named_pair(self):
        assert self.pair.name == self.family
        assert self.family in losses.names()

    def test_hand_values(self):
        real = jnp.asarray(self.hand_real, jnp.float32)
        gen = jnp.asarray(self.hand_gen, jnp.float32)
        np.testing.assert_allclose(
            self.discriminator_loss(real, gen), self.hand_discriminator_loss, rtol=1e-5
        )
        np.testing.assert_allclose(
            self.generator_loss(real, gen), self.hand_generator_loss, rtol=1e-5
        )

    @pytest.mark.parametrize("shape", [(8,), (8, 1), (4, 3, 3, 1)], ids=["1d", "b1", "patch"])
    def test_matches_numpy_reference(self, shape):
        rng = np.random.default_rng(0)
        real = rng.normal(0.5, 2.0, size=shape).astype(np.float32)
        gen = rng.normal(-0.5, 2.0, size=shape).astype(np.float32)
        d_loss = self.discriminator_loss(real, gen)
        g_loss = self.generator_loss(real, gen)
        for loss in (d_loss, g_loss):
            assert loss.shape == () and loss.dtype == jnp.float32
        r64, g64 = real.astype(np.float64), gen.astype(np.float64)
        np.testing.assert_allclose(
            d_loss, self.reference_discriminator_loss(r64, g64), rtol=1e-5, atol=1e-6
        )
        np.testing.assert_allclose(
            g_loss, self.reference_generator_loss(r64, g64), rtol=1e-5, atol=1e-6
        )

    def test_shape_mismatch_names_both_shapes(self):
        with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\)"):
            self.pair.discriminator_loss(jnp.zeros((4, 1)), jnp.zeros((4,)))

    @pytest.mark.parametrize("magnitude", [1e4, -1e4])
    def test_extreme_outputs_are_finite(self, magnitude):
        real = jnp.full((4,), magnitude, jnp.float32)
        gen = jnp.full((4,), -magnitude, jnp.float32).at[0].set(magnitude)
        d_value, d_grads = jax.jit(jax.value_and_grad(self.pair.discriminator_loss, (0, 1)))(
            real, gen
        )
        g_value, g_grads = jax.jit(jax.value_and_grad(self.pair.generator_loss_from, (0, 1)))(
            real, gen
        )
        assert np.isfinite(d_value) and np.isfinite(g_value)
        for grad in (*d_grads, *g_grads):
            assert np.all(np.isfinite(grad))

    def test_bfloat16_inputs_give_float32(self):
        real = jnp.asarray(self.hand_real, jnp.bfloat16)
        gen = jnp.asarray(self.hand_gen, jnp.bfloat16)
        assert self.discriminator_loss(real, gen).dtype == jnp.float32
        assert self.generator_loss(real, gen).dtype == jnp.float32


# Logits where D = 1/2, 3/4 (real) and 1/2, 1/4 (generated):
# -log(1/2) = ln 2 and -log(3/4) = ln(4/3), so every cross-entropy term is a mean of those.
SIGMOID_REAL = [0.0, LN3]
SIGMOID_GEN = [0.0, -LN3]
CROSS_ENTROPY_HAND = math.log(2.0) + math.log(4.0 / 3.0)  # 2 * mean(ln 2, ln 4/3)


class TestMinimax(LossFamilyMixin):
    family = "minimax"
    hand_real, hand_gen = SIGMOID_REAL, SIGMOID_GEN
    hand_discriminator_loss = CROSS_ENTROPY_HAND
    # E log(1 - D(G(z))) = mean(log 1/2, log 3/4).
    hand_generator_loss = (math.log(0.5) + math.log(0.75)) / 2

    def reference_discriminator_loss(self, real, gen):
        return np.mean(-np.log(np_sigmoid(real))) + np.mean(-np.log(1.0 - np_sigmoid(gen)))

    def reference_generator_loss(self, real, gen):
        return np.mean(np.log(1.0 - np_sigmoid(gen)))

    def test_one_sided_label_smoothing(self):
        # D(x) = 3/4 with target 0.75: -(0.75 log 0.75 + 0.25 log 0.25).
        real, gen = jnp.asarray([LN3]), jnp.asarray([0.0])
        expected = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25)) + math.log(2.0)
        loss = jax.jit(lambda r, g: losses.minimax_discriminator_loss(r, g, label_smoothing=0.25))
        np.testing.assert_allclose(loss(real, gen), expected, rtol=1e-6)

    @pytest.mark.parametrize("smoothing", [-0.1, 1.0])
    def test_label_smoothing_out_of_range(self, smoothing):
        with pytest.raises(ValueError, match="label_smoothing"):
            losses.minimax_discriminator_loss(jnp.zeros(2), jnp.zeros(2), label_smoothing=smoothing)


class TestNonSaturating(TestMinimax):
    family = "non_saturating"
    # -E log D(G(z)) = mean(-log 1/2, -log 1/4) = mean(ln 2, ln 4).
    hand_generator_loss = (math.log(2.0) + math.log(4.0)) / 2

    def reference_generator_loss(self, real, gen):
        return np.mean(-np.log(np_sigmoid(gen)))


class TestMaximumLikelihood(TestMinimax):
    family = "maximum_likelihood"
    # -1/2 E D/(1-D): D/(1-D) = 1 and 1/3.
    hand_generator_loss = -0.5 * (1.0 + 1.0 / 3.0) / 2

    def reference_generator_loss(self, real, gen):
        d = np_sigmoid(gen)
        return -0.5 * np.mean(d / (1.0 - d))

    def test_clip_bounds_the_loss(self):
        loss = losses.maximum_likelihood_generator_loss(jnp.asarray([100.0, 0.0]), max_logit=2.0)
        np.testing.assert_allclose(loss, -0.5 * (math.exp(2.0) + 1.0) / 2, rtol=1e-6)


CRITIC_REAL = [2.0, -1.0]
CRITIC_GEN = [0.5, -3.0]


class TestWasserstein(LossFamilyMixin):
    family = "wasserstein"
    hand_real, hand_gen = CRITIC_REAL, CRITIC_GEN
    hand_discriminator_loss = -1.25 - 0.5
    hand_generator_loss = 1.25

    def reference_discriminator_loss(self, real, gen):
        return np.mean(gen) - np.mean(real)

    def reference_generator_loss(self, real, gen):
        return -np.mean(gen)


class TestHinge(LossFamilyMixin):
    family = "hinge"
    hand_real, hand_gen = CRITIC_REAL, CRITIC_GEN
    # real: relu(-1), relu(2) -> mean 1; gen: relu(1.5), relu(-2) -> mean 0.75.
    hand_discriminator_loss = 1.75
    hand_generator_loss = 1.25

    def reference_discriminator_loss(self, real, gen):
        return np.mean(np.maximum(0, 1 - real)) + np.mean(np.maximum(0, 1 + gen))

    def reference_generator_loss(self, real, gen):
        return -np.mean(gen)


class TestLeastSquares(LossFamilyMixin):
    family = "least_squares"
    hand_real, hand_gen = CRITIC_REAL, CRITIC_GEN
    # 1/2 mean(1, 4) + 1/2 mean(0.25, 9)
    hand_discriminator_loss = 1.25 + 2.3125
    # 1/2 mean(0.25, 16)
    hand_generator_loss = 4.0625

    def reference_discriminator_loss(self, real, gen):
        return 0.5 * np.mean((real - 1) ** 2) + 0.5 * np.mean(gen**2)

    def reference_generator_loss(self, real, gen):
        return 0.5 * np.mean((gen - 1) ** 2)

    def test_custom_labels(self):
        # a = -1, b = 1, c = 0 (the paper's other choice): 1/2 (2-1)^2 + 1/2 (0.5+1)^2.
        d = losses.least_squares_discriminator_loss(
            jnp.asarray([2.0]), jnp.asarray([0.5]), real_label=1.0, gen_label=-1.0
        )
        g = losses.least_squares_generator_loss(jnp.asarray([0.5]), target_label=0.0)
        np.testing.assert_allclose(d, 0.5 + 1.125, rtol=1e-6)
        np.testing.assert_allclose(g, 0.125, rtol=1e-6)


class TestRelativisticAverage(LossFamilyMixin):
    family = "relativistic_average"
    # Batch means are 0 for both, so the relativistic logits are the outputs themselves:
    # D: mean(-log s(1), -log s(-1)) + mean(-log(1 - s(0))) = mean(sp(-1), sp(1)) + ln 2
    # with sp(1) - sp(-1) = 1, sp(-1) = ln(1 + e^-1).
    hand_real = [1.0, -1.0]
    hand_gen = [0.0, 0.0]
    hand_discriminator_loss = math.log1p(math.exp(-1.0)) + 0.5 + math.log(2.0)
    # G: mean(-log s(0)) + mean(-log(1 - s(1)), -log(1 - s(-1))) = ln 2 + mean(sp(1), sp(-1))
    hand_generator_loss = math.log(2.0) + math.log1p(math.exp(-1.0)) + 0.5

    def reference_discriminator_loss(self, real, gen):
        real_rel = real - gen.mean(axis=0, keepdims=True)
        gen_rel = gen - real.mean(axis=0, keepdims=True)
        return np.mean(-np.log(np_sigmoid(real_rel))) + np.mean(-np.log(1 - np_sigmoid(gen_rel)))

    def reference_generator_loss(self, real, gen):
        real_rel = real - gen.mean(axis=0, keepdims=True)
        gen_rel = gen - real.mean(axis=0, keepdims=True)
        return np.mean(-np.log(np_sigmoid(gen_rel))) + np.mean(-np.log(1 - np_sigmoid(real_rel)))

    def test_generator_needs_real_outputs(self):
        assert self.pair.generator_needs_real_outputs
        with pytest.raises(ValueError, match="needs discriminator_real_outputs"):
            self.pair.generator_loss_from(None, jnp.zeros(3))


def test_unknown_family_lists_valid_names():
    with pytest.raises(ValueError, match="unknown loss family 'wgan'.*non_saturating.*hinge"):
        losses.get("wgan")


def test_names_cover_every_family():
    assert set(losses.names()) == {
        "minimax",
        "non_saturating",
        "maximum_likelihood",
        "wasserstein",
        "hinge",
        "least_squares",
        "relativistic_average",
        "ebgan",
        "began",
    }


def test_non_relativistic_generator_ignores_real_outputs():
    gen = jnp.asarray([0.3, -0.2])
    family = losses.get("hinge")
    np.testing.assert_allclose(family.generator_loss_from(None, gen), -0.05, rtol=1e-6)
