"""pytorch-fid parity: its InceptionV3 with random weights, saved, loaded here without PyTorch.

PyTorch and pytorch-fid come from the test extra (``.[test]``); the network and the
FID here never import them.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the test extra installs torch (see setup.cfg)")
pytorch_fid_inception = pytest.importorskip("pytorch_fid.inception")
pytorch_fid_score = pytest.importorskip("pytorch_fid.fid_score")

import jax  # noqa: E402

from jaxgan import fid  # noqa: E402
from jaxgan.metrics import frechet_distance  # noqa: E402
from jaxgan.metrics.inception import (  # noqa: E402
    load_inception_weights,
    read_torch_state_dict,
    resize_like_torch,
)


def random_fid_inception(seed: int = 0):
    """pytorch-fid's fid_inception_v3() structure with random weights and BN statistics."""
    module = pytorch_fid_inception
    torch.manual_seed(seed)
    inception = module._inception_v3(num_classes=1008, aux_logits=False, weights=None)
    inception.Mixed_5b = module.FIDInceptionA(192, pool_features=32)
    inception.Mixed_5c = module.FIDInceptionA(256, pool_features=64)
    inception.Mixed_5d = module.FIDInceptionA(288, pool_features=64)
    inception.Mixed_6b = module.FIDInceptionC(768, channels_7x7=128)
    inception.Mixed_6c = module.FIDInceptionC(768, channels_7x7=160)
    inception.Mixed_6d = module.FIDInceptionC(768, channels_7x7=160)
    inception.Mixed_6e = module.FIDInceptionC(768, channels_7x7=192)
    inception.Mixed_7b = module.FIDInceptionE_1(1280)
    inception.Mixed_7c = module.FIDInceptionE_2(2048)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in inception.modules():
            if isinstance(layer, torch.nn.Conv2d):
                fan_in = layer.weight[0].numel()
                layer.weight.normal_(0, (2.0 / fan_in) ** 0.5, generator=generator)
            if isinstance(layer, torch.nn.BatchNorm2d):
                layer.weight.uniform_(0.5, 1.5, generator=generator)
                layer.bias.uniform_(-0.2, 0.2, generator=generator)
                layer.running_mean.uniform_(-0.2, 0.2, generator=generator)
                layer.running_var.uniform_(0.5, 2.0, generator=generator)
    return inception.eval()


@pytest.fixture(scope="module")
def networks(tmp_path_factory):
    torch_inception = random_fid_inception()
    original = pytorch_fid_inception.fid_inception_v3
    pytorch_fid_inception.fid_inception_v3 = lambda: torch_inception  # no download
    try:
        torch_model = pytorch_fid_inception.InceptionV3([3]).eval()
    finally:
        pytorch_fid_inception.fid_inception_v3 = original
    path = tmp_path_factory.mktemp("weights") / "pt_inception-2015-12-05-6726825d.pth"
    torch.save(torch_inception.state_dict(), path)
    return torch_inception, torch_model, path


def torch_features(torch_inception, torch_model, images):
    with torch.no_grad():
        x = torch.from_numpy(np.transpose(images, (0, 3, 1, 2)).copy())
        pool = torch_model(x)[0][:, :, 0, 0]
        logits = torch_inception.fc(pool)
    return pool.numpy().astype(np.float64), logits.numpy().astype(np.float64)


def test_state_dict_reader_matches_torch(networks):
    torch_inception, _, path = networks
    ours = read_torch_state_dict(path)
    theirs = torch_inception.state_dict()
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        np.testing.assert_array_equal(ours[key], value.numpy(), err_msg=key)


def test_resize_matches_torch_interpolate():
    images = np.random.default_rng(0).uniform(size=(2, 37, 23, 3)).astype(np.float32)
    with torch.no_grad():
        expected = torch.nn.functional.interpolate(
            torch.from_numpy(images.transpose(0, 3, 1, 2)), size=(299, 299), mode="bilinear",
            align_corners=False,
        ).numpy().transpose(0, 2, 3, 1)  # fmt: skip
    # torch computes the source coordinates in float32; the weights agree to ~1e-6.
    np.testing.assert_allclose(np.asarray(resize_like_torch(images)), expected, atol=1e-5)


def test_features_logits_and_fid_match_pytorch_fid(networks, tmp_path):
    torch_inception, torch_model, path = networks
    rng = np.random.default_rng(1)
    first = rng.uniform(size=(6, 64, 64, 3)).astype(np.float32)
    second = np.clip(first * 0.7 + 0.2 * rng.uniform(size=first.shape), 0, 1).astype(np.float32)
    variables = load_inception_weights(path)
    features = fid.InceptionFeatures(variables, batch_size=4)  # 4 and 2: pads to 8 devices
    ours = [features(images) for images in (first, second)]
    theirs = [torch_features(torch_inception, torch_model, images) for images in (first, second)]
    for (pool, logits), (torch_pool, torch_logits) in zip(ours, theirs, strict=True):
        assert pool.shape == (6, 2048) and logits.shape == (6, 1008)
        scale = np.abs(torch_pool).max()
        np.testing.assert_allclose(pool, torch_pool, rtol=1e-4, atol=1e-4 * scale)
        np.testing.assert_allclose(
            logits, torch_logits, rtol=1e-4, atol=1e-4 * np.abs(torch_logits).max()
        )
    # FID on the same images: our statistics and distance against pytorch-fid's functions.
    stats = [(p.mean(0), np.cov(p, rowvar=False)) for p, _ in ours]
    torch_stats = [(p.mean(0), np.cov(p, rowvar=False)) for p, _ in theirs]
    ours_fid = frechet_distance(*stats[0], *stats[1])
    theirs_fid = pytorch_fid_score.calculate_frechet_distance(*torch_stats[0], *torch_stats[1])
    np.testing.assert_allclose(ours_fid, theirs_fid, rtol=1e-3)


def test_frechet_distance_matches_pytorch_fid_function():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(50, 8)), rng.normal(0.3, 1.2, size=(60, 8))
    stats = [(x.mean(0), np.cov(x, rowvar=False)) for x in (a, b)]
    np.testing.assert_allclose(
        frechet_distance(*stats[0], *stats[1]),
        pytorch_fid_score.calculate_frechet_distance(*stats[0], *stats[1]),
        rtol=1e-10,
    )


def test_fid_command_line(networks, tmp_path, capsys):
    _, _, path = networks
    from PIL import Image

    rng = np.random.default_rng(3)
    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(5):
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    samples = rng.uniform(-1, 1, size=(5, 32, 32, 1)).astype(np.float32)
    np.savez(tmp_path / "samples.npz", samples=samples)
    weights = ["--weights", str(path), "--batch-size", "8"]
    assert fid.main([str(folder), str(tmp_path / "stats.npz"), "--save-stats", *weights]) == 0
    assert fid.main([str(tmp_path / "stats.npz"), str(tmp_path / "samples.npz"), *weights]) == 0
    value = float(capsys.readouterr().out.split("FID:")[1])
    assert np.isfinite(value) and value > 0
    assert fid.main([str(path), str(tmp_path / "weights.npz"), "--convert"]) == 0
    converted = load_inception_weights(tmp_path / "weights.npz")
    jax.tree.map(np.testing.assert_array_equal, converted, load_inception_weights(path))


def test_missing_weights_say_where_to_put_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="Download pytorch-fid's pt_inception-2015-12-05"):
        load_inception_weights(tmp_path / "nothing.pth", download=False)


def test_images_of_the_wrong_range_or_shape(tmp_path):
    np.savez(tmp_path / "bad.npz", samples=np.full((2, 8, 8, 3), 3.0, np.float32))
    with pytest.raises(ValueError, match=r"must lie in \[-1, 1\]; got \[3, 3\]"):
        fid.load_images(tmp_path / "bad.npz")
    np.savez(tmp_path / "flat.npz", samples=np.zeros((2, 64), np.float32))
    with pytest.raises(ValueError, match=r"N x H x W x \(1\|3\); got \(2, 64\)"):
        fid.load_images(tmp_path / "flat.npz")


def test_evaluate_catalog_image_run(networks, tmp_path):
    import tensorflow_datasets as tfds

    from experiments import evaluate, train
    from experiments.configs import wgan_gp_cifar10_resnet

    _, _, path = networks
    config = wgan_gp_cifar10_resnet.get_config()
    config.data_dir = str(tmp_path / "tfds")
    config.num_steps, config.batch_size, config.n_critic = 1, 8, 1
    config.num_final_samples, config.num_grid_samples = 8, 4
    config.generator.features = config.discriminator.features = 4
    with tfds.testing.mock_data(num_examples=64):
        train.run(config, str(tmp_path / "run"))
        result = evaluate.evaluate(str(tmp_path / "run"), num_samples=16, weights=str(path))
    expected = {"fid", "kid", "inception_score", "precision", "recall", "density", "coverage"}
    assert expected <= set(result)
    assert result["fid"] > 0 and 1.0 <= result["inception_score"] <= 1008
    assert 0 <= result["precision"] <= 1 and 0 <= result["coverage"] <= 1
