"""DCGAN on mnist_5k with DiffAugment (Zhao et al. 2020): colour, translation, cutout.

  python -m experiments.train --config experiments/configs/diffaugment_mnist.py --workdir workdirs/diffaugment

Every image D sees, real and generated, in D's and G's updates, is augmented with
the same differentiable policy (the paper's 'color,translation,cutout').
"""

from experiments.configs import dcgan_mnist


def get_config():
    c = dcgan_mnist.get_config()
    c.augmentation = {"name": "diffaugment", "policy": "color,translation,cutout"}
    return c
