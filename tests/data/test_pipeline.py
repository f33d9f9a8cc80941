"""The input pipeline: determinism, exact resume, per-process shards, ranges, errors."""

import itertools

import numpy as np
import pytest
import tensorflow_datasets as tfds

from jaxgan.data import OFFLINE_DATASETS, make_pipeline, offline
from jaxgan.data.builders import TOY_TEST_SIZE


def pipeline(data_dir, dataset="mnist_5k", **kwargs):
    kwargs.setdefault("batch_size", 32)
    kwargs.setdefault("process_index", 0)
    kwargs.setdefault("process_count", 1)
    return make_pipeline(dataset, data_dir=data_dir, **kwargs)


def take(iterator, n):
    return list(itertools.islice(iterator, n))


def assert_same_batches(first, second):
    assert len(first) == len(second)
    for a, b in zip(first, second, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])


def _block_means(images, block):
    b, h, w, c = images.shape
    return images.reshape(b, h // block, block, w // block, block, c).mean(axis=(2, 4))


def _numpy_upsample(images):
    """Bilinear x2 with half-pixel centres and repeated edges (weights 3/4, 1/4)."""
    for axis in (1, 2):
        x = np.moveaxis(images, axis, 0)
        before, after = np.concatenate([x[:1], x[:-1]]), np.concatenate([x[1:], x[-1:]])
        out = np.empty((2 * len(x), *x.shape[1:]), x.dtype)
        out[0::2], out[1::2] = 0.75 * x + 0.25 * before, 0.75 * x + 0.25 * after
        images = np.moveaxis(out, 0, axis)
    return images


@pytest.mark.parametrize("level", [0, 1, 2])
def test_pyramid_levels_of_the_digits(data_dir, level):
    images = next(pipeline(data_dir, shuffle=False))["image"].astype(np.float64)
    batch = next(pipeline(data_dir, shuffle=False, pyramid=(level, 2)))
    # I_k is the 2^k x 2^k block mean; level k < 2 is h_k = I_k - up(I_{k+1}) given
    # up(I_{k+1}); level 2 is I_2 alone.
    mean_k = _block_means(images, 2**level)
    if level == 2:
        assert set(batch) == {"image", "label"}
        np.testing.assert_allclose(batch["image"], mean_k, atol=1e-5)
        return
    assert batch["image"].shape == batch["condition"].shape == (32, 28 >> level, 28 >> level, 1)
    coarser = _block_means(images, 2 ** (level + 1))
    np.testing.assert_allclose(batch["condition"], _numpy_upsample(coarser), atol=1e-5)
    np.testing.assert_allclose(batch["image"] + batch["condition"], mean_k, atol=1e-5)
    with pytest.raises(ValueError, match=r"levels\)=\(3, 2\) needs 0 <= level <= levels"):
        pipeline(data_dir, pyramid=(3, 2))
    with pytest.raises(ValueError, match="needs images; 'ring8' holds points"):
        pipeline(data_dir, dataset="ring8", pyramid=(0, 2))


def test_batches_are_normalised_images(data_dir):
    batch = next(pipeline(data_dir))
    assert set(batch) == {"image", "label"}
    assert batch["image"].shape == (32, 28, 28, 1) and batch["image"].dtype == np.float32
    assert batch["label"].shape == (32,) and batch["label"].dtype == np.int32
    assert batch["image"].min() == -1.0 and batch["image"].max() == 1.0
    # Pixel p maps to p / 127.5 - 1: each image is one of the raw digits, rescaled.
    raw = offline.mnist_5k("train")
    pixels = np.round((batch["image"][0] + 1.0) * 127.5).astype(np.uint8)
    assert np.any(np.all(raw["image"] == pixels, axis=(1, 2, 3)))


def test_digits_scale_to_the_full_range(data_dir):
    batch = next(pipeline(data_dir, "digits_8x8", batch_size=64))
    assert batch["image"].shape == (64, 8, 8, 1)
    assert batch["image"].min() == -1.0 and batch["image"].max() == 1.0  # 0..16 -> [-1, 1]
    levels = np.unique(batch["image"]) * 8 + 8  # back to 0..16: whole numbers
    np.testing.assert_allclose(levels, np.round(levels), atol=1e-5)


def test_same_seed_same_sequence_other_seed_other_sequence(data_dir):
    first = take(pipeline(data_dir, seed=3), 5)
    assert_same_batches(first, take(pipeline(data_dir, seed=3), 5))
    other = take(pipeline(data_dir, seed=4), 5)
    assert not np.array_equal(first[0]["image"], other[0]["image"])


def test_restored_state_yields_the_uninterrupted_batches(data_dir):
    uninterrupted = take(pipeline(data_dir, seed=1, random_flip=True), 8)
    interrupted = pipeline(data_dir, seed=1, random_flip=True)
    take(interrupted, 3)
    state = interrupted.get_state()
    resumed = pipeline(data_dir, seed=1, random_flip=True)
    resumed.set_state(state)
    assert_same_batches(take(resumed, 5), uninterrupted[3:])


def test_epochs_reshuffle_and_cover_the_split(data_dir):
    # digits_8x8 test split: 297 records; batches of 99 -> 3 per epoch, no remainder.
    batches = take(pipeline(data_dir, "digits_8x8", split="test", batch_size=99, num_epochs=2), 10)
    assert len(batches) == 6
    epochs = [np.concatenate([b["image"] for b in batches[i : i + 3]]) for i in (0, 3)]
    test = offline.digits_8x8("test")
    expected = np.sort((test["image"].astype(np.float32) / 8 - 1).reshape(297, -1), axis=0)
    for epoch in epochs:
        np.testing.assert_array_equal(np.sort(epoch.reshape(297, -1), axis=0), expected)
    assert not np.array_equal(epochs[0], epochs[1])


def test_process_shards_are_disjoint_and_cover_the_data(data_dir):
    # mnist_5k test split: 500 records, 2 processes x 250, local batches of 25.
    shards = []
    for process in range(2):
        batches = take(
            pipeline(data_dir, split="test", batch_size=50, num_epochs=1,
                     process_index=process, process_count=2),
            100,
        )  # fmt: skip
        assert all(b["image"].shape[0] == 25 for b in batches)
        shards.append({b["image"][i].tobytes() for b in batches for i in range(25)})
    assert len(shards[0]) == len(shards[1]) == 250
    assert not shards[0] & shards[1]
    everything = pipeline(data_dir, split="test", batch_size=500, num_epochs=1)
    assert shards[0] | shards[1] == {row.tobytes() for row in next(everything)["image"]}


def test_n_critic_stacks_batches(data_dir):
    batch = next(pipeline(data_dir, "ring8", batch_size=16, n_critic=5))
    assert batch["image"].shape == (5, 16, 2) and batch["label"].shape == (5, 16)
    flat = next(pipeline(data_dir, "ring8", batch_size=80))
    np.testing.assert_array_equal(batch["image"].reshape(80, 2), flat["image"])


def test_toy_points_pass_through(data_dir):
    batch = next(pipeline(data_dir, "grid25", batch_size=2000))
    points = batch["image"]
    assert points.dtype == np.float32 and points.shape == (2000, 2)
    modes = offline.grid25_modes()
    nearest = np.argmin(np.linalg.norm(points[:, None] - modes[None], axis=-1), axis=1)
    np.testing.assert_array_equal(nearest, batch["label"])
    np.testing.assert_allclose(np.std(points - modes[batch["label"]]), 0.05, rtol=0.1)


def test_random_flip_mirrors_about_half(data_dir):
    plain = next(pipeline(data_dir, seed=5, batch_size=256))
    flipped = next(pipeline(data_dir, seed=5, batch_size=256, random_flip=True))
    mirrored = np.all(flipped["image"] == plain["image"][:, :, ::-1], axis=(1, 2, 3))
    same = np.all(flipped["image"] == plain["image"], axis=(1, 2, 3))
    assert np.all(mirrored | same)
    assert 0.35 < np.mean(mirrored & ~same) < 0.65


def test_resize_and_crop(data_dir):
    batch = next(pipeline(data_dir, image_size=64))
    assert batch["image"].shape == (32, 64, 64, 1)
    assert -1.0 <= batch["image"].min() and batch["image"].max() <= 1.0
    cropped = next(pipeline(data_dir, center_crop=20, image_size=32))
    assert cropped["image"].shape == (32, 32, 32, 1)
    blank = next(pipeline(data_dir, "stacked_mnist", batch_size=8, image_size=32))
    assert blank["image"].shape == (8, 32, 32, 3)


def test_pix2pix_pairs(data_dir):
    batch = next(pipeline(data_dir, "edges2digits", batch_size=4))
    assert batch["image"].shape == batch["condition"].shape == (4, 32, 32, 1)
    assert set(np.unique(batch["condition"])) <= {-1.0, 1.0}


def test_worker_processes_give_the_same_batches(data_dir):
    assert_same_batches(
        take(pipeline(data_dir, "digits_8x8", seed=2, worker_count=2), 3),
        take(pipeline(data_dir, "digits_8x8", seed=2), 3),
    )


@pytest.mark.parametrize("name", ["mnist", "cifar10", "celeb_a"])
def test_catalog_datasets_under_mock_data(tmp_path, name):
    with tfds.testing.mock_data(num_examples=64):
        batch = next(
            pipeline(
                str(tmp_path), name, batch_size=8, image_size=64 if name == "celeb_a" else None
            )
        )
    size = {"mnist": 28, "cifar10": 32, "celeb_a": 64}[name]
    assert batch["image"].shape[:3] == (8, size, size)
    assert batch["image"].dtype == np.float32
    assert -1.0 <= batch["image"].min() and batch["image"].max() <= 1.0


# ----------------------------------------------------------------------------
# Errors.
# ----------------------------------------------------------------------------


def test_unknown_dataset_lists_offline_ones(tmp_path):
    with pytest.raises(
        ValueError, match="unknown dataset 'mnist5000'.*mnist_5k, digits_8x8.*tfds build"
    ):
        pipeline(str(tmp_path), "mnist5000")
    assert "ring8" in OFFLINE_DATASETS


def test_catalog_dataset_missing_offline_says_so(tmp_path):
    with pytest.raises(
        FileNotFoundError,
        match=r"'cifar10' \(split 'train'\) is not prepared.*nothing is downloaded",
    ):
        pipeline(str(tmp_path), "cifar10")


def test_batch_larger_than_split(data_dir):
    with pytest.raises(
        ValueError, match="batch_size=600.*larger than the 'mnist_5k' 'test' split's 500"
    ):
        pipeline(data_dir, split="test", batch_size=600)


def test_batch_not_divisible_by_processes(data_dir):
    with pytest.raises(ValueError, match="batch_size=33 is not divisible by 2 processes"):
        pipeline(data_dir, batch_size=33, process_index=0, process_count=2)


@pytest.mark.parametrize(
    "shape,size", [((28, 28), 32), ((28, 28), 64), ((64, 48), 32), ((8, 8), 28)]
)
def test_resize_matches_pillow_bilinear(shape, size):
    from PIL import Image

    from jaxgan.data.pipeline import _resize

    images = np.random.default_rng(0).uniform(0, 255, (2, *shape, 3)).astype(np.float32)
    reference = np.stack(
        [
            np.stack(
                [
                    np.asarray(
                        Image.fromarray(images[n, ..., c], mode="F").resize(
                            (size, size), Image.Resampling.BILINEAR
                        )
                    )
                    for c in range(3)
                ],
                axis=-1,
            )
            for n in range(2)
        ]
    )
    np.testing.assert_allclose(_resize(images, size), reference, atol=1e-3)


def test_device_prefetcher_keeps_order_and_reports_the_unconsumed_position(data_dir):
    import jax

    from jaxgan.data import DevicePrefetcher

    expected = take(pipeline(data_dir, seed=7), 6)
    source = pipeline(data_dir, seed=7)
    placed = DevicePrefetcher(source, jax.device_put, size=3)
    got = take(placed, 4)
    assert_same_batches([jax.device_get(b) for b in got], expected[:4])
    # The pipeline itself has read ahead; the prefetcher's position is that of batch 5.
    resumed = pipeline(data_dir, seed=7)
    resumed.set_state(placed.position())
    assert_same_batches(take(resumed, 2), expected[4:6])
    with pytest.raises(ValueError, match="size=0"):
        DevicePrefetcher(source, jax.device_put, size=0)


def test_device_prefetcher_on_a_finite_source():
    from jaxgan.data import DevicePrefetcher

    placed = DevicePrefetcher(iter([1, 2, 3]), lambda x: 10 * x, size=2)
    assert list(placed) == [10, 20, 30]
    assert placed.position() is None


def test_processes_started_together_prepare_a_dataset_once(tmp_path):
    """Runs started side by side (experiments.reproduce --jobs 2) used to race TFDS's final
    rename of the prepared folder; the second then failed with FileExistsError."""
    import subprocess
    import sys

    script = (
        "import sys; from jaxgan.data.pipeline import load_source; "
        f"print(len(load_source('grid25', 'test', {str(tmp_path)!r})))"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(3)
    ]
    results = [p.communicate(timeout=300) for p in processes]
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
        assert out.strip() == str(TOY_TEST_SIZE)
    # Exactly one of them announced the preparation.
    assert sum("Preparing the offline dataset" in err for _, err in results) == 1


def test_captioned_digits_carry_their_text(data_dir):
    from jaxgan.data import captions

    batch = next(make_pipeline("mnist_5k_captions", batch_size=16, data_dir=data_dir, seed=0))
    assert sorted(batch) == ["image", "label", "text"]
    assert batch["text"].dtype == np.float32 and batch["text"].shape == (16, 20)
    decoded = captions.decode(batch["text"])
    assert all(captions.DIGIT_WORDS[label] in text
               for label, text in zip(batch["label"], decoded, strict=True))  # fmt: skip
