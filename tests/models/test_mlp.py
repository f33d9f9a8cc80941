"""The toy MLPs' PacGAN options: maxout hidden layers, BatchNorm without biases, N(0, std)
weights, each against a NumPy forward pass from the module's own parameters."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan.models import MLPDiscriminator, MLPGenerator

RNGS = {"params": jax.random.key(1)}


def test_maxout_discriminator_matches_numpy():
    d = MLPDiscriminator(input_dim=4, hidden=(6, 3), activation="maxout", maxout_pieces=5)
    x = jax.random.normal(jax.random.key(0), (7, 4))
    variables = d.init(RNGS, x)
    params = jax.tree.map(np.asarray, variables["params"])
    assert params["Dense_0"]["kernel"].shape == (4, 30)  # 6 units x 5 pieces
    assert params["Dense_1"]["kernel"].shape == (6, 15)
    h = np.asarray(x, np.float64)
    for index, units in enumerate((6, 3)):
        layer = params[f"Dense_{index}"]
        y = h @ layer["kernel"] + layer["bias"]
        # Unit u's pieces are the 5 consecutive outputs u*5 .. u*5+4.
        h = np.stack([y[:, u * 5 : u * 5 + 5].max(axis=1) for u in range(units)], axis=1)
    expected = (h @ params["Dense_2"]["kernel"] + params["Dense_2"]["bias"])[:, 0]
    np.testing.assert_allclose(jax.jit(d.apply)(variables, x), expected, rtol=1e-5, atol=1e-6)


def test_batchnorm_generator_matches_numpy_and_has_no_hidden_biases():
    g = MLPGenerator(latent_dim=2, hidden=(5, 5), output_dim=2, normalization="batch")
    z = jax.random.normal(jax.random.key(0), (9, 2))
    variables = g.init(RNGS, z)
    params = jax.tree.map(np.asarray, variables["params"])
    assert "bias" not in params["Dense_0"] and "bias" not in params["Dense_1"]
    assert "bias" in params["Dense_2"]
    out, updates = jax.jit(lambda v, z: g.apply(v, z, train=True, mutable=["batch_stats"]))(
        variables, z
    )
    h = np.asarray(z, np.float64)
    for index in range(2):
        y = h @ params[f"Dense_{index}"]["kernel"]
        bn = params[f"BatchNorm_{index}"]
        y = (y - y.mean(0)) / np.sqrt(y.var(0) + 1e-5) * bn["scale"] + bn["bias"]
        h = np.maximum(y, 0.0)
    expected = h @ params["Dense_2"]["kernel"] + params["Dense_2"]["bias"]
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
    assert set(updates["batch_stats"]) == {"BatchNorm_0", "BatchNorm_1"}


def test_kernel_init_std_draws_weights_from_n0_std():
    g = MLPGenerator(hidden=(400, 400), kernel_init_std=0.02)
    params = g.init(RNGS, jnp.zeros((1, 2)))["params"]
    kernel = np.asarray(params["Dense_1"]["kernel"])  # 160,000 draws
    assert abs(kernel.std() - 0.02) < 0.0005 and abs(kernel.mean()) < 0.0005
    default = MLPGenerator(hidden=(400, 400)).init(RNGS, jnp.zeros((1, 2)))["params"]
    # Flax's LeCun normal: std 1/sqrt(fan_in) = 0.05.
    assert abs(np.asarray(default["Dense_1"]["kernel"]).std() - 0.05) < 0.002


@pytest.mark.parametrize(
    "model, message",
    [
        (MLPDiscriminator(activation="relu"), "activation='relu' is not supported"),
        (MLPGenerator(normalization="layer"), "normalization='layer' is not supported"),
        (MLPGenerator(kernel_init_std=0.0), "kernel_init_std=0.0 must be > 0"),
    ],
)
def test_bad_options_say_what_is_allowed(model, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        model.init(RNGS, jnp.zeros((2, 2)))
