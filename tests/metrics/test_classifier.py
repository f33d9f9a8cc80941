"""The digit classifier (held-out accuracy, cache) and the evaluate entry on real runs."""

import json

import numpy as np
import pytest

from experiments import evaluate, sample, train
from experiments.configs import dcgan_mnist, pix2pix_edges2digits, ring8, stacked_mnist_dcgan
from jaxgan.data import offline
from jaxgan.metrics.classifier import DigitClassifier


def test_mnist_classifier_reaches_97_percent_held_out(mnist_classifier, cache):
    assert mnist_classifier.accuracy >= 0.97
    test = offline.mnist_5k("test")
    images = test["image"].astype(np.float32) / 127.5 - 1
    predictions = mnist_classifier.logits(images).argmax(axis=1)
    np.testing.assert_allclose(np.mean(predictions == test["label"]), mnist_classifier.accuracy)
    # The cache gives the same classifier back without training.
    cached = DigitClassifier.load_or_train("mnist_5k", directory=cache)
    assert cached.accuracy == mnist_classifier.accuracy
    np.testing.assert_array_equal(cached.logits(images[:50]), mnist_classifier.logits(images[:50]))
    assert (
        json.loads((cache / "classifier-mnist_5k-v1.json").read_text())["held_out_accuracy"] >= 0.97
    )


def test_digits_8x8_classifier(cache):
    classifier = DigitClassifier.load_or_train("digits_8x8", directory=cache)
    assert classifier.accuracy >= 0.95


def test_another_seed_trains_and_caches_another_classifier(cache, tmp_path):
    # Seed 0 is the shared evaluation classifier; seed 1 is cached beside it under its
    # own name, with other weights (so it can judge samples that seed 0 guided).
    first = DigitClassifier.load_or_train("digits_8x8", directory=tmp_path, epochs=1)
    second = DigitClassifier.load_or_train("digits_8x8", directory=tmp_path, epochs=1, seed=1)
    assert sorted(p.name for p in tmp_path.glob("*.msgpack")) == [
        "classifier-digits_8x8-v1-seed1.msgpack",
        "classifier-digits_8x8-v1.msgpack",
    ]
    assert json.loads((tmp_path / "classifier-digits_8x8-v1-seed1.json").read_text())["seed"] == 1
    images = offline.digits_8x8("test")["image"][:20].astype(np.float32) / 8 - 1
    assert not np.allclose(first.logits(images), second.logits(images))
    # apply() is the same function as logits(), differentiable under jit.
    np.testing.assert_allclose(second.apply(images), second.logits(images), rtol=1e-5, atol=1e-5)
    reloaded = DigitClassifier.load_or_train("digits_8x8", directory=tmp_path, seed=1)
    np.testing.assert_array_equal(reloaded.logits(images), second.logits(images))


def test_classifier_distance_and_score_separate_real_from_noise(mnist_classifier):
    train_images = offline.mnist_5k("train")["image"].astype(np.float32) / 127.5 - 1
    test_images = offline.mnist_5k("test")["image"].astype(np.float32) / 127.5 - 1
    noise = np.random.default_rng(0).uniform(-1, 1, size=(500, 28, 28, 1)).astype(np.float32)
    floor = mnist_classifier.frechet_distance(test_images, train_images)
    assert floor < 0.1 * mnist_classifier.frechet_distance(noise, train_images)
    shuffled = test_images[np.random.default_rng(1).permutation(500)]
    assert mnist_classifier.score(shuffled)[0] > 8.0  # ten confident, balanced classes
    assert mnist_classifier.score(noise)[0] < 3.0


def test_classifier_rejects_wrong_images(mnist_classifier):
    with pytest.raises(ValueError, match=r"\(N, 28, 28, 1\) in \[-1, 1\]; got \(2, 32, 32, 1\)"):
        mnist_classifier.logits(np.zeros((2, 32, 32, 1)))
    with pytest.raises(ValueError, match=r"must lie in \[-1, 1\]; got values in \[0, 255\]"):
        bad = np.concatenate([np.zeros((1, 28, 28, 1)), np.full((1, 28, 28, 1), 255.0)])
        mnist_classifier.logits(bad)


def tiny_run(module, workdir, data_dir):
    config = module.get_config()
    config.data_dir = data_dir
    config.num_steps = 2
    config.batch_size = 8
    config.num_final_samples = 8
    config.num_grid_samples = 4
    if "ngf" in config.generator:
        config.generator.ngf = 4
        config.discriminator.ndf = 4
    train.run(config, str(workdir))


def test_evaluate_mnist_run(tmp_path, cache, mnist_classifier, monkeypatch):
    monkeypatch.setenv("JAXGAN_CACHE_DIR", str(cache))
    tiny_run(dcgan_mnist, tmp_path / "run", str(tmp_path / "tfds"))
    result = evaluate.evaluate(str(tmp_path / "run"), num_samples=200)
    assert result["classifier_accuracy"] == mnist_classifier.accuracy
    assert result["classifier_frechet_distance_real_floor"] < result["classifier_frechet_distance"]
    assert result["classifier_score_real"] > 8.0 and np.isfinite(result["parzen_log_likelihood"])
    assert json.loads((tmp_path / "run" / "eval.json").read_text()) == json.loads(
        json.dumps(result)
    )


def test_evaluate_toy_and_stacked_runs(tmp_path, cache, mnist_classifier, monkeypatch):
    monkeypatch.setenv("JAXGAN_CACHE_DIR", str(cache))
    tiny_run(ring8, tmp_path / "ring8", str(tmp_path / "tfds"))
    result = evaluate.evaluate(str(tmp_path / "ring8"))
    assert result["num_samples"] == 2500 and 0 <= result["modes_captured"] <= 8
    assert 0.0 <= result["high_quality_fraction"] <= 1.0
    tiny_run(stacked_mnist_dcgan, tmp_path / "stacked", str(tmp_path / "tfds"))
    result = evaluate.evaluate(str(tmp_path / "stacked"), num_samples=300)
    assert 1 <= result["modes"] <= 300 and result["kl"] > 0


def test_evaluate_pix2pix_scores_translations_of_the_held_out_edge_maps(
    tmp_path, cache, mnist_classifier, monkeypatch, capsys
):
    monkeypatch.setenv("JAXGAN_CACHE_DIR", str(cache))
    tiny_run(pix2pix_edges2digits, tmp_path / "p2p", str(tmp_path / "tfds"))
    result = evaluate.evaluate(str(tmp_path / "p2p"))
    assert result["num_samples"] == 500  # the whole test split, however many were asked
    # The targets are the held-out mnist_5k digits padded to 32x32, in the same order,
    # so the classifier reads them exactly as it did when it was tested.
    assert result["classifier_accuracy"] == mnist_classifier.accuracy
    # The translations come in the prepared dataset's record order; match each edge map
    # to its pair in the raw offline arrays.
    pairs = offline.edges2digits("test")
    config = pix2pix_edges2digits.get_config()
    config.data_dir = str(tmp_path / "tfds")
    conditions = sample.held_out_pairs(config)["condition"]
    raw = {c.tobytes(): i for i, c in enumerate(pairs["condition"])}
    order = [raw[((c + 1) * 127.5).round().astype(np.uint8).tobytes()] for c in conditions]
    assert sorted(order) == list(range(500))
    pairs = {key: value[order] for key, value in pairs.items()}
    _, translations = sample.sample(str(tmp_path / "p2p"), num_samples=500)
    targets = pairs["image"].astype(np.float32) / 127.5 - 1
    np.testing.assert_allclose(
        result["translation_l1"], np.abs(translations - targets).mean() / 2, rtol=1e-5
    )
    predictions = mnist_classifier.logits(translations[:, 2:30, 2:30]).argmax(axis=1)
    assert result["translated_accuracy"] == np.mean(predictions == pairs["label"])
    # The sample command translates the first edge maps of the test split.
    assert sample.main(["sample", "--workdir", str(tmp_path / "p2p"), "--num_samples", "7"]) == 0
    written = np.load(tmp_path / "p2p" / "sample_step_2.npz")["samples"]
    np.testing.assert_allclose(written, translations[:7], atol=1e-6)


class _StubClassifier:
    """Reads sample i as ``predictions[i]``."""

    def __init__(self, predictions):
        self.predictions = np.asarray(predictions)

    def logits(self, images):
        assert len(images) == len(self.predictions)
        return np.eye(10)[self.predictions]


def test_conditional_accuracy_compares_with_the_label_each_sample_was_asked_for():
    asked = np.arange(20) % 10  # experiments.sample asks sample i for digit i mod 10
    predictions = asked.copy()
    predictions[[3, 13]] = 8  # both 3s read as 8: the worst class scores 0
    predictions[5] = 6  # one of the two 5s
    result = evaluate._conditional_accuracy(_StubClassifier(predictions), np.zeros(20), 10)
    assert result == {"conditional_accuracy": 17 / 20, "conditional_accuracy_worst_class": 0.0}
    result = evaluate._conditional_accuracy(_StubClassifier(asked), np.zeros(20), 10)
    assert result == {"conditional_accuracy": 1.0, "conditional_accuracy_worst_class": 1.0}


def test_evaluate_without_checkpoint(tmp_path):
    assert evaluate.main(["evaluate", "--workdir", str(tmp_path)]) == 2
