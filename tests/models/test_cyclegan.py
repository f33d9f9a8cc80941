"""CycleGAN's networks (jaxgan.models.cyclegan) and instance normalisation, against NumPy."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import models
from jaxgan.models import CycleGANDiscriminator, CycleGANGenerator, PatchGANDiscriminator
from jaxgan.models.cyclegan import ResNetTranslator, split_domains
from jaxgan.models.layers import normalize

RNG = np.random.default_rng(0)


def images(batch, channels, size=8):
    return jnp.asarray(RNG.uniform(-1, 1, (batch, size, size, channels)).astype(np.float32))


def test_instance_norm_normalises_each_example_and_channel_over_its_pixels():
    class Norm(nn.Module):
        @nn.compact
        def __call__(self, x):
            return normalize(x, "instance", train=True)

    x = np.asarray(images(3, 2)) * 4 + 1.5
    variables = Norm().init(jax.random.key(0), x)
    assert not variables  # no scale, offset or statistics
    out = np.asarray(Norm().apply(variables, jnp.asarray(x)))
    mean = x.mean(axis=(1, 2), keepdims=True)
    variance = x.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(variance + 1e-5), rtol=1e-4, atol=1e-5)


def _conv_reflect(x, kernel, bias, pad):
    """NumPy reference: reflection padding (PyTorch's ReflectionPad2d), then a 'valid'
    cross-correlation; x (B, H, W, C), kernel (k, k, C, F)."""
    x = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="reflect")
    k = kernel.shape[0]
    h, w = x.shape[1] - k + 1, x.shape[2] - k + 1
    out = np.zeros((x.shape[0], h, w, kernel.shape[-1]))
    for i in range(k):
        for j in range(k):
            out += np.einsum("bhwc,cf->bhwf", x[:, i : i + h, j : j + w], kernel[i, j])
    return out + np.asarray(bias)


def _instance_norm(x):
    return (x - x.mean(axis=(1, 2), keepdims=True)) / np.sqrt(
        x.var(axis=(1, 2), keepdims=True) + 1e-5
    )


def test_translator_without_downsampling_or_blocks_is_two_reflected_7x7_convolutions():
    # ReflectionPad(3) -> Conv7 -> InstanceNorm -> ReLU -> ReflectionPad(3) -> Conv7 -> tanh.
    translator = ResNetTranslator(output_channels=2, ngf=3, num_blocks=0, num_downs=0)
    x = images(2, 1)
    params = translator.init(jax.random.key(0), x)["params"]
    got = np.asarray(translator.apply({"params": params}, x))
    first, last = (params[f"Conv_{i}"] for i in (0, 1))
    h = _conv_reflect(np.asarray(x, np.float64), np.asarray(first["kernel"]), first["bias"], 3)
    h = np.maximum(_instance_norm(h), 0)
    expected = np.tanh(_conv_reflect(h, np.asarray(last["kernel"]), last["bias"], 3))
    np.testing.assert_allclose(got, expected, atol=2e-5)


def test_translator_parameter_count_and_range():
    # ngf 4, 2 blocks, 2 downsamplings, 1 -> 1 channel, by hand (kernels + biases):
    # 7x7 1->4, 3x3 4->8, 3x3 8->16, 2 blocks x 2 x 3x3 16->16, 3x3 16->8, 3x3 8->4, 7x7 4->1.
    expected = (
        (49 * 1 * 4 + 4) + (9 * 4 * 8 + 8) + (9 * 8 * 16 + 16) + 4 * (9 * 16 * 16 + 16)
        + (9 * 16 * 8 + 8) + (9 * 8 * 4 + 4) + (49 * 4 * 1 + 1)
    )  # fmt: skip
    translator = ResNetTranslator(output_channels=1, ngf=4, num_blocks=2)
    x = images(3, 1, size=16)
    variables = translator.init(jax.random.key(0), x)
    assert set(variables) == {"params"}  # instance norm keeps no statistics
    assert sum(leaf.size for leaf in jax.tree.leaves(variables)) == expected
    out = translator.apply(variables, x)
    assert out.shape == (3, 16, 16, 1) and float(jnp.max(jnp.abs(out))) <= 1.0
    # No example sees another: the first example alone gives the same output.
    np.testing.assert_allclose(translator.apply(variables, x[:1]), out[:1], atol=1e-6)
    with pytest.raises(ValueError, match="sides divisible by 4; got \\(3, 6, 6, 1\\)"):
        translator.apply(variables, x[:, :6, :6])


def test_generator_puts_each_translation_in_its_target_domains_slot():
    generator = CycleGANGenerator(channels_a=1, channels_b=2, ngf=2, num_blocks=1)
    a, b = images(2, 1), images(2, 2)
    params = generator.init(jax.random.key(0), jnp.concatenate([a, b], -1))["params"]
    out = generator.apply({"params": params}, jnp.concatenate([a, b], -1))
    assert out.shape == (2, 8, 8, 3)

    def translate(name, channels, x):
        module = ResNetTranslator(output_channels=channels, ngf=2, num_blocks=1)
        return module.apply({"params": params[name]}, x)

    np.testing.assert_allclose(out[..., :1], translate("b_to_a", 1, b), atol=1e-6)
    np.testing.assert_allclose(out[..., 1:], translate("a_to_b", 2, a), atol=1e-6)
    # Changing domain B's input leaves the translation into B (from A) unchanged.
    other = generator.apply({"params": params}, jnp.concatenate([a, -b], -1))
    np.testing.assert_array_equal(other[..., 1:], out[..., 1:])
    assert not np.allclose(other[..., :1], out[..., :1])


def test_discriminator_judges_each_slot_with_its_own_patchgan():
    discriminator = CycleGANDiscriminator(channels_a=1, channels_b=1, ndf=4, num_layers=1)
    x = images(2, 2, size=16)
    params = discriminator.init(jax.random.key(0), x)["params"]
    logits, features = discriminator.apply({"params": params}, x, return_features=True)
    patch = PatchGANDiscriminator(ndf=4, num_layers=1, normalization="instance")
    for channel, name in enumerate(("domain_a", "domain_b")):
        alone, alone_features = patch.apply(
            {"params": params[name]}, x[..., channel : channel + 1], return_features=True
        )
        np.testing.assert_allclose(logits[..., channel : channel + 1], alone, atol=1e-6)
        width = alone_features.shape[1]
        np.testing.assert_allclose(
            features[:, channel * width : (channel + 1) * width], alone_features, atol=1e-6
        )
    # 16 -> 8 (stride 2) -> 7 -> 6 (two 4x4 stride-1 convolutions with padding 1).
    assert logits.shape == (2, 6, 6, 2)
    with pytest.raises(ValueError, match=r"expects inputs of shape \(B, None, None, 2\)"):
        discriminator.apply({"params": params}, x[..., :1])


def test_split_domains_and_registry():
    a, b = split_domains(jnp.zeros((1, 4, 4, 3)), 1, 2)
    assert a.shape == (1, 4, 4, 1) and b.shape == (1, 4, 4, 2)
    with pytest.raises(ValueError, match=r"\(B, H, W, 1 \+ 1\); got \(1, 4, 4, 3\)"):
        split_domains(jnp.zeros((1, 4, 4, 3)), 1, 1)
    arch = models.get("cyclegan")
    assert (arch.generator, arch.discriminator) == (CycleGANGenerator, CycleGANDiscriminator)
