"""experiments.discriminator_sampling on tiny trained runs: every set is drawn and scored,
and the zero-step sets are exactly their starting points."""

import json

import jax
import numpy as np
import pytest

from experiments import discriminator_sampling, train
from experiments.configs import conditional_mnist, dcgan_mnist, ring8, ring8_pacgan2
from experiments.sample import restore_state, sample, sample_inputs
from jaxgan import metrics
from jaxgan.data import offline
from tests.experiments.test_train import tiny


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("tfds"))


@pytest.fixture(scope="module")
def ring8_run(tmp_path_factory, data_dir):
    workdir = tmp_path_factory.mktemp("ring8")
    train.run(tiny(ring8.get_config(), data_dir, num_steps=4), str(workdir), verbose=False)
    return workdir


def run(workdir, *flags):
    return discriminator_sampling.main(["prog", f"--workdir={workdir}", *flags])


def test_every_set_is_drawn_scored_and_pictured(ring8_run, capsys):
    assert run(ring8_run, "--num_samples=64", "--steps=3") == 0
    payload = json.loads((ring8_run / "discriminator_sampling.json").read_text())
    assert list(payload["results"]) == list(discriminator_sampling.PROCEDURES)
    assert (payload["steps"], payload["step_size"], payload["num_samples"]) == (3, 0.01, 64)
    for result in payload["results"].values():
        assert set(result) == {"modes_captured", "high_quality_fraction", "reverse_kl"}
    # The generator set is what experiments.evaluate samples with the same seed.
    _, samples = sample(str(ring8_run), num_samples=64, seed=0)
    expected = metrics.mode_coverage(samples, offline.ring8_modes(), sigma=offline.RING8_SIGMA)
    assert payload["results"]["generator"] == pytest.approx(expected)
    assert (ring8_run / "discriminator_sampling.png").stat().st_size > 0
    assert "wrote" in capsys.readouterr().out


def test_zero_steps_leave_every_start_where_it_was(ring8_run):
    _, generated = sample(str(ring8_run), num_samples=32, seed=1)
    config, sets = discriminator_sampling.draw(
        ring8_run, num_samples=32, seed=1, steps=0, step_size=0.01, latent_step_size=0.01
    )
    np.testing.assert_allclose(sets["generator"], generated, rtol=1e-6)
    np.testing.assert_allclose(sets["ascent_from_generator"], generated, rtol=1e-6)
    np.testing.assert_allclose(sets["ddls"], generated, rtol=1e-6)
    np.testing.assert_array_equal(sets["argmax_from_noise"], sets["langevin_from_noise"])
    low, high = discriminator_sampling._noise_range("ring8")  # noqa: SLF001
    assert (low, high) == (-1.5, 1.5)
    assert sets["argmax_from_noise"].min() >= low and sets["argmax_from_noise"].max() <= high
    # One step of ascent moves every generated point along D's gradient.
    _, moved = discriminator_sampling.draw(
        ring8_run, num_samples=32, seed=1, steps=1, step_size=0.01, latent_step_size=0.01
    )
    assert not np.allclose(moved["ascent_from_generator"], generated)


def test_digits_are_scored_by_the_classifier(tmp_path, data_dir, cache, mnist_classifier,
                                             monkeypatch):  # fmt: skip
    # The main job's default: self-conditioned on k-means clusters.
    monkeypatch.setenv("JAXGAN_CACHE_DIR", str(cache))
    config = tiny(dcgan_mnist.get_config(), data_dir, num_steps=2)
    assert config.label_source == "kmeans"
    train.run(config, str(tmp_path), verbose=False)
    assert run(tmp_path, "--num_samples=16", "--steps=2") == 0
    results = json.loads((tmp_path / "discriminator_sampling.json").read_text())["results"]
    for name, result in results.items():
        assert np.isfinite(result["classifier_frechet_distance"]), name
        assert result["finite"] is True
    _, generated = sample(str(tmp_path), num_samples=16, seed=0)
    _, sets = discriminator_sampling.draw(
        tmp_path, num_samples=16, seed=0, steps=0, step_size=0.05, latent_step_size=0.01
    )
    np.testing.assert_allclose(sets["generator"], generated, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sets["ddls"], generated, rtol=1e-5, atol=1e-6)


def test_a_label_conditioned_d_is_ascended_with_each_samples_label(tmp_path, data_dir):
    # One step of ascent from G(z, c) by hand: x + s * d D(x, c) / dx, clipped to [-1, 1],
    # with c the label experiments.sample gives sample i (i mod 10).
    config = tiny(conditional_mnist.get_config("cgan"), data_dir, num_steps=2)
    train.run(config, str(tmp_path), verbose=False)
    _, generated = sample(str(tmp_path), num_samples=12, seed=0)
    _, sets = discriminator_sampling.draw(
        tmp_path, num_samples=12, seed=0, steps=1, step_size=0.05, latent_step_size=0.01
    )
    np.testing.assert_allclose(sets["generator"], generated, rtol=1e-5, atol=1e-6)
    gan, state = restore_state(tmp_path, dict(config))
    variables = {"params": state.discriminator_params, **state.discriminator_collections}
    _, labels = sample_inputs(config, 12, 0)
    np.testing.assert_array_equal(labels, np.arange(12) % 10)
    gradient = jax.grad(lambda x: gan.discriminator.apply(variables, x, labels).sum())(generated)
    expected = np.clip(generated + 0.05 * np.asarray(gradient), -1, 1)
    np.testing.assert_allclose(sets["ascent_from_generator"], expected, rtol=1e-4, atol=1e-5)
    assert not np.allclose(sets["ascent_from_generator"], generated)


@pytest.mark.parametrize(
    "flags,message",
    [
        (["--steps=-1"], "--steps=-1 must be >= 0"),
        (["--step_size=-0.5"], "--step_size=-0.5 must be > 0"),
        (["--num_samples=1"], "--num_samples=1 must be >= 2"),
    ],
)
def test_bad_flags(ring8_run, capsys, flags, message):
    assert run(ring8_run, *flags) == 2
    assert message in capsys.readouterr().err


def test_packed_runs_are_refused(tmp_path, data_dir, capsys):
    config = tiny(ring8_pacgan2.get_config(), data_dir, num_steps=2)
    train.run(config, str(tmp_path), verbose=False)
    assert run(tmp_path, "--num_samples=4") == 2
    assert "'none'-conditioned or packed run (packing=2)" in capsys.readouterr().err
