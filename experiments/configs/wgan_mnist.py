"""WGAN with weight clipping on mnist_5k (Arjovsky et al. 2017, algorithm 1).

  python -m experiments.train --config experiments/configs/wgan_mnist.py --workdir workdirs/wgan

RMSProp(5e-5), clip c = 0.01, n_critic = 5, batch 64; a DCGAN-28 critic without
BatchNorm. Expect at 1,500 generator steps (``--config.num_steps=1500``; ``python -m
experiments.reproduce loss_families``, seed 0, docs/results/loss_families.md):
classifier FD 727, score 3.93 (real digits 8.2 and 9.0) -- clipping learns slowly at
this budget -- in about 22 minutes on one CPU core (5 critic steps per G step).
"""

from experiments.configs import base


def get_config():
    c = base.get_config()
    c.loss = "wasserstein"
    c.discriminator.normalization = "none"
    c.n_critic = 5
    c.weight_clip = 0.01
    for opt in (c.generator_optimizer, c.discriminator_optimizer):
        opt.name = "rmsprop"
        opt.learning_rate = 5e-5
    c.num_steps = 1000
    return c
