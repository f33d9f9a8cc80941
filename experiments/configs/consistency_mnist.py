"""DCGAN on mnist_5k with consistency regularisation CR (Zhang et al. 2020), lambda = 10.

  python -m experiments.train --config experiments/configs/consistency_mnist.py --workdir workdirs/cr

D's output on a real digit and on the same digit flipped and shifted by up to 2
pixels are pulled together.
"""

from experiments.configs import dcgan_mnist


def get_config():
    c = dcgan_mnist.get_config()
    c.regularizers = {"consistency": 10.0}
    return c
