"""DCGAN on mnist_5k with lazy R1 (Mescheder et al. 2018; StyleGAN2's lazy form, Karras et al. 2020).

  python -m experiments.train --config experiments/configs/r1_lazy_mnist.py --workdir workdirs/r1_lazy

R1 with gamma = 10 (weight gamma / 2 = 5) computed every 16 steps with 16 times the
weight, ramped up linearly over the first 500 steps. D has no BatchNorm (the
penalty is per example).

Expect (seed 0, one run; table 10, docs/results/tricks.md, ``python -m
experiments.reproduce tricks``) a classifier FD of 242 and a score of 5.10 at 1,500
steps, against 180 and 5.81 for ``dcgan_mnist.py:main`` at the same seed, scored by the same
classifier (real digits: 8.2; FDs from another machine's classifier differ, see
dcgan_mnist.py); training took about 7 minutes on one core of the 2-core CPU.
"""

from experiments.configs import dcgan_mnist


def get_config():
    c = dcgan_mnist.get_config("main")
    c.discriminator.normalization = "none"
    c.regularizers = {"r1": {"weight": 5.0, "every": 16, "warmup_steps": 500}}
    return c
