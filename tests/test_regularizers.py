"""The built-in regularisers (jaxgan.regularizers) on hand-built contexts, against hand values."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import losses, regularizers
from jaxgan.objectives import Context, Term, evaluate_term

W = jnp.asarray([0.5, -2.0])  # a linear critic D(x) = <W, x>


def context(**fields):
    defaults = dict(
        player="discriminator",
        discriminator=lambda x: x @ W,
        discriminate=lambda x: {"outputs": x @ W},
        real=jnp.zeros((2, 2)),
        fake=jnp.zeros((2, 2)),
        real_outputs=jnp.zeros(2),
        fake_outputs=jnp.zeros(2),
        real_features=None,
        fake_features=None,
        batch={},
        latents=None,
        generator=None,
        params={},
        key=jax.random.key(0),
        step=jnp.asarray(0, jnp.int32),
        axis_name=None,
        loss=losses.get("non_saturating"),
    )
    defaults.update(fields)
    return Context(**defaults)


def apply(regularizer, ctx, state=None):
    state = regularizer.init(jax.random.key(0), {}) if state is None else state
    return jax.jit(lambda s: regularizer.apply(ctx, s))(state)


def test_lecam_updates_its_averages_then_pulls_outputs_towards_them():
    ctx = context(real_outputs=jnp.asarray([1.0, 3.0]), fake_outputs=jnp.asarray([-1.0, 0.0]))
    value, state, metrics = apply(regularizers.LeCam(decay=0.5), ctx)
    # a_R = 0.5 * 0 + 0.5 * 2 = 1, a_F = 0.5 * (-0.5) = -0.25;
    # mean((1, 3) + 0.25)^2 + mean((-1, 0) - 1)^2 = (1.5625 + 10.5625) / 2 + (4 + 1) / 2.
    np.testing.assert_allclose(value, 8.5625, rtol=1e-6)
    np.testing.assert_allclose([state["real"], state["fake"]], [1.0, -0.25])
    assert set(metrics) == {"lecam_ema_real", "lecam_ema_fake"}
    # A second step starts from the first's averages.
    _, state, _ = apply(regularizers.LeCam(decay=0.5), ctx, state)
    np.testing.assert_allclose([state["real"], state["fake"]], [1.5, -0.375])


def test_top_k_replaces_the_generator_loss_by_the_loss_on_the_k_best_samples():
    outputs = jnp.asarray([2.0, -1.0, 0.5, -3.0])
    softplus = lambda x: math.log1p(math.exp(x))  # non-saturating: -log sigmoid(o) = softplus(-o)
    per_example = [softplus(-o) for o in (2.0, -1.0, 0.5, -3.0)]
    top_k = regularizers.TopK(decay=0.5, decay_every=1, min_keep=0.5)
    for step, kept in ((0, [0, 1, 2, 3]), (1, [0, 2]), (5, [0, 2])):  # keep 1 -> 0.5 -> floor
        ctx = context(player="generator", fake_outputs=outputs, step=jnp.asarray(step))
        value, _, metrics = apply(top_k, ctx)
        expected = np.mean([per_example[i] for i in kept]) - np.mean(per_example)
        np.testing.assert_allclose(value, expected, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(metrics["top_k_fraction"], len(kept) / 4)
    relativistic = context(player="generator", loss=losses.get("relativistic_average"))
    with pytest.raises(ValueError, match="top_k needs a loss with per-example generator terms"):
        apply(top_k, relativistic)


def test_historical_averaging_penalises_the_distance_to_the_running_mean():
    regularizer = regularizers.HistoricalAveraging()
    params = {"w": jnp.asarray([1.0, 2.0])}
    initial = regularizer.init(jax.random.key(0), {}, params={"w": jnp.zeros(2)})
    assert int(initial["count"]) == 0 and np.all(initial["mean"]["w"] == 0)
    state = {"count": jnp.asarray(1, jnp.int32), "mean": {"w": jnp.zeros(2)}}
    value, new_state, _ = apply(regularizer, context(params=params), state)
    # Running mean of (0, 0) and (1, 2): (0.5, 1); ||(1, 2) - (0.5, 1)||^2 = 1.25.
    np.testing.assert_allclose(new_state["mean"]["w"], [0.5, 1.0])
    assert int(new_state["count"]) == 2
    np.testing.assert_allclose(value, 1.25)
    # The gradient is 2 (theta - mean), the mean held fixed.
    grad = jax.grad(lambda p: regularizer.apply(context(params=p), state)[0])(params)
    np.testing.assert_allclose(grad["w"], [1.0, 2.0])


def test_consistency_compares_outputs_with_outputs_on_transformed_images():
    real = jnp.asarray([[1.0, 0.0], [0.0, 1.0]])
    shift = lambda x, key: x + 1.0
    ctx = context(real=real, real_outputs=real @ W, fake=2 * real, fake_outputs=2 * real @ W)
    value, _, _ = apply(regularizers.Consistency(transform=shift), ctx)
    # D(x + 1) - D(x) = <W, 1> = -1.5 for every example.
    np.testing.assert_allclose(value, 2.25)
    balanced = regularizers.BalancedConsistency(transform=shift, real_weight=1.0, fake_weight=3.0)
    value, _, metrics = apply(balanced, ctx)
    np.testing.assert_allclose(value, 2.25 + 3 * 2.25)
    np.testing.assert_allclose([metrics["bcr_real"], metrics["bcr_fake"]], [2.25, 2.25])


def test_latent_consistency_for_both_players():
    mapping = jnp.asarray([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])  # G(z) = z M, z in R^3
    latents = jax.random.normal(jax.random.key(1), (4, 3))
    key = jax.random.key(2)
    noise = 0.1 * jax.random.normal(key, latents.shape)  # as the regulariser draws it
    ctx = dict(latents=latents, generator=lambda z: z @ mapping, key=key)
    fake = latents @ mapping
    regularizer = regularizers.LatentConsistency(sigma=0.1)
    d_value, _, _ = apply(regularizer, context(fake=fake, fake_outputs=fake @ W, **ctx))
    np.testing.assert_allclose(d_value, np.mean(np.square(noise @ mapping @ W)), rtol=1e-5)
    g_value, _, _ = apply(regularizer, context(player="generator", fake=fake, **ctx))
    np.testing.assert_allclose(
        g_value, -np.mean(np.sum(np.square(noise @ mapping), axis=1)), rtol=1e-5
    )
    with pytest.raises(ValueError, match="latent_consistency needs a generator fed latents"):
        apply(regularizer, context())


def test_penalties_as_terms_equal_the_functions():
    from jaxgan import penalties

    real = jax.random.normal(jax.random.key(3), (4, 2))
    fake = jax.random.normal(jax.random.key(4), (4, 2))
    discriminator = lambda x: jnp.tanh(x @ W)
    ctx = context(discriminator=discriminator, real=real, fake=fake, key=jax.random.key(5))
    expected = {
        "gradient_penalty": penalties.gradient_penalty(discriminator, real, fake, key=ctx.key),
        "gradient_penalty_one_sided": penalties.gradient_penalty(
            discriminator, real, fake, key=ctx.key, one_sided=True
        ),
        "dragan": penalties.dragan_penalty(discriminator, real, key=ctx.key),
        "r1": penalties.r1_penalty(discriminator, real),
        "r2": penalties.r2_penalty(discriminator, fake),
    }
    for name, value in expected.items():
        np.testing.assert_allclose(apply(regularizers.get(name), ctx)[0], value, rtol=1e-6)


def test_lazy_evaluation_skips_the_term_and_keeps_its_state():
    term = Term(regularizers.LeCam(decay=0.5), weight=2.0, every=4)
    ctx = lambda step: context(real_outputs=jnp.ones(2), step=jnp.asarray(step))
    state = term.regularizer.init(jax.random.key(0), {})
    weighted, new_state, metrics = evaluate_term(term, ctx(4), state)
    np.testing.assert_allclose(new_state["real"], 0.5)
    # mean(1 - 0)^2 + mean(0 - 0.5)^2 = 1.25, weighted 2 x 4.
    np.testing.assert_allclose([weighted, metrics["lecam"]], [1.25 * 8, 1.25])
    weighted, skipped_state, metrics = evaluate_term(term, ctx(5), state)
    assert float(weighted) == 0.0 and float(metrics["lecam"]) == 0.0
    assert float(skipped_state["real"]) == 0.0


def test_unknown_names_and_bad_options():
    with pytest.raises(ValueError, match="unknown regularizer 'r3'; valid names are: gradient_"):
        regularizers.get("r3")
    with pytest.raises(ValueError, match="regularizer 'lecam': bad options"):
        regularizers.get("lecam", gamma=1.0)
    with pytest.raises(ValueError, match="LeCam decay=1.0 must lie in"):
        regularizers.LeCam(decay=1.0)
    with pytest.raises(ValueError, match="goes on the generator; got player='discriminator'"):
        Term("top_k", 1.0)


def test_reconstruction_is_the_mean_l1_or_l2_to_the_paired_image():
    rng = np.random.default_rng(3)
    real, fake = rng.uniform(-1, 1, (2, 3, 4, 4, 1)).astype(np.float32)
    ctx = context(player="generator", real=jnp.asarray(real), fake=jnp.asarray(fake))
    l1, _, _ = apply(regularizers.get("reconstruction", norm=1), ctx)
    l2, _, _ = apply(regularizers.get("reconstruction"), ctx)
    np.testing.assert_allclose(l1, np.mean(np.abs(fake - real)), rtol=1e-6)
    np.testing.assert_allclose(l2, np.mean((fake - real) ** 2), rtol=1e-6)
    with pytest.raises(ValueError, match="norm=3"):
        regularizers.get("reconstruction", norm=3)
    with pytest.raises(ValueError, match=r"G's output \(3, 4, 4, 1\) with the real image"):
        regularizers.Reconstruction().apply(context(fake=jnp.asarray(fake), real=jnp.zeros((3, 2))),
                                            None)  # fmt: skip
