"""Tests for the generator/discriminator zoo: shapes, parameter counts, modes, labels."""

import sys

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import models
from jaxgan.models import (
    ACGANDiscriminator,
    ConditionalDiscriminator,
    ConditionalGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
    GoodfellowMLPDiscriminator,
    GoodfellowMLPGenerator,
    MinibatchDiscrimination,
    MLPDiscriminator,
    MLPGenerator,
    PatchGANDiscriminator,
    ProjectionDiscriminator,
    ResNetDiscriminator,
    ResNetGenerator,
    UNetGenerator,
)

KEY = jax.random.key(0)
RNGS = {"params": jax.random.key(1), "dropout": jax.random.key(2)}


def init_apply(model, *args, train=False, **kwargs):
    variables = model.init(RNGS, *args, train=train, **kwargs)
    mutable = ["batch_stats"] if train else False
    out = jax.jit(
        lambda v, *a: model.apply(v, *a, train=train, rngs=RNGS, mutable=mutable, **kwargs)
    )(variables, *args)
    if train:
        out = out[0]
    return variables, out


def num_params(variables):
    return sum(leaf.size for leaf in jax.tree.leaves(variables["params"]))


def latents(batch, dim):
    return jax.random.normal(KEY, (batch, dim))


def images(batch, size, channels, seed=0):
    return jax.random.uniform(jax.random.key(seed), (batch, size, size, channels), minval=-1)


# ----------------------------------------------------------------------------
# Shapes and dtypes.
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("size,channels", [(28, 1), (32, 3), (64, 3)])
@pytest.mark.parametrize("train", [False, True])
def test_dcgan_shapes(size, channels, train):
    g = DCGANGenerator(image_size=size, channels=channels, ngf=8)
    _, x = init_apply(g, latents(4, 100), train=train)
    assert x.shape == (4, size, size, channels) and x.dtype == jnp.float32
    assert float(jnp.max(jnp.abs(x))) <= 1.0
    d = DCGANDiscriminator(image_size=size, channels=channels, ndf=8)
    _, logits = init_apply(d, x, train=train)
    assert logits.shape == (4,) and logits.dtype == jnp.float32


@pytest.mark.parametrize("normalization", ["none", "batch", "layer", "spectral"])
def test_dcgan_discriminator_normalizations_and_features(normalization):
    d = DCGANDiscriminator(image_size=32, channels=3, ndf=8, normalization=normalization)
    _, (logits, features) = init_apply(d, images(4, 32, 3), return_features=True, train=True)
    assert logits.shape == (4,)
    assert features.shape == (4, 4 * 4 * 32)


@pytest.mark.parametrize(
    "size,channels,compared",
    [(28, 1, "pooled"), (64, 3, "pooled"), (28, 1, "projected"), (64, 3, "flatten")],
)
def test_dcgan_discriminator_batch_aware_options(size, channels, compared):
    d = DCGANDiscriminator(
        image_size=size, channels=channels, ndf=8, minibatch_discrimination=6,
        minibatch_kernel_dim=3, minibatch_features=compared, minibatch_stddev=2,
    )  # fmt: skip
    x = images(4, size, channels)
    variables, logits = init_apply(d, x)
    assert logits.shape == (4,)
    final_map = 7 if size == 28 else 4
    final_channels = 16 if size == 28 else 64
    # stddev adds a channel; minibatch discrimination appends 6 features to the flat map.
    flat = final_map * final_map * (final_channels + 1)
    params = variables["params"]
    assert params["Dense_0"]["kernel"].shape == (flat + 6, 1)
    compared_size = flat if compared == "flatten" else final_channels + 1
    assert params["MinibatchDiscrimination_0"]["kernel"].shape == (compared_size, 6, 3)
    assert ("minibatch_projection" in params) == (compared == "projected")
    # What the kernels compare, recomputed from the last feature map: its mean over
    # positions, its projection or all of it.
    _, features = d.apply(variables, x, return_features=True)
    maps = np.asarray(features).reshape(4, final_map, final_map, final_channels)
    stddev = np.mean(np.std(maps.reshape(2, 2, -1), axis=0), axis=-1)  # groups n mod 2
    stddev_channel = np.broadcast_to(np.tile(stddev, 2)[:, None, None, None], (*maps.shape[:3], 1))
    maps = np.concatenate([maps, stddev_channel], -1)
    projection = jax.tree.map(np.asarray, params.get("minibatch_projection", {}))
    compared_features = {
        "pooled": lambda: maps.mean(axis=(1, 2)),
        "flatten": lambda: maps.reshape(4, -1),
        "projected": lambda: maps.reshape(4, -1) @ projection["kernel"] + projection["bias"],
    }[compared]()
    layer = MinibatchDiscrimination(num_kernels=6, kernel_dim=3)
    similarity = layer.apply(
        {"params": params["MinibatchDiscrimination_0"]}, compared_features.astype(np.float32)
    )[:, compared_size:]
    head = np.concatenate([maps.reshape(4, -1), similarity], -1) @ np.asarray(
        params["Dense_0"]["kernel"]
    )
    np.testing.assert_allclose(logits, head[:, 0], rtol=2e-4, atol=1e-5)


def test_minibatch_features_must_be_known():
    d = DCGANDiscriminator(image_size=28, channels=1, ndf=8, minibatch_discrimination=4,
                           minibatch_features="mean")  # fmt: skip
    with pytest.raises(ValueError, match=r"minibatch_features='mean' is not one of \('pooled'"):
        d.init(jax.random.key(0), images(2, 28, 1))


def test_minibatch_discrimination_on_dcgan28_is_a_small_part_of_d():
    # Issue 19: with 100 kernels of 5 on the flattened 7x7x128 map the kernel was 96% of
    # D; on the pooled map it is 128 x 100 x 5.
    sizes = {}
    for compared in ("pooled", "flatten"):
        d = DCGANDiscriminator(image_size=28, channels=1, minibatch_discrimination=100,
                               minibatch_features=compared)  # fmt: skip
        params = jax.eval_shape(d.init, jax.random.key(0), images(2, 28, 1))["params"]
        total = sum(np.size(leaf) for leaf in jax.tree.leaves(params))
        sizes[compared] = np.size(params["MinibatchDiscrimination_0"]["kernel"]), total
    assert sizes["pooled"][0] == 128 * 100 * 5
    assert sizes["flatten"][0] == 7 * 7 * 128 * 100 * 5
    assert sizes["flatten"][0] / sizes["flatten"][1] > 0.95


def test_resnet_shapes():
    g = ResNetGenerator(features=16)
    _, x = init_apply(g, latents(2, 128), train=True)
    assert x.shape == (2, 32, 32, 3)
    for normalization in ("spectral", "none", "layer", "batch"):
        d = ResNetDiscriminator(features=16, normalization=normalization)
        _, (out, features) = init_apply(d, x, return_features=True, train=True)
        assert out.shape == (2,) and features.shape == (2, 16)


def test_mlp_shapes():
    _, x = init_apply(GoodfellowMLPGenerator(), latents(3, 100))
    assert x.shape == (3, 28, 28, 1)
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0  # sigmoid output
    _, logits = init_apply(GoodfellowMLPDiscriminator(), x, train=True)
    assert logits.shape == (3,)
    _, toy = init_apply(MLPGenerator(latent_dim=4, output_dim=1), latents(5, 4))
    assert toy.shape == (5, 1)
    d = MLPDiscriminator(input_dim=1, minibatch_discrimination=3)
    _, (out, features) = init_apply(d, toy, return_features=True)
    assert out.shape == (5,) and features.shape == (5, 128)


def test_goodfellow_discriminator_maxout_layout():
    # Two maxout layers of 240 units x 5 pieces and one logit on 784 inputs.
    variables = jax.eval_shape(GoodfellowMLPDiscriminator().init, RNGS, jnp.zeros((2, 28, 28, 1)))
    expected = (784 * 1200 + 1200) + (240 * 1200 + 1200) + (240 + 1)
    assert num_params(variables) == expected


def test_goodfellow_discriminator_dropout_only_in_training():
    d = GoodfellowMLPDiscriminator()
    x = images(4, 28, 1)
    variables = d.init(RNGS, x)
    eval_a = d.apply(variables, x)
    eval_b = d.apply(variables, x)
    np.testing.assert_array_equal(eval_a, eval_b)
    train_a = d.apply(variables, x, train=True, rngs={"dropout": jax.random.key(3)})
    train_b = d.apply(variables, x, train=True, rngs={"dropout": jax.random.key(4)})
    assert not np.allclose(train_a, train_b)


def test_pix2pix_shapes():
    g = UNetGenerator(input_channels=1, output_channels=1, ngf=8, num_downs=5)
    edges = images(2, 32, 1)
    _, out = init_apply(g, edges, train=True)
    assert out.shape == (2, 32, 32, 1)
    d = PatchGANDiscriminator(ndf=8)
    _, logits = init_apply(d, out, edges, train=True)
    # 32 -> 16 -> 8 -> 4 (stride 2) -> 3 -> 2 (stride 1, 4x4, padding 1).
    assert logits.shape == (2, 2, 2, 1)


def test_unet_without_skips_is_an_encoder_decoder_through_its_code():
    # GP-GAN's blending GAN: 8x8 -> 4 -> 2 -> 1x1 code -> back up, no skip connections.
    kwargs = dict(input_channels=1, output_channels=1, ngf=4, num_downs=3, use_dropout=False)
    plain = UNetGenerator(**kwargs, skip_connections=False)
    x = images(2, 8, 1)
    variables, out = init_apply(plain, x, train=False)
    assert out.shape == (2, 8, 8, 1)
    skipping = UNetGenerator(**kwargs)
    with_skips, _ = init_apply(skipping, x, train=False)

    def decoder_inputs(v):  # ConvTranspose_0 is the innermost level's decoder
        return [v["params"][f"ConvTranspose_{i}"]["kernel"].shape[2] for i in range(3)]

    # Worked out by hand: encoder widths 4, 8, 16 (code 1x1x16); each decoder reads the
    # level below (16, 8, 4), with skips [skip | below] (16, 8 + 8, 4 + 4).
    assert decoder_inputs(variables) == [16, 8, 4]
    assert decoder_inputs(with_skips) == [16, 16, 8]

    # Everything passes through the 16-channel code: the 64x64 Jacobian of one image's
    # output has rank <= 16 (with the skips it is far above).
    def jacobian_rank(module, v):
        f = lambda y: module.apply(v, y.reshape(1, 8, 8, 1), train=False).reshape(-1)  # noqa: E731
        jac = np.asarray(jax.jacfwd(f)(jnp.asarray(x[:1]).reshape(-1)))
        return np.linalg.matrix_rank(jac, tol=1e-6 * np.abs(jac).max())

    assert jacobian_rank(plain, variables) <= 16 < jacobian_rank(skipping, with_skips)


def test_patchgan_256_output_and_receptive_field():
    # The 70x70 PatchGAN maps 256x256 pairs to 30x30 logits; each logit depends on a
    # 70x70 input window (checked with the gradient of one output).
    d = PatchGANDiscriminator(ndf=4)
    x = images(1, 256, 3)
    variables = d.init(RNGS, x, x)
    logits = d.apply(variables, x, x)
    assert logits.shape == (1, 30, 30, 1)
    grad = jax.grad(lambda x: d.apply(variables, x, x)[0, 15, 15, 0])(x)
    rows = np.nonzero(np.abs(np.asarray(grad[0])).sum(axis=(1, 2)))[0]
    cols = np.nonzero(np.abs(np.asarray(grad[0])).sum(axis=(0, 2)))[0]
    assert rows.max() - rows.min() + 1 == 70 and cols.max() - cols.min() + 1 == 70


# ----------------------------------------------------------------------------
# Parameter counts of the DCGAN-64 pair, from the reference layer list.
# ----------------------------------------------------------------------------


def conv_params(k, c_in, c_out, bias=False):
    return k * k * c_in * c_out + (c_out if bias else 0)


def test_dcgan64_parameter_counts_match_reference_layout():
    nz, ngf, ndf, nc = 100, 64, 64, 3
    bn = lambda c: 2 * c  # scale and offset
    expected_g = (
        conv_params(4, nz, 8 * ngf) + bn(8 * ngf)
        + conv_params(4, 8 * ngf, 4 * ngf) + bn(4 * ngf)
        + conv_params(4, 4 * ngf, 2 * ngf) + bn(2 * ngf)
        + conv_params(4, 2 * ngf, ngf) + bn(ngf)
        + conv_params(4, ngf, nc)
    )  # fmt: skip
    expected_d = (
        conv_params(4, nc, ndf)
        + conv_params(4, ndf, 2 * ndf) + bn(2 * ndf)
        + conv_params(4, 2 * ndf, 4 * ndf) + bn(4 * ndf)
        + conv_params(4, 4 * ndf, 8 * ndf) + bn(8 * ndf)
        + conv_params(4, 8 * ndf, 1)
    )  # fmt: skip
    g_vars = jax.eval_shape(DCGANGenerator().init, RNGS, jnp.zeros((1, nz)))
    d_vars = jax.eval_shape(DCGANDiscriminator().init, RNGS, jnp.zeros((1, 64, 64, nc)))
    assert num_params(g_vars) == expected_g == 3_576_704
    assert num_params(d_vars) == expected_d == 2_765_568


def test_dcgan_weights_drawn_from_n0_002():
    variables = DCGANDiscriminator().init(RNGS, jnp.zeros((1, 64, 64, 3)))
    kernel = np.asarray(variables["params"]["Conv_3"]["kernel"])
    assert abs(kernel.std() - 0.02) < 0.001 and abs(kernel.mean()) < 0.001


# ----------------------------------------------------------------------------
# BatchNorm statistics and spectral norm.
# ----------------------------------------------------------------------------


def test_batchnorm_statistics_update_only_in_training():
    g = DCGANGenerator(image_size=28, channels=1, ngf=8)
    z = latents(8, 100)
    variables = g.init(RNGS, z)
    before = variables["batch_stats"]
    # Evaluation mode: no mutable collection is needed, and asking for one changes nothing.
    _, unchanged = g.apply(variables, z, train=False, mutable=["batch_stats"])
    jax.tree.map(np.testing.assert_array_equal, before, unchanged["batch_stats"])
    # Training mode: running means move towards the batch means (momentum 0.9).
    _, updated = g.apply(variables, z, train=True, mutable=["batch_stats"])
    first_bn_mean = updated["batch_stats"]["BatchNorm_0"]["mean"]
    dense = np.asarray(z) @ np.asarray(variables["params"]["Dense_0"]["kernel"])
    channel_means = dense.reshape(8, 7, 7, 16).mean(axis=(0, 1, 2))
    np.testing.assert_allclose(first_bn_mean, 0.1 * channel_means, rtol=1e-4, atol=1e-6)


def test_batchnorm_uses_running_averages_in_evaluation():
    g = DCGANGenerator(image_size=28, channels=1, ngf=8)
    z = latents(8, 100)
    variables = g.init(RNGS, z)
    # In evaluation each example's output is independent of the rest of the batch.
    whole = g.apply(variables, z)
    single = g.apply(variables, z[:1])
    np.testing.assert_allclose(whole[:1], single, rtol=1e-5, atol=1e-6)


def largest_singular_value(kernel):
    return np.linalg.svd(np.asarray(kernel).reshape(-1, kernel.shape[-1]), compute_uv=False)[0]


def test_spectral_norm_normalises_every_layer():
    d = DCGANDiscriminator(image_size=32, channels=3, ndf=8, normalization="spectral")
    x = images(4, 32, 3)
    variables = d.init(RNGS, x)
    step = jax.jit(lambda v: d.apply(v, x, train=True, mutable=["batch_stats"])[1])
    for _ in range(20):  # power iterations, one per training call
        variables = {**variables, **step(variables)}
    # The weights keep their plain names; each SpectralNorm_i keeps its sigma estimate.
    sigmas = {
        key.split("/")[0]: value
        for stats in variables["batch_stats"].values()
        for key, value in stats.items()
        if key.endswith("/kernel/sigma")
    }
    assert set(sigmas) == {"Conv_0", "Conv_1", "Conv_2", "Dense_0"}  # every layer
    for name, sigma in sigmas.items():
        kernel = variables["params"][name]["kernel"]
        np.testing.assert_allclose(largest_singular_value(kernel) / sigma, 1.0, rtol=0.02)


def test_spectral_norm_output_uses_normalised_weight():
    # One spectrally normalised Dense layer: output = x W / sigma_max(W) after convergence.
    d = MLPDiscriminator(input_dim=3, hidden=(), normalization="spectral")
    x = jax.random.normal(KEY, (5, 3))
    variables = d.init(RNGS, x)
    for _ in range(30):
        _, state = d.apply(variables, x, train=True, mutable=["batch_stats"])
        variables = {**variables, **state}
    layer = variables["params"]["Dense_0"]
    w = np.asarray(layer["kernel"])
    expected = np.asarray(x) @ (w / np.linalg.norm(w)) + np.asarray(layer["bias"])
    np.testing.assert_allclose(d.apply(variables, x), expected[:, 0], rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------
# Conditional models use their labels.
# ----------------------------------------------------------------------------


def labels_pair(batch):
    return jnp.zeros((batch,), jnp.int32), jnp.full((batch,), 3, jnp.int32)


def test_conditional_generator_uses_labels():
    g = ConditionalGenerator(DCGANGenerator(image_size=28, channels=1, latent_dim=110, ngf=8), 10)
    z = latents(4, 100)
    a, b = labels_pair(4)
    variables = g.init(RNGS, z, a)
    assert not np.allclose(g.apply(variables, z, a), g.apply(variables, z, b))


@pytest.mark.parametrize(
    "make",
    [
        lambda: ConditionalDiscriminator(DCGANDiscriminator(image_size=28, channels=11, ndf=8), 10),
        lambda: ProjectionDiscriminator(DCGANDiscriminator(image_size=28, channels=1, ndf=8), 10),
        lambda: ProjectionDiscriminator(
            DCGANDiscriminator(image_size=28, channels=1, ndf=8, normalization="spectral"),
            10,
            spectral=True,
        ),
    ],
    ids=["cgan", "projection", "projection-sn"],
)
def test_conditional_discriminators_use_labels(make):
    d = make()
    x = images(4, 28, 1)
    a, b = labels_pair(4)
    variables = d.init(RNGS, x, a)
    out_a, out_b = d.apply(variables, x, a), d.apply(variables, x, b)
    assert out_a.shape == (4,)
    assert not np.allclose(out_a, out_b)


def test_projection_adds_embedding_inner_product():
    base = DCGANDiscriminator(image_size=28, channels=1, ndf=8)
    d = ProjectionDiscriminator(base, 10)
    x = images(3, 28, 1)
    labels = jnp.asarray([1, 4, 9])
    variables = d.init(RNGS, x, labels)
    base_vars = {
        "params": variables["params"]["discriminator"],
        "batch_stats": variables["batch_stats"]["discriminator"],
    }
    base_out, features = base.apply(base_vars, x, return_features=True)
    embedding = np.asarray(variables["params"]["embedding"]["kernel"])[np.asarray(labels)]
    expected = np.asarray(base_out) + np.sum(embedding * np.asarray(features), axis=-1)
    np.testing.assert_allclose(d.apply(variables, x, labels), expected, rtol=1e-4, atol=1e-5)


def test_acgan_head():
    d = ACGANDiscriminator(DCGANDiscriminator(image_size=28, channels=1, ndf=8), 10)
    x = images(4, 28, 1)
    variables = d.init(RNGS, x)
    logits, class_logits = d.apply(variables, x)
    assert logits.shape == (4,) and class_logits.shape == (4, 10)


def test_labels_of_wrong_shape():
    g = ConditionalGenerator(MLPGenerator(latent_dim=5), 3)
    with pytest.raises(ValueError, match=r"labels must be integer class indices of shape \(4,\)"):
        g.init(RNGS, latents(4, 2), jnp.zeros((4, 1), jnp.int32))


# ----------------------------------------------------------------------------
# Errors and the registry.
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model,args,message",
    [
        (DCGANDiscriminator(image_size=64), (jnp.zeros((2, 32, 32, 3)),), r"\(B, 64, 64, 3\)"),
        (DCGANGenerator(), (jnp.zeros((2, 128)),), r"\(B, 100\); got \(2, 128\)"),
        (ResNetDiscriminator(), (jnp.zeros((2, 28, 28, 1)),), r"\(B, 32, 32, 3\)"),
        (GoodfellowMLPDiscriminator(), (jnp.zeros((2, 784)),), r"\(B, 28, 28, 1\)"),
        (UNetGenerator(num_downs=8), (jnp.zeros((1, 32, 32, 3)),), "divisible by 256"),
        (DCGANGenerator(image_size=48), (jnp.zeros((2, 100)),), r"image_size=48.*\(28, 32, 64\)"),
        (
            DCGANDiscriminator(normalization="group"),
            (jnp.zeros((2, 64, 64, 3)),),
            "normalization='group' is not supported.*'instance'",
        ),
    ],
)
def test_wrong_inputs_name_the_expected(model, args, message):
    with pytest.raises(ValueError, match=message):
        model.init(RNGS, *args)


def test_registry():
    assert set(models.names()) == {
        "goodfellow_mlp", "mlp", "dcgan", "resnet", "pix2pix", "lapgan", "cyclegan",
        "stackgan_stage1", "stackgan_stage2", "energy",
    }  # fmt: skip
    arch = models.get("dcgan")
    assert arch.generator is DCGANGenerator and arch.discriminator is DCGANDiscriminator
    with pytest.raises(ValueError, match="unknown architecture 'stylegan'.*dcgan"):
        models.get("stylegan")


def test_every_model_documents_its_shapes_and_paper():
    for arch in map(models.get, models.names()):
        for cls in (arch.generator, arch.discriminator):
            assert issubclass(cls, nn.Module)
            assert "Input" in cls.__doc__ and "output" in cls.__doc__, cls.__name__
            if arch.name != "mlp":  # the toy-data MLPs follow no paper
                assert "References" in sys.modules[cls.__module__].__doc__ + (
                    cls.__doc__ if arch.name != "goodfellow_mlp" else arch.generator.__doc__
                ), cls.__name__
