"""The PyTorch twin of the main job: the same networks as jaxgan's, trained and scored."""

import json
import pathlib

import jax
import numpy as np
import pytest
import torch

from experiments import cli, evaluate, torch_twin
from experiments.configs import dcgan_mnist, wgan_gp_mnist
from jaxgan.config import build_models
from jaxgan.metrics.classifier import dataset_images

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _config(use_bias: bool, **overrides):
    config = dcgan_mnist.get_config("adam2e-3")
    config.generator.use_bias = use_bias
    config.discriminator.use_bias = use_bias
    for name, value in overrides.items():
        config[name] = value
    return config


def _copy_into_torch(params, generator, discriminator):
    """jaxgan's DCGAN-28 parameters into the twin's modules (NHWC -> NCHW layouts)."""
    g, d = params
    ngf2 = g["BatchNorm_0"]["scale"].shape[0]

    def put(module, **tensors):
        with torch.no_grad():
            for name, value in tensors.items():
                getattr(module, name).copy_(torch.from_numpy(np.array(value, dtype=np.float32)))

    # G's Dense: jaxgan reshapes its output to (7, 7, C); the twin unflattens to (C, 7, 7).
    dense = np.asarray(g["Dense_0"]["kernel"]).reshape(-1, 7, 7, ngf2).transpose(0, 3, 1, 2)
    put(generator[0], weight=dense.reshape(dense.shape[0], -1).T)
    for torch_index, name in ((2, "BatchNorm_0"), (5, "BatchNorm_1")):
        put(generator[torch_index], weight=g[name]["scale"], bias=g[name]["bias"])
    # A Flax transposed convolution is PyTorch's with the kernel flipped in space.
    for torch_index, name in ((4, "ConvTranspose_0"), (7, "ConvTranspose_1")):
        kernel = np.asarray(g[name]["kernel"])[::-1, ::-1].transpose(2, 3, 0, 1)
        put(generator[torch_index], weight=kernel)
        if "bias" in g[name]:
            put(generator[torch_index], bias=g[name]["bias"])
    for torch_index, name in ((0, "Conv_0"), (2, "Conv_1")):
        put(discriminator[torch_index], weight=np.asarray(d[name]["kernel"]).transpose(3, 2, 0, 1))
        if "bias" in d[name]:
            put(discriminator[torch_index], bias=d[name]["bias"])
    put(discriminator[3], weight=d["BatchNorm_0"]["scale"], bias=d["BatchNorm_0"]["bias"])
    # D's last Dense reads jaxgan's (7, 7, C) flattening; the twin flattens (C, 7, 7).
    last = np.asarray(d["Dense_0"]["kernel"])[:, 0].reshape(7, 7, -1).transpose(2, 0, 1)
    put(discriminator[6], weight=last.reshape(1, -1))
    if "bias" in d["Dense_0"]:
        put(discriminator[6], bias=d["Dense_0"]["bias"])


@pytest.mark.parametrize("use_bias", [False, True], ids=["no_bias", "bias"])
def test_the_twin_computes_jaxgans_networks(use_bias):
    config = _config(use_bias)
    generator, discriminator = build_models(config)
    z = np.asarray(jax.random.normal(jax.random.key(0), (16, 100)))
    g_vars = generator.init(jax.random.key(1), z)
    images = np.asarray(generator.apply(g_vars, z))
    d_vars = discriminator.init(jax.random.key(2), images)
    # Non-zero biases, so a bias in the wrong place shows.
    g_vars, d_vars = (
        jax.tree.map(lambda x: x + 0.05 * np.random.default_rng(3).normal(size=x.shape), v)
        for v in (g_vars, d_vars)
    )
    names = ("ConvTranspose_1", "Conv_0", "Dense_0")
    trees = (g_vars["params"], d_vars["params"], d_vars["params"])
    assert [("bias" in tree[name]) for tree, name in zip(trees, names, strict=True)] == [
        use_bias
    ] * 3
    twin_g, twin_d = torch_twin.build(config)
    _copy_into_torch((g_vars["params"], d_vars["params"]), twin_g, twin_d)
    twin_g.train(), twin_d.train()  # BatchNorm on the batch's own statistics
    expected, _ = generator.apply(g_vars, z, train=True, mutable=["batch_stats"])
    got = twin_g(torch.from_numpy(z)).detach().numpy().transpose(0, 2, 3, 1)
    np.testing.assert_allclose(got, expected, atol=2e-5)
    logits, _ = discriminator.apply(d_vars, expected, train=True, mutable=["batch_stats"])
    twin_logits = twin_d(torch.from_numpy(np.asarray(expected).transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(twin_logits.detach().numpy()[:, 0], logits, rtol=1e-4, atol=1e-5)
    # The DCGAN initialisation: weights N(0, 0.02), BatchNorm scales N(1, 0.02).
    fresh_g, fresh_d = torch_twin.build(config)
    weights = torch.cat([fresh_g[0].weight.flatten(), fresh_d[0].weight.flatten()]).detach()
    assert abs(weights.std().item() - 0.02) < 0.002 and abs(weights.mean().item()) < 0.002
    assert abs(fresh_g[2].weight.mean().item() - 1.0) < 0.01


def test_the_twin_trains_writes_samples_and_is_scored_like_a_run(
    tmp_path, cache, mnist_classifier, monkeypatch
):
    monkeypatch.setenv("JAXGAN_CACHE_DIR", str(cache))
    config = _config(True, num_steps=3, log_every=1, num_final_samples=40, ema_decay=0.5)
    lines = []
    summary = torch_twin.train(config, tmp_path / "twin", report=lines.append)
    assert summary["final_step"] == 3 and summary["samples_only"]
    assert lines[1].startswith("step 1/3  D ") and len(lines) == 5
    samples = np.load(tmp_path / "twin" / "samples.npz")["samples"]
    assert samples.shape == (40, 28, 28, 1) and np.abs(samples).max() <= 1
    assert cli.existing_run(str(tmp_path / "twin")) == str(tmp_path / "twin")
    result = evaluate.evaluate(str(tmp_path / "twin"))
    assert result["step"] == 3 and result["num_samples"] == 40
    real, _ = dataset_images("mnist_5k", "train")  # the saved samples, scored as saved
    np.testing.assert_allclose(
        result["classifier_frechet_distance"],
        mnist_classifier.frechet_distance(samples, real),
        rtol=1e-6,
    )
    assert json.loads((tmp_path / "twin" / "summary.json").read_text())["config"]["seed"] == 0


def test_the_twin_refuses_what_it_does_not_mirror(tmp_path, capsys):
    argv = ["torch_twin", "--config", str(ROOT / "experiments/configs/wgan_gp_mnist.py"),
            "--workdir", str(tmp_path / "w")]  # fmt: skip
    assert wgan_gp_mnist.get_config().loss == "wasserstein"
    assert torch_twin.main(argv) == 2
    err = capsys.readouterr().err
    assert "does not mirror loss='wasserstein' (the twin supports ('non_saturating',))" in err
    assert "n_critic=5 (only 1)" in err and not (tmp_path / "w").exists()
    # The main job's default is self-conditioned: a label conditioning the twin lacks.
    argv[2] = str(ROOT / "experiments/configs/dcgan_mnist.py")
    assert torch_twin.main(argv) == 2
    err = capsys.readouterr().err
    assert "conditioning='labels' (the twin supports ('none',))" in err
    assert not (tmp_path / "w").exists()
