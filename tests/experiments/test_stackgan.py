"""StackGAN through the runner: stage II starts from the trained stage I and keeps it
frozen, resumes without it, and is evaluated against the captions it was asked for."""

import jax
import numpy as np
import pytest

from experiments import evaluate, sample, stackgan, train
from experiments.configs import stackgan_mnist
from jaxgan import pyramid
from jaxgan.data import captions
from tests.experiments.test_train import tiny


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("tfds"))


def config(stage, data_dir, num_steps, stage1=""):
    c = tiny(stackgan_mnist.get_config(stage), data_dir, num_steps=num_steps)
    if stage == "2":
        c.generator.stage1_ngf = 4  # tiny() shrinks stage I's ngf to 4 as well
        c.generator.num_residual = 1
        c.pretrained.stage1 = stage1
    c.num_final_samples = 500
    return c


def saved_generator(workdir):
    *_, variables, _, _ = sample.restore_generator(workdir)
    return variables


@pytest.fixture(scope="module")
def runs(tmp_path_factory, data_dir):
    root = tmp_path_factory.mktemp("stackgan")
    train.run(config("1", data_dir, 2), str(root / "stage1"))
    train.run(config("2", data_dir, 2, stage1=str(root / "stage1")), str(root / "stage2"))
    return root


def test_stage2_starts_from_stage1_and_keeps_it_frozen(runs):
    stage1 = saved_generator(runs / "stage1")
    stage2 = saved_generator(runs / "stage2")  # after 2 steps of its own
    for name in ("params", "batch_stats"):
        jax.tree.map(np.testing.assert_array_equal, stage2[name]["stage1"], stage1[name])
    assert set(stage2["params"]) > {"stage1", "conditioning"}


def test_stage2_resumes_from_its_checkpoint_without_stage1(runs, data_dir, tmp_path):
    import shutil

    resumed = tmp_path / "stage2"
    shutil.copytree(runs / "stage2", resumed)
    moved = tmp_path / "elsewhere"
    shutil.copytree(runs / "stage1", moved)
    # The checkpoint holds stage I: a resumed run never reads pretrained.stage1.
    summary = train.run(config("2", data_dir, 4, stage1=str(tmp_path / "gone")), str(resumed))
    assert summary["final_step"] == 4
    stage1 = saved_generator(moved)
    jax.tree.map(np.testing.assert_array_equal, saved_generator(resumed)["params"]["stage1"],
                 stage1["params"])  # fmt: skip


def test_pretrained_problems_are_reported_before_anything_is_written(data_dir, tmp_path):
    with pytest.raises(train.UsageError, match=r"pretrained.stage1 is empty: name the workdir"):
        train.run(config("2", data_dir, 2), str(tmp_path / "a"))
    with pytest.raises(
        train.UsageError, match=r"pretrained.stage1='.*nowhere' has no checkpoints/"
    ):
        train.run(config("2", data_dir, 2, stage1=str(tmp_path / "nowhere")), str(tmp_path / "b"))
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_pretrained_must_fit_the_submodule(runs, data_dir, tmp_path):
    c = config("2", data_dir, 2, stage1=str(runs / "stage1"))
    c.generator.stage1_ngf = 8
    with pytest.raises(train.UsageError, match="do not fit the submodule 'stage1'"):
        train.run(c, str(tmp_path / "wide"))
    c = config("2", data_dir, 2, stage1=str(runs / "stage1"))
    c.pretrained = {"stage_one": str(runs / "stage1")}
    with pytest.raises(train.UsageError, match=r"no submodule 'stage_one'; its submodules are"):
        train.run(c, str(tmp_path / "named"))


def test_evaluate_reads_each_sample_against_its_caption(
    runs, data_dir, cache, mnist_classifier, monkeypatch
):
    monkeypatch.setenv("JAXGAN_CACHE_DIR", str(cache))
    workdir = runs / "stage2"
    result = evaluate.evaluate(str(workdir), num_samples=600)
    _, samples = sample.sample(str(workdir), num_samples=600)
    held = sample.held_out_captions(config("2", data_dir, 2))
    wanted = np.concatenate([held["label"], held["label"][:100]])  # caption i mod 500
    predictions = mnist_classifier.logits(samples).argmax(axis=1)
    assert result["caption_digit_accuracy"] == np.mean(predictions == wanted)
    thickness = captions.measure((samples + 1) / 2)["thickness"]
    bins = np.concatenate([held["attribute_bins"], held["attribute_bins"][:100]])[:, 0]
    np.testing.assert_allclose(result["thickness_correlation"],
                               np.corrcoef(bins, thickness)[0, 1], rtol=1e-9)  # fmt: skip
    # The real digits at 28x28 fall in their captions' bins by construction.
    assert result["thickness_agreement_real"] == result["size_agreement_real"] == 1.0
    assert result["evaluated_at"] == "28x28"


def test_caption_metrics_of_the_real_digits_and_of_mismatched_ones(mnist_classifier, data_dir):
    c = config("2", data_dir, 2)
    held = sample.held_out_captions(c)
    real = held["image"].astype(np.float32) / 127.5 - 1.0
    result = evaluate._caption_metrics(mnist_classifier, real, c)
    assert result["caption_digit_accuracy"] == pytest.approx(mnist_classifier.accuracy)
    assert result["caption_digit_accuracy_real"] == result["caption_digit_accuracy"]
    for name in captions.ATTRIBUTES:
        assert result[f"{name}_agreement"] == 1.0
        assert result[f"{name}_correlation"] == result[f"{name}_correlation_real"] > 0.7
    # Each digit shown for the next caption: agreement near chance.
    shifted = evaluate._caption_metrics(mnist_classifier, np.roll(real, 1, axis=0), c)
    assert shifted["thickness_agreement"] < 0.6 and abs(shifted["thickness_correlation"]) < 0.3
    # 14x14 samples are read upsampled, against real digits at the same resolution.
    # (the real digits at 14x14 are 2x2 means of the 28x28 ones: the samples here).
    low = evaluate._caption_metrics(mnist_classifier, np.asarray(pyramid.downsample(real)), c)
    assert low["evaluated_at"] == "14x14 upsampled to 28x28"
    assert low["caption_digit_accuracy"] == low["caption_digit_accuracy_real"] > 0.9
    assert low["thickness_correlation"] == low["thickness_correlation_real"]
    assert 0.5 < low["thickness_agreement_real"] < 1.0


def test_stages_figure(runs, data_dir, tmp_path):
    path = tmp_path / "stages.png"
    stackgan.save_stages_figure(runs, path)
    assert path.stat().st_size > 10_000
    held = sample.held_out_captions(config("2", data_dir, 2))
    columns = stackgan.figure_columns(held["label"])
    assert [int(held["label"][i]) for i in columns] == list(range(10))
