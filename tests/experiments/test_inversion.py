"""experiments.inversion (iGAN) and experiments.guided_sampling (PPGN) on tiny trained runs:
every set is made, scored against an independent computation, and pictured."""

import json
import shutil

import numpy as np
import pytest

from experiments import guided_sampling, inversion, train
from experiments.configs import conditional_mnist, dcgan_mnist
from experiments.sample import image_labels, restore_generator, sample
from jaxgan.data import clusters
from jaxgan.data.offline import mnist_5k
from jaxgan.metrics.classifier import dataset_images
from tests.experiments.test_train import tiny


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("tfds"))


@pytest.fixture(scope="module")
def judged_cache(tmp_path_factory, mnist_classifier, cache):
    # The seed-1 judge is a copy of the seed-0 classifier here: the pipeline is under
    # test, not the independence of the two (tests/metrics/test_classifier.py checks
    # that another seed trains another classifier).
    directory = tmp_path_factory.mktemp("judged_cache")
    shutil.copy(cache / "classifier-mnist_5k-v1.msgpack", directory)
    shutil.copy(cache / "classifier-mnist_5k-v1.msgpack",
                directory / "classifier-mnist_5k-v1-seed1.msgpack")  # fmt: skip
    return directory


@pytest.fixture(scope="module")
def digit_run(tmp_path_factory, data_dir):
    workdir = tmp_path_factory.mktemp("dcgan")
    config = tiny(dcgan_mnist.get_config("adam2e-3"), data_dir, num_steps=2)
    train.run(config, str(workdir), verbose=False)
    return workdir


@pytest.fixture(scope="module")
def kmeans_run(tmp_path_factory, data_dir):
    """The main job's default: self-conditioned on 10 k-means clusters."""
    workdir = tmp_path_factory.mktemp("kmeans")
    train.run(tiny(dcgan_mnist.get_config(), data_dir, num_steps=2), str(workdir), verbose=False)
    return workdir


@pytest.fixture(scope="module")
def cgan_run(tmp_path_factory, data_dir):
    workdir = tmp_path_factory.mktemp("cgan")
    config = tiny(conditional_mnist.get_config("cgan"), data_dir, num_steps=2)
    train.run(config, str(workdir), verbose=False)
    return workdir


def test_inversion_reconstructs_edits_and_pictures(digit_run, judged_cache, monkeypatch, capsys):
    monkeypatch.setenv("JAXGAN_CACHE_DIR", str(judged_cache))
    flags = ["--num_images=6", "--steps=3", "--encoder_steps=2", "--edit_steps=2"]
    assert inversion.main(["prog", f"--workdir={digit_run}", *flags]) == 0
    results = json.loads((digit_run / "inversion.json").read_text())
    assert list(results["projection"]) == list(inversion.METHODS)
    # The nearest-neighbour baseline, by brute force over the training digits.
    test = dataset_images("mnist_5k", "test")[0][:6].reshape(6, -1)
    train_digits = dataset_images("mnist_5k", "train")[0].reshape(-1, 784)
    best = [np.min(np.mean((train_digits - x) ** 2, axis=1)) for x in test]
    assert results["projection"]["nearest_neighbour"]["pixel_mse"] == pytest.approx(
        np.mean(best), rel=1e-4
    )
    for name, row in results["projection"].items():
        assert 0 <= row["label_preserved"] <= 1 and row["ms_per_image"] > 0, name
        assert row["mean_absolute_error_01"] <= np.sqrt(row["pixel_mse"]) / 2 + 1e-6, name
    assert set(results["edits"]) == {"ink_centre", "top_bar"}
    for row in results["edits"].values():
        assert row["constraint_loss_before"] >= 0 and row["constraint_loss_after"] >= 0
    assert results["settings"]["steps"] == 3
    assert (digit_run / "inversion.png").stat().st_size > 0
    assert "wrote" in capsys.readouterr().out


def test_guided_sampling_sets_and_their_scores(digit_run, cgan_run, judged_cache, monkeypatch,
                                               capsys):  # fmt: skip
    monkeypatch.setenv("JAXGAN_CACHE_DIR", str(judged_cache))
    flags = ["--per_class=4", "--steps=2", f"--baseline={cgan_run}", "--encoder_steps=2",
             "--dae_steps=2"]  # fmt: skip
    assert guided_sampling.main(["prog", f"--workdir={digit_run}", *flags]) == 0
    payload = json.loads((digit_run / "guided_sampling.json").read_text())
    assert list(payload["results"]) == ["generator", "ppgn", "langevin", "ppgn_dae", "cgan"]
    assert payload["dae_steps"] == 2 and np.isfinite(payload["dae_final_loss"])
    assert payload["epsilons"]["ppgn_dae"] == payload["epsilons"]["ppgn"]
    for name, row in payload["results"].items():
        # The judge is the guide here, so their accuracies agree.
        assert row["guide_accuracy"] == pytest.approx(row["conditional_accuracy"]), name
        assert row["conditional_accuracy_worst_class"] <= row["conditional_accuracy"]
        assert np.isfinite(row["class_frechet_distance"]), name
    assert payload["epsilons"]["langevin"] == [0.05**2 / 2, 0.05**2 / 2, 0.05]
    assert (digit_run / "guided_sampling.png").stat().st_size > 0
    capsys.readouterr()


def test_zero_steps_sizes_leave_the_generator_samples(digit_run, judged_cache, monkeypatch):
    # With every epsilon 0 the sampler does not move: ppgn and langevin are G(z), the
    # generator set is experiments.sample's with the same seed.
    monkeypatch.setenv("JAXGAN_CACHE_DIR", str(judged_cache))
    from jaxgan.metrics.classifier import DigitClassifier

    values = guided_sampling.define_flags()
    values(["prog", f"--workdir={digit_run}", "--per_class=2", "--steps=3", "--epsilon1=0",
            "--epsilon2=0", "--epsilon3=0", "--dae_steps=0"])  # fmt: skip
    samples, _ = guided_sampling.draw(str(digit_run), values, DigitClassifier.load_or_train())
    _, expected = sample(str(digit_run), num_samples=20, seed=0)
    np.testing.assert_allclose(samples["generator"], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(samples["ppgn"], samples["generator"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(samples["langevin"], samples["generator"], rtol=1e-5, atol=1e-6)
    assert "ppgn_dae" not in samples  # --dae_steps=0


@pytest.mark.parametrize(
    "module,flags,message",
    [
        (inversion, ["--num_images=0"], "--num_images=0 must be in [1, 500]"),
        (inversion, ["--learning_rate=-1"], "--learning_rate=-1.0 must be > 0"),
        (inversion, ["--smoothness=-0.5"], "--smoothness=-0.5 must be >= 0"),
        (guided_sampling, ["--per_class=1"], "--per_class=1 must be >= 2"),
        (guided_sampling, ["--epsilon2=-1"], "--epsilon2=-1.0 must be >= 0"),
        (guided_sampling, ["--dae_noise_std=0"], "--dae_noise_std=0.0 must be > 0"),
    ],
)
def test_bad_flags(digit_run, capsys, module, flags, message):
    assert module.main(["prog", f"--workdir={digit_run}", *flags]) == 2
    assert message in capsys.readouterr().err


def expected_labels(kind: str, count: int):
    """By hand: the test digits' classes, or their nearest k-means centre by brute force
    over the raw pixels (in [0, 1])."""
    raw = mnist_5k("test")
    if kind == "cgan":
        return raw["label"][:count]
    centers = clusters.dataset_clusters("mnist_5k", 10, seed=0).centers
    pixels = raw["image"][:count].reshape(count, -1) / 255.0
    return np.argmin(((pixels[:, None, :] - centers[None]) ** 2).sum(-1), axis=1)


@pytest.mark.parametrize("kind", ["cgan", "kmeans"])
def test_label_conditioned_generators_draw_each_digit_with_its_label(
    kind, cgan_run, kmeans_run, judged_cache, monkeypatch
):
    monkeypatch.setenv("JAXGAN_CACHE_DIR", str(judged_cache))
    workdir = {"cgan": cgan_run, "kmeans": kmeans_run}[kind]
    values = inversion.define_flags()
    values(["prog", f"--workdir={workdir}", "--num_images=40", "--steps=2",
            "--encoder_steps=2", "--edit_steps=2"])  # fmt: skip
    results, images = inversion.run(workdir, values)
    expected = expected_labels(kind, 40)
    config = restore_generator(workdir)[0]
    test, labels = dataset_images("mnist_5k", "test")
    np.testing.assert_array_equal(image_labels(config, test[:40], labels[:40]), expected)
    assert ("k-means" in results["generator_labels"]) == (kind == "kmeans")
    # The interpolation starts at digit 0's hybrid reconstruction and ends at that of
    # the digit nearest the middle (20) with digit 0's label: G draws the path with it.
    same = np.flatnonzero(expected == expected[0])
    end = same[np.argmin(np.abs(same - 20))]
    path = images["interpolation"]
    np.testing.assert_allclose(path[0], images["hybrid"][0], atol=1e-4)
    np.testing.assert_allclose(path[-1], images["hybrid"][end], atol=1e-4)
    assert set(results["projection"]) == set(inversion.METHODS)


def test_conditioned_and_wrong_runs_are_refused(digit_run, cgan_run, judged_cache, monkeypatch,
                                                capsys, tmp_path):  # fmt: skip
    monkeypatch.setenv("JAXGAN_CACHE_DIR", str(judged_cache))
    assert guided_sampling.main(["prog", f"--workdir={cgan_run}"]) == 2
    assert "guided sampling steers an unconditional generator" in capsys.readouterr().err
    assert guided_sampling.main(["prog", f"--workdir={digit_run}", "--per_class=2",
                                 f"--baseline={digit_run}"]) == 2  # fmt: skip
    assert "is not a 10-class CGAN run (conditioning 'none')" in capsys.readouterr().err
    assert inversion.main(["prog", f"--workdir={tmp_path}"]) == 2
    assert "has no checkpoints/ directory" in capsys.readouterr().err
