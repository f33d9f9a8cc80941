"""Tests for the batch-aware layers against direct NumPy loops, and for rematerialised blocks."""

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import PartitionSpec as P

from jaxgan import penalties
from jaxgan.models import (
    DCGANDiscriminator,
    DCGANGenerator,
    MinibatchDiscrimination,
    MinibatchStdDev,
    ResNetDiscriminator,
    ResNetGenerator,
)
from tests.toy_gans import tiny_dcgan


def minibatch_discrimination_loop(features, kernel):
    """Salimans et al. 2016, section 3.2, pair by pair in float64."""
    features, kernel = features.astype(np.float64), kernel.astype(np.float64)
    n = features.shape[0]
    m = np.tensordot(features, kernel, axes=1)  # (N, B, C)
    o = np.zeros((n, kernel.shape[1]))
    for i in range(n):
        for j in range(n):
            if j != i:
                o[i] += np.exp(-np.sum(np.abs(m[i] - m[j]), axis=-1))
    return np.concatenate([features, o], axis=-1)


def minibatch_stddev_loop(x, group_size, epsilon=1e-8):
    """Karras et al. 2018, with the reference code's strided groups, in float64."""
    x = x.astype(np.float64)
    n = x.shape[0]
    group_size = min(group_size, n)
    num_groups = n // group_size
    out_channel = np.zeros(x.shape[:-1] + (1,))
    for g in range(num_groups):
        members = [i for i in range(n) if i % num_groups == g]
        stat = np.mean(np.sqrt(np.var(x[members], axis=0) + epsilon))
        for i in members:
            out_channel[i] = stat
    return np.concatenate([x, out_channel], axis=-1)


def random_features(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32) * 0.3


# ----------------------------------------------------------------------------
# Minibatch discrimination.
# ----------------------------------------------------------------------------


def test_minibatch_discrimination_matches_pair_loop():
    layer = MinibatchDiscrimination(num_kernels=7, kernel_dim=3)
    x = random_features((6, 10))
    params = layer.init(jax.random.key(0), x)
    kernel = params["params"]["kernel"]
    assert kernel.shape == (10, 7, 3)
    out = jax.jit(layer.apply)(params, x)
    assert out.shape == (6, 17) and out.dtype == jnp.float32
    np.testing.assert_allclose(out, minibatch_discrimination_loop(x, np.asarray(kernel)), rtol=1e-5)


def test_minibatch_discrimination_default_sizes():
    layer = MinibatchDiscrimination()
    x = random_features((4, 8))
    params = layer.init(jax.random.key(0), x)
    assert params["params"]["kernel"].shape == (8, 100, 5)
    assert layer.apply(params, x).shape == (4, 108)


def test_minibatch_discrimination_identical_examples():
    # N identical rows: every distance is 0, so each o_b = N - 1 exactly.
    layer = MinibatchDiscrimination(num_kernels=4, kernel_dim=2)
    x = np.tile(random_features((1, 5)), (5, 1))
    params = layer.init(jax.random.key(1), x)
    np.testing.assert_allclose(layer.apply(params, x)[:, 5:], 4.0)


def test_minibatch_discrimination_rejects_feature_maps():
    layer = MinibatchDiscrimination()
    with pytest.raises(ValueError, match=r"\(N, A\).*\(2, 4, 4, 3\)"):
        layer.init(jax.random.key(0), jnp.zeros((2, 4, 4, 3)))


def test_minibatch_discrimination_rejects_empty_kernels():
    layer = MinibatchDiscrimination(num_kernels=4, kernel_dim=0)
    with pytest.raises(ValueError, match="num_kernels=4, kernel_dim=0 and .* at least 1"):
        layer.init(jax.random.key(0), jnp.zeros((2, 3)))


def test_minibatch_discrimination_gradient_penalty_is_finite():
    # Double backprop through the pairwise L1 distances (and its identical-pair zeros).
    layer = MinibatchDiscrimination(num_kernels=3, kernel_dim=2)
    x = random_features((4, 6))
    params = layer.init(jax.random.key(0), x)
    critic = lambda p: lambda y: jnp.sum(layer.apply(p, y), axis=-1)
    grads = jax.jit(jax.grad(lambda p: penalties.r1_penalty(critic(p), x)))(params)
    assert np.all(np.isfinite(grads["params"]["kernel"]))
    assert np.any(grads["params"]["kernel"] != 0)


# ----------------------------------------------------------------------------
# Minibatch discrimination in chunks of rows (large batches).
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [7, 12], ids=["last-chunk-padded", "whole-chunks"])
def test_chunked_minibatch_discrimination_equals_exact(n):
    # A budget of 3 rows x n x 4 kernels: 3 rows per chunk (7 rows: 3 chunks, the last
    # padded). Values against the pair loop; first and second derivatives (a gradient
    # penalty through the layer) against autodiff of the one-block form.
    x = random_features((n, 6), seed=8)
    exact = MinibatchDiscrimination(num_kernels=4, kernel_dim=3)
    chunked = MinibatchDiscrimination(num_kernels=4, kernel_dim=3, max_pairwise_elements=3 * n * 4)
    params = exact.init(jax.random.key(0), x)
    out = jax.jit(chunked.apply)(params, x)
    kernel = np.asarray(params["params"]["kernel"])
    np.testing.assert_allclose(out, minibatch_discrimination_loop(x, kernel), rtol=1e-5)

    weights = random_features((n, 10), seed=9)
    first = lambda layer: jax.grad(
        lambda p, y: jnp.sum(layer.apply(p, y) * weights), argnums=(0, 1)
    )
    second = lambda layer: jax.grad(
        lambda p: penalties.r1_penalty(lambda y: jnp.sum(layer.apply(p, y) * weights, -1), x)
    )
    for derivative, args in ((first, (params, x)), (second, (params,))):
        expected = jax.jit(derivative(exact))(*args)
        actual = jax.jit(derivative(chunked))(*args)
        for a, e in zip(jax.tree.leaves(actual), jax.tree.leaves(expected), strict=True):
            np.testing.assert_allclose(a, e, rtol=1e-4, atol=1e-6)


def test_chunked_minibatch_discrimination_across_devices():
    # Chunks of 2 rows on each of 4 devices: the self-mask follows the global row index.
    x = random_features((16, 6), seed=10)
    params = MinibatchDiscrimination(num_kernels=5, kernel_dim=3).init(jax.random.key(0), x)
    layer = MinibatchDiscrimination(
        num_kernels=5, kernel_dim=3, axis_name="data", max_pairwise_elements=2 * 16 * 5
    )
    expected = minibatch_discrimination_loop(x, np.asarray(params["params"]["kernel"]))
    np.testing.assert_allclose(sharded_apply(layer, params, x, 4), expected, rtol=1e-5)


def test_chunked_minibatch_discrimination_never_holds_the_pairwise_tensor():
    # N = 1024 examples, 100 kernels: the (B, N, N) float32 tensor is 400 MiB. Compiled
    # (not run), the one-block form needs at least that much scratch memory; in chunks
    # of 2**22 elements the forward pass, its gradient and a gradient penalty's
    # gradient each need under a third of it.
    x = jax.ShapeDtypeStruct((1024, 64), jnp.float32)
    pairwise_bytes = 100 * 1024 * 1024 * 4

    def temp_bytes(layer, derivative):
        params = jax.eval_shape(layer.init, jax.random.key(0), x)
        critic = lambda p: lambda y: jnp.sum(layer.apply(p, y), axis=-1)
        function = {
            "forward": lambda p, y: critic(p)(y),
            "gradient": jax.grad(lambda p, y: jnp.sum(critic(p)(y))),
            "penalty gradient": jax.grad(lambda p, y: penalties.r1_penalty(critic(p), y)),
        }[derivative]
        return jax.jit(function).lower(params, x).compile().memory_analysis().temp_size_in_bytes

    one_block = MinibatchDiscrimination(max_pairwise_elements=2**62)
    assert temp_bytes(one_block, "forward") >= pairwise_bytes
    chunked = MinibatchDiscrimination(max_pairwise_elements=2**22)
    for derivative in ("forward", "gradient", "penalty gradient"):
        assert temp_bytes(chunked, derivative) < pairwise_bytes / 3, derivative


# ----------------------------------------------------------------------------
# Minibatch standard deviation.
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape,group_size",
    [((8, 4, 4, 3), 4), ((6, 5), 2), ((3, 2, 2, 1), 4)],
    ids=["image", "vector", "group-capped-at-batch"],
)
def test_minibatch_stddev_matches_loop(shape, group_size):
    layer = MinibatchStdDev(group_size=group_size)
    x = random_features(shape, seed=2)
    out = jax.jit(lambda x: layer.apply({}, x))(x)
    assert out.shape == shape[:-1] + (shape[-1] + 1,)
    np.testing.assert_allclose(out, minibatch_stddev_loop(x, group_size), rtol=1e-5)


def test_minibatch_stddev_indivisible_batch():
    with pytest.raises(ValueError, match="batch of 6 examples is not divisible by group_size=4"):
        MinibatchStdDev(group_size=4).apply({}, jnp.zeros((6, 2, 2, 1)))


# ----------------------------------------------------------------------------
# Cross-device: the global batch under shard_map and pmap.
# ----------------------------------------------------------------------------


def shard_batch(x, mesh):
    return jax.device_put(x, jax.sharding.NamedSharding(mesh, P("data")))


def sharded_apply(layer, params, x, num_devices):
    mesh = jax.make_mesh((num_devices,), ("data",))

    @jax.jit
    @functools.partial(jax.shard_map, mesh=mesh, in_specs=(P(), P("data")), out_specs=P("data"))
    def apply(params, x):
        return layer.apply(params, x)

    return apply(params, shard_batch(x, mesh))


@pytest.mark.parametrize("num_devices", [4, 8])
def test_minibatch_discrimination_across_devices(num_devices):
    x = random_features((16, 6), seed=3)
    params = MinibatchDiscrimination(num_kernels=5, kernel_dim=3).init(jax.random.key(0), x)
    expected = minibatch_discrimination_loop(x, np.asarray(params["params"]["kernel"]))
    global_layer = MinibatchDiscrimination(num_kernels=5, kernel_dim=3, axis_name="data")
    np.testing.assert_allclose(
        sharded_apply(global_layer, params, x, num_devices), expected, rtol=1e-5
    )
    # Without axis_name each device sees only its own examples.
    local_layer = MinibatchDiscrimination(num_kernels=5, kernel_dim=3)
    per_device = sharded_apply(local_layer, params, x, num_devices)
    shard = 16 // num_devices
    expected_local = minibatch_discrimination_loop(
        x[:shard], np.asarray(params["params"]["kernel"])
    )
    np.testing.assert_allclose(np.asarray(per_device)[:shard], expected_local, rtol=1e-5)


def test_minibatch_discrimination_under_pmap():
    x = random_features((8, 6), seed=4)
    params = MinibatchDiscrimination(num_kernels=5, kernel_dim=3).init(jax.random.key(0), x)
    layer = MinibatchDiscrimination(num_kernels=5, kernel_dim=3, axis_name="batch")
    out = jax.pmap(layer.apply, axis_name="batch", in_axes=(None, 0), devices=jax.devices()[:4])(
        params, x.reshape(4, 2, 6)
    )
    expected = minibatch_discrimination_loop(x, np.asarray(params["params"]["kernel"]))
    np.testing.assert_allclose(np.asarray(out).reshape(8, -1), expected, rtol=1e-5)


def test_minibatch_discrimination_gradient_across_devices():
    # The kernel's gradient through all_gather equals the single-device one.
    x = random_features((8, 6), seed=5)
    params = MinibatchDiscrimination(num_kernels=5, kernel_dim=3).init(jax.random.key(0), x)
    weights = random_features((8, 11), seed=6)
    single = MinibatchDiscrimination(num_kernels=5, kernel_dim=3)
    expected = jax.grad(lambda p: jnp.sum(single.apply(p, x) * weights))(params)

    layer = MinibatchDiscrimination(num_kernels=5, kernel_dim=3, axis_name="data")
    mesh = jax.make_mesh((4,), ("data",))

    @jax.jit
    @functools.partial(
        jax.shard_map, mesh=mesh, in_specs=(P(), P("data"), P("data")), out_specs=P()
    )
    def sharded_grad(params, x, weights):
        # The parameters are replicated (invariant over "data"), so shard_map's
        # transpose already sums their per-device gradients over the axis.
        return jax.grad(lambda p: jnp.sum(layer.apply(p, x) * weights))(params)

    actual = sharded_grad(params, shard_batch(x, mesh), shard_batch(weights, mesh))
    np.testing.assert_allclose(
        actual["params"]["kernel"], expected["params"]["kernel"], rtol=1e-4, atol=1e-6
    )


@pytest.mark.parametrize("num_devices", [2, 8])
def test_minibatch_stddev_across_devices(num_devices):
    x = random_features((16, 3, 3, 2), seed=7)
    layer = MinibatchStdDev(group_size=4, axis_name="data")
    np.testing.assert_allclose(
        sharded_apply(layer, {}, x, num_devices), minibatch_stddev_loop(x, 4), rtol=1e-5
    )


# ----------------------------------------------------------------------------
# Virtual batch normalisation.
# ----------------------------------------------------------------------------


def test_virtual_batch_norm_against_numpy():
    from jaxgan.models import VirtualBatchNorm

    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 2.0, (7, 3, 3, 4)).astype(np.float32)  # 4 reference rows, 3 examples
    layer = VirtualBatchNorm(reference_size=4)
    variables = layer.init(jax.random.key(0), x)
    out = jax.jit(layer.apply)(variables, x)
    x64 = x.astype(np.float64)
    reference = x64[:4]
    expected = np.empty_like(x64)
    ref_mean = reference.mean(axis=(0, 1, 2))
    ref_square = np.square(reference).mean(axis=(0, 1, 2))
    for i in range(7):
        if i < 4:
            mean, square = ref_mean, ref_square
        else:  # the reference batch and example i itself: (R mu_ref + m_i) / (R + 1)
            mean = (4 * ref_mean + x64[i].mean(axis=(0, 1))) / 5
            square = (4 * ref_square + np.square(x64[i]).mean(axis=(0, 1))) / 5
        expected[i] = (x64[i] - mean) / np.sqrt(square - mean**2 + 1e-5)
    scale = np.asarray(variables["params"]["scale"], np.float64)
    np.testing.assert_allclose(out, expected * scale, rtol=1e-4, atol=1e-5)
    # An example's output does not depend on the other examples of its batch.
    out_alone = layer.apply(variables, np.concatenate([x[:4], x[5:6]]))
    np.testing.assert_allclose(out_alone[4], out[5], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="reference_size=4\\) needs the reference batch"):
        layer.apply(variables, x[:4])


def test_dcgan_generator_with_virtual_batch_norm_keeps_its_reference_latents():
    from jaxgan.models import DCGANGenerator

    generator = DCGANGenerator(
        image_size=28, channels=1, latent_dim=8, ngf=4, normalization="virtual_batch",
        reference_size=5,
    )  # fmt: skip
    z = jax.random.normal(jax.random.key(1), (3, 8))
    variables = generator.init(jax.random.key(0), z)
    assert variables["reference"]["latents"].shape == (5, 8)
    images = generator.apply(variables, z, train=True)
    assert images.shape == (3, 28, 28, 1)
    # Each sample is independent of its batch: the first alone gives the same image.
    np.testing.assert_allclose(generator.apply(variables, z[:1]), images[:1], atol=1e-5)
    with pytest.raises(ValueError, match="normalization='virtual' is not supported"):
        DCGANGenerator(latent_dim=8, normalization="virtual").init(jax.random.key(0), z)


def _dcgan28_generator():
    from jaxgan.models import DCGANGenerator

    generator = DCGANGenerator(image_size=28, channels=1, latent_dim=8, ngf=4)
    variables = generator.init(jax.random.key(0), jnp.zeros((2, 8)))
    # Move the parameters away from init, as an EMA would be, and make the running
    # averages wrong on purpose: the recomputation must not read them.
    params = jax.tree.map(
        lambda leaf: leaf + 0.3 * jax.random.normal(jax.random.key(1), leaf.shape),
        variables["params"],
    )
    stats = jax.tree.map(lambda leaf: leaf + 1.0, variables["batch_stats"])
    return generator, {"params": params, "batch_stats": stats}


def test_recomputed_batch_stats_of_one_batch_make_evaluation_equal_training():
    from jaxgan.models.layers import recompute_batch_stats

    generator, variables = _dcgan28_generator()
    z = jax.random.normal(jax.random.key(2), (32, 8))
    recomputed = recompute_batch_stats(generator.apply, variables, [(z,)])
    training, _ = generator.apply(variables, z, train=True, mutable=["batch_stats"])
    np.testing.assert_allclose(generator.apply(recomputed, z), training, atol=2e-5)
    # The carried running averages give something else.
    assert np.abs(generator.apply(variables, z) - training).max() > 0.1


def test_recomputed_batch_stats_pool_the_batches_as_one_population():
    from jaxgan.models.layers import recompute_batch_stats

    generator, variables = _dcgan28_generator()
    z = np.asarray(jax.random.normal(jax.random.key(3), (4, 16, 8)))
    recomputed = recompute_batch_stats(generator.apply, variables, [(b,) for b in z])
    # The first BatchNorm follows G's bias-free Dense layer: its inputs are z @ W, so
    # its population statistics over the 64 latents are plain NumPy.
    first = np.asarray(variables["params"]["Dense_0"]["kernel"])
    inputs = (z.reshape(64, 8) @ first).reshape(64 * 7 * 7, 8)  # (7, 7, 8) maps, NHWC
    stats = recomputed["batch_stats"]["BatchNorm_0"]
    np.testing.assert_allclose(stats["mean"], inputs.mean(axis=0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(stats["var"], inputs.var(axis=0), rtol=1e-4, atol=1e-5)
    # Not the mean of the four batches' variances: the spread of their means counts.
    batch_vars = np.mean([b.var(axis=0) for b in inputs.reshape(4, -1, 8)], axis=0)
    assert np.all(stats["var"] > batch_vars)
    with pytest.raises(ValueError, match="at least one batch"):
        recompute_batch_stats(generator.apply, variables, [])


# ----------------------------------------------------------------------------
# Rematerialised blocks.
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["dcgan", "resnet"])
def test_remat_keeps_the_parameters_values_and_gradients(family):
    # One train step with remat on both players equals the step without it, bit for
    # bit (the same parameters, recomputed activations); only the program differs:
    # its blocks are wrapped in jax.checkpoint (the optimisation barrier it lowers to).
    if family == "dcgan":
        gan = tiny_dcgan(
            generator=DCGANGenerator(image_size=28, channels=1, ngf=8, latent_dim=8),
            discriminator=DCGANDiscriminator(image_size=28, channels=1, ndf=8),
        )
        shape = (4, 28, 28, 1)
    else:
        gan = tiny_dcgan(
            generator=ResNetGenerator(channels=1, latent_dim=8, features=8),
            discriminator=ResNetDiscriminator(channels=1, features=8, normalization="none"),
            loss="wasserstein", penalties=(("gradient_penalty", 10.0),),
        )  # fmt: skip
        shape = (4, 32, 32, 1)
    batch = {"image": np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)}
    results = {}
    for remat in (False, True):
        variant = dataclasses.replace(
            gan,
            generator=gan.generator.clone(remat=remat),
            discriminator=gan.discriminator.clone(remat=remat),
        )
        state = variant.init(jax.random.key(0), batch)
        step = jax.jit(variant.train_step)
        lowered = step.lower(state, batch, jax.random.key(1)).as_text()
        new, metrics = step(state, batch, jax.random.key(1))
        results[remat] = (new, metrics, "optimization_barrier" in lowered)
    (plain, plain_metrics, plain_barrier), (remat, remat_metrics, remat_barrier) = (
        results[False],
        results[True],
    )
    assert not plain_barrier and remat_barrier
    assert jax.tree.structure(plain) == jax.tree.structure(remat)
    for a, b in zip(jax.tree.leaves(plain), jax.tree.leaves(remat), strict=True):
        np.testing.assert_array_equal(a, b)
    assert plain_metrics.keys() == remat_metrics.keys()
    for name, value in plain_metrics.items():
        np.testing.assert_array_equal(value, remat_metrics[name])
