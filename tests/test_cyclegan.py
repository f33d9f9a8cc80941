"""CycleGAN in the train step: the cycle and identity terms, unpaired conditioning and the
history pool, against hand values and the paper's loss written out directly."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgan import losses, regularizers
from jaxgan.models import CycleGANDiscriminator, CycleGANGenerator, PatchGANDiscriminator
from jaxgan.models.cyclegan import ResNetTranslator
from jaxgan.objectives import Context, Term
from jaxgan.parallel import Parallel
from jaxgan.step import GAN, HISTORY_POOL_STATE
from jaxgan.training import train

RNG = np.random.default_rng(0)
# Small and shallow (compiles are the cost; the blocks are tested in tests/models).
NGF, BLOCKS, NDF, LAYERS = 2, 0, 2, 1


def stacked(batch, size=8):
    return RNG.uniform(-1, 1, (batch, size, size, 2)).astype(np.float32)


def translator_context(x, generator, fake=None):
    return Context(
        player="generator", discriminator=None, discriminate=None, real=x,
        fake=generator(x) if fake is None else fake, real_outputs=None, fake_outputs=None,
        real_features=None, fake_features=None, batch={"image": x}, latents=x,
        generator=generator, params={}, key=jax.random.key(0), step=jnp.int32(0),
        axis_name=None, loss=losses.get("least_squares"),
    )  # fmt: skip


def test_cycle_term_is_the_l1_of_translating_twice():
    x = jnp.asarray(stacked(3))
    # G doubles slot A and negates slot B: G(G(x)) = [4a | b], so the error is 3|a| in
    # slot A and 0 in slot B, averaged over both.
    double_and_negate = lambda v: v * jnp.asarray([2.0, -1.0]).reshape(1, 1, 1, 2)  # noqa: E731
    value, _, _ = regularizers.CycleConsistency().apply(
        translator_context(x, double_and_negate), None
    )
    np.testing.assert_allclose(value, np.mean(3 * np.abs(np.asarray(x)[..., 0])) / 2, rtol=1e-6)


def test_identity_term_feeds_each_translator_its_target_domain():
    x = np.asarray(stacked(3))
    scale = jnp.asarray([3.0, 0.5]).reshape(1, 1, 1, 2)
    value, _, _ = regularizers.Identity().apply(
        translator_context(jnp.asarray(x), lambda v: v * scale), None
    )
    a, b = x[..., 0], x[..., 1]
    # G([b | a]) = [3 b | a / 2] against [a | b].
    expected = (np.mean(np.abs(3 * b - a)) + np.mean(np.abs(0.5 * a - b))) / 2
    np.testing.assert_allclose(value, expected, rtol=1e-6)


def test_cycle_terms_refuse_generators_that_do_not_translate():
    latent = translator_context(jnp.zeros((2, 4)), lambda z: z)
    for term in (regularizers.CycleConsistency(), regularizers.Identity()):
        with pytest.raises(ValueError, match="conditioning='unpaired'"):
            term.apply(latent, None)
    odd = translator_context(jnp.zeros((1, 4, 4, 3)), lambda v: v)
    with pytest.raises(ValueError, match="equal channels; G's input has 3"):
        regularizers.Identity().apply(odd, None)
    with pytest.raises(ValueError, match="goes on the generator"):
        Term(regularizers.get("cycle_consistency"), 10.0, player="discriminator")


def cyclegan(history_pool=0, **fields):
    return GAN(
        generator=CycleGANGenerator(ngf=NGF, num_blocks=BLOCKS),
        discriminator=CycleGANDiscriminator(ndf=NDF, num_layers=LAYERS),
        generator_optimizer=fields.pop("generator_optimizer", optax.adam(2e-4, b1=0.5)),
        discriminator_optimizer=fields.pop("discriminator_optimizer", optax.adam(2e-4, b1=0.5)),
        loss="least_squares",
        conditioning="unpaired",
        regularizers=(
            Term(regularizers.CycleConsistency(), 10.0, player="generator"),
            Term(regularizers.Identity(), 5.0, player="generator"),
        ),
        history_pool=history_pool,
        **fields,
    )


def test_generator_gradient_is_half_the_papers_loss():
    # Zhu et al.'s generator loss, written per direction with separate networks:
    # LS(D_B(G_AB(a))) + LS(D_A(G_BA(b))) + 10 (|G_BA(G_AB(a)) - a| + |G_AB(G_BA(b)) - b|)
    # + 5 (|G_AB(b) - b| + |G_BA(a) - a|), LS(o) = mean (o - 1)^2 / 2. The stacked step
    # averages the two directions, so its gradient is half of this one.
    gan = cyclegan(
        update="simultaneous",
        generator_optimizer=optax.sgd(1.0),
        discriminator_optimizer=optax.sgd(0.0),
    )
    x = stacked(4)
    state = gan.init(jax.random.key(0), {"image": x})
    new_state, metrics = jax.jit(gan.train_step)(state, {"image": x}, jax.random.key(1))
    translator = ResNetTranslator(output_channels=1, ngf=NGF, num_blocks=BLOCKS)
    patch = PatchGANDiscriminator(ndf=NDF, num_layers=LAYERS, normalization="instance")
    d_params = state.discriminator_params
    a, b = x[..., :1], x[..., 1:]

    def paper_loss(params):
        ab = lambda v: translator.apply({"params": params["a_to_b"]}, v)  # noqa: E731
        ba = lambda v: translator.apply({"params": params["b_to_a"]}, v)  # noqa: E731
        d_a = lambda v: patch.apply({"params": d_params["domain_a"]}, v)  # noqa: E731
        d_b = lambda v: patch.apply({"params": d_params["domain_b"]}, v)  # noqa: E731
        ls = lambda o: 0.5 * jnp.mean(jnp.square(o - 1.0))  # noqa: E731
        l1 = lambda u, v: jnp.mean(jnp.abs(u - v))  # noqa: E731
        fake_b, fake_a = ab(a), ba(b)
        adversarial = ls(d_b(fake_b)) + ls(d_a(fake_a))
        cycle = l1(ba(fake_b), a) + l1(ab(fake_a), b)
        identity = l1(ab(b), b) + l1(ba(a), a)
        return adversarial + 10.0 * cycle + 5.0 * identity

    loss, grads = jax.value_and_grad(paper_loss)(state.generator_params)
    np.testing.assert_allclose(metrics["generator_total_loss"], loss / 2, rtol=1e-5)
    step_grads = jax.tree.map(jnp.subtract, state.generator_params, new_state.generator_params)
    got = np.concatenate([np.ravel(leaf) for leaf in jax.tree.leaves(step_grads)])
    want = np.concatenate([np.ravel(leaf) for leaf in jax.tree.leaves(grads)]) / 2
    # float32 sums in another order: a relative error of the whole gradient. (The biases
    # before an instance norm have a true gradient of 0 and get rounding noise.)
    assert np.linalg.norm(got - want) <= 1e-4 * np.linalg.norm(want)


def test_history_pool_fills_with_the_generated_images_and_is_in_the_state():
    gan = cyclegan(history_pool=6)
    batches = [stacked(2) for _ in range(4)]
    state = gan.init(jax.random.key(0), {"image": batches[0]})
    pool = state.regularizer_state[HISTORY_POOL_STATE]
    assert pool.images.shape == (6, 8, 8, 2) and int(pool.count) == 0
    step = jax.jit(gan.train_step)
    generated = []
    for batch in batches:
        # Instance norm only: the training-mode output is the plain forward pass.
        generated.append(gan.generator.apply({"params": state.generator_params}, batch))
        previous = state.regularizer_state[HISTORY_POOL_STATE]
        state, _ = step(state, {"image": batch}, jax.random.key(1))
    pool = state.regularizer_state[HISTORY_POOL_STATE]
    assert int(pool.count) == 6
    # Filling (3 steps of 2), the pool stored every generated image in order ...
    np.testing.assert_allclose(previous.images, np.concatenate(generated[:3]), atol=1e-5)
    # ... then, full, each slot keeps its image or takes one of the newest two.
    candidates = np.concatenate([previous.images, generated[3]])
    for image in np.asarray(pool.images):
        assert np.min(np.abs(candidates - image).max(axis=(1, 2, 3))) < 1e-5


def test_pool_is_drawn_for_the_global_batch_under_pmap():
    # Each device gathers the generated batch, queries the pool with the shared key and
    # keeps its slice, so every replica holds the single device's pool. (A sharded jit
    # step is the single-device program, split by XLA.)
    gan = cyclegan(history_pool=3)
    batches = [{"image": stacked(4)} for _ in range(3)]

    def run(strategy, devices):
        state = gan.init(jax.random.key(0), batches[0])
        final, _ = train(gan, state, batches, jax.random.key(2), num_steps=3,
                         parallel=Parallel.create(strategy, devices))  # fmt: skip
        return final

    expected, final = run("single", 1), run("pmap", 2)
    np.testing.assert_allclose(
        final.regularizer_state[HISTORY_POOL_STATE].images,
        expected.regularizer_state[HISTORY_POOL_STATE].images, atol=1e-5,
    )  # fmt: skip
    jax.tree.map(
        lambda got, want: np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5),
        final.discriminator_params, expected.discriminator_params,
    )  # fmt: skip


def test_unpaired_gan_errors():
    with pytest.raises(ValueError, match="leave latent_dim None"):
        cyclegan(latent_dim=8)
    with pytest.raises(ValueError, match="history_pool=-1 must be an integer >= 0"):
        cyclegan(history_pool=-1)
    with pytest.raises(ValueError, match="'history_pool' is reserved"):
        GAN(
            generator=CycleGANGenerator(), discriminator=CycleGANDiscriminator(),
            generator_optimizer=optax.sgd(1.0), discriminator_optimizer=optax.sgd(1.0),
            conditioning="unpaired", regularizers=(Term("r1", 1.0, name="history_pool"),),
        )  # fmt: skip


def test_config_terms_default_to_the_only_player_a_regulariser_allows():
    import ml_collections

    from jaxgan.config import build_terms

    config = ml_collections.ConfigDict(
        {"regularizers": {"cycle_consistency": 10.0, "identity": {"weight": 5.0}, "r1": 1.0}}
    )
    players = {term.name: term.player for term in build_terms(config)}
    assert players == {"cycle_consistency": "generator", "identity": "generator",
                       "r1": "discriminator"}  # fmt: skip
