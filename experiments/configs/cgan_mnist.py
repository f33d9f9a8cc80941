"""Conditional GAN on mnist_5k (Mirza & Osindero 2014): the label's one-hot code is fed
to G with z and to D as extra input channels; DCGAN-28 networks.

  python -m experiments.train --config experiments/configs/cgan_mnist.py --workdir workdirs/cgan
  python -m experiments.evaluate --workdir workdirs/cgan

The same recipe as ``conditional_mnist.py:cgan`` (the ``cgan`` row of
``python -m experiments.reproduce conditional``): non-saturating loss, Adam(2e-4, 0.5),
batch 64, 1,500 steps. Expect (3 seeds, docs/results/conditional.md) the digit
classifier to read the requested digit in 85 +- 2 % of samples (the worst digit
71 +- 6 %), a classifier FD of 40 +- 7 and a score of 8.19 +- 0.18; training takes
about 5 minutes on one core of the 2-core CPU, evaluation half a minute.
"""

from experiments.configs import conditional_mnist


def get_config():
    return conditional_mnist.get_config("cgan")
