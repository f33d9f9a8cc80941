"""LSGAN on mnist_5k (Mao et al. 2017; a = 0, b = c = 1), DCGAN-28, Adam(2e-4, 0.5).

python -m experiments.train --config experiments/configs/lsgan_mnist.py --workdir workdirs/lsgan
"""

from experiments.configs import base


def get_config():
    c = base.get_config()
    c.loss = "least_squares"
    c.num_steps = 1500
    return c
