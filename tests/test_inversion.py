"""iGAN's projection, encoder, edits and interpolation (jaxgan.inversion) against closed
forms on linear generators, NumPy and SciPy."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import ndimage

from jaxgan import inversion
from jaxgan.models import DCGANEncoder

RNG = np.random.default_rng(0)
A = RNG.normal(size=(16, 3)).astype(np.float32)  # a linear G: 3 latents -> 4x4 images


def linear_generator(z):
    return (z @ A.T).reshape(z.shape[0], 4, 4, 1)


def flat(x):
    return np.asarray(x).reshape(len(x), -1)


@pytest.mark.parametrize("prior_weight", [0.0, 0.5])
def test_projection_reaches_the_regularised_least_squares_latent(prior_weight):
    # loss = |Az - x|^2 / 16 + prior_weight |z|^2 / (2 * 3), minimised at
    # z* = (2 A'A / 16 + prior_weight I / 3)^-1 (2 A'x / 16).
    images = RNG.normal(size=(5, 4, 4, 1)).astype(np.float32)
    z, history = jax.jit(
        lambda x: inversion.project(
            linear_generator,
            x,
            jnp.zeros((5, 3)),
            steps=1500,
            learning_rate=0.02,
            prior_weight=prior_weight,
        )  # fmt: skip
    )(images)
    hessian = 2 * A.T @ A / 16 + prior_weight * np.eye(3) / 3
    expected = np.linalg.solve(hessian, 2 * A.T @ flat(images).T / 16).T
    np.testing.assert_allclose(z, expected, atol=2e-3)
    assert history.shape == (1500,) and float(history[-1]) < float(history[0])


def test_reconstruction_loss_by_hand_with_features():
    features = lambda x: flat(x)[:, :2] * 3.0  # noqa: E731  (two pixels, scaled)
    images = RNG.normal(size=(2, 4, 4, 1)).astype(np.float32)
    z = RNG.normal(size=(2, 3)).astype(np.float32)
    loss = inversion.reconstruction_loss(linear_generator, images, features=features,
                                         feature_weight=0.25, prior_weight=2.0)  # fmt: skip
    generated = flat(linear_generator(z))
    pixel = np.mean((generated - flat(images)) ** 2, axis=1)
    feature = np.mean((3 * generated[:, :2] - 3 * flat(images)[:, :2]) ** 2, axis=1)
    prior = 0.5 * 2.0 * np.mean(z**2, axis=1)
    np.testing.assert_allclose(loss(z), pixel + 0.25 * feature + prior, rtol=1e-5)


def test_projecting_a_batch_gives_each_image_what_projecting_it_alone_gives():
    images = RNG.normal(size=(3, 4, 4, 1)).astype(np.float32)
    start = RNG.normal(size=(3, 3)).astype(np.float32)
    run = lambda x, z: inversion.project(linear_generator, x, z, steps=30)[0]  # noqa: E731
    together = run(images, start)
    for i in range(3):
        np.testing.assert_allclose(together[i : i + 1], run(images[i : i + 1], start[i : i + 1]),
                                   rtol=1e-5, atol=1e-6)  # fmt: skip


class LinearEncoder(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.Dense(3, use_bias=False)(x.reshape(x.shape[0], -1))


@pytest.mark.parametrize("with_images", [False, True])
def test_trained_encoder_inverts_a_linear_generator(with_images):
    # E(G(z)) = z for every z needs E's matrix B with B A = I (a left inverse of A);
    # real images in A's range add a pixel loss with the same optimum.
    images = None
    if with_images:
        images = np.asarray(linear_generator(RNG.normal(size=(256, 3)).astype(np.float32)))
    variables, history = inversion.train_encoder(
        LinearEncoder(), linear_generator, jax.random.key(0), latent_dim=3, steps=800,
        batch_size=32, learning_rate=0.01, images=images,
    )  # fmt: skip
    b = np.asarray(variables["params"]["Dense_0"]["kernel"]).T  # (3, 16)
    np.testing.assert_allclose(b @ A, np.eye(3), atol=0.03)
    assert float(history[-1]) < 0.01 * float(history[0])


OFFSETS = np.linalg.qr(np.concatenate([A, RNG.normal(size=(16, 2))], axis=1))[0][:, 3:].T * 3


def conditional_linear_generator(z, labels):  # G(z, c) = A z + o_c, o_c outside A's range
    return (z @ A.T + jnp.asarray(OFFSETS, jnp.float32)[labels]).reshape(z.shape[0], 4, 4, 1)


def test_trained_encoder_inverts_a_label_conditioned_generator():
    # E(x) = B x inverts G(z, c) = A z + o_c for every z and c only if B A = I and
    # B o_c = 0: the offsets are orthogonal to A's columns, so such a B exists. The real
    # images' reconstruction loss |A B x + o_c - x|^2 is 0 there only if each image is
    # decoded with its own label c; with another label it is |o_c - o_c'|^2 = 18.
    labels = RNG.integers(0, 2, size=256)
    z = RNG.normal(size=(256, 3)).astype(np.float32)
    images = np.asarray(conditional_linear_generator(z, labels))
    variables, history = inversion.train_encoder(
        LinearEncoder(), conditional_linear_generator, jax.random.key(0), latent_dim=3,
        steps=800, batch_size=32, learning_rate=0.01, images=images, labels=labels,
    )  # fmt: skip
    b = np.asarray(variables["params"]["Dense_0"]["kernel"]).T  # (3, 16)
    np.testing.assert_allclose(b @ A, np.eye(3), atol=0.03)
    np.testing.assert_allclose(b @ OFFSETS.T, np.zeros((3, 2)), atol=0.05)
    assert float(history[-1]) < 0.01 * float(history[0])
    with pytest.raises(ValueError, match=r"labels of shape \(3,\) need images with one label "
                                         "each; got 256 images"):  # fmt: skip
        inversion.train_encoder(
            LinearEncoder(), conditional_linear_generator, jax.random.key(0), latent_dim=3,
            steps=1, images=images, labels=labels[:3],
        )  # fmt: skip


def test_dcgan_encoder_shapes_and_batch_independence():
    encoder = DCGANEncoder(image_size=28, channels=1, latent_dim=7, ndf=8)
    x = jnp.asarray(RNG.uniform(-1, 1, size=(4, 28, 28, 1)), jnp.float32)
    variables = encoder.init(jax.random.key(0), x)
    codes = encoder.apply(variables, x)
    assert codes.shape == (4, 7)
    np.testing.assert_allclose(encoder.apply(variables, x[2:3]), codes[2:3], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="DCGANEncoder"):
        encoder.apply(variables, x[:, :14])


def test_sobel_magnitude_equals_scipy():
    images = RNG.normal(size=(2, 6, 7, 2)).astype(np.float32)
    # SciPy's sobel smooths along every other axis, so apply it image by image, channel
    # by channel.
    expected = np.zeros_like(images)
    for b in range(2):
        for c in range(2):
            image = images[b, :, :, c]
            gradients = [ndimage.sobel(image, axis=a, mode="nearest") for a in (0, 1)]
            expected[b, :, :, c] = np.hypot(*gradients)
    np.testing.assert_allclose(inversion.sobel_magnitude(images), expected, rtol=1e-5, atol=1e-5)
    # A flat image has no edges, its border included.
    np.testing.assert_allclose(inversion.sobel_magnitude(jnp.full((1, 5, 5, 1), -1.0)), 0.0,
                               atol=1e-5)  # fmt: skip


def test_constraint_losses_by_hand():
    mask = np.zeros((1, 4, 4, 1), np.float32)
    mask[0, 0, 0, 0], mask[0, 1, 2, 0] = 1.0, 3.0
    images = RNG.normal(size=(2, 4, 4, 1)).astype(np.float32)
    loss = inversion.intensity_constraint(mask, 0.5).loss(images)
    expected = (1 * (images[:, 0, 0, 0] - 0.5) ** 2 + 3 * (images[:, 1, 2, 0] - 0.5) ** 2) / 4
    np.testing.assert_allclose(loss, expected, rtol=1e-6)
    sketch = np.full((1, 4, 4, 1), -1.0, np.float32)
    sketch[0, :, 1] = 1.0
    edges = inversion.edge_constraint(mask, sketch)
    # The sketch itself satisfies its edge constraint; a flat image violates it.
    np.testing.assert_allclose(edges.loss(sketch), 0.0, atol=1e-6)
    flat_edges = np.asarray(inversion.sobel_magnitude(sketch))
    by_hand = (flat_edges[0, 0, 0, 0] ** 2 + 3 * flat_edges[0, 1, 2, 0] ** 2) / 4
    np.testing.assert_allclose(edges.loss(np.full((1, 4, 4, 1), 0.3)), [by_hand], rtol=1e-5)


def test_edit_reaches_the_closed_form_of_a_quadratic_objective():
    # One intensity constraint c on the pixels M, smoothness s around z0:
    # minimise |M(Az - c)|^2 / |M| + s |z - z0|^2 / 3, whose minimiser solves
    # (A'MA / |M| + s I / 3) z = A'Mc / |M| + s z0 / 3.
    mask = np.zeros((1, 4, 4, 1), np.float32)
    mask[0, :2, :2] = 1.0
    z0 = RNG.normal(size=(2, 3)).astype(np.float32)
    s, c = 0.3, 0.8
    constraint = inversion.intensity_constraint(mask, c)
    z, _ = inversion.edit(linear_generator, jnp.asarray(z0), [constraint], smoothness=s,
                          steps=1500, learning_rate=0.02)  # fmt: skip
    m = np.diag(mask.reshape(-1))
    lhs = A.T @ m @ A / 4 + s * np.eye(3) / 3
    rhs = (A.T @ m @ np.full(16, c) / 4)[:, None] + s * z0.T / 3
    np.testing.assert_allclose(z, np.linalg.solve(lhs, rhs).T, atol=2e-3)


def test_interpolation():
    z0, z1 = jnp.array([2.0, 0.0, 0.0]), jnp.array([0.0, 2.0, 0.0])
    path = inversion.interpolate(z0, z1, 5)
    assert path.shape == (5, 3)
    np.testing.assert_allclose(path[0], z0, atol=1e-6)
    np.testing.assert_allclose(path[-1], z1, atol=1e-6)
    # Slerp between orthogonal latents of equal norm keeps the norm: the midpoint is
    # (z0 + z1) / sqrt(2), where the straight line's is (z0 + z1) / 2.
    np.testing.assert_allclose(jnp.linalg.norm(path, axis=1), 2.0, rtol=1e-6)
    np.testing.assert_allclose(path[2], (z0 + z1) / np.sqrt(2), rtol=1e-6)
    linear = inversion.interpolate(z0, z1, 5, spherical=False)
    np.testing.assert_allclose(linear[2], (z0 + z1) / 2, rtol=1e-6)
    # Parallel endpoints (and batches of latents) fall back to the straight line.
    batch = inversion.interpolate(jnp.stack([z0, z0]), jnp.stack([z1, 3 * z0]), 3)
    assert batch.shape == (3, 2, 3)
    np.testing.assert_allclose(batch[1, 1], 2 * z0, rtol=1e-6)


def test_inversion_errors():
    x = jnp.zeros((2, 4, 4, 1))
    with pytest.raises(ValueError, match=r"G makes images of shape \(2, 4, 4, 1\); the targets"):
        inversion.project(linear_generator, jnp.zeros((2, 5, 5, 1)), jnp.zeros((2, 3)), steps=1)
    with pytest.raises(ValueError, match="feature_weight=1.0 needs a features function"):
        inversion.reconstruction_loss(linear_generator, x, feature_weight=1.0)
    with pytest.raises(ValueError, match="learning_rate=0 must be > 0"):
        inversion.project(linear_generator, x, jnp.zeros((2, 3)), steps=1, learning_rate=0)
    with pytest.raises(ValueError, match="mask must be >= 0 everywhere and > 0 somewhere"):
        inversion.intensity_constraint(np.zeros((4, 4, 1)), 1.0)
    with pytest.raises(ValueError, match="edit needs at least one Constraint"):
        inversion.edit(linear_generator, jnp.zeros((2, 3)), [])
    with pytest.raises(ValueError, match="num=1 must be an integer >= 2"):
        inversion.interpolate(jnp.zeros(3), jnp.ones(3), 1)
    with pytest.raises(ValueError, match="holds 2 examples; batch_size=64 needs more"):
        inversion.train_encoder(LinearEncoder(), linear_generator, jax.random.key(0),
                                latent_dim=3, steps=1, images=np.zeros((2, 4, 4, 1)))  # fmt: skip
