"""The experiment runner: resume, checkpoints, preemption, NaN stop, configs and bad input."""

import json
import pathlib
import re
import shutil

import jax
import numpy as np
import pytest
import tensorflow_datasets as tfds

from experiments import sample as sample_entry
from experiments import train
from experiments.configs import dcgan_mnist
from jaxgan.checkpoint import Checkpointer
from jaxgan.training import NonFiniteError

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONFIGS = sorted(
    p.stem
    for p in (ROOT / "experiments" / "configs").glob("*.py")
    if p.stem not in ("__init__", "base")
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("tfds"))


def tiny(config, data_dir, **overrides):
    """Shrinks a config to seconds: small widths, batches, sample counts."""
    config.data_dir = data_dir
    config.batch_size = 8
    config.num_grid_samples = 4
    config.num_final_samples = 8
    config.log_every = 1
    config.sample_every = 2
    config.checkpoint_every = 2
    config.compilation_cache_dir = ""  # the in-process runs leave JAX's cache settings alone
    for part, fields in (
        ("generator", ("ngf", "features")),
        ("discriminator", ("ndf", "features")),
    ):
        for field in fields:
            if field in getattr(config, part):
                getattr(config, part)[field] = 4
    if "num_blocks" in config.generator:  # CycleGAN's residual blocks
        config.generator.num_blocks = 1
    if "hidden" in config.generator or config.model == "mlp":
        config.generator.hidden = (8,)
        config.discriminator.hidden = (8,)
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


def dcgan(data_dir, **overrides):
    return tiny(dcgan_mnist.get_config("adam2e-3"), data_dir, **overrides)


def checkpoint_params(workdir, like_workdir=None):
    checkpointer = Checkpointer(pathlib.Path(workdir) / "checkpoints", save_every=1)
    steps = checkpointer.steps()
    checkpointer.close()
    return steps


def restored_state(workdir, config):
    from jaxgan.config import build_gan

    gan = build_gan(config)
    like = gan.init(jax.random.key(0), {"image": np.zeros((8, 28, 28, 1), np.float32)})
    checkpointer = Checkpointer(pathlib.Path(workdir) / "checkpoints", save_every=1)
    restored = checkpointer.restore(like)
    checkpointer.close()
    return restored


def assert_trees_equal(a, b):
    jax.tree.map(np.testing.assert_array_equal, a, b)


def test_resume_is_bit_identical(tmp_path, data_dir):
    straight = train.run(dcgan(data_dir, num_steps=6), str(tmp_path / "straight"))
    train.run(dcgan(data_dir, num_steps=3), str(tmp_path / "resumed"))
    resumed = train.run(dcgan(data_dir, num_steps=6), str(tmp_path / "resumed"))
    assert straight["params_fingerprint"] == resumed["params_fingerprint"]
    config = dcgan(data_dir)
    a = restored_state(tmp_path / "straight", config)
    b = restored_state(tmp_path / "resumed", config)
    assert a["step"] == b["step"] == 6
    assert_trees_equal(a["state"], b["state"])
    assert a["data"] == b["data"]


def test_resume_with_regularizer_and_augmentation_state_is_bit_identical(tmp_path, data_dir):
    from experiments.configs import ada_mnist

    def config(num_steps):
        c = tiny(ada_mnist.get_config(), data_dir, num_steps=num_steps)
        c.augmentation.speed_kimg = 0.01  # p moves by 0.8 a step: visibly in the state
        c.regularizers = {"lecam": 0.3, "r1": {"weight": 1.0, "every": 2}}
        return c

    straight = train.run(config(6), str(tmp_path / "straight"))
    train.run(config(3), str(tmp_path / "resumed"))
    resumed = train.run(config(6), str(tmp_path / "resumed"))
    assert straight["params_fingerprint"] == resumed["params_fingerprint"]
    a = restored_state(tmp_path / "straight", config(6))["state"]
    b = restored_state(tmp_path / "resumed", config(6))["state"]
    assert_trees_equal(a, b)
    assert set(a.regularizer_state) == {"lecam", "r1", "augmentation"}
    assert float(a.regularizer_state["lecam"]["real"]) != 0.0


def test_regularizer_configs_build_the_terms():
    import optax

    from jaxgan.config import build_gan, build_terms

    config = dcgan("unused")
    config.regularizers = {
        "r1": {"weight": 5.0, "every": 16, "warmup_steps": 100},
        "zcr_g": {"regularizer": "latent_consistency", "player": "generator", "sigma": 0.1},
        "lecam": 0.3,
    }
    terms = {term.name: term for term in build_terms(config)}  # ConfigDict sorts its keys
    r1, zcr, lecam = terms["r1"], terms["zcr_g"], terms["lecam"]
    assert (r1.name, r1.every) == ("r1", 16)
    assert float(r1.weight(50)) == float(optax.linear_schedule(0.0, 5.0, 100)(50)) == 2.5
    assert (zcr.player, zcr.regularizer.sigma, zcr.weight) == ("generator", 0.1, 1.0)
    assert (lecam.name, lecam.weight) == ("lecam", 0.3)
    config.add_regularizers = "dragan:2:4,top_k:1"
    added = {term.name: term for term in build_terms(config)}
    assert (added["dragan"].weight, added["dragan"].every) == (2.0, 4)
    assert added["top_k"].player == "generator" and len(added) == 5
    config.add_regularizers = ""
    for regularizers, message in [
        ({"r3": 1.0}, "unknown regularizer 'r3'; valid names are"),
        ({"lecam": {"weight": 1.0, "gamma": 2.0}}, "regularizer 'lecam': bad options"),
        ({"r1": {"weight": 1.0, "warmup_steps": -5}}, "regularizers.r1.warmup_steps=-5"),
        (
            {"top_k": {"weight": 1.0, "player": "discriminator"}},
            "goes on the generator; got player='discriminator'",
        ),
    ]:
        config.regularizers = regularizers
        with pytest.raises(ValueError, match=message):
            build_gan(config)
    config.regularizers = {"top_k": 1.0}  # a generator-only regulariser goes there unasked
    assert [term.player for term in build_terms(config)] == ["generator"]
    config.regularizers = {}
    config.augmentation = {"name": "mixup"}
    with pytest.raises(ValueError, match="unknown augmentation 'mixup'; use one of"):
        build_gan(config)


def test_linear_schedule_falls_to_zero_over_each_players_updates():
    from jaxgan.config import build_gan
    from jaxgan.validation import check_config

    config = dcgan("unused", num_steps=4, n_critic=2, update_order="alternating")
    for player in (config.generator_optimizer, config.discriminator_optimizer):
        player.name, player.learning_rate, player.schedule = "sgd", 0.5, "linear"
    assert check_config(config) == []
    gan = build_gan(config)

    def steps(optimizer, count):  # SGD's update on a gradient of 1: minus the rate
        state, rates = optimizer.init({"w": np.float32(0)}), []
        for _ in range(count):
            update, state = optimizer.update({"w": np.float32(1)}, state)
            rates.append(-float(update["w"]))
        return rates

    # G updates once a step (4 in all); D twice (n_critic = 2, 8 in all).
    np.testing.assert_allclose(steps(gan.generator_optimizer, 5), [0.5, 0.375, 0.25, 0.125, 0])
    np.testing.assert_allclose(
        steps(gan.discriminator_optimizer, 8), [0.5 * (1 - t / 8) for t in range(8)]
    )
    config.generator_optimizer.schedule = "constant"
    assert steps(build_gan(config).generator_optimizer, 3) == [0.5, 0.5, 0.5]
    config.generator_optimizer.schedule = "cosine"
    assert check_config(config) == [
        "generator_optimizer.schedule='cosine' is not one of: constant, linear"
    ]
    with pytest.raises(ValueError, match="schedule='cosine' is not supported; use one of"):
        build_gan(config)


def test_self_conditioned_config_labels_data_and_samples_with_clusters(data_dir):
    from experiments import sample
    from jaxgan.config import pipeline_options
    from jaxgan.data import clusters
    from jaxgan.validation import check_config

    config = dcgan(data_dir, conditioning="labels", label_source="kmeans", num_classes=6)
    assert check_config(config) == [] and pipeline_options(config)["cluster_labels"] == 6
    assert pipeline_options(dcgan(data_dir))["cluster_labels"] is None
    fitted = clusters.dataset_clusters("mnist_5k", 6, seed=config.seed, data_dir=data_dir)
    _, labels = sample.sample_inputs(config, 600)
    assert np.abs(np.bincount(labels, minlength=6) - 600 * fitted.frequencies).max() <= 2
    config.label_source = "dataset"  # a CGAN asks for each class in turn
    np.testing.assert_array_equal(sample.sample_inputs(config, 12)[1], np.arange(12) % 6)
    for changes, problem in [
        ({"label_source": "knn"}, "label_source='knn' is not one of: dataset, kmeans"),
        (
            {"label_source": "kmeans", "conditioning": "none"},
            "label_source='kmeans' needs a label-conditioned run (conditioning one of labels, "
            "projection, acgan); conditioning is 'none'",
        ),
        ({"label_source": "kmeans", "num_classes": 1}, "num_classes=1 must be >= 2"),
    ]:
        bad = dcgan(data_dir, **{"conditioning": "labels", **changes})
        assert check_config(bad) == [problem]


def test_outputs_of_a_run(tmp_path, data_dir):
    workdir = tmp_path / "run"
    summary = train.run(dcgan(data_dir, num_steps=4), str(workdir))
    on_disk = json.loads((workdir / "summary.json").read_text())
    assert on_disk["final_step"] == 4 and summary["final_step"] == 4
    state = restored_state(workdir, dcgan(data_dir))["state"]
    expected = sum(
        np.abs(np.asarray(leaf, np.float64)).sum()
        for leaf in jax.tree.leaves((state.generator_params, state.discriminator_params))
    )
    np.testing.assert_allclose(on_disk["params_fingerprint"], expected, rtol=1e-12)
    assert {"discriminator_loss", "generator_loss", "steps_per_s"} <= set(on_disk["metrics"])
    samples = np.load(workdir / "samples.npz")["samples"]
    assert samples.shape == (8, 28, 28, 1) and -1 <= samples.min() and samples.max() <= 1
    assert sorted(p.name for p in (workdir / "samples").iterdir()) == [
        "step_000002.png",
        "step_000004.png",
    ]
    assert (workdir / "losses.png").stat().st_size > 0
    assert list((workdir / "tensorboard").iterdir())
    lines = (workdir / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [1, 2, 3, 4]


def test_half_written_latest_step_restores_the_previous(tmp_path, data_dir):
    workdir = tmp_path / "run"
    train.run(dcgan(data_dir, num_steps=4), str(workdir))
    checkpoints = workdir / "checkpoints"
    # A save killed mid-way: Orbax's temporary directory, and a step missing its state.
    shutil.copytree(checkpoints / "4", checkpoints / "6.orbax-checkpoint-tmp-1700000000")
    shutil.copytree(checkpoints / "4", checkpoints / "6")
    shutil.rmtree(checkpoints / "6" / "state")
    restored = restored_state(workdir, dcgan(data_dir))
    assert restored["step"] == 4


def test_nan_configuration_stops_and_keeps_the_last_good_checkpoint(tmp_path, data_dir, capsys):
    workdir = tmp_path / "nan"
    train.run(dcgan(data_dir, num_steps=2), str(workdir))
    good = restored_state(workdir, dcgan(data_dir))
    config = dcgan(data_dir, num_steps=40, max_consecutive_skips=3, checkpoint_every=100)
    config.generator_optimizer.learning_rate = 1e35
    config.discriminator_optimizer.learning_rate = 1e35
    with pytest.raises(NonFiniteError, match="3 consecutive steps had non-finite"):
        train.run(config, str(workdir), override_config=True)
    after = restored_state(workdir, dcgan(data_dir))
    assert after["step"] == 2
    assert_trees_equal(after["state"], good["state"])


def test_config_conflict_is_refused_unless_overridden(tmp_path, data_dir):
    workdir = str(tmp_path / "run")
    train.run(dcgan(data_dir, num_steps=2), workdir)
    changed = dcgan(data_dir, num_steps=4, loss="hinge")
    changed.discriminator.normalization = "spectral"
    with pytest.raises(train.UsageError, match="discriminator: checkpoint .*--override_config"):
        train.run(changed, workdir)
    # Fields that do not define the checkpoint may change (more steps, another loss).
    summary = train.run(dcgan(data_dir, num_steps=4, loss="hinge"), workdir)
    assert summary["final_step"] == 4


def test_fields_added_after_a_checkpoint_match_only_at_their_defaults():
    from experiments.configs import base

    config = base.get_config()
    saved = config.to_dict()
    # A checkpoint written before use_bias and the pyramid fields existed.
    del saved["generator"]["use_bias"], saved["pyramid_level"], saved["pyramid_levels"]
    train.check_resumed_config(saved, config, override=False)  # the defaults: what it did
    config.generator.use_bias = True
    config.pyramid_level = 1
    with pytest.raises(train.UsageError, match="generator: checkpoint .*pyramid_level") as error:
        train.check_resumed_config(saved, config, override=False)
    assert "pyramid_levels" not in str(error.value)  # still at its default


def test_sample_entry_loads_only_the_generator(tmp_path, data_dir):
    workdir = tmp_path / "run"
    train.run(dcgan(data_dir, num_steps=2, ema_decay=0.5), str(workdir))
    said = []
    step, samples = sample_entry.sample(str(workdir), num_samples=6, report=said.append)
    assert step == 2 and samples.shape == (6, 28, 28, 1)
    assert said == [
        "generating 6 samples from step 2 with the EMA parameters and BatchNorm statistics "
        "recomputed for them"
    ]
    _, raw = sample_entry.sample(str(workdir), num_samples=6, ema=False)
    assert not np.allclose(samples, raw)  # the EMA weights differ from the raw ones
    # The same run sampled with the raw parameters' running averages: other images.
    running = tmp_path / "running"
    train.run(dcgan(data_dir, num_steps=2, ema_decay=0.5, ema_standing_stats=False), running)
    said.clear()
    _, with_running = sample_entry.sample(str(running), num_samples=6, report=said.append)
    assert said == ["generating 6 samples from step 2 with the EMA parameters"]
    assert np.isfinite(samples).all() and not np.allclose(samples, with_running, atol=1e-3)
    assert sample_entry.main(["sample", "--workdir", str(workdir), "--num_samples", "4"]) == 0
    assert (workdir / "sample_step_2.png").exists()


@pytest.mark.parametrize("name", CONFIGS)
def test_every_config_says_what_to_expect(name):
    # A user tells a broken run from a normal one by the numbers its docstring quotes
    # (measured, or the paper's and the measured cost where no data is offline).
    doc = __import__(f"experiments.configs.{name}", fromlist=["get_config"]).__doc__
    said = re.search(r"(?is)\bexpect\b.*?(\d[\d,.]*)", doc)
    assert said is not None, f"{name}'s docstring does not say what to expect"


@pytest.mark.parametrize("name", CONFIGS)
def test_every_config_runs_two_steps(tmp_path, data_dir, name):
    module = __import__(f"experiments.configs.{name}", fromlist=["get_config"])
    assert "python -m experiments.train --config experiments/configs/" in module.__doc__
    config = tiny(module.get_config(), data_dir, num_steps=2)
    if config.dataset in ("celeb_a", "cifar10"):
        with tfds.testing.mock_data(num_examples=64):
            summary = train.run(config, str(tmp_path / name))
    else:
        summary = train.run(config, str(tmp_path / name))
    assert summary["final_step"] == 2 and np.isfinite(summary["params_fingerprint"])
