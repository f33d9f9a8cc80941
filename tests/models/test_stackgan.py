"""StackGAN's networks: conditioning augmentation against the Gaussian KL written out,
the frozen stage I inside stage II, and the matching-aware discriminator's inputs."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan.models import StackGANDiscriminator, StackGANStage1Generator, StackGANStage2Generator
from jaxgan.models.stackgan import ConditioningAugmentation, conditioning_kl

TEXT_DIM = 20


def _text(batch, seed=0):
    return jax.random.bernoulli(jax.random.key(seed), 0.3, (batch, TEXT_DIM)).astype(jnp.float32)


def test_conditioning_kl_is_the_gaussian_kl_averaged_over_units():
    rng = np.random.default_rng(0)
    mu, log_variance = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    sigma = np.exp(0.5 * log_variance)
    # KL(N(m, s^2) || N(0, 1)) = -log s + (s^2 + m^2) / 2 - 1/2, per unit.
    expected = np.mean(-np.log(sigma) + (sigma**2 + mu**2) / 2 - 0.5)
    got = jax.jit(conditioning_kl)(
        jnp.asarray(mu, jnp.float32), jnp.asarray(log_variance, jnp.float32)
    )
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert float(conditioning_kl(jnp.zeros((2, 5)), jnp.zeros((2, 5)))) == 0.0


@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_conditioning_augmentation_reparameterises_and_sows_its_weighted_kl(activation):
    module = ConditioningAugmentation(condition_dim=3, kl_weight=2.0, activation=activation)
    text, eps = _text(4), jax.random.normal(jax.random.key(1), (4, 3))
    variables = module.init(jax.random.key(2), text, eps)
    assert set(variables) == {"params"}  # nothing sown at initialisation
    c, sown = jax.jit(lambda v: module.apply(v, text, eps, mutable=["losses"]))(variables)
    kernel = np.asarray(variables["params"]["Dense_0"]["kernel"], np.float64)
    bias = np.asarray(variables["params"]["Dense_0"]["bias"], np.float64)
    moments = np.asarray(text, np.float64) @ kernel + bias
    if activation == "relu":  # the authors' CA_NET: sigma >= 1
        moments = np.maximum(moments, 0.0)
    else:
        assert np.any(moments[:, 3:] < 0)  # some sigma below 1
    mu, log_variance = moments[:, :3], moments[:, 3:]
    np.testing.assert_allclose(c, mu + np.exp(0.5 * log_variance) * np.asarray(eps), rtol=1e-5)
    sigma2 = np.exp(log_variance)
    kl = np.mean(0.5 * (sigma2 + mu**2 - 1.0 - log_variance))
    (value,) = sown["losses"]["conditioning_kl"]
    np.testing.assert_allclose(value, 2.0 * kl, rtol=1e-5)
    # Not sown unless the collection is mutable (sampling).
    np.testing.assert_allclose(module.apply(variables, text, eps), c, rtol=1e-6)
    with pytest.raises(ValueError, match=r"activation='tanh'; use one of \('relu', 'linear'\)"):
        ConditioningAugmentation(3, activation="tanh").init(jax.random.key(0), text, eps)


def test_stage1_draws_14x14_images_from_noise_and_condition_noise():
    g = StackGANStage1Generator(latent_dim=10, condition_dim=4, ngf=4)
    z, text = jax.random.normal(jax.random.key(0), (3, 10)), _text(3)
    variables = g.init(jax.random.key(1), z, text)
    x = jax.jit(lambda v: g.apply(v, z, text))(variables)
    assert x.shape == (3, 14, 14, 1) and float(jnp.max(jnp.abs(x))) <= 1.0
    # The condition's noise is z's tail: changing it changes the image.
    moved = z.at[:, -1].add(3.0)
    assert not np.allclose(g.apply(variables, moved, text), x)
    with pytest.raises(ValueError, match=r"takes z of shape \(B, 10\)"):
        g.apply(variables, z[:, :9], text)


def test_stage2_refines_the_frozen_stage1_image_to_28x28():
    kw = dict(stage1_latent_dim=10, stage1_condition_dim=4, stage1_ngf=4)
    g = StackGANStage2Generator(latent_dim=14, condition_dim=4, ngf=4, num_residual=1, **kw)
    z, text = jax.random.normal(jax.random.key(0), (3, 14)), _text(3)
    variables = g.init(jax.random.key(1), z, text)

    def total(params):
        out, _ = g.apply({**variables, "params": params}, z, text, train=True,
                         mutable=["batch_stats", "losses"])  # fmt: skip
        return jnp.sum(out)

    out, mutated = g.apply(variables, z, text, train=True, mutable=["batch_stats", "losses"])
    assert out.shape == (3, 28, 28, 1)
    # Stage I runs in evaluation mode: its running statistics are not updated ...
    jax.tree.map(np.testing.assert_array_equal, mutated["batch_stats"]["stage1"],
                 variables["batch_stats"]["stage1"])  # fmt: skip
    # ... and behind a stop-gradient: its parameters get exactly zero gradients ...
    grads = jax.grad(total)(variables["params"])
    assert all(not np.any(leaf) for leaf in jax.tree.leaves(grads["stage1"]))
    assert any(np.any(leaf) for leaf in jax.tree.leaves(grads["conditioning"]))
    # ... yet its image is what stage II refines: the standalone stage-I generator with
    # the same variables, on z's first 10 values, feeds it.
    stage1 = StackGANStage1Generator(10, 4, 4, kl_weight=0.0)
    stage1_variables = {name: tree["stage1"] for name, tree in variables.items()}
    low = stage1.apply(stage1_variables, z[:, :10], text)
    _, intermediates = g.apply(
        variables, z, text, capture_intermediates=True, mutable=["intermediates"]
    )
    np.testing.assert_allclose(
        intermediates["intermediates"]["stage1"]["__call__"][0], low, atol=1e-6
    )
    with pytest.raises(ValueError, match="latent_dim=14 = stage1_latent_dim"):
        StackGANStage2Generator(latent_dim=14, condition_dim=3, **kw).init(
            jax.random.key(0), z, text
        )


@pytest.mark.parametrize("size", [14, 28])
def test_discriminator_reads_the_image_and_the_text(size):
    d = StackGANDiscriminator(ndf=4, text_dim=3)
    x, text = jax.random.normal(jax.random.key(0), (5, size, size, 1)), _text(5)
    variables = d.init(jax.random.key(1), x, text)
    logits, features = jax.jit(lambda v: d.apply(v, x, text, return_features=True))(variables)
    downs = {14: 1, 28: 2}[size]
    assert logits.shape == (5,)
    assert features.shape == (5, 7 * 7 * 4 * 2 ** (downs - 1))
    assert not np.allclose(d.apply(variables, x, _text(5, seed=3)), logits)  # text matters
    # Kernel shapes: 4x4 stride-2 convolutions, then text tiled beside the 7x7 features.
    params = variables["params"]
    assert params["Conv_0"]["kernel"].shape == (4, 4, 1, 4)
    assert params["Dense_0"]["kernel"].shape == (TEXT_DIM, 3)
    assert params[f"Conv_{downs}"]["kernel"].shape == (
        3,
        3,
        4 * 2**downs // 2 + 3,
        4 * 2**downs // 2,
    )


def test_discriminator_rejects_sizes_that_do_not_reach_7x7():
    d = StackGANDiscriminator(ndf=4)
    with pytest.raises(ValueError, match=r"7 \* 2\^k pixels.*\(32, 32\)"):
        d.init(jax.random.key(0), jnp.zeros((2, 32, 32, 1)), _text(2))
