"""Energy-based GANs (EBGAN, BEGAN): the autoencoder discriminator, the losses, the
pulling-away term and BEGAN's equilibrium variable, against values worked out by hand."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import losses, regularizers
from jaxgan.models import AutoencoderDiscriminator
from jaxgan.models.energy import reconstruction_energy
from jaxgan.objectives import Context
from tests.toy_gans import tiny_dcgan

KEY = jax.random.key(0)


def test_energy_is_the_reconstruction_error_of_the_autoencoder():
    d = AutoencoderDiscriminator(image_size=28, channels=1, ndf=8, code_dim=16)
    x = np.random.default_rng(0).uniform(-1, 1, (5, 28, 28, 1)).astype(np.float32)
    variables = d.init(KEY, x)
    energies, code = d.apply(variables, x, return_features=True)
    reconstruction, same_code = d.apply(variables, x, method="autoencode")
    error = (x - np.asarray(reconstruction)).reshape(5, -1)
    np.testing.assert_allclose(energies, np.mean(error**2, axis=1), rtol=1e-5)
    np.testing.assert_allclose(code, same_code)
    assert code.shape == (5, 16) and reconstruction.shape == x.shape
    l1 = AutoencoderDiscriminator(image_size=28, channels=1, ndf=8, code_dim=16, energy="l1")
    np.testing.assert_allclose(l1.apply(variables, x), np.mean(np.abs(error), axis=1), rtol=1e-5)


def test_autoencoder_parameter_count_by_hand():
    # 28x28x1, ndf 8, code 16, no normalisation: Conv 4x4 1->8 (+b), Conv 8->16 (+b),
    # Dense 7*7*16 -> 16 (+b), Dense 16 -> 7*7*16 (+b), ConvT 16->8 (+b), ConvT 8->1 (+b).
    d = AutoencoderDiscriminator(image_size=28, ndf=8, code_dim=16, normalization="none")
    variables = d.init(KEY, np.zeros((2, 28, 28, 1), np.float32))
    count = sum(np.size(p) for p in jax.tree.leaves(variables["params"]))
    expected = (16 * 8 + 8) + (16 * 8 * 16 + 16) + (784 * 16 + 16) + (16 * 784 + 784)
    expected += (16 * 16 * 8 + 8) + (16 * 8 + 1)
    assert count == expected


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"energy": "l2"}, r"energy='l2' is not supported; use one of \('mse', 'l1'\)"),
        ({"normalization": "layer"}, r"normalization='layer' is not supported"),
        ({"image_size": 48}, r"image_size=48 is not supported; use 28, 32 or 64"),
    ],
)
def test_autoencoder_errors(fields, message):
    with pytest.raises(ValueError, match=message):
        AutoencoderDiscriminator(**fields).init(KEY, np.zeros((2, 28, 28, 1), np.float32))
    with pytest.raises(ValueError, match="energy='x' is not supported"):
        reconstruction_energy(jnp.zeros((1, 2)), jnp.zeros((1, 2)), "x")


def test_ebgan_and_began_losses_by_hand():
    real, fake = np.array([0.1, 0.3]), np.array([0.05, 0.5])
    # E D(x) + E max(0, m - D(G(z))) with m = 0.2: 0.2 + (0.15 + 0) / 2.
    ebgan = losses.get("ebgan", margin=0.2)
    assert float(ebgan.discriminator_loss(real, fake)) == pytest.approx(0.275)
    assert float(ebgan.generator_loss(fake)) == pytest.approx(0.275)
    default = losses.get("ebgan")
    assert float(default.discriminator_loss(real, fake)) == pytest.approx(0.2 + (0.128 - 0.05) / 2)
    began = losses.get("began")
    assert float(began.discriminator_loss(real, fake)) == pytest.approx(0.2)
    assert float(began.generator_loss(fake)) == pytest.approx(0.275)
    with pytest.raises(ValueError, match="loss family 'hinge' takes no option 'margin'"):
        losses.get("hinge", margin=1.0)
    with pytest.raises(ValueError, match="EBGAN margin=0 must be > 0"):
        losses.get("ebgan", margin=0)


def test_pulling_away_on_orthogonal_parallel_and_random_codes():
    assert float(regularizers.pulling_away(jnp.eye(4))) == pytest.approx(0.0)
    parallel = jnp.array([[1.0, 2.0], [2.0, 4.0], [-3.0, -6.0]])
    assert float(regularizers.pulling_away(parallel)) == pytest.approx(1.0)
    s = np.random.default_rng(1).normal(size=(6, 5))
    expected = np.mean([
        (s[i] @ s[j] / np.linalg.norm(s[i]) / np.linalg.norm(s[j])) ** 2
        for i in range(6) for j in range(6) if i != j
    ])  # fmt: skip
    assert float(regularizers.pulling_away(jnp.asarray(s))) == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match="compares pairs; got a batch of 1"):
        regularizers.pulling_away(jnp.ones((1, 3)))


def context(real_outputs, fake_outputs, fake_features=None):
    return Context(
        player="discriminator", discriminator=None, discriminate=None, real=None, fake=None,
        real_outputs=jnp.asarray(real_outputs), fake_outputs=jnp.asarray(fake_outputs),
        real_features=None, fake_features=fake_features, batch={}, latents=None,
        generator=None, params=None, key=KEY, step=jnp.int32(0), axis_name=None,
        loss=losses.get("began"),
    )  # fmt: skip


def test_began_k_follows_its_update_rule_and_clips():
    term = regularizers.get("began_equilibrium", gamma=0.5, lambda_k=0.1)
    state = term.init(KEY, {})
    assert float(state["k"]) == 0.0
    k = 0.0
    for real, fake in [(0.8, 0.1), (0.6, 0.2), (0.2, 0.5), (0.2, 0.9)]:
        value, state, metrics = term.apply(context([real, real], [fake, fake]), state)
        # value = -k_t L(G(z)) with the k before the update; then k moves.
        assert float(value) == pytest.approx(-k * fake)
        k = min(max(k + 0.1 * (0.5 * real - fake), 0.0), 1.0)
        assert float(state["k"]) == pytest.approx(k)
        assert float(metrics["began_k"]) == pytest.approx(k)
        assert float(metrics["began_convergence"]) == pytest.approx(real + abs(0.5 * real - fake))
    assert k == 0.0  # 0.03, 0.04, then 0.04 - 0.04 = 0, then a negative step clipped at 0
    top = regularizers.get("began_equilibrium", lambda_k=1.0, initial_k=0.9)
    _, state, _ = top.apply(context([1.0], [0.0]), top.init(KEY, {}))
    assert float(state["k"]) == 1.0  # clipped at 1
    # The gradient of the value reaches D through its generated energies only: -k / N each.
    grads = jax.grad(
        lambda fake: term.apply(context([0.5, 0.5], fake), {"k": jnp.float32(0.4)})[0]
    )(jnp.array([0.2, 0.3]))
    np.testing.assert_allclose(grads, [-0.2, -0.2])


def test_began_errors():
    with pytest.raises(ValueError, match="loss='began' is BEGAN's L.x. and L_G only"):
        tiny_dcgan(loss="began")
    with pytest.raises(ValueError, match=r"gamma=0 must lie in \(0, 1\]"):
        regularizers.get("began_equilibrium", gamma=0)
    with pytest.raises(ValueError, match=r"initial_k=2 must lie in \[0, 1\]"):
        regularizers.get("began_equilibrium", initial_k=2)


def energy_gan(**fields):
    d = AutoencoderDiscriminator(image_size=28, ndf=8, code_dim=16, **fields.pop("d", {}))
    return tiny_dcgan(discriminator=d, **fields)


def test_ebgan_step_adds_the_pulling_away_term_on_the_generator():
    from jaxgan.objectives import Term

    batch = {"image": np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32)}
    gan = energy_gan(
        loss="ebgan",
        regularizers=(Term(regularizers.PullingAway(), 0.1, player="generator"),),
    )
    state = gan.init(KEY, batch)
    new_state, metrics = jax.jit(gan.train_step)(state, batch, KEY)
    assert 0.0 <= float(metrics["pulling_away"]) <= 1.0
    assert float(metrics["generator_total_loss"]) == pytest.approx(
        float(metrics["generator_loss"]) + 0.1 * float(metrics["pulling_away"]), rel=1e-5
    )
    assert int(new_state.step) == 1 and not float(metrics["skipped"])


def test_began_step_carries_k_in_the_state():
    batch = {"image": np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32)}
    gan = energy_gan(
        loss="began",
        regularizers=(("began_equilibrium", 1.0),),
        d={"energy": "l1", "normalization": "none"},
    )
    state = gan.init(KEY, batch)
    step = jax.jit(gan.train_step)
    state, first = step(state, batch, KEY)
    # k_0 = 0: D's loss is L(x) alone; k_1 = 0.001 (gamma L(x) - L(G(z))), clipped at 0.
    real, fake = float(first["discriminator_real_output"]), float(first["discriminator_gen_output"])
    assert float(first["discriminator_total_loss"]) == pytest.approx(real, rel=1e-6)
    k1 = min(max(0.001 * (0.5 * real - fake), 0.0), 1.0)
    assert float(state.regularizer_state["began_equilibrium"]["k"]) == pytest.approx(k1, abs=1e-9)
    assert float(first["began_convergence"]) == pytest.approx(real + abs(0.5 * real - fake))


def test_energy_configs_build_and_validate_their_options():
    from experiments.configs import began_mnist, ebgan_mnist
    from jaxgan.config import build_gan
    from jaxgan.validation import check_config

    ebgan = ebgan_mnist.get_config()
    assert check_config(ebgan) == []
    gan = build_gan(ebgan)
    assert gan.family.name == "ebgan" and isinstance(gan.discriminator, AutoencoderDiscriminator)
    assert float(gan.family.discriminator_loss([0.0], [0.0])) == pytest.approx(0.128)
    assert [t.name for t in gan.terms] == ["pulling_away"] and gan.terms[0].player == "generator"
    ebgan.loss_options = {"margin": -1.0}
    assert check_config(ebgan) == ["loss_options: EBGAN margin=-1.0 must be > 0"]
    ebgan.loss_options = {"width": 1.0}
    assert check_config(ebgan) == [
        "loss_options: loss family 'ebgan' takes no option 'width'; its options: margin"
    ]
    began = began_mnist.get_config()
    assert check_config(began) == []
    gan = build_gan(began)
    assert gan.family.name == "began" and gan.terms[0].regularizer.gamma == 0.5
    began.regularizers = {}
    assert check_config(began) == [
        "loss='began' needs the began_equilibrium regularizer (BEGAN's k_t term)"
    ]
    with pytest.raises(ValueError, match="add the began_equilibrium term"):
        build_gan(began)
