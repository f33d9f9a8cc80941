"""Gradient accumulation (GAN.micro_batches) against the step over the whole batch, against
pmap (for what couples a batch), and in compiled memory."""

import dataclasses

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgan import micro_batches
from jaxgan.micro_batches import MicroBatch
from jaxgan.models import (
    ACGANDiscriminator,
    ConditionalDiscriminator,
    ConditionalGenerator,
    MLPDiscriminator,
    MLPGenerator,
)
from jaxgan.objectives import Term
from jaxgan.parallel import Parallel
from jaxgan.regularizers import LatentConsistency
from jaxgan.training import train
from tests.toy_gans import flat_params, gaussian_batches, tiny_dcgan, toy_gan  # noqa: F401

KEY = jax.random.key(3)
# SGD: a parameter's change is the learning rate times its gradient, so equal parameters
# mean equal gradients (Adam would blow the rounding of near-zero gradients up to steps).
SGD = dict(generator_optimizer=optax.sgd(1e-2), discriminator_optimizer=optax.sgd(1e-2))
WGAN_GP = dict(loss="wasserstein", penalties=(("gradient_penalty", 10.0),))


def run(gan, batches, strategy="single", num_devices=1, steps=None):
    state = gan.init(jax.random.key(0), batches[0])
    parallel = Parallel.create(strategy, num_devices)
    final, metrics = train(
        gan, state, batches, KEY, num_steps=steps or len(batches), parallel=parallel
    )
    return flat_params(final), metrics, final


def assert_same_params(actual, expected, rtol=2e-5, atol=2e-6):
    assert actual.keys() == expected.keys()
    for name in expected:
        np.testing.assert_allclose(actual[name], expected[name], rtol=rtol, atol=atol, err_msg=name)


# ----------------------------------------------------------------------------
# Where a piece sits in the global batch.
# ----------------------------------------------------------------------------


def test_split_is_strided():
    batch = {"image": np.arange(12).reshape(12, 1), "label": np.arange(12)}
    pieces = micro_batches.split(batch, 3)
    np.testing.assert_array_equal(pieces["label"], [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]])
    assert pieces["image"].shape == (3, 4, 1)
    with pytest.raises(ValueError, match=r"micro_batches=5 needs a batch divisible by 5.*got 12"):
        micro_batches.split(batch, 5)


@pytest.mark.parametrize("devices,count", [(1, 3), (4, 1), (4, 2)])
def test_each_piece_takes_its_rows_of_the_global_draw(devices, count):
    # Piece (device d, micro-batch i) of 5 examples holds global rows d*b + i + count*j,
    # b = 5 * count the device's batch: worked out here with NumPy on the global draw.
    size, key = 5, jax.random.key(7)
    draw = lambda shape: jax.random.normal(key, shape)
    everything = np.asarray(draw((devices * count * size, 3)))

    def mine(device_dummy, index):
        micro = MicroBatch(index, count) if count > 1 else None
        axis = "d" if devices > 1 else None
        return micro_batches.take_piece(draw, (size, 3), axis_name=axis, micro_batch=micro)

    for i in range(count):
        got = jax.vmap(mine, in_axes=(0, None), axis_name="d")(jnp.zeros(devices), i)
        for d in range(devices):
            rows = [d * size * count + i + count * j for j in range(size)]
            np.testing.assert_array_equal(got[d], everything[rows])


def test_piece_index_is_device_major():
    index, count = jax.vmap(
        lambda _: micro_batches.piece("d", MicroBatch(jnp.int32(1), 3)), axis_name="d"
    )(jnp.zeros(4))
    np.testing.assert_array_equal(index, [1, 4, 7, 10])
    assert set(np.asarray(count).tolist()) == {12}


# ----------------------------------------------------------------------------
# Layers without batch coupling: the gradient of the whole batch.
# ----------------------------------------------------------------------------

OBJECTIVES = {
    "non_saturating": {},
    "wgan_gp": WGAN_GP,
    "wgan_gp_n_critic_2": dict(WGAN_GP, n_critic=2),
    "simultaneous": dict(update="simultaneous"),
    # zCR on both players: per-example latent noise drawn for the global batch, and a
    # generator term with a direct gradient on G's parameters.
    "latent_consistency": dict(
        regularizers=(
            Term(LatentConsistency(), 5.0),
            Term(LatentConsistency(), 0.5, player="generator", name="zcr_g"),
        )
    ),
}


@pytest.mark.parametrize("objective", OBJECTIVES.values(), ids=OBJECTIVES.keys())
def test_accumulated_step_equals_the_whole_batch_step(objective):
    batches = gaussian_batches(32, 3, n_critic=objective.get("n_critic", 1))
    expected, expected_metrics, _ = run(toy_gan(**SGD, **objective), batches)
    actual, metrics, _ = run(toy_gan(micro_batches=4, **SGD, **objective), batches)
    assert_same_params(actual, expected)
    assert metrics.keys() == expected_metrics.keys()
    for name in expected_metrics:
        np.testing.assert_allclose(metrics[name], expected_metrics[name], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("strategy", ["sharded", "pmap"])
def test_micro_batches_on_several_devices_equal_the_whole_batch(strategy):
    # 4 devices x 2 micro-batches of 4 examples: the single-device step on 32.
    batches = gaussian_batches(32, 2, n_critic=2)
    gan = toy_gan(**SGD, **WGAN_GP, n_critic=2)
    expected, expected_metrics, _ = run(gan, batches)
    actual, metrics, _ = run(dataclasses.replace(gan, micro_batches=2), batches, strategy, 4)
    assert_same_params(actual, expected)
    np.testing.assert_allclose(
        metrics["gradient_penalty"], expected_metrics["gradient_penalty"], rtol=1e-4
    )


@pytest.mark.parametrize("conditioning", ["labels", "acgan"])
def test_conditional_accumulation_equals_the_whole_batch(conditioning):
    rng = np.random.default_rng(2)
    batches = [
        {
            "image": rng.normal(size=(16, 2)).astype(np.float32),
            "label": rng.integers(0, 3, size=(16,)).astype(np.int32),
        }
        for _ in range(2)
    ]
    discriminator = (
        ConditionalDiscriminator(MLPDiscriminator(input_dim=5, hidden=(8,)), 3)
        if conditioning == "labels"
        else ACGANDiscriminator(MLPDiscriminator(input_dim=2, hidden=(8,)), 3)
    )
    gan = toy_gan(
        conditioning=conditioning,
        generator=ConditionalGenerator(MLPGenerator(latent_dim=5, hidden=(8,)), 3),
        discriminator=discriminator,
        **SGD,
    )
    expected, _, _ = run(gan, batches)
    actual, _, _ = run(dataclasses.replace(gan, micro_batches=2), batches)
    assert_same_params(actual, expected)


def test_accumulation_errors():
    with pytest.raises(ValueError, match=r"micro_batches=0 must be an integer >= 1"):
        toy_gan(micro_batches=0)
    message = r"unrolled_steps=2 with micro_batches=2: .*use micro_batches=1"
    with pytest.raises(ValueError, match=message):
        toy_gan(micro_batches=2, unrolled_steps=2)
    gan = toy_gan(micro_batches=3)
    state = gan.init(KEY, {"image": np.zeros((8, 2), np.float32)})
    with pytest.raises(ValueError, match=r"micro_batches=3 needs a batch divisible by 3.*got 8"):
        gan.train_step(state, {"image": np.zeros((8, 2), np.float32)}, KEY)


# ----------------------------------------------------------------------------
# Batch coupling: the micro-batch, as a device's batch under pmap.
# ----------------------------------------------------------------------------


class PairDiscriminator(nn.Module):
    """D(x, condition); ``coupled``: with BatchNorm and minibatch discrimination (both
    couple a batch)."""

    coupled: bool = True

    @nn.compact
    def __call__(self, x, condition, *, train=False, return_features=False):
        d = MLPDiscriminator(
            input_dim=4,
            hidden=(16, 16),
            normalization="batch" if self.coupled else "none",
            minibatch_discrimination=4 if self.coupled else None,
        )
        return d(jnp.concatenate([x, condition], axis=-1), train=train)


def coupled_gan(**overrides):
    # Image conditioning without latents: the generator's input is the batch's condition,
    # so no randomness depends on where an example sits, and a device fed micro-batch i
    # sees exactly what micro-batch i sees.
    return toy_gan(
        generator=MLPGenerator(latent_dim=2, hidden=(16, 16), normalization="batch"),
        discriminator=PairDiscriminator(),
        conditioning="image",
        latent_dim=None,
        **SGD,
        **overrides,
    )


def conditioned_batches(batch_size, num_batches):
    rng = np.random.default_rng(1)
    return [
        {
            "image": rng.normal(size=(batch_size, 2)).astype(np.float32),
            "condition": rng.normal(size=(batch_size, 2)).astype(np.float32),
        }
        for _ in range(num_batches)
    ]


def test_batch_coupled_layers_see_the_micro_batch_like_a_pmap_device():
    batches = conditioned_batches(16, 2)
    accumulated, metrics, state = run(coupled_gan(micro_batches=4), batches)
    # pmap over 4 devices, device i fed micro-batch i (rows i, i + 4, ...): BatchNorm and
    # minibatch discrimination couple each device's examples; gradients, metrics and the
    # running statistics are averaged over the devices.
    regrouped = [jax.tree.map(lambda a: np.concatenate(list(micro_batches.split(a, 4))), b)
                 for b in batches]  # fmt: skip
    expected, expected_metrics, expected_state = run(coupled_gan(), regrouped, "pmap", 4)
    assert_same_params(accumulated, expected)
    for name in ("discriminator_loss", "generator_loss", "discriminator_grad_norm"):
        np.testing.assert_allclose(metrics[name], expected_metrics[name], rtol=1e-4)
    jax.tree.map(
        lambda a, b: np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6),
        (state.generator_collections, state.discriminator_collections),
        (expected_state.generator_collections, expected_state.discriminator_collections),
    )
    # ... and not what the whole batch gives.
    whole, _, _ = run(coupled_gan(), batches)
    assert not all(np.allclose(accumulated[n], whole[n], rtol=1e-4) for n in whole)


def test_ada_adjusts_p_by_the_whole_batch():
    from jaxgan import augment

    # ADA's update sees every micro-batch's real outputs: r_t over the 16 examples and a
    # step of 16 / (speed_kimg * 1000) = 0.5 from p = 0.5 (0 or 1; 8 examples would give
    # 0.25 or 0.75).
    rng = np.random.default_rng(0)
    batch = {"image": rng.uniform(-1, 1, size=(16, 28, 28, 1)).astype(np.float32)}
    ada = augment.get("ada", speed_kimg=0.032, initial_p=0.5)
    gan = tiny_dcgan(augmentation=ada, micro_batches=4)
    state = gan.init(KEY, batch)
    state, metrics = jax.jit(gan.train_step)(state, batch, KEY)
    rt = float(metrics["ada_rt"])
    assert rt * 16 == pytest.approx(round(rt * 16)) and abs(rt) <= 1
    expected = 1.0 if rt > 0.6 else 0.0
    assert float(state.regularizer_state["augmentation"]["p"]) == expected
    assert float(metrics["ada_p"]) == expected


def test_history_pool_takes_the_micro_batches_in_turn():
    # A pool larger than the batch stores each micro-batch's generated images in turn:
    # G(condition) of rows 0, 2, 4, ... then of rows 1, 3, 5, ... (no randomness, no
    # batch coupling in G).
    gan = toy_gan(
        generator=MLPGenerator(latent_dim=2, hidden=(8,)),
        discriminator=PairDiscriminator(coupled=False),
        conditioning="image",
        latent_dim=None,
        history_pool=16,
        micro_batches=2,
    )
    batch = conditioned_batches(8, 1)[0]
    state = gan.init(KEY, batch)
    generated = gan.generator.apply({"params": state.generator_params}, batch["condition"])
    state, _ = jax.jit(gan.train_step)(state, batch, KEY)
    pool = state.regularizer_state["history_pool"]
    assert int(pool.count) == 8
    np.testing.assert_allclose(
        pool.images[:8], np.concatenate([generated[0::2], generated[1::2]]), atol=1e-6
    )


# ----------------------------------------------------------------------------
# Memory, and the config.
# ----------------------------------------------------------------------------


def temp_bytes(gan, batch):
    state = jax.eval_shape(gan.init, KEY, batch)
    compiled = jax.jit(gan.train_step).lower(state, batch, KEY).compile()
    return compiled.memory_analysis().temp_size_in_bytes


@pytest.mark.parametrize("objective", [{}, WGAN_GP], ids=["dcgan", "wgan_gp"])
def test_micro_batches_shrink_the_compiled_scratch_memory(objective):
    # One micro-batch's activations are live at a time. Measured on the narrow DCGAN-28 at
    # batch 64: 15.0 MiB whole, 2.9 MiB in 4 micro-batches (17.1 and 3.2 with the penalty).
    batch = {"image": np.zeros((64, 28, 28, 1), np.float32)}
    whole = temp_bytes(tiny_dcgan(width=16, **objective), batch)
    accumulated = temp_bytes(tiny_dcgan(width=16, micro_batches=4, **objective), batch)
    assert accumulated < 0.35 * whole, (accumulated, whole)


def test_micro_batches_from_the_config():
    from experiments.configs import dcgan_mnist
    from jaxgan.config import build_gan
    from jaxgan.validation import check_config

    config = dcgan_mnist.get_config()
    assert config.micro_batches == 1 and build_gan(config).micro_batches == 1
    config.micro_batches = 4
    assert check_config(config) == [] and build_gan(config).micro_batches == 4
    config.micro_batches = 5
    assert check_config(config) == [f"micro_batches=5 must divide batch_size={config.batch_size}"]
    config.micro_batches = 0
    assert check_config(config) == ["micro_batches=0 must be >= 1"]
    config.micro_batches, config.unrolled_steps = 2, 3
    assert check_config(config) == [
        "micro_batches=2 must be 1 with unrolled_steps=3 (Unrolled GAN needs the whole "
        "batch's gradient inside G's loss)"
    ]
