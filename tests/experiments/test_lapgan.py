"""experiments.lapgan: the pyramid's sampling equation by hand, and the three levels
trained, chained, resumed and scored end to end for a few steps."""

import json
import pathlib

import numpy as np
import pytest

from experiments import evaluate, lapgan, sample
from tests.data.test_pipeline import _numpy_upsample


def test_chain_adds_each_residual_to_the_upsampled_coarser_image():
    rng = np.random.default_rng(0)
    coarse = rng.uniform(-0.5, 0.5, (2, 7, 7, 1))
    residuals = [rng.uniform(-0.3, 0.3, (2, 14, 14, 1)), rng.uniform(-2, 2, (2, 28, 28, 1))]
    seen = []

    def refiner(level):
        def refine(condition, z):
            seen.append((np.asarray(condition), z))
            return residuals[level] * z  # z scales the residual: the latent reaches G

        return refine

    images = lapgan.chain(lambda z: coarse * z, [refiner(0), refiner(1)], [1.0, 1.0, 0.5])
    middle = _numpy_upsample(coarse) + residuals[0]
    fine = _numpy_upsample(middle) + 0.5 * residuals[1]
    np.testing.assert_allclose(seen[0][0], _numpy_upsample(coarse), atol=1e-6)
    np.testing.assert_allclose(seen[1][0], _numpy_upsample(middle), atol=1e-6)
    np.testing.assert_allclose(images[0], coarse, atol=1e-6)
    np.testing.assert_allclose(images[1], np.clip(middle, -1, 1), atol=1e-6)
    np.testing.assert_allclose(images[2], np.clip(fine, -1, 1), atol=1e-6)
    assert np.abs(fine).max() > 1.0  # the clip did something
    with pytest.raises(ValueError, match="2 refining levels take 3 latents; got 2"):
        lapgan.chain(lambda z: coarse, [refiner(0), refiner(1)], [1.0, 1.0])


def test_lapgan_trains_chains_resumes_and_is_scored(tmp_path, monkeypatch, capsys, cache,
                                                     mnist_classifier):  # fmt: skip
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    monkeypatch.setenv("JAXGAN_CACHE_DIR", str(cache))
    workdir = tmp_path / "lapgan"
    argv = ["--workdir", str(workdir), "--steps_per_level", "2", "--num_samples", "40"]
    assert lapgan.main(argv) == 0
    samples = np.load(workdir / "samples.npz")["samples"]
    assert samples.shape == (40, 28, 28, 1) and -1 <= samples.min() <= samples.max() <= 1
    summary = json.loads((workdir / "summary.json").read_text())
    assert summary["samples_only"] and summary["final_step"] == 6
    assert sorted(summary["levels"]) == ["14", "28", "7"]
    assert summary["config"]["pyramid_level"] is None
    assert (workdir / "pyramid.png").stat().st_size > 0
    for size in lapgan.LEVELS:
        assert (
            json.loads((workdir / f"level_{size}" / "summary.json").read_text())["final_step"] == 2
        )
    # Again: every level is finished; the same seed gives the same samples.
    capsys.readouterr()
    assert lapgan.main([*argv, "--from_real", "14"]) == 0
    assert capsys.readouterr().out.count("nothing to do") == 3
    np.testing.assert_array_equal(np.load(workdir / "samples.npz")["samples"], samples)
    from_real = evaluate.evaluate(str(workdir / "from_real_14"), num_samples=40)
    assert from_real["num_samples"] == 40 and from_real["step"] == 6
    # experiments.sample chains the same levels into the same samples.
    assert sample.main(["sample", "--workdir", str(workdir), "--num_samples", "40"]) == 0
    assert "chaining the LAPGAN levels 7 -> 14 -> 28" in capsys.readouterr().out
    np.testing.assert_array_equal(np.load(workdir / "sample_step_6.npz")["samples"], samples)
    assert sample.main(["sample", "--workdir", str(workdir), "--step", "2"]) == 2
    assert "each level's latest checkpoint" in capsys.readouterr().err
    result = evaluate.evaluate(str(workdir), num_samples=40)
    assert result["step"] == 6 and result["num_samples"] == 40
    assert np.isfinite(result["classifier_frechet_distance"])
    # One level alone is not digits: evaluate says where the chained samples are.
    with pytest.raises(ValueError, match="one level of a LAPGAN pyramid"):
        evaluate.evaluate(str(workdir / "level_28"), num_samples=40)
    with pytest.raises(SystemExit):
        lapgan.main(["--workdir", str(workdir), "--steps_per_level", "0"])
    assert "--steps_per_level=0 must be >= 1" in capsys.readouterr().err


@pytest.mark.parametrize("size", ["7", "14"])
def test_refine_real_digits_starts_from_the_digits_own_coarse_level(monkeypatch, size):
    """With generators that draw no residual, refining the digits' own SIZExSIZE level is
    upsampling their 2^k x 2^k block means back to 28x28 (NumPy)."""
    import jax.numpy as jnp

    from experiments import sample
    from jaxgan.data import offline

    class NoResidual:
        apply = staticmethod(lambda variables, condition, z: jnp.zeros_like(condition))

    monkeypatch.setattr(sample, "restore_generator", lambda *a, **k: (None, NoResidual, {}))
    got = lapgan.refine_real_digits(pathlib.Path("unused"), size, seed=3)
    digits = offline.mnist_5k("train")["image"].astype(np.float64) / 127.5 - 1.0
    digits = digits[np.random.default_rng(3).permutation(len(digits))]
    factor = 28 // int(size)
    expected = digits.reshape(-1, int(size), factor, int(size), factor, 1).mean(axis=(2, 4))
    for _ in range(factor.bit_length() - 1):
        expected = _numpy_upsample(expected)
    assert got.shape == (4500, 28, 28, 1)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    with pytest.raises(ValueError, match="level 28 is the finest"):
        lapgan.refine_real_digits(pathlib.Path("unused"), "28", seed=3)
