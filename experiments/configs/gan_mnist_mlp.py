"""Goodfellow et al. 2014's MNIST GAN: MLP generator, maxout + dropout discriminator.

  python -m experiments.train --config experiments/configs/gan_mnist_mlp.py --workdir workdirs/gan_mlp

The paper trained with SGD and momentum; Adam(2e-4, beta1 = 0.5) is used here because
it needs no schedule to converge in a CPU-sized run. The generator's output uses tanh,
matching data in [-1, 1] (the paper's sigmoid matched data in [0, 1]).
"""

from experiments.configs import base


def get_config():
    c = base.get_config()
    c.model = "goodfellow_mlp"
    c.generator = {"output_activation": "tanh"}
    c.discriminator = {}
    c.num_steps = 3000
    return c
