"""The VAE baseline (jaxgan.vae): its terms against closed forms and SciPy, its step against
an independent linear-Gaussian computation, under every strategy, and through the runner."""

import json

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from scipy import stats

from experiments import train
from experiments.configs import vae_mnist
from experiments.sample import restore_state, sample
from jaxgan.config import build_gan
from jaxgan.parallel import Parallel
from jaxgan.training import train as train_loop
from jaxgan.vae import VAE, gaussian_kl, gaussian_negative_log_likelihood
from tests.experiments.test_train import tiny
from tests.toy_gans import flat_params, gaussian_batches

RNG = np.random.default_rng(0)


def test_gaussian_kl_against_its_closed_form():
    mean = RNG.normal(size=(3, 4)).astype(np.float32)
    log_variance = RNG.normal(size=(3, 4)).astype(np.float32)
    variance = np.exp(log_variance)
    # KL(N(m, v) || N(0, 1)) = (v + m^2 - 1 - log v) / 2 per dimension.
    expected = np.sum(0.5 * (variance + mean**2 - 1 - log_variance), axis=1)
    np.testing.assert_allclose(gaussian_kl(mean, log_variance), expected, rtol=1e-5)
    np.testing.assert_allclose(gaussian_kl(np.zeros((2, 4)), np.zeros((2, 4))), 0.0, atol=1e-7)


def test_gaussian_likelihood_against_scipy_and_the_optimal_std():
    x = RNG.normal(size=(4, 3, 3, 1)).astype(np.float32)
    reconstruction = x + 0.3 * RNG.normal(size=x.shape).astype(np.float32)
    fixed = gaussian_negative_log_likelihood(x, reconstruction, std=0.7)
    expected = -stats.norm.logpdf(x, loc=reconstruction, scale=0.7).reshape(4, -1).sum(axis=1)
    np.testing.assert_allclose(fixed, expected, rtol=1e-5)
    # The optimal shared std is the root mean squared error, and no other std gives the
    # batch a smaller negative log-likelihood.
    rmse = float(np.sqrt(np.mean((reconstruction - x) ** 2)))
    optimal = gaussian_negative_log_likelihood(x, reconstruction)
    np.testing.assert_allclose(
        optimal, gaussian_negative_log_likelihood(x, reconstruction, std=rmse), rtol=1e-5
    )
    for scale in (0.8, 1.25):
        other = gaussian_negative_log_likelihood(x, reconstruction, std=rmse * scale)
        assert float(jnp.sum(optimal)) < float(jnp.sum(other))


class Linear(nn.Module):
    features: int

    @nn.compact
    def __call__(self, x, *, train=False):
        return nn.Dense(self.features)(x.reshape(x.shape[0], -1))


def linear_vae(**options):
    return VAE(generator=Linear(2), discriminator=Linear(2 * 3), latent_dim=3,
               generator_optimizer=optax.sgd(0.1), discriminator_optimizer=optax.sgd(0.1),
               **options)  # fmt: skip


@pytest.mark.parametrize("decoder_std", [None, 0.5])
def test_step_is_sgd_on_the_negative_elbo(decoder_std):
    # The same step written out: encoder W_e x + b_e -> (mean, log-variance), z = mean +
    # exp(lv / 2) eps with the step's noise, decoder W_d z + b_d, Gaussian likelihood.
    vae = linear_vae(decoder_std=decoder_std, kl_weight=0.5)
    batch = gaussian_batches(8, 1)[0]
    state = vae.init(jax.random.key(0), batch)
    key = jax.random.key(7)
    new, metrics = jax.jit(vae.train_step)(state, batch, key)
    eps = jax.random.normal(jax.random.fold_in(jax.random.fold_in(key, 0), 0), (8, 3))
    x = batch["image"]

    def negative_elbo(g, d, kl_weight):
        code = x @ d["Dense_0"]["kernel"] + d["Dense_0"]["bias"][None]
        mean, lv = code[:, :3], code[:, 3:]
        z = mean + jnp.exp(lv / 2) * eps
        r = z @ g["Dense_0"]["kernel"] + g["Dense_0"]["bias"][None]
        sse = jnp.sum((r - x) ** 2, axis=1)
        s2 = jnp.mean((r - x) ** 2) if decoder_std is None else decoder_std**2
        nll = sse / (2 * s2) + 2 * 0.5 * jnp.log(2 * np.pi * s2)
        kl = 0.5 * jnp.sum(jnp.exp(lv) + mean**2 - 1 - lv, axis=1)
        return jnp.mean(nll + kl_weight * kl)

    params = (state.generator_params, state.discriminator_params)
    grads = jax.grad(lambda p: negative_elbo(*p, 0.5))(params)
    expected = jax.tree.map(lambda p, g: p - 0.1 * g, params, grads)
    for actual, wanted in zip(jax.tree.leaves((new.generator_params, new.discriminator_params)),
                              jax.tree.leaves(expected), strict=True):  # fmt: skip
        np.testing.assert_allclose(actual, wanted, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(metrics["negative_elbo"], negative_elbo(*params, 1.0), rtol=1e-5)
    assert int(new.step) == 1 and float(metrics["skipped"]) == 0.0


def test_training_lowers_the_negative_elbo():
    adam = optax.adam(1e-2)
    vae = VAE(generator=Linear(2), discriminator=Linear(6), latent_dim=3,
              generator_optimizer=adam, discriminator_optimizer=adam)  # fmt: skip
    batches = gaussian_batches(64, 300)
    state = vae.init(jax.random.key(0), batches[0])
    _, first = jax.jit(vae.train_step)(state, batches[0], jax.random.key(1))
    final, last = train_loop(vae, state, batches, jax.random.key(1), num_steps=300,
                             parallel=Parallel.create("single", 1))  # fmt: skip
    assert float(last["negative_elbo"]) < float(first["negative_elbo"]) - 1.0
    # The prior's samples land near the data (N(DATA_MEAN, DATA_STD^2)), as a VAE learns.
    z = jax.random.normal(jax.random.key(2), (2000, 3))
    from tests.toy_gans import DATA_MEAN

    samples = np.asarray(vae.sample(final, (z,)))
    np.testing.assert_allclose(samples.mean(axis=0), DATA_MEAN, atol=0.3)


@pytest.mark.parametrize("strategy,num_devices", [("sharded", 4), ("pmap", 4), ("sharded", 8)])
def test_every_strategy_gives_the_single_device_step(strategy, num_devices):
    vae = linear_vae()
    batches = gaussian_batches(16, 3)
    state = vae.init(jax.random.key(0), batches[0])
    results = {}
    for name, count in (("single", 1), (strategy, num_devices)):
        final, _ = train_loop(vae, state, batches, jax.random.key(3), num_steps=3,
                              parallel=Parallel.create(name, count))  # fmt: skip
        results[name] = flat_params(final)
    if strategy == "pmap":
        # pmap draws each device's noise apart (its index folded in): other draws, so
        # the parameters move differently, but finitely and by similar amounts.
        for path, value in results["pmap"].items():
            assert np.all(np.isfinite(value)) and value.shape == results["single"][path].shape
        return
    for path, value in results["single"].items():
        np.testing.assert_allclose(results[strategy][path], value, rtol=2e-5, atol=2e-6)


def test_a_non_finite_batch_is_skipped():
    vae = linear_vae()
    batch = gaussian_batches(8, 1)[0]
    state = vae.init(jax.random.key(0), batch)
    bad = {"image": batch["image"].copy()}
    bad["image"][0, 0] = np.nan
    new, metrics = jax.jit(vae.train_step)(state, bad, jax.random.key(1))
    assert float(metrics["skipped"]) == 1.0 and int(new.consecutive_skips) == 1
    for before, after in zip(jax.tree.leaves(state.generator_params),
                             jax.tree.leaves(new.generator_params), strict=True):  # fmt: skip
        np.testing.assert_array_equal(before, after)


def test_vae_errors():
    with pytest.raises(ValueError, match="kl_weight=-1 must be >= 0"):
        linear_vae(kl_weight=-1)
    with pytest.raises(ValueError, match=r"decoder_std=0 must be > 0 \(or None: optimal\)"):
        linear_vae(decoder_std=0)
    sgd = optax.sgd(0.1)
    vae = VAE(generator=Linear(2), discriminator=Linear(5), latent_dim=3,
              generator_optimizer=sgd, discriminator_optimizer=sgd)  # fmt: skip
    batch = gaussian_batches(8, 1)[0]
    state = vae.init(jax.random.key(0), batch)
    with pytest.raises(ValueError, match="the encoder gives 5 outputs; the VAE needs 2 \\* "):
        vae.train_step(state, batch, jax.random.key(0))
    with pytest.raises(ValueError, match="the batch has keys \\['label'\\]; the VAE needs 'image'"):
        vae.init(jax.random.key(0), {"label": np.zeros(8)})


def test_the_runner_trains_checkpoints_and_samples_a_vae(tmp_path):
    config = tiny(vae_mnist.get_config(), str(tmp_path / "tfds"), num_steps=4)
    summary = train.run(config, str(tmp_path / "run"), verbose=False)
    assert summary["final_step"] == 4
    rows = [
        json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    ]
    assert {"negative_elbo", "kl", "mse", "reconstruction_loss"} <= set(rows[-1])
    gan, state = restore_state(tmp_path / "run", config)
    assert isinstance(gan, VAE) and int(state.step) == 4
    _, samples = sample(str(tmp_path / "run"), num_samples=6, seed=0)
    z = jax.random.normal(jax.random.key(0), (6, config.latent_dim))
    np.testing.assert_allclose(samples, gan.sample(state, (z,)), rtol=1e-5, atol=1e-6)
    assert samples.shape == (6, 28, 28, 1)


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("framework", "vee", "framework='vee'"),
        ("model", "mlp", "model='mlp' must be 'dcgan' with framework='vae'"),
        ("conditioning", "labels", "conditioning='labels' must be 'none' with framework='vae'"),
        ("n_critic", 5, "n_critic=5 must be 1 with framework='vae'"),
    ],
)
def test_vae_config_validation(field, value, message):
    from jaxgan.validation import check_config

    config = vae_mnist.get_config()
    setattr(config, field, value)
    assert any(message in problem for problem in check_config(config)), check_config(config)
    config = vae_mnist.get_config()
    config.penalties = {"r1": 1.0}
    assert any("must be empty with framework='vae'" in p for p in check_config(config))
    assert isinstance(build_gan(vae_mnist.get_config()), VAE)
