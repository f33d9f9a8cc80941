"""Mixed precision (GAN.precision): what runs in bfloat16, what stays float32, and how far
bfloat16 training moves from float32 training."""

import dataclasses
import re

import jax
import numpy as np
import pytest

from experiments import benchmark
from tests.toy_gans import gaussian_batches, toy_gan


def flat(tree) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(leaf)) for leaf in jax.tree.leaves(tree)])


def run(gan, batches):
    state = gan.init(jax.random.key(0), batches[0])
    step = jax.jit(gan.train_step)
    history = []
    for batch in batches:
        state, metrics = step(state, batch, jax.random.key(1))
        history.append({name: float(value) for name, value in metrics.items()})
    return state, history


@pytest.mark.parametrize(
    "objective",
    [{}, {"loss": "wasserstein", "penalties": (("gradient_penalty", 10.0),)}],
    ids=["non-saturating", "wgan-gp"],
)
def test_bfloat16_training_follows_float32_training(objective):
    # 50 steps of the toy GAN from the same start and batches. Measured: losses within
    # 0.016 of each other, parameters within 1.3% (relative L2); the tolerances are 3x.
    batches = gaussian_batches(64, 50)
    runs = {p: run(toy_gan(precision=p, **objective), batches) for p in ("float32", "bfloat16")}
    (state32, history32), (state16, history16) = runs["float32"], runs["bfloat16"]
    for name in ("discriminator_loss", "generator_loss") + (
        ("gradient_penalty",) if objective else ()
    ):
        gaps = [abs(a[name] - b[name]) for a, b in zip(history32, history16, strict=True)]
        assert max(gaps) < 0.05, (name, max(gaps))
    for field in ("generator_params", "discriminator_params"):
        reference, other = flat(getattr(state32, field)), flat(getattr(state16, field))
        relative = np.linalg.norm(other - reference) / np.linalg.norm(reference)
        assert 0 < relative < 0.04, (field, relative)  # > 0: bfloat16 did round


def lowered_dtypes(gan, example_shape, batch_size=4):
    leading = (gan.n_critic,) if gan.n_critic > 1 else ()
    shape = leading + (batch_size, *example_shape)
    batch = {"image": np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)}
    state = gan.init(jax.random.key(0), batch)
    text = jax.jit(gan.train_step).lower(state, batch, jax.random.key(1)).as_text()
    found = {}
    for op in ("convolution", "dot_general"):
        results = re.findall(rf"stablehlo\.{op}\b.*?-> tensor<([^>]*)>", text)
        found[op] = [result.split("x")[-1] for result in results]
    return found


@pytest.mark.parametrize("model", ["dcgan28", "wgangp28"])
def test_every_convolution_and_matmul_runs_in_the_policy_dtype(model):
    # dcgan28 has BatchNorm in both players; wgangp28 differentiates D twice (the
    # gradient penalty), so its second-order convolutions are included.
    gan, example_shape = benchmark.build(model)
    for precision, dtype in (("bfloat16", "bf16"), ("float32", "f32")):
        found = lowered_dtypes(dataclasses.replace(gan, precision=precision), example_shape)
        for op, dtypes in found.items():
            assert dtypes and set(dtypes) == {dtype}, (precision, op, sorted(set(dtypes)))


def test_state_and_metrics_stay_float32():
    gan, example_shape = benchmark.build("dcgan28")  # BatchNorm statistics in both players
    gan = dataclasses.replace(gan, precision="bfloat16", ema_decay=0.9)
    batch = {"image": np.random.default_rng(0).uniform(-1, 1, (4, *example_shape))}
    batch["image"] = batch["image"].astype(np.float32)
    state = gan.init(jax.random.key(0), batch)
    new, metrics = jax.jit(gan.train_step)(state, batch, jax.random.key(1))
    floating = [
        leaf for leaf in jax.tree.leaves(new) if np.issubdtype(np.asarray(leaf).dtype, np.floating)
    ]
    assert floating and {np.asarray(leaf).dtype for leaf in floating} == {np.dtype(np.float32)}
    assert {np.asarray(value).dtype for value in metrics.values()} == {np.dtype(np.float32)}
    statistics = flat(new.discriminator_collections)
    assert np.all(np.isfinite(statistics))
    assert not np.array_equal(statistics, flat(state.discriminator_collections))


def test_non_finite_bfloat16_step_is_skipped():
    gan = toy_gan(precision="bfloat16")
    batch = gaussian_batches(8, 1)[0]
    state = gan.init(jax.random.key(0), batch)
    bad = {"image": batch["image"].copy()}
    bad["image"][2, 0] = np.inf
    new, metrics = jax.jit(gan.train_step)(state, bad, jax.random.key(1))
    assert float(metrics["skipped"]) == 1.0
    np.testing.assert_array_equal(flat(new.generator_params), flat(state.generator_params))
    np.testing.assert_array_equal(flat(new.discriminator_params), flat(state.discriminator_params))


def test_unknown_precision():
    with pytest.raises(
        ValueError,
        match=r"precision='float16' is not supported; use one of \('float32', 'bfloat16'\)",
    ):
        toy_gan(precision="float16")


def test_precision_from_the_config():
    from experiments.configs import dcgan_mnist
    from jaxgan.config import build_gan
    from jaxgan.validation import check_config

    config = dcgan_mnist.get_config()
    assert config.precision == "float32" and build_gan(config).precision == "float32"
    config.precision = "bfloat16"
    assert check_config(config) == [] and build_gan(config).precision == "bfloat16"
    config.precision = "fp8"
    assert check_config(config) == ["precision='fp8' is not one of: float32, bfloat16"]
