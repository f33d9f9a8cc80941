"""DCGAN on mnist_5k with annealed instance noise (Sønderby et al. 2017).

  python -m experiments.train --config experiments/configs/instance_noise_mnist.py --workdir workdirs/instance_noise

Gaussian noise on every input of D, real and generated, its standard deviation
falling linearly from 0.1 to 0 over the run's 1,500 steps.

Expect (seed 0, one run; table 10, docs/results/tricks.md, ``python -m
experiments.reproduce tricks``) a classifier FD of 189 and a score of 5.79 at 1,500
steps, against 180 and 5.81 for ``dcgan_mnist.py:main`` at the same seed, scored by the same
classifier (real digits: 8.2; FDs from another machine's classifier differ, see
dcgan_mnist.py); training took about 7 minutes on one core of the 2-core CPU.
"""

from experiments.configs import dcgan_mnist


def get_config():
    c = dcgan_mnist.get_config("main")
    c.augmentation = {"name": "instance_noise", "stddev": 0.1, "anneal_steps": c.num_steps}
    return c
