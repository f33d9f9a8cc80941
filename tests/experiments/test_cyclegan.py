"""CycleGAN through the runner: bit-exact resume with the history pool, and evaluation of
unpaired translations against the held-out true pairs."""

import jax
import numpy as np
import pytest

from experiments import evaluate, sample, train
from experiments.configs import cyclegan_edges2digits
from jaxgan import summaries
from jaxgan.models.cyclegan import ResNetTranslator
from jaxgan.step import HISTORY_POOL_STATE
from tests.experiments.test_train import assert_trees_equal, tiny


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("tfds"))


def config(data_dir, num_steps):
    c = tiny(cyclegan_edges2digits.get_config(), data_dir, num_steps=num_steps)
    c.generator.num_blocks = 0  # compiles are the cost; the blocks are tested in tests/models
    c.history_pool = 12  # fills in 1.5 steps of 8: the resumed run starts with it full
    c.num_final_samples = 500
    return c


def restored(workdir, c):
    from jaxgan.checkpoint import Checkpointer
    from jaxgan.config import build_gan

    gan = build_gan(c)
    like = gan.init(jax.random.key(0), {"image": np.zeros((8, 32, 32, 2), np.float32)})
    checkpointer = Checkpointer(workdir / "checkpoints", save_every=1)
    try:
        return checkpointer.restore(like)["state"]
    finally:
        checkpointer.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory, data_dir):
    root = tmp_path_factory.mktemp("cyclegan")
    straight = train.run(config(data_dir, 4), str(root / "straight"))
    train.run(config(data_dir, 2), str(root / "resumed"))
    resumed = train.run(config(data_dir, 4), str(root / "resumed"))
    return root, straight, resumed


def test_resume_with_the_history_pool_is_bit_identical(runs, data_dir):
    root, straight, resumed = runs
    assert straight["params_fingerprint"] == resumed["params_fingerprint"]
    a = restored(root / "straight", config(data_dir, 4))
    b = restored(root / "resumed", config(data_dir, 4))
    assert_trees_equal(a, b)
    assert int(a.regularizer_state[HISTORY_POOL_STATE].count) == 12


def test_evaluate_scores_translations_and_cycles_against_the_true_pairs(
    runs, data_dir, cache, mnist_classifier, monkeypatch
):
    monkeypatch.setenv("JAXGAN_CACHE_DIR", str(cache))
    workdir = runs[0] / "straight"
    result = evaluate.evaluate(str(workdir))
    assert result["num_samples"] == 500
    pairs = sample.held_out_pairs(config(data_dir, 4))
    x = np.asarray(pairs["image"])
    _, translations = sample.sample(str(workdir), num_samples=500)
    edges, digits = x[..., :1], x[..., 1:]
    np.testing.assert_allclose(
        result["translation_l1"], np.abs(translations[..., 1:] - digits).mean() / 2, rtol=1e-6
    )
    np.testing.assert_allclose(
        result["reverse_translation_l1"],
        np.abs(translations[..., :1] - edges).mean() / 2, rtol=1e-6,
    )  # fmt: skip
    predictions = mnist_classifier.logits(translations[:, 2:30, 2:30, 1:]).argmax(axis=1)
    assert result["translated_accuracy"] == np.mean(predictions == pairs["label"])
    # The cycles, with each direction's translator applied on its own.
    _, _, variables, _, _ = sample.restore_generator(str(workdir))
    translator = ResNetTranslator(output_channels=1, ngf=4, num_blocks=0)

    def translate(direction, images):
        return np.asarray(translator.apply({"params": variables["params"][direction]}, images))

    back_to_edges = translate("b_to_a", translate("a_to_b", edges))
    back_to_digits = translate("a_to_b", translate("b_to_a", digits))
    np.testing.assert_allclose(
        result["cycle_l1_edges"], np.abs(back_to_edges - edges).mean() / 2, rtol=1e-4
    )
    np.testing.assert_allclose(
        result["cycle_l1_digits"], np.abs(back_to_digits - digits).mean() / 2, rtol=1e-4
    )
    # The sample command's grid shows the two domains side by side.
    assert sample.main(["sample", "--workdir", str(workdir), "--num_samples", "4"]) == 0
    grid = summaries.image_grid(translations[:4])
    assert grid.shape == (2 * 33 + 1, 2 * 65 + 1, 1)
    first = np.round((np.clip(translations[0], -1, 1) + 1) * 127.5).astype(np.uint8)
    np.testing.assert_array_equal(grid[1:33, 1:33, 0], first[..., 0])
    np.testing.assert_array_equal(grid[1:33, 33:65, 0], first[..., 1])


def test_translation_figure_shows_inputs_translations_cycles_and_partners(runs, data_dir, tmp_path):
    from experiments import translation_figure

    workdir = runs[0] / "straight"
    parts = translation_figure.columns(str(workdir), 3)
    x = np.asarray(sample.held_out_pairs(config(data_dir, 4), 3)["image"])
    _, translations = sample.sample(str(workdir), num_samples=3)
    np.testing.assert_array_equal(parts[0], x[..., :1])  # edge map
    np.testing.assert_allclose(parts[1], translations[..., 1:], atol=1e-6)  # G_AB(edges)
    np.testing.assert_array_equal(parts[3], x[..., 1:])  # true digit
    np.testing.assert_allclose(parts[4], translations[..., :1], atol=1e-6)  # G_BA(digit)
    out = tmp_path / "figure.png"
    argv = ["translation_figure", "--workdir", str(workdir), "--num_examples", "3"]
    assert translation_figure.main(argv) == 2  # no --out
    assert translation_figure.main([*argv, "--out", str(out)]) == 0
    from PIL import Image

    assert np.asarray(Image.open(out)).shape == (3 * 33 + 1, 6 * 33 + 1)
