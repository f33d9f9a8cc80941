"""StackGAN in the train step: text conditioning, the generator's own (sown) losses and
the matching-aware discriminator, against losses written out by hand."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgan import losses, regularizers
from jaxgan.objectives import Context
from jaxgan.parallel import Parallel
from jaxgan.step import GAN

RNG = np.random.default_rng(0)
U = np.array([0.5, -1.0, 0.25, 2.0], np.float32)
V = np.array([1.0, -0.5, 0.0, 0.75, -2.0], np.float32)
C = np.array([0.3, -0.2, 0.1, 0.4], np.float32)


def softplus(x):
    return np.logaddexp(0.0, x)


class ConstantGenerator(nn.Module):
    """``G(z, text) = c`` for every example; sows ``0.25 ||c||^2`` as its own loss."""

    @nn.compact
    def __call__(self, z, text, *, train=False):
        c = self.param("c", lambda key: jnp.asarray(C))
        if not self.is_initializing():
            self.sow("losses", "penalty", 0.25 * jnp.sum(jnp.square(c)))
        return jnp.broadcast_to(c, (z.shape[0], 4)) + 0.0 * z[:, :1] + 0.0 * text[:, :1]


class LinearDiscriminator(nn.Module):
    """``D(x, text) = x . u + text . v``."""

    @nn.compact
    def __call__(self, x, text, *, train=False, return_features=False):
        u = self.param("u", lambda key: jnp.asarray(U))
        v = self.param("v", lambda key: jnp.asarray(V))
        return x @ u + text @ v


def batch(size=8):
    return {
        "image": RNG.normal(size=(size, 4)).astype(np.float32),
        "text": RNG.integers(0, 2, (size, 5)).astype(np.float32),
    }


def gan(**overrides):
    fields = dict(
        generator=ConstantGenerator(), discriminator=LinearDiscriminator(),
        generator_optimizer=optax.sgd(0.1), discriminator_optimizer=optax.sgd(0.1),
        latent_dim=3, conditioning="text",
    )  # fmt: skip
    return GAN(**{**fields, **overrides})


def test_matching_aware_term_is_the_loss_against_mismatched_minus_against_generated():
    b = batch(6)
    fake = np.broadcast_to(C, (6, 4))

    def d(x, text):
        return jnp.asarray(x) @ U + jnp.asarray(text) @ V

    context = Context(
        player="discriminator", discriminator=None,
        discriminate=lambda x, batch=b: {"outputs": d(x, batch["text"])},
        real=b["image"], fake=fake, real_outputs=d(b["image"], b["text"]),
        fake_outputs=d(fake, b["text"]), real_features=None, fake_features=None, batch=b,
        latents=None, generator=None, params={}, key=jax.random.key(0), step=jnp.int32(0),
        axis_name=None, loss=losses.get("non_saturating"),
    )  # fmt: skip
    value, _, metrics = regularizers.get("matching_aware").apply(context, {})
    real = b["image"] @ U + b["text"] @ V
    mismatched = b["image"] @ U + np.roll(b["text"], 1, axis=0) @ V
    generated = fake @ U + b["text"] @ V
    np.testing.assert_allclose(value, softplus(mismatched).mean() - softplus(generated).mean(),
                               rtol=1e-5)  # fmt: skip
    np.testing.assert_allclose(metrics["matching_aware_mismatched_output"], mismatched.mean(),
                               rtol=1e-5)  # fmt: skip
    del real
    with pytest.raises(ValueError, match="mismatched 'label'; the batch has"):
        regularizers.get("matching_aware", condition="label").apply(context, {})


@pytest.mark.parametrize("n_critic", [1, 2])
def test_step_with_text_own_losses_and_matching_aware(n_critic):
    """D's loss is GAN-CLS's, G's gradient includes its sown loss: the constant G gets
    the adversarial gradient through D's u plus 0.5 c from 0.25 ||c||^2."""
    model = gan(regularizers=(("matching_aware", 0.5),), n_critic=n_critic)
    batches = [batch() for _ in range(n_critic)]
    stacked = batches[0] if n_critic == 1 else jax.tree.map(lambda *a: np.stack(a), *batches)
    state = model.init(jax.random.key(0), stacked)
    assert set(state.generator_collections) == set()  # the sown collection is not state
    new_state, metrics = jax.jit(model.train_step)(state, stacked, jax.random.key(1))

    first = batches[0]
    real = first["image"] @ U + first["text"] @ V
    generated = C @ U + first["text"] @ V
    mismatched = first["image"] @ U + np.roll(first["text"], 1, axis=0) @ V
    d_total = (
        softplus(-real).mean()
        + 0.5 * softplus(generated).mean()
        + 0.5 * softplus(mismatched).mean()
    )
    if n_critic == 1:  # (with 2 the metrics are the mean over both iterations)
        np.testing.assert_allclose(metrics["discriminator_total_loss"], d_total, rtol=1e-5)

    # G's update through D's updated u: d/dc mean softplus(-(c . u + t . v)) = -mean sigmoid(-g) u.
    u = np.asarray(new_state.discriminator_params["u"])
    v = np.asarray(new_state.discriminator_params["v"])
    g_batch = batches[-1]
    g_outputs = C @ u + g_batch["text"] @ v
    sigmoid = 1.0 / (1.0 + np.exp(g_outputs))  # sigmoid(-outputs)
    grad = -sigmoid.mean() * u + 0.5 * C
    np.testing.assert_allclose(new_state.generator_params["c"], C - 0.1 * grad, rtol=1e-5)
    penalty = 0.25 * np.sum(C**2)
    np.testing.assert_allclose(metrics["generator_penalty"], penalty, rtol=1e-6)
    np.testing.assert_allclose(
        metrics["generator_total_loss"], softplus(-g_outputs).mean() + penalty, rtol=1e-5
    )


@pytest.mark.parametrize("strategy", ["pmap", "sharded"])
def test_text_conditioning_and_own_losses_on_8_devices_equal_one_device(strategy):
    model = gan()
    b = batch(16)
    state = model.init(jax.random.key(0), b)
    single, single_metrics = jax.jit(model.train_step)(state, b, jax.random.key(1))
    parallel = Parallel.create(strategy, 8)
    out, metrics = parallel.compile_step(model)(
        parallel.put_state(state), parallel.put_batch(b), parallel.put_key(jax.random.key(1))
    )
    out = parallel.get_state(out)
    for name in ("c",):
        np.testing.assert_allclose(out.generator_params[name], single.generator_params[name],
                                   rtol=1e-5)  # fmt: skip
    for name in ("u", "v"):
        np.testing.assert_allclose(out.discriminator_params[name],
                                   single.discriminator_params[name], rtol=1e-5)  # fmt: skip
    got = np.asarray(metrics["generator_penalty"]).reshape(-1)[0]
    np.testing.assert_allclose(got, single_metrics["generator_penalty"], rtol=1e-6)


def test_text_conditioning_needs_text_in_the_batch():
    model = gan()
    with pytest.raises(ValueError, match=r"conditioning='text' needs \['image', 'text'\]"):
        model.train_step(model.init(jax.random.key(0), batch()), {"image": batch()["image"]},
                         jax.random.key(0))  # fmt: skip
