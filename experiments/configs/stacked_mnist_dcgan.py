"""DCGAN on Stacked MNIST (three mnist_5k digits as RGB channels; 1,000 modes).

  python -m experiments.train --config experiments/configs/stacked_mnist_dcgan.py --workdir workdirs/stacked

DCGAN-28 with three channels; the final samples feed the mode count.
"""

from experiments.configs import base


def get_config():
    c = base.get_config()
    c.dataset = "stacked_mnist"
    c.generator.channels = 3
    c.discriminator.channels = 3
    c.num_steps = 3000
    return c
