"""Conditional GAN on mnist_5k (Mirza & Osindero 2014): the label's one-hot code is fed
to G with z and to D as extra input channels; DCGAN-28 networks.

  python -m experiments.train --config experiments/configs/cgan_mnist.py --workdir workdirs/cgan
"""

from experiments.configs import base


def get_config():
    c = base.get_config()
    c.conditioning = "labels"
    c.num_classes = 10
    c.num_steps = 1500
    return c
