"""DCGAN on mnist_5k with annealed instance noise (Sønderby et al. 2017).

  python -m experiments.train --config experiments/configs/instance_noise_mnist.py --workdir workdirs/instance_noise

Gaussian noise on every input of D, real and generated, its standard deviation
falling linearly from 0.1 to 0 over the run's 1,500 steps.
"""

from experiments.configs import dcgan_mnist


def get_config():
    c = dcgan_mnist.get_config()
    c.augmentation = {"name": "instance_noise", "stddev": 0.1, "anneal_steps": c.num_steps}
    return c
