"""DCGAN on mnist_5k with consistency regularisation CR (Zhang et al. 2020), lambda = 10.

  python -m experiments.train --config experiments/configs/consistency_mnist.py --workdir workdirs/cr

D's output on a real digit and on the same digit flipped and shifted by up to 2
pixels are pulled together.

Expect (seed 0, one run; table 10, docs/results/tricks.md, ``python -m
experiments.reproduce tricks``) a classifier FD of 298 and a score of 4.88 at 1,500
steps, against 180 and 5.81 for ``dcgan_mnist.py:main`` at the same seed, scored by the same
classifier (real digits: 8.2; FDs from another machine's classifier differ, see
dcgan_mnist.py); training took about 9 minutes on one core of the 2-core CPU.
"""

from experiments.configs import dcgan_mnist


def get_config():
    c = dcgan_mnist.get_config("main")
    c.regularizers = {"consistency": 10.0}
    return c
