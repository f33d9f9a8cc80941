"""The objective protocol (jaxgan.objectives) through the public step, against closed forms.

The setting of tests/test_step.py: a linear critic D(x) = <w, x> + b and a constant
generator G(z) = b_g, trained with SGD, so every update has a closed form.
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgan import losses
from jaxgan.models import MLPDiscriminator
from jaxgan.objectives import Regularizer, Term, resolve_loss
from jaxgan.parallel import Parallel
from jaxgan.regularizers import LeCam
from jaxgan.training import train
from tests.test_step import LR, constant_batches, critic_weights, linear_gan, linear_state
from tests.toy_gans import flat_params, gaussian_batches, tiny_dcgan, toy_gan

KEY = jax.random.key(7)
REAL = [1.0, 3.0]


def one_step(gan, *, step=0):
    batch = {"image": constant_batches([REAL])[0]}
    state = linear_state(gan, batch).replace(step=jnp.asarray(step, jnp.int32))
    new, metrics = jax.jit(gan.train_step)(state, batch, KEY)
    return state, new, metrics


def generator_bias(state):
    return np.asarray(state.generator_params["Dense_0"]["bias"], np.float64)


def kernel_sum(context):
    """A term whose gradient in D's kernel is all ones: sum of the kernel."""
    return jnp.sum(context.params["Dense_0"]["kernel"])


def expected_critic(state, extra_gradient=0.0):
    """w1 = w0 - LR * (b_g - c + extra) for the Wasserstein critic on the constant batch c."""
    return critic_weights(state) - LR * (generator_bias(state) - np.asarray(REAL) + extra_gradient)


# ----------------------------------------------------------------------------
# Losses: a name, a LossFamily or a pair of functions.
# ----------------------------------------------------------------------------


def wasserstein_pair():
    return (lambda real, gen: jnp.mean(gen) - jnp.mean(real), lambda gen: -jnp.mean(gen))


@pytest.mark.parametrize(
    "loss",
    [
        wasserstein_pair(),
        losses.LossFamily(
            "mine", losses.wasserstein_discriminator_loss, losses.wasserstein_generator_loss
        ),
    ],
    ids=["pair", "family"],
)
def test_a_loss_family_or_a_pair_of_functions_trains_like_the_named_family(loss):
    state, new, _ = one_step(linear_gan(loss=loss))
    w1 = expected_critic(state)
    np.testing.assert_allclose(critic_weights(new), w1, rtol=1e-5)
    np.testing.assert_allclose(generator_bias(new), generator_bias(state) + LR * w1, rtol=1e-5)


def test_a_two_argument_generator_loss_is_given_the_real_outputs():
    # RpGAN-style: G's loss reads D(x). With a linear D, -mean(D(G(z)) - D(x)) has the
    # same gradient in b_g as the Wasserstein generator loss.
    seen = {}

    def generator_loss(real, gen):
        seen["real_shape"] = real.shape
        return -jnp.mean(gen - real)

    family = resolve_loss((wasserstein_pair()[0], generator_loss))
    assert family.generator_needs_real_outputs
    state, new, _ = one_step(linear_gan(loss=(wasserstein_pair()[0], generator_loss)))
    assert seen["real_shape"] == (4,)
    np.testing.assert_allclose(
        generator_bias(new), generator_bias(state) + LR * expected_critic(state), rtol=1e-5
    )


# ----------------------------------------------------------------------------
# Terms: functions, weights, schedules, lazy intervals, both players.
# ----------------------------------------------------------------------------


def test_a_function_of_the_context_is_a_discriminator_term():
    state, new, metrics = one_step(linear_gan(regularizers=((kernel_sum, 0.5),)))
    np.testing.assert_allclose(critic_weights(new), expected_critic(state, 0.5), rtol=1e-5)
    np.testing.assert_allclose(metrics["kernel_sum"], critic_weights(state).sum(), rtol=1e-5)


def test_terms_read_the_outputs_the_step_computed():
    # mean D(x)^2 on the real batch: gradient 2 (<w, c> + b) c in w.
    def squared_real_outputs(context):
        return jnp.mean(jnp.square(context.real_outputs))

    state, new, _ = one_step(linear_gan(regularizers=((squared_real_outputs, 0.1),)))
    b0 = float(state.discriminator_params["Dense_0"]["bias"][0])
    real_output = critic_weights(state) @ np.asarray(REAL) + b0
    extra = 0.1 * 2 * real_output * np.asarray(REAL)
    np.testing.assert_allclose(critic_weights(new), expected_critic(state, extra), rtol=1e-5)


def test_a_weight_schedule_is_evaluated_at_the_step():
    schedule = optax.linear_schedule(0.0, 1.0, transition_steps=10)
    for step in (0, 5, 20):
        state, new, _ = one_step(linear_gan(regularizers=((kernel_sum, schedule),)), step=step)
        weight = min(step / 10, 1.0)
        np.testing.assert_allclose(
            critic_weights(new), expected_critic(state, weight), rtol=1e-5, atol=1e-7
        )


def test_a_lazy_term_runs_every_k_steps_with_k_times_the_weight():
    gan = linear_gan(regularizers=(Term(kernel_sum, weight=0.25, every=3),))
    for step in range(4):
        state, new, metrics = one_step(gan, step=step)
        on = step % 3 == 0
        np.testing.assert_allclose(
            critic_weights(new), expected_critic(state, 0.75 if on else 0.0), rtol=1e-5
        )
        expected_metric = critic_weights(state).sum() if on else 0.0
        np.testing.assert_allclose(metrics["kernel_sum"], expected_metric, rtol=1e-5)
    batch = {"image": constant_batches([REAL])[0]}
    hlo = jax.jit(gan.train_step).lower(linear_state(gan, batch), batch, KEY).as_text()
    assert "case" in hlo or "conditional" in hlo  # computed under lax.cond, not masked


def test_generator_terms_reach_the_generator_parameters_directly():
    def bias_sum(context):
        return jnp.sum(context.params["Dense_0"]["bias"])

    gan = linear_gan(regularizers=(Term(bias_sum, weight=2.0, player="generator"),))
    state, new, metrics = one_step(gan)
    w1 = expected_critic(state)
    np.testing.assert_allclose(generator_bias(new), generator_bias(state) + LR * (w1 - 2.0))
    assert "bias_sum" in metrics and "generator_total_loss" in metrics


class Counter(Regularizer):
    """State: a step count; value: NaN on step 1, else 0 (to trip the non-finite guard)."""

    name = "counter"

    def init(self, key, batch):
        return {"count": jnp.zeros((), jnp.int32)}

    def apply(self, context, state):
        value = jnp.where(context.step == 1, jnp.nan, 0.0)
        return value, {"count": state["count"] + 1}, {"count": state["count"]}


def test_term_state_is_carried_and_kept_by_the_non_finite_guard():
    gan = linear_gan(regularizers=((Counter(), 1.0),))
    batch = {"image": constant_batches([REAL])[0]}
    state = linear_state(gan, batch)
    assert state.regularizer_state == {"counter": {"count": 0}}
    step = jax.jit(gan.train_step)
    counts = []
    for _ in range(4):
        state, metrics = step(state, batch, KEY)
        counts.append(int(state.regularizer_state["counter"]["count"]))
    # Step 1 was not finite: the guard kept the old count (and everything else).
    assert counts == [1, 1, 2, 3]
    assert int(state.total_skips) == 1


def test_repeated_names_get_their_own_state_and_metric():
    gan = linear_gan(regularizers=((Counter(), 0.0), (Counter(), 0.0)))
    assert [term.name for term in gan.terms] == ["counter", "counter_1"]


def test_named_shortcuts_resolve_to_the_same_objects():
    from jaxgan import regularizers

    gan = linear_gan(penalties=(("r1", 5.0),), regularizers=(("lecam", 0.1, 4),))
    (r1, lecam) = gan.terms
    assert isinstance(r1.regularizer, regularizers.R1) and r1.weight == 5.0
    assert lecam.regularizer == LeCam() and lecam.every == 4


# ----------------------------------------------------------------------------
# Unrolled GAN and PacGAN packing.
# ----------------------------------------------------------------------------


def test_unrolled_generator_gradient_goes_through_the_unrolled_critic_updates():
    # The Wasserstein critic's gradient b_g - c does not depend on w, so k unrolled
    # SGD steps give w_k = w1 - k LR (b_g - c), a function of b_g. G's loss
    # -<w_k, b_g> then has gradient -w1 + k LR (2 b_g - c):
    # b_g' = b_g + LR w1 - k LR^2 (2 b_g - c).
    k = 3
    state, new, _ = one_step(linear_gan(unrolled_steps=k))
    b_g, c = generator_bias(state), np.asarray(REAL)
    w1 = expected_critic(state)
    np.testing.assert_allclose(critic_weights(new), w1, rtol=1e-5)  # D's own update is plain
    expected = b_g + LR * w1 - k * LR**2 * (2 * b_g - c)
    np.testing.assert_allclose(generator_bias(new), expected, rtol=1e-5)


def test_packing_concatenates_m_samples_along_the_channels():
    gan = toy_gan(packing=2, discriminator=MLPDiscriminator(input_dim=4, hidden=(8,)))
    points = np.arange(12, dtype=np.float32).reshape(6, 2)
    np.testing.assert_array_equal(
        gan.pack(points), np.concatenate([points[0::2], points[1::2]], axis=1)
    )
    images = np.random.default_rng(0).normal(size=(4, 3, 3, 2)).astype(np.float32)
    np.testing.assert_array_equal(
        gan.pack(images), np.concatenate([images[0::2], images[1::2]], axis=-1)
    )
    with pytest.raises(ValueError, match="packing=2 needs a batch divisible by 2; got 5"):
        gan.pack(points[:5])
    # The packed D is trained through the public step.
    batches = gaussian_batches(8, 2)
    state = gan.init(jax.random.key(0), batches[0])
    assert state.discriminator_params["Dense_0"]["kernel"].shape == (4, 8)
    state, metrics = jax.jit(gan.train_step)(state, batches[0], KEY)
    assert np.isfinite(metrics["discriminator_loss"])


# ----------------------------------------------------------------------------
# Under sharded and pmap: state and schedules across devices.
# ----------------------------------------------------------------------------


def run(gan, strategy, num_devices, batches):
    state = gan.init(jax.random.key(0), batches[0])
    parallel = Parallel.create(strategy, num_devices)
    final, _ = train(gan, state, batches, KEY, num_steps=len(batches), parallel=parallel)
    return final


@pytest.mark.parametrize("strategy", ["sharded", "pmap"])
def test_stateful_scheduled_lazy_terms_match_single_device(strategy):
    gan = toy_gan(
        penalties=(Term("r1", weight=optax.linear_schedule(0.0, 2.0, 3), every=2),),
        regularizers=(("lecam", 0.5), Term("historical_averaging", 0.1, player="generator")),
    )
    batches = gaussian_batches(16, 4)
    expected = run(gan, "single", 1, batches)
    actual = run(gan, strategy, 4, batches)
    for name, value in flat_params(expected).items():
        np.testing.assert_allclose(flat_params(actual)[name], value, rtol=2e-5, atol=2e-6)
    jax.tree.map(
        lambda a, b: np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6),
        actual.regularizer_state,
        expected.regularizer_state,
    )
    assert int(expected.regularizer_state["historical_averaging"]["count"]) == 4


# ----------------------------------------------------------------------------
# Structure: reuse, not recompute.
# ----------------------------------------------------------------------------


def test_a_term_reading_the_outputs_adds_under_two_percent_flops_to_dcgan28():
    import dataclasses

    from experiments.benchmark import build

    gan, shape = build("dcgan28")
    batch = {"image": np.zeros((64, *shape), np.float32)}

    def flops(**fields):
        variant = dataclasses.replace(gan, **fields)
        state = variant.init(jax.random.key(0), batch)
        compiled = jax.jit(variant.train_step).lower(state, batch, KEY).compile()
        return compiled.cost_analysis()["flops"]

    def recomputed_lecam_like(context):  # what a regulariser without the context must do
        return jnp.mean(jnp.square(context.discriminator(context.real)))

    plain = flops()
    reusing = flops(regularizers=(("lecam", 0.3),))
    recomputing = flops(regularizers=((recomputed_lecam_like, 0.3),))
    assert reusing / plain < 1.02, (reusing, plain)
    assert recomputing / plain > 1.10, (recomputing, plain)  # the check above can fail


def test_augmentation_state_under_sharded_and_pmap():
    from jaxgan import augment

    gan = tiny_dcgan(
        width=4,
        latent_dim=4,
        augmentation=augment.ADA(speed_kimg=0.01, initial_p=0.5),
        regularizers=(("r1", 1.0),),
    )
    rng = np.random.default_rng(0)
    batches = [{"image": rng.uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32)} for _ in range(2)]
    single = run(gan, "single", 1, batches)
    sharded = run(gan, "sharded", 4, batches)
    # The sharded step is the global computation: the same draws, the same p.
    for name, value in flat_params(single).items():
        np.testing.assert_allclose(flat_params(sharded)[name], value, rtol=2e-5, atol=2e-6)
    p = {run: state.regularizer_state["augmentation"]["p"] for run, state in
         (("single", single), ("sharded", sharded))}  # fmt: skip
    np.testing.assert_allclose(p["sharded"], p["single"])
    # pmap draws per device (the device index is folded into the key); p follows the
    # global r_t, so every replica holds the same p: 0.5 moved twice by +-0.8, clipped.
    pmapped = Parallel.create("pmap", 4)
    state = pmapped.put_state(gan.init(jax.random.key(0), batches[0]))
    step = pmapped.compile_step(gan)
    key = pmapped.put_key(KEY)
    for batch in batches:
        state, _ = step(state, pmapped.put_batch(batch), key)
    replicas = np.asarray(state.regularizer_state["augmentation"]["p"])
    assert replicas.shape == (4,) and np.all(replicas == replicas[0])
    assert np.min(np.abs(replicas[0] - np.array([0.0, 0.2, 0.8, 1.0]))) < 1e-6


def test_unrolled_adam_through_a_maxout_critic_stays_finite():
    """A maxout piece that is never selected has a gradient of exactly 0, and Adam's
    sqrt(nu) has an infinite derivative at nu = 0: differentiated through the unrolled
    updates that gave NaN (the toy table's unrolled rows skipped every step). The config
    path builds D's Adam with eps_root for unrolled GANs."""
    from experiments.configs import toy_mode_coverage
    from jaxgan import config as jaxgan_config

    c = toy_mode_coverage.get_config("ring8,unrolled5")
    c.generator.hidden, c.discriminator.hidden, c.batch_size = (16,), (8, 8), 16
    batch = {"image": np.asarray(gaussian_batches(16, 1)[0]["image"])}
    finite = jaxgan_config.build_gan(c)
    plain = dataclasses.replace(finite, discriminator_optimizer=optax.adam(1e-4, b1=0.8))
    for gan, expected in ((finite, True), (plain, False)):
        state = gan.init(jax.random.key(0), batch)
        _, metrics = jax.jit(gan.train_step)(state, batch, KEY)
        assert bool(np.isfinite(metrics["generator_grad_norm"])) is expected
