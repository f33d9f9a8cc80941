"""experiments.gp_gan (GP-GAN) and the blending GAN's evaluation on a tiny trained run:
every blend is made and scored against NumPy's reading of the held-out composites."""

import json

import jax.numpy as jnp
import numpy as np
import pytest

from experiments import evaluate, gp_gan, train
from experiments.configs import gp_gan_blend_digits
from experiments.sample import restore_generator
from jaxgan import pyramid
from jaxgan.data import offline
from tests.experiments.test_train import tiny


@pytest.fixture(scope="module")
def blend_run(tmp_path_factory):
    data_dir = str(tmp_path_factory.mktemp("tfds"))
    workdir = tmp_path_factory.mktemp("blend")
    config = tiny(gp_gan_blend_digits.get_config(), data_dir, num_steps=2)
    config.generator.num_downs = 5  # 32x32 composites: the code is 1x1
    train.run(config, str(workdir), verbose=False)
    return workdir


def test_gp_gan_blends_and_scores_every_method(blend_run, capsys):
    assert gp_gan.main(["prog", f"--workdir={blend_run}", "--num_images=6"]) == 0
    results = json.loads((blend_run / "gp_gan.json").read_text())
    assert list(results["blends"]) == list(gp_gan.METHODS)
    full = offline.blend_composites("test")
    truth = full["image"][:6] / 255.0
    composite = full["composite"][:6] / 255.0
    inside = full["mask"][:6] > 0
    squared = (composite - truth) ** 2
    copy_paste = results["blends"]["copy_paste"]
    assert copy_paste["mse"] == pytest.approx(np.mean(squared), rel=1e-5)
    assert copy_paste["mse_inside_mask"] == pytest.approx(np.mean(squared[inside]), rel=1e-5)
    assert copy_paste["psnr_db"] == pytest.approx(-10 * np.log10(np.mean(squared)), rel=1e-5)
    blends = results["blends"]
    # With the true colours, or Perez's border, the relit square's colours are fixed.
    for name in ("poisson", "gp_oracle"):
        assert blends[name]["mse_inside_mask"] < 0.2 * copy_paste["mse_inside_mask"], name
    # The blending GAN's colours are G's translations of the same examples' 32x32
    # composites (scaled as in training), upsampled.
    _, generator, variables, _, _ = restore_generator(str(blend_run))
    low = offline.blend_digits("test")["condition"][:6] / 127.5 - 1
    colour = (np.asarray(generator.apply(variables, jnp.asarray(low, jnp.float32))) + 1) / 2
    upsampled = np.asarray(pyramid.upsample(jnp.asarray(colour)))
    expected = np.mean((np.clip(upsampled, 0, 1) - truth) ** 2)
    assert blends["blending_gan"]["mse"] == pytest.approx(expected, rel=1e-4)
    for name in ("poisson", "blending_gan", "gp_gan", "gp_copy_paste", "gp_oracle"):
        assert blends[name]["ms_per_image"] > 0 and np.isfinite(blends[name]["mse"]), name
    assert results["settings"] == {"num_images": 6, "beta": 1.0, "sigma": 0.5}
    assert (blend_run / "gp_gan.png").stat().st_size > 0
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    "flag, message",
    [("--num_images=0", "--num_images=0 must be in"), ("--beta=0", "--beta=0.0 must be > 0")],
)
def test_gp_gan_refuses_bad_flags(blend_run, flag, message, capsys):
    assert gp_gan.main(["prog", f"--workdir={blend_run}", flag]) == 2
    assert message in capsys.readouterr().err


def test_evaluate_scores_the_blending_gan_at_low_resolution(blend_run):
    result = evaluate.evaluate(str(blend_run))
    pairs = offline.blend_digits("test")
    count = result["num_samples"]
    truth = pairs["image"][:count] / 255.0
    composite = pairs["condition"][:count] / 255.0
    assert result["copy_paste_mse"] == pytest.approx(np.mean((composite - truth) ** 2), rel=1e-4)
    assert 0 < result["blend_mse"] < 1
