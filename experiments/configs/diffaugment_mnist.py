"""DCGAN on mnist_5k with DiffAugment (Zhao et al. 2020): colour, translation, cutout.

  python -m experiments.train --config experiments/configs/diffaugment_mnist.py --workdir workdirs/diffaugment

Every image D sees, real and generated, in D's and G's updates, is augmented with
the same differentiable policy (the paper's 'color,translation,cutout').

Expect (seed 0, one run; table 10, docs/results/tricks.md, ``python -m
experiments.reproduce tricks``) a classifier FD of 251 and a score of 5.46 at 1,500
steps, against 180 and 5.81 for ``dcgan_mnist.py:main`` at the same seed, scored by the same
classifier (real digits: 8.2; FDs from another machine's classifier differ, see
dcgan_mnist.py); training took about 8 minutes on one core of the 2-core CPU.
"""

from experiments.configs import dcgan_mnist


def get_config():
    c = dcgan_mnist.get_config("main")
    c.augmentation = {"name": "diffaugment", "policy": "color,translation,cutout"}
    return c
