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
from jaxgan.data import make_pipeline, offline
from jaxgan.metrics.classifier import dataset_images

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _config(use_bias: bool, recipe: str = "adam2e-3", **overrides):
    config = dcgan_mnist.get_config(recipe)
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


@pytest.mark.parametrize(
    "use_bias,recipe",
    [(False, "adam2e-3"), (True, "adam2e-3"), (True, "kmeans10")],
    ids=["no_bias", "bias", "self_conditioned"],
)
def test_the_twin_computes_jaxgans_networks(use_bias, recipe):
    config = _config(use_bias, recipe)
    generator, discriminator = build_models(config)
    z = np.asarray(jax.random.normal(jax.random.key(0), (16, 100)))
    # A CGAN run (the self-conditioned default) conditions both players on 10 labels.
    classes = torch_twin.label_count(config)
    assert classes == (10 if recipe == "kmeans10" else 0)
    labels = np.arange(16) % 10 if classes else None
    g_in, d_in = (z, labels) if classes else (z,), (labels,) if classes else ()
    g_vars = generator.init(jax.random.key(1), *g_in)
    images = np.asarray(generator.apply(g_vars, *g_in))
    d_vars = discriminator.init(jax.random.key(2), images, *d_in)
    # Non-zero biases, so a bias in the wrong place shows.
    g_vars, d_vars = (
        jax.tree.map(lambda x: x + 0.05 * np.random.default_rng(3).normal(size=x.shape), v)
        for v in (g_vars, d_vars)
    )
    g_params, d_params = g_vars["params"], d_vars["params"]
    if classes:  # the conditional wrappers hold the networks
        g_params, d_params = g_params["generator"], d_params["discriminator"]
    names = ("ConvTranspose_1", "Conv_0", "Dense_0")
    trees = (g_params, d_params, d_params)
    assert [("bias" in tree[name]) for tree, name in zip(trees, names, strict=True)] == [
        use_bias
    ] * 3
    twin_g, twin_d = torch_twin.build(config)
    _copy_into_torch((g_params, d_params), twin_g, twin_d)
    twin_g.train(), twin_d.train()  # BatchNorm on the batch's own statistics
    expected, _ = generator.apply(g_vars, *g_in, train=True, mutable=["batch_stats"])
    torch_labels = torch.from_numpy(np.asarray(labels if classes else np.zeros(16), np.int64))
    got = twin_g(torch_twin.generator_input(torch.from_numpy(z), torch_labels, classes))
    np.testing.assert_allclose(got.detach().numpy().transpose(0, 2, 3, 1), expected, atol=2e-5)
    logits, _ = discriminator.apply(d_vars, expected, *d_in, train=True, mutable=["batch_stats"])
    nchw = torch.from_numpy(np.asarray(expected).transpose(0, 3, 1, 2))
    twin_logits = twin_d(torch_twin.discriminator_input(nchw, torch_labels, classes))
    np.testing.assert_allclose(twin_logits.detach().numpy()[:, 0], logits, rtol=1e-4, atol=1e-5)
    # The DCGAN initialisation: weights N(0, 0.02), BatchNorm scales N(1, 0.02).
    fresh_g, fresh_d = torch_twin.build(config)
    weights = torch.cat([fresh_g[0].weight.flatten(), fresh_d[0].weight.flatten()]).detach()
    assert abs(weights.std().item() - 0.02) < 0.002 and abs(weights.mean().item()) < 0.002
    assert abs(fresh_g[2].weight.mean().item() - 1.0) < 0.01


@pytest.mark.parametrize("recipe", ["adam2e-3", "kmeans10"])
def test_the_twin_trains_writes_samples_and_is_scored_like_a_run(
    tmp_path, cache, mnist_classifier, monkeypatch, recipe
):
    monkeypatch.setenv("JAXGAN_CACHE_DIR", str(cache))
    config = _config(True, recipe, num_steps=3, log_every=1, num_final_samples=40, ema_decay=0.5)
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
    # A self-conditioned run's labels are clusters, not digits: no per-label accuracy.
    assert "conditional_accuracy" not in result


def test_the_twins_labels_are_the_ones_jaxgans_pipeline_gives():
    """A self-conditioned twin labels each training digit with the k-means cluster
    jaxgan's input pipeline gives it; a CGAN twin with its digit class."""
    digits = offline.mnist_5k("train")
    where = {image.tobytes(): index for index, image in enumerate(digits["image"])}
    pipeline_labels = {}
    for source, clusters in (("kmeans", 10), ("dataset", None)):
        batch = next(make_pipeline("mnist_5k", batch_size=500, split="train", shuffle=False,
                                   num_epochs=1, process_index=0, process_count=1,
                                   cluster_labels=clusters, cluster_seed=1))  # fmt: skip
        # The pipeline's records come in another order than the offline arrays'.
        pixels = np.round((np.asarray(batch["image"]) + 1) * 127.5).astype(np.uint8)
        index = [where[image.tobytes()] for image in pixels]
        config = dcgan_mnist.get_config("kmeans10")
        config.label_source, config.seed = source, 1
        got = torch_twin.training_labels(config, digits)
        np.testing.assert_array_equal(got[index], batch["label"])
        pipeline_labels[source] = batch["label"]
    # The clusters are not the digits' classes (else the test above shows nothing).
    assert np.mean(pipeline_labels["kmeans"] == pipeline_labels["dataset"]) < 0.5


def test_the_twin_refuses_what_it_does_not_mirror(tmp_path, capsys):
    argv = ["torch_twin", "--config", str(ROOT / "experiments/configs/wgan_gp_mnist.py"),
            "--workdir", str(tmp_path / "w")]  # fmt: skip
    assert wgan_gp_mnist.get_config().loss == "wasserstein"
    assert torch_twin.main(argv) == 2
    err = capsys.readouterr().err
    assert "does not mirror loss='wasserstein' (the twin supports ('non_saturating',))" in err
    assert "n_critic=5 (only 1)" in err and not (tmp_path / "w").exists()
    # A projection discriminator is a label conditioning the twin does not mirror.
    argv[2] = str(ROOT / "experiments/configs/dcgan_mnist.py")
    assert torch_twin.main([*argv, "--config.conditioning=projection"]) == 2
    err = capsys.readouterr().err
    assert "conditioning='projection' (the twin supports ('none', 'labels'))" in err
    assert not (tmp_path / "w").exists()
