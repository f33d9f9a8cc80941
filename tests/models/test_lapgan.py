"""LAPGAN's level models (jaxgan.models.lapgan) against NumPy, and a level through the
step with image conditioning and latents."""

import jax
import numpy as np
import optax
import pytest

from jaxgan.models import LaplacianDiscriminator, LaplacianGenerator
from jaxgan.step import GAN

KEY = jax.random.key(0)
RNG = np.random.default_rng(0)
CONDITION = RNG.uniform(-1, 1, (2, 6, 6, 1)).astype(np.float32)
Z = RNG.normal(size=(2, 36)).astype(np.float32)


def numpy_conv_same(x, kernel, bias, stride=1):
    """Cross-correlation with SAME padding, NHWC x HWIO, in float64."""
    kh, kw = kernel.shape[:2]
    height, width = x.shape[1:3]
    out_h, out_w = -(-height // stride), -(-width // stride)
    pad_h = max((out_h - 1) * stride + kh - height, 0)
    pad_w = max((out_w - 1) * stride + kw - width, 0)
    padded = np.pad(
        x.astype(np.float64),
        ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)),
    )
    out = np.zeros((x.shape[0], out_h, out_w, kernel.shape[3]))
    for i in range(kh):
        for j in range(kw):
            window = padded[:, i : i + stride * out_h : stride, j : j + stride * out_w : stride]
            out += window @ kernel[i, j].astype(np.float64)
    return out + (0.0 if bias is None else bias)


def test_generator_stacks_the_noise_plane_beside_the_condition():
    generator = LaplacianGenerator(channels=1, latent_dim=36, num_layers=1)
    variables = generator.init(KEY, CONDITION, Z)
    layer = variables["params"]["Conv_0"]
    residual = generator.apply(variables, CONDITION, Z)
    # z fills the plane row by row: pixel (i, j) is z[6 i + j].
    stacked = np.concatenate([CONDITION, Z.reshape(2, 6, 6, 1)], axis=-1)
    expected = numpy_conv_same(stacked, np.asarray(layer["kernel"]), np.asarray(layer["bias"]))
    np.testing.assert_allclose(residual, expected, rtol=1e-5, atol=1e-5)


def test_discriminator_reads_the_residual_beside_the_condition():
    discriminator = LaplacianDiscriminator(channels=1, features=4)
    residual = RNG.normal(size=(2, 6, 6, 1)).astype(np.float32)
    variables = discriminator.init(KEY, residual, CONDITION)
    params = jax.tree.map(np.asarray, variables["params"])
    logits, features = discriminator.apply(variables, residual, CONDITION, return_features=True)
    h = np.concatenate([residual, CONDITION], axis=-1)
    h = np.maximum(numpy_conv_same(h, params["Conv_0"]["kernel"], params["Conv_0"]["bias"]), 0)
    h = numpy_conv_same(h, params["Conv_1"]["kernel"], params["Conv_1"]["bias"], stride=2)
    h = np.maximum(h, 0).reshape(2, -1)
    np.testing.assert_allclose(features, h, rtol=1e-4, atol=1e-5)
    expected = h @ params["Dense_0"]["kernel"][:, 0] + params["Dense_0"]["bias"][0]
    np.testing.assert_allclose(logits, expected, rtol=1e-4, atol=1e-5)


def test_bad_shapes_are_named():
    generator = LaplacianGenerator(latent_dim=36)
    with pytest.raises(ValueError, match=r"latents of shape \(B, H\*W\) = \(2, 36\).*got z of"):
        generator.init(KEY, CONDITION, Z[:, :10])
    discriminator = LaplacianDiscriminator()
    with pytest.raises(ValueError, match="condition of the residual's shape"):
        discriminator.init(KEY, CONDITION, CONDITION[:, :4, :4])


def test_a_level_trains_through_the_step_with_latents_beside_the_condition():
    gan = GAN(
        generator=LaplacianGenerator(latent_dim=36, features=4),
        discriminator=LaplacianDiscriminator(features=4),
        generator_optimizer=optax.adam(1e-3),
        discriminator_optimizer=optax.adam(1e-3),
        latent_dim=36,
        conditioning="image",
    )
    batch = {"image": RNG.normal(size=(2, 6, 6, 1)).astype(np.float32), "condition": CONDITION}
    state = gan.init(KEY, batch)
    new, metrics = jax.jit(gan.train_step)(state, batch, KEY)
    assert float(metrics["skipped"]) == 0.0
    assert all(np.isfinite(float(value)) for value in metrics.values())
    assert int(new.step) == 1
    first = gan.sample(new, (CONDITION, Z))
    second = gan.sample(new, (CONDITION, -Z))
    assert first.shape == CONDITION.shape
    assert np.max(np.abs(np.asarray(first) - np.asarray(second))) > 1e-3  # z matters
