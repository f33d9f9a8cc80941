"""Sharded and pmapped steps against the single-device step on the same global batch."""

import jax
import numpy as np
import optax
import pytest

from jaxgan.models import MLPDiscriminator
from jaxgan.parallel import Parallel
from jaxgan.training import train
from tests.toy_gans import flat_params, gaussian_batches, toy_gan

KEY = jax.random.key(3)
STEPS = 3


def run(gan, strategy, num_devices, batches, steps=STEPS):
    state = gan.init(jax.random.key(0), batches[0])
    parallel = Parallel.create(strategy, num_devices)
    final, metrics = train(gan, state, batches, KEY, num_steps=steps, parallel=parallel)
    return flat_params(final), metrics, final


def assert_same_params(actual, expected):
    assert actual.keys() == expected.keys()
    for name in expected:
        np.testing.assert_allclose(actual[name], expected[name], rtol=2e-5, atol=2e-6, err_msg=name)


@pytest.fixture(scope="module")
def single_device_reference():
    gan = toy_gan()
    batches = gaussian_batches(16, STEPS)
    return gan, batches, run(gan, "single", 1, batches)


@pytest.mark.parametrize("strategy", ["sharded", "pmap"])
@pytest.mark.parametrize("num_devices", [4, 8])
def test_multi_device_matches_single_device(single_device_reference, strategy, num_devices):
    gan, batches, (expected, expected_metrics, _) = single_device_reference
    params, metrics, _ = run(gan, strategy, num_devices, batches)
    assert_same_params(params, expected)
    for name in ("discriminator_loss", "generator_loss", "discriminator_grad_norm"):
        np.testing.assert_allclose(metrics[name], expected_metrics[name], rtol=1e-4)


def test_sharded_on_one_device_is_the_plain_step(single_device_reference):
    gan, batches, (expected, _, _) = single_device_reference
    params, _, _ = run(gan, "sharded", 1, batches)
    assert_same_params(params, expected)


@pytest.mark.parametrize("strategy", ["sharded", "pmap"])
@pytest.mark.parametrize("penalty", ["gradient_penalty", "dragan"])
def test_penalties_draw_for_the_global_batch_under_every_strategy(strategy, penalty):
    # WGAN-GP with n_critic = 3 (one batch per critic iteration, split along the batch
    # axis). Under pmap the interpolation noise is drawn for the global batch and each
    # device takes its slice, as for the latents, so pmap equals the single device too.
    gan = toy_gan(n_critic=3, loss="wasserstein", penalties=((penalty, 1.0),))
    batches = gaussian_batches(8, 2, n_critic=3)
    expected, expected_metrics, _ = run(gan, "single", 1, batches, steps=2)
    params, metrics, _ = run(gan, strategy, 4, batches, steps=2)
    assert_same_params(params, expected)
    np.testing.assert_allclose(metrics[penalty], expected_metrics[penalty], rtol=1e-4)


def test_batch_coupled_layers_cover_the_global_batch():
    # BatchNorm in D: the sharded step normalises over the global batch like the single
    # device; pmap does too when the layers name the pmap axis, and differs when not.
    # SGD, not Adam: the Dense biases before BatchNorm get (mathematically) zero
    # gradients, whose rounding noise Adam would blow up to full-size steps.
    batches = gaussian_batches(16, STEPS)
    sgd = dict(generator_optimizer=optax.sgd(0.05), discriminator_optimizer=optax.sgd(0.05))
    coupled = toy_gan(
        discriminator=MLPDiscriminator(input_dim=2, hidden=(16, 16), normalization="batch"), **sgd
    )
    synced = toy_gan(
        discriminator=MLPDiscriminator(
            input_dim=2, hidden=(16, 16), normalization="batch", axis_name="batch"
        ),
        **sgd,
    )
    expected, _, expected_state = run(coupled, "single", 1, batches)
    sharded, _, sharded_state = run(coupled, "sharded", 4, batches)
    assert_same_params(sharded, expected)
    jax.tree.map(
        lambda a, b: np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6),
        sharded_state.discriminator_collections,
        expected_state.discriminator_collections,
    )
    pmap_synced, _, _ = run(synced, "pmap", 4, batches)
    assert_same_params(pmap_synced, expected)
    pmap_local, _, _ = run(coupled, "pmap", 4, batches)
    assert not all(np.allclose(pmap_local[name], expected[name], rtol=1e-4) for name in expected)


def test_minibatch_stddev_across_pmap_devices_matches_single_device():
    batches = gaussian_batches(16, 2)
    single = toy_gan(discriminator=MLPDiscriminator(input_dim=2, hidden=(8,), minibatch_stddev=4))
    across = toy_gan(
        discriminator=MLPDiscriminator(
            input_dim=2, hidden=(8,), minibatch_stddev=4, axis_name="batch"
        )
    )
    expected, _, _ = run(single, "single", 1, batches, steps=2)
    actual, _, _ = run(across, "pmap", 4, batches, steps=2)
    assert_same_params(actual, expected)


# ----------------------------------------------------------------------------
# Errors.
# ----------------------------------------------------------------------------


def test_batch_not_divisible_by_devices():
    parallel = Parallel.create("sharded", 8)
    with pytest.raises(
        ValueError, match="batch_size=12 is not divisible by 8 devices; use a multiple of 8"
    ):
        parallel.put_batch({"image": np.zeros((12, 2), np.float32)})


@pytest.mark.parametrize(
    "strategy,num_devices,message",
    [
        (
            "data_parallel",
            2,
            r"unknown strategy 'data_parallel'; use one of \('single', 'sharded', 'pmap'\)",
        ),
        ("single", 2, "strategy='single' runs on one device"),
        ("sharded", 9, r"num_devices=9 but only 8 device\(s\) are available"),
    ],
)
def test_strategy_errors(strategy, num_devices, message):
    with pytest.raises(ValueError, match=message):
        Parallel.create(strategy, num_devices)


def test_default_strategy():
    assert Parallel.create().strategy == "sharded"
    assert Parallel.create(num_devices=1).strategy == "single"


def test_initialize_distributed_needs_all_three_or_none():
    from jaxgan.parallel import initialize_distributed

    with pytest.raises(ValueError, match="go together.*num_processes=None"):
        initialize_distributed("127.0.0.1:1234", None, None)
    initialize_distributed(num_processes=1)  # one process: nothing to start
    assert jax.process_count() == 1


def test_shard_map_value_and_grad_gives_the_global_batch_gradient():
    """A hand-written critic step under shard_map with jaxgan's layer and penalty."""
    import functools

    from jax.sharding import NamedSharding
    from jax.sharding import PartitionSpec as P

    from jaxgan import losses, penalties
    from jaxgan.parallel import shard_map_value_and_grad

    def critic(axis_name):
        return MLPDiscriminator(input_dim=2, hidden=(8,), minibatch_discrimination=4,
                                axis_name=axis_name)  # fmt: skip

    real, fake = (batch["image"] for batch in gaussian_batches(16, 2))
    params = critic(None).init(jax.random.key(0), real)

    def loss(params, real, fake, axis_name):
        d = lambda x: critic(axis_name).apply(params, x)
        adversarial = losses.wasserstein_discriminator_loss(d(real), d(fake))
        return adversarial + 10.0 * penalties.r1_penalty(d, real)

    expected_loss, expected = jax.value_and_grad(loss)(params, real, fake, None)
    mesh = jax.make_mesh((4,), ("data",))
    shard = lambda x: jax.device_put(x, NamedSharding(mesh, P("data")))
    local_loss = functools.partial(loss, axis_name="data")

    def run(grad_fn):
        stepped = jax.jit(
            jax.shard_map(
                grad_fn, mesh=mesh, in_specs=(P(), P("data"), P("data")), out_specs=(P(), P())
            )
        )
        return stepped(params, shard(real), shard(fake))

    value, grads = run(shard_map_value_and_grad(local_loss, "data"))
    np.testing.assert_allclose(value, expected_loss, rtol=1e-5)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=2e-4, atol=1e-5), grads,
                 expected)  # fmt: skip

    # The pitfall it avoids: each device's mean loss, differentiated and averaged again,
    # gives exactly 4x the gradient on 4 devices.
    def naive(params, real, fake):
        value, grads = jax.value_and_grad(local_loss)(params, real, fake)
        return jax.lax.pmean(value, "data"), jax.lax.pmean(grads, "data")

    _, naive_grads = run(naive)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, 4 * b, rtol=2e-4, atol=4e-5),
                 naive_grads, expected)  # fmt: skip
