"""The reformulated convolutions equal Flax's, in value and in every derivative used.

References: ``flax.linen.Conv`` / ``flax.linen.ConvTranspose`` (XLA's convolution), and
for the DCGAN transposed convolution a NumPy loop written from the definition (each
input pixel scatters the kernel into the stride-dilated output).
"""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgan.models import DCGANDiscriminator, DCGANGenerator
from jaxgan.models.convolution import Conv, ConvTranspose, conv_general_dilated
from jaxgan.step import GAN

# (reformulated module, attributes, input shape); each is compared with the Flax module
# it subclasses.
CASES = {
    "dcgan_conv_4x4_s2": (
        Conv,
        dict(kernel_size=(4, 4), strides=(2, 2), padding=((1, 1), (1, 1))),
        (3, 14, 14, 5),
    ),
    "conv_3x3_s2_same": (
        Conv,
        dict(kernel_size=(3, 3), strides=(2, 2), padding="SAME"),
        (3, 15, 14, 5),
    ),
    "conv_4x4_s2_odd": (
        Conv,
        dict(kernel_size=(4, 4), strides=(2, 2), padding=((2, 1), (0, 1))),
        (2, 13, 11, 5),
    ),
    "conv_dilated": (
        Conv,
        dict(kernel_size=(3, 3), padding="SAME", kernel_dilation=2),
        (2, 9, 8, 5),
    ),
    "conv_bias": (
        Conv,
        dict(
            kernel_size=(4, 4),
            strides=(2, 2),
            padding="SAME",
            use_bias=True,
            bias_init=nn.initializers.normal(1.0),
        ),
        (2, 8, 8, 5),
    ),
    "dcgan_convT_4x4_s2": (
        ConvTranspose,
        dict(kernel_size=(4, 4), strides=(2, 2), padding="SAME"),
        (3, 7, 7, 5),
    ),
    "convT_4x4_from_1x1": (
        ConvTranspose,
        dict(kernel_size=(4, 4), padding="VALID"),
        (3, 1, 1, 5),
    ),
    "convT_3x3_s2_same": (
        ConvTranspose,
        dict(kernel_size=(3, 3), strides=(2, 2), padding="SAME"),
        (2, 5, 6, 5),
    ),
    "convT_5x3_s32_valid": (
        ConvTranspose,
        dict(kernel_size=(5, 3), strides=(3, 2), padding="VALID"),
        (2, 4, 5, 5),
    ),
    "convT_explicit_flipped": (
        ConvTranspose,
        dict(
            kernel_size=(4, 4),
            strides=(2, 2),
            padding=((1, 2), (0, 3)),
            transpose_kernel=True,
            use_bias=True,
        ),
        (2, 5, 6, 5),
    ),
    "convT_kernel_smaller_than_stride": (
        ConvTranspose,
        dict(kernel_size=(2, 2), strides=(3, 3), padding="VALID"),
        (2, 3, 4, 5),
    ),
}
FEATURES = 24
FLAX_MODULES = {Conv: nn.Conv, ConvTranspose: nn.ConvTranspose}


def _pair(case):
    ours, attributes, shape = CASES[case]
    x = jax.random.normal(jax.random.key(1), shape)
    reference = FLAX_MODULES[ours](FEATURES, **attributes)
    variables = reference.init(jax.random.key(0), x)
    return ours(FEATURES, **attributes, implementation="reformulated"), reference, variables, x


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_parameters_and_outputs_as_flax(case):
    ours, reference, variables, x = _pair(case)
    own_variables = ours.init(jax.random.key(0), x)
    # Same names, shapes and initial values: checkpoints move between the two.
    assert jax.tree.map(jnp.shape, own_variables) == jax.tree.map(jnp.shape, variables)
    np.testing.assert_array_equal(own_variables["params"]["kernel"], variables["params"]["kernel"])
    got = jax.jit(ours.apply)(variables, x)
    want = jax.jit(reference.apply)(variables, x)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def _first_and_second_order(module, variables, x):
    """Gradients of a nonlinear readout w.r.t. input and parameters, and the parameter
    gradient of the squared input-gradient norm (what a gradient penalty takes)."""
    weights = jax.random.normal(jax.random.key(2), jax.eval_shape(module.apply, variables, x).shape)

    def readout(params, x):
        return jnp.sum(jnp.tanh(module.apply({"params": params}, x)) * weights)

    def penalty(params, x):
        return jnp.sum(jax.grad(readout, argnums=1)(params, x) ** 2)

    first = jax.jit(jax.grad(readout, argnums=(0, 1)))(variables["params"], x)
    second = jax.jit(jax.grad(penalty, argnums=(0, 1)))(variables["params"], x)
    return first, second


@pytest.mark.parametrize(
    "case", ["dcgan_conv_4x4_s2", "conv_3x3_s2_same", "dcgan_convT_4x4_s2", "convT_5x3_s32_valid"]
)
def test_gradients_and_second_order_gradients_equal_flax(case):
    ours, reference, variables, x = _pair(case)
    got = _first_and_second_order(ours, variables, x)
    want = _first_and_second_order(reference, variables, x)
    for g, w in zip(jax.tree.leaves(got), jax.tree.leaves(want), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4 * float(np.abs(w).max()))


def test_dcgan_transposed_convolution_matches_the_definition():
    """Flax's SAME 4x4 stride-2 transposed convolution (kernel not flipped) scatters
    x[i] * K[k] to output 2i + k - 1 ... written out, with lax's SAME padding (2, 2) of the
    dilated input: y[o] = sum_k xdil[o + k - 2] K[k], xdil[2i] = x[i]."""
    ours, _, variables, x = _pair("dcgan_convT_4x4_s2")
    kernel = np.asarray(variables["params"]["kernel"], np.float64)
    xs = np.asarray(x, np.float64)
    batch, n, m, _ = xs.shape
    want = np.zeros((batch, 2 * n, 2 * m, FEATURES))
    for i in range(n):
        for j in range(m):
            for a in range(4):
                for b in range(4):
                    oi, oj = 2 * i + 2 - a, 2 * j + 2 - b  # o + k - 2 = 2i  =>  o = 2i + 2 - k
                    if 0 <= oi < 2 * n and 0 <= oj < 2 * m:
                        want[:, oi, oj] += xs[:, i, j] @ kernel[a, b]
    np.testing.assert_allclose(ours.apply(variables, x), want, rtol=1e-5, atol=1e-5)


def _uses_xla_convolution(implementation, in_features, out_features, **attributes):
    x = jnp.ones((2, 8, 8, in_features))
    module = Conv(out_features, (4, 4), strides=(2, 2), implementation=implementation)
    variables = module.init(jax.random.key(0), x)
    return "conv_general_dilated" in str(jax.make_jaxpr(module.apply)(variables, x))


def test_auto_reformulates_only_where_it_is_faster_on_cpu():
    assert jax.default_backend() == "cpu"
    assert not _uses_xla_convolution("auto", 64, 128)
    # Matrix-vector shapes (one output or input channel) stay with XLA's convolution.
    assert _uses_xla_convolution("auto", 64, 1)
    assert _uses_xla_convolution("auto", 1, 64)
    assert not _uses_xla_convolution("reformulated", 1, 64)
    assert _uses_xla_convolution("xla", 64, 128)


def test_unsupported_layouts_fall_back_to_xla():
    x = jax.random.normal(jax.random.key(0), (2, 5, 9, 9))  # NCHW
    kernel = jax.random.normal(jax.random.key(1), (24, 5, 3, 3))  # OIHW
    args = ((2, 2), "SAME")
    got = conv_general_dilated(x, kernel, *args, implementation="reformulated")
    np.testing.assert_allclose(got, jax.lax.conv_general_dilated(x, kernel, *args), rtol=1e-6)


def test_errors_name_the_allowed_values():
    x = jnp.ones((1, 4, 4, 3))
    nchw = (jnp.ones((1, 3, 4, 4)), jnp.ones((2, 3, 3, 3)), (1, 1), "SAME")
    with pytest.raises(ValueError, match=r"implementation='xla '"):
        conv_general_dilated(*nchw, implementation="xla ")
    with pytest.raises(ValueError, match=r"implementation='fast'.*'auto', 'xla', 'reformulated'"):
        Conv(4, (3, 3), implementation="fast").init(jax.random.key(0), x)
    with pytest.raises(ValueError, match="padding='CIRCULAR'.*flax.linen.ConvTranspose"):
        ConvTranspose(4, (3, 3), padding="CIRCULAR").init(jax.random.key(0), x)


def _one_step(implementation, **gan_options):
    conv = {"conv_implementation": implementation}
    gan = GAN(
        DCGANGenerator(image_size=28, channels=1, latent_dim=16, ngf=8, **conv),
        DCGANDiscriminator(image_size=28, channels=1, ndf=8, **conv),
        optax.sgd(0.1), optax.sgd(0.1), latent_dim=16, **gan_options,
    )  # fmt: skip
    leading = (gan.n_critic,) if gan.n_critic > 1 else ()
    images = jax.random.uniform(jax.random.key(3), (*leading, 8, 28, 28, 1), minval=-1, maxval=1)
    state = gan.init(jax.random.key(0), {"image": images})
    return jax.jit(gan.train_step)(state, {"image": images}, jax.random.key(4))


@pytest.mark.parametrize(
    "options",
    [{}, {"loss": "wasserstein", "penalties": (("gradient_penalty", 10.0),), "n_critic": 2}],
    ids=["dcgan", "wgan_gp"],
)
def test_dcgan28_train_step_equal_under_both_implementations(options):
    """A whole step (G and D forward, both updates, and the penalty's second-order
    gradient for WGAN-GP) gives the same parameters either way."""
    (state_xla, metrics_xla), (state_ours, metrics_ours) = (
        _one_step(implementation, **options) for implementation in ("xla", "reformulated")
    )
    for name in ("generator_params", "discriminator_params"):
        for got, want in zip(
            jax.tree.leaves(getattr(state_ours, name)),
            jax.tree.leaves(getattr(state_xla, name)),
            strict=True,
        ):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    for name, value in metrics_xla.items():
        np.testing.assert_allclose(metrics_ours[name], value, rtol=1e-4, atol=1e-5)
