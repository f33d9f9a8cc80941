"""Tests for the GAN train step (jaxgan.step) on one device, against closed forms."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgan import regularizers
from jaxgan.models import (
    ACGANDiscriminator,
    ConditionalDiscriminator,
    ConditionalGenerator,
    MLPDiscriminator,
    MLPGenerator,
    PatchGANDiscriminator,
    UNetGenerator,
)
from jaxgan.objectives import Term
from jaxgan.parallel import Parallel
from jaxgan.training import NonFiniteError, train
from tests.toy_gans import DATA_MEAN, DATA_STD, flat_params, gaussian_batches, toy_gan

KEY = jax.random.key(42)
LR = 0.1


# ----------------------------------------------------------------------------
# A linear critic and a constant generator: every update has a closed form.
#   D(x) = <w, x> + b, G(z) = z W_g + b_g with W_g = 0, so G(z) = b_g.
#   Wasserstein D loss: mean D(fake) - mean D(real) -> grad_w = b_g - mean(real).
#   G loss: -mean D(G(z)) -> grad_{b_g} = -w.  SGD with learning rate LR.
# ----------------------------------------------------------------------------


def linear_gan(**overrides):
    fields = dict(
        generator=MLPGenerator(latent_dim=1, hidden=(), output_dim=2),
        discriminator=MLPDiscriminator(input_dim=2, hidden=()),
        generator_optimizer=optax.sgd(LR),
        discriminator_optimizer=optax.sgd(LR),
        loss="wasserstein",
        latent_dim=1,
    )
    fields.update(overrides)
    return toy_gan(**fields)


def linear_state(gan, batch):
    state = gan.init(jax.random.key(0), batch)
    g = state.generator_params
    g = {
        "Dense_0": {
            "kernel": jnp.zeros_like(g["Dense_0"]["kernel"]),
            "bias": jnp.asarray([0.5, -0.25]),
        }
    }
    return state.replace(generator_params=g)


def critic_weights(state):
    return np.asarray(state.discriminator_params["Dense_0"]["kernel"][:, 0], np.float64)


def constant_batches(values, batch_size=4):
    """One real batch per value, every row equal to that 2-vector."""
    return np.stack([np.tile(np.asarray(v, np.float32), (batch_size, 1)) for v in values])


@pytest.mark.parametrize("unroll_critic", [True, False])
def test_n_critic_5_takes_five_critic_updates_on_five_batches_then_one_generator_update(
    unroll_critic,
):
    gan = linear_gan(n_critic=5, unroll_critic=unroll_critic)
    values = [[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, -1.0], [4.0, 0.5]]
    batch = {"image": constant_batches(values)}
    state = linear_state(gan, batch)
    w0 = critic_weights(state)
    b_g = np.asarray(state.generator_params["Dense_0"]["bias"], np.float64)
    new, metrics = jax.jit(gan.train_step)(state, batch, KEY)
    # w5 = w0 - LR * sum_i (b_g - c_i): five updates, each with its own batch c_i.
    w5 = w0 - LR * (5 * b_g - np.sum(values, axis=0))
    np.testing.assert_allclose(critic_weights(new), w5, rtol=1e-5)
    # One generator update through the updated critic: b_g + LR * w5.
    np.testing.assert_allclose(new.generator_params["Dense_0"]["bias"], b_g + LR * w5, rtol=1e-5)
    assert int(new.step) == 1
    # The reported D loss is the mean over the five critic iterations:
    # mean_i (<w_i, b_g> - <w_i, c_i>) with w_i the weights before iteration i.
    ws = [w0]
    for c in values:
        ws.append(ws[-1] - LR * (b_g - np.asarray(c)))
    expected_loss = np.mean([ws[i] @ (b_g - np.asarray(c)) for i, c in enumerate(values)])
    np.testing.assert_allclose(metrics["discriminator_loss"], expected_loss, rtol=1e-5)


@pytest.mark.parametrize("unroll_critic", [True, False])
def test_unroll_critic_compiles_the_critic_iterations_without_a_loop(unroll_critic):
    gan = linear_gan(n_critic=3, unroll_critic=unroll_critic)
    batch = {"image": constant_batches([[0.0, 1.0]] * 3)}
    compiled = jax.jit(gan.train_step).lower(linear_state(gan, batch), batch, KEY).compile()
    # The critic loop carries float32 parameters (the PRNG's own loops carry only uint32).
    loops = [line for line in compiled.as_text().splitlines() if " while(" in line]
    float_loops = [line for line in loops if "f32" in line.split(" while(")[0]]
    assert loops  # the PRNG's, in both cases: the check below looks at the right lines
    assert bool(float_loops) is not unroll_critic


def test_cost_analysis_counts_every_unrolled_critic_iteration():
    """The benchmark's FLOPs come from XLA's cost analysis, which counts a loop body once."""

    def flops(n_critic, unroll_critic):
        gan = linear_gan(n_critic=n_critic, unroll_critic=unroll_critic)
        batch = {"image": constant_batches([[0.0, 1.0]] * n_critic)}
        batch = batch if n_critic > 1 else {"image": batch["image"][0]}
        lowered = jax.jit(gan.train_step).lower(linear_state(gan, batch), batch, KEY)
        return lowered.compile().cost_analysis()["flops"]

    whole_step = flops(1, True)  # one critic update and one generator update
    for unroll_critic in (True, False):
        per_iteration = (flops(5, unroll_critic) - flops(3, unroll_critic)) / 2
        # A critic iteration is most of a one-critic step: counted only when unrolled.
        assert (per_iteration > 0.5 * whole_step) is unroll_critic, (per_iteration, whole_step)


def test_adam_counts_five_discriminator_updates_and_one_generator_update():
    gan = linear_gan(
        n_critic=5, generator_optimizer=optax.adam(1e-3), discriminator_optimizer=optax.adam(1e-3)
    )
    batch = {"image": constant_batches([[0.0, 1.0]] * 5)}
    new, _ = jax.jit(gan.train_step)(linear_state(gan, batch), batch, KEY)
    assert int(new.discriminator_opt_state[0].count) == 5
    assert int(new.generator_opt_state[0].count) == 1


@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
def test_alternating_and_simultaneous_updates(update):
    gan = linear_gan(update=update)
    batch = {"image": constant_batches([[1.0, 3.0]])[0]}
    state = linear_state(gan, batch)
    w0 = critic_weights(state)
    b_g = np.asarray(state.generator_params["Dense_0"]["bias"], np.float64)
    new, _ = jax.jit(gan.train_step)(state, batch, KEY)
    w1 = w0 - LR * (b_g - np.array([1.0, 3.0]))
    np.testing.assert_allclose(critic_weights(new), w1, rtol=1e-5)
    # Alternating: G's gradient goes through the updated critic; simultaneous: the old one.
    w_for_g = w1 if update == "alternating" else w0
    np.testing.assert_allclose(
        new.generator_params["Dense_0"]["bias"], b_g + LR * w_for_g, rtol=1e-5
    )


@pytest.mark.parametrize(
    "warmup, step, decay",
    [(False, 0, 0.9), (False, 500, 0.9), (True, 0, 0.1), (True, 5, 6 / 15), (True, 500, 0.9)],
)
def test_ema_of_generator_parameters(warmup, step, decay):
    gan = linear_gan(ema_decay=0.9, ema_warmup=warmup)
    batch = {"image": constant_batches([[1.0, 3.0]])[0]}
    state = linear_state(gan, batch)
    state = state.replace(ema_params=state.generator_params, step=jnp.int32(step))
    before = np.asarray(state.generator_params["Dense_0"]["bias"])
    new, _ = jax.jit(gan.train_step)(state, batch, KEY)
    after = np.asarray(new.generator_params["Dense_0"]["bias"])
    assert not np.allclose(before, after)
    np.testing.assert_allclose(
        new.ema_params["Dense_0"]["bias"], decay * before + (1 - decay) * after, rtol=1e-6
    )


def test_ema_off_by_default():
    gan = linear_gan()
    assert gan.init(KEY, {"image": np.zeros((4, 2), np.float32)}).ema_params is None


# ----------------------------------------------------------------------------
# Keys, determinism, donation.
# ----------------------------------------------------------------------------


def test_fixed_seed_reproduces_parameters_bit_for_bit():
    gan = toy_gan(penalties=(("gradient_penalty", 1.0),))
    batches = gaussian_batches(16, 5)

    def run():
        state = gan.init(jax.random.key(0), batches[0])
        state, _ = train(gan, state, batches, KEY, num_steps=5, parallel=Parallel.create("single"))
        return flat_params(state)

    first, second = run(), run()
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])


def test_steps_use_fresh_keys():
    # The same batch twice: a step key reused would repeat the latents and so the
    # discriminator's output on generated data.
    gan = toy_gan(generator_optimizer=optax.sgd(0.0), discriminator_optimizer=optax.sgd(0.0))
    batch = gaussian_batches(16, 1)[0]
    state = gan.init(KEY, batch)
    step = jax.jit(gan.train_step)
    state, first = step(state, batch, KEY)
    state, second = step(state, batch, KEY)
    assert float(first["discriminator_gen_output"]) != float(second["discriminator_gen_output"])
    assert float(first["discriminator_real_output"]) == float(second["discriminator_real_output"])


def test_step_donates_the_incoming_state():
    gan = toy_gan()
    batch = gaussian_batches(8, 1)[0]
    state = gan.init(KEY, batch)
    parallel = Parallel.create("single")
    placed = parallel.put_state(state)
    step = parallel.compile_step(gan)
    new, _ = step(placed, parallel.put_batch(batch), KEY)
    assert placed.generator_params["Dense_0"]["kernel"].is_deleted()
    assert not new.generator_params["Dense_0"]["kernel"].is_deleted()
    assert not state.generator_params["Dense_0"]["kernel"].is_deleted()  # the caller's copy


# ----------------------------------------------------------------------------
# The non-finite guard.
# ----------------------------------------------------------------------------


def test_non_finite_step_changes_nothing():
    gan = toy_gan()
    batch = gaussian_batches(8, 1)[0]
    state = gan.init(KEY, batch)
    bad = {"image": batch["image"].copy()}
    bad["image"][3, 1] = np.nan
    step = jax.jit(gan.train_step)
    new, metrics = step(state, bad, KEY)
    for field in (
        "generator_params",
        "discriminator_params",
        "generator_opt_state",
        "discriminator_opt_state",
        "generator_collections",
        "discriminator_collections",
    ):
        jax.tree.map(np.testing.assert_array_equal, getattr(new, field), getattr(state, field))
    assert float(metrics["skipped"]) == 1.0
    assert int(new.consecutive_skips) == 1 and int(new.total_skips) == 1 and int(new.step) == 1
    newer, metrics = step(new, bad, KEY)
    assert int(newer.consecutive_skips) == 2
    recovered, metrics = step(newer, batch, KEY)
    assert float(metrics["skipped"]) == 0.0
    assert int(recovered.consecutive_skips) == 0 and int(recovered.total_skips) == 2
    assert not np.array_equal(
        recovered.generator_params["Dense_0"]["kernel"], state.generator_params["Dense_0"]["kernel"]
    )


def test_training_loop_stops_after_consecutive_skips():
    gan = toy_gan()
    good = gaussian_batches(8, 2)
    nan_batch = {"image": np.full((8, 2), np.nan, np.float32)}
    batches = good + [nan_batch] * 10
    state = gan.init(KEY, good[0])
    with pytest.raises(
        NonFiniteError, match=r"step 5: 3 consecutive steps .*max_consecutive_skips=3"
    ):
        train(gan, state, batches, KEY, num_steps=12, max_consecutive_skips=3)


# ----------------------------------------------------------------------------
# Learning.
# ----------------------------------------------------------------------------


def test_tiny_2d_gan_learns_the_gaussian():
    # Non-saturating loss with R1 (Mescheder et al. 2018), which converges on this task.
    gan = toy_gan(penalties=(("r1", 1.0),))
    batches = gaussian_batches(128, 1000, seed=1)
    state = gan.init(jax.random.key(0), batches[0])
    z = jax.random.normal(jax.random.key(7), (4000, 2))
    before = np.asarray(gan.sample(state, (z,)))
    state, _ = train(gan, state, batches, KEY, num_steps=1000, parallel=Parallel.create("single"))
    after = np.asarray(gan.sample(state, (z,)))
    mean_error_before = np.linalg.norm(before.mean(0) - DATA_MEAN)
    mean_error_after = np.linalg.norm(after.mean(0) - DATA_MEAN)
    assert mean_error_after < 0.2 and mean_error_before > 1.0
    # The spread moves towards the data's 0.5 from the initial generator's.
    std_error_before = np.abs(before.std(0) - DATA_STD).max()
    std_error_after = np.abs(after.std(0) - DATA_STD).max()
    assert std_error_after < 0.5 * std_error_before


# ----------------------------------------------------------------------------
# Conditioning modes and extra losses run and report their metrics.
# ----------------------------------------------------------------------------


def labelled_batch(batch_size=8, num_classes=3):
    rng = np.random.default_rng(0)
    return {
        "image": rng.normal(size=(batch_size, 2)).astype(np.float32),
        "label": rng.integers(0, num_classes, size=(batch_size,)).astype(np.int32),
    }


@pytest.mark.parametrize(
    "overrides,expected_metrics",
    [
        (
            dict(
                conditioning="labels",
                generator=ConditionalGenerator(MLPGenerator(latent_dim=5, hidden=(8,)), 3),
                discriminator=ConditionalDiscriminator(
                    MLPDiscriminator(input_dim=5, hidden=(8,)), 3
                ),
            ),
            {"generator_loss"},
        ),
        (
            dict(
                conditioning="acgan",
                generator=ConditionalGenerator(MLPGenerator(latent_dim=5, hidden=(8,)), 3),
                discriminator=ACGANDiscriminator(MLPDiscriminator(input_dim=2, hidden=(8,)), 3),
            ),
            {"discriminator_auxiliary_loss", "generator_auxiliary_loss"},
        ),
        (
            dict(
                loss="wasserstein", n_critic=1, penalties=(("gradient_penalty", 10.0), ("r1", 1.0))
            ),
            {"gradient_penalty", "r1"},
        ),
        (dict(feature_matching_weight=1.0), {"feature_matching"}),
        (dict(loss="relativistic_average", label_smoothing=0.0), {"generator_loss"}),
        (dict(label_smoothing=0.1, penalties=(("dragan", 1.0), ("r2", 1.0))), {"dragan", "r2"}),
    ],
    ids=["cgan", "acgan", "wgan-gp+r1", "feature-matching", "rasgan", "dragan+r2"],
)
def test_modes_run_and_report(overrides, expected_metrics):
    gan = toy_gan(**overrides)
    batch = labelled_batch()
    state = gan.init(KEY, batch)
    new, metrics = jax.jit(gan.train_step)(state, batch, KEY)
    assert expected_metrics <= set(metrics)
    assert all(np.isfinite(float(v)) for v in metrics.values())
    assert float(metrics["skipped"]) == 0.0


def test_pix2pix_step():
    gan = toy_gan(
        generator=UNetGenerator(input_channels=1, output_channels=1, ngf=4, num_downs=3),
        discriminator=PatchGANDiscriminator(ndf=4, num_layers=1),
        conditioning="image",
        latent_dim=None,
        l1_weight=100.0,
    )
    rng = np.random.default_rng(0)
    batch = {
        "image": rng.uniform(-1, 1, size=(2, 8, 8, 1)).astype(np.float32),
        "condition": rng.uniform(-1, 1, size=(2, 8, 8, 1)).astype(np.float32),
    }
    state = gan.init(KEY, batch)
    new, metrics = jax.jit(gan.train_step)(state, batch, KEY)
    # The L1 term at initialisation: mean |G(condition) - image|, G's output in [-1, 1].
    fake = gan.sample(state, (batch["condition"],))
    assert 0.0 < float(metrics["l1"]) < 2.0
    assert float(metrics["skipped"]) == 0.0 and np.isfinite(float(metrics["generator_total_loss"]))
    assert fake.shape == (2, 8, 8, 1)


def test_reconstruction_term_is_pix2pix_l1_and_the_blending_gans_l2():
    # The same L1 twice: through the step's l1_weight and as a generator term; then the
    # L2 term's value against NumPy on the generator's training-mode output.
    rng = np.random.default_rng(1)
    batch = {
        "image": rng.uniform(-1, 1, size=(2, 8, 8, 1)).astype(np.float32),
        "condition": rng.uniform(-1, 1, size=(2, 8, 8, 1)).astype(np.float32),
    }
    generator = UNetGenerator(input_channels=1, output_channels=1, ngf=4, num_downs=3,
                              skip_connections=False, use_dropout=False)  # fmt: skip
    shared = dict(generator=generator, discriminator=PatchGANDiscriminator(ndf=4, num_layers=1),
                  conditioning="image", latent_dim=None)  # fmt: skip
    by_field = toy_gan(**shared, l1_weight=100.0)
    l1_term = Term(regularizers.get("reconstruction", norm=1), weight=100.0, player="generator")
    by_term = toy_gan(**shared, regularizers=(l1_term,))
    state = by_field.init(KEY, batch)
    new_field, metrics_field = jax.jit(by_field.train_step)(state, batch, KEY)
    term_state = by_term.init(KEY, batch)
    new_term, _ = jax.jit(by_term.train_step)(term_state, batch, KEY)
    for a, b in zip(jax.tree.leaves(new_field.generator_params),
                    jax.tree.leaves(new_term.generator_params), strict=True):  # fmt: skip
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    l2_term = Term(regularizers.Reconstruction(norm=2), weight=999.0, player="generator")
    l2 = toy_gan(**shared, regularizers=(l2_term,))
    l2_state = l2.init(KEY, batch)
    _, metrics = jax.jit(l2.train_step)(l2_state, batch, KEY)
    fake, _ = generator.apply(
        {"params": l2_state.generator_params, **l2_state.generator_collections},
        batch["condition"], train=True,
        mutable=["batch_stats"],
    )  # fmt: skip
    expected = np.mean((np.asarray(fake) - batch["image"]) ** 2)
    np.testing.assert_allclose(metrics["reconstruction"], expected, rtol=1e-5)
    np.testing.assert_allclose(
        metrics["generator_total_loss"], metrics["generator_loss"] + 999.0 * expected, rtol=1e-5
    )
    assert float(metrics_field["l1"]) > 0


# ----------------------------------------------------------------------------
# Errors.
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides,message",
    [
        (dict(loss="wgan"), "unknown loss family 'wgan'"),
        (dict(conditioning="caption"), "conditioning='caption'"),
        (dict(update="sometimes"), "update='sometimes'"),
        (dict(penalties=(("gp", 1.0),)), "unknown regularizer 'gp'; valid names are: gradient_"),
        (dict(penalties=(("r1", -1.0),)), "weight=-1.0 for 'r1' must be >= 0"),
        (dict(penalties=(("r1", 1.0, 0),)), "every=0 for 'r1' must be an integer >= 1"),
        (dict(regularizers=(object(),)), "is neither a name, a function of the context"),
        (dict(loss=(len,)), "loss=.* is not a loss family; use a name"),
        (dict(packing=0), "packing=0 must be an integer >= 1"),
        (dict(unrolled_steps=-1), "unrolled_steps=-1 must be an integer >= 0"),
        (dict(n_critic=0), "n_critic=0"),
        (dict(update="simultaneous", n_critic=5), "simultaneous' needs n_critic=1"),
        (dict(loss="hinge", label_smoothing=0.1), "label_smoothing applies"),
        (dict(ema_decay=1.5), "ema_decay=1.5"),
        (dict(latent_dim=None), "latent_dim=None"),
    ],
)
def test_invalid_configuration(overrides, message):
    with pytest.raises((ValueError, TypeError), match=message):
        toy_gan(**overrides)


def test_batch_errors():
    gan = toy_gan(n_critic=5)
    state = gan.init(KEY, {"image": np.zeros((5, 4, 2), np.float32)})
    with pytest.raises(ValueError, match=r"n_critic=5 .* leading axis of 5.*\{'image': 4\}"):
        gan.train_step(state, {"image": np.zeros((4, 2), np.float32)}, KEY)
    cgan = toy_gan(conditioning="labels")
    with pytest.raises(ValueError, match=r"needs \['image', 'label'\]"):
        cgan.train_step(state, {"image": np.zeros((4, 2), np.float32)}, KEY)


def test_the_loop_dispatches_the_next_step_before_fetching_metrics(monkeypatch):
    events = []
    compile_step = Parallel.compile_step

    def recording(self, gan):
        step = compile_step(self, gan)

        def dispatch(state, batch, key):
            events.append(f"dispatch {len(events)}")
            return step(state, batch, key)

        return dispatch

    monkeypatch.setattr(Parallel, "compile_step", recording)
    gan = toy_gan()
    batches = gaussian_batches(8, 4)
    state = gan.init(KEY, batches[0])
    events.clear()
    seen = []
    on_metrics = lambda step, metrics: (seen.append(step), events.append(f"metrics {step}"))
    train(gan, state, batches, KEY, num_steps=4, parallel=Parallel.create("single"),
          on_metrics=on_metrics)  # fmt: skip
    kinds = [event.split()[0] for event in events]
    # Every step's metrics are fetched after the following step has been dispatched.
    assert kinds == ["dispatch", "dispatch", "metrics", "dispatch", "metrics", "dispatch",
                     "metrics", "metrics"]  # fmt: skip
    assert seen == [1, 2, 3, 4]
