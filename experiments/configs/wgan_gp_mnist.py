"""WGAN-GP on mnist_5k (Gulrajani et al. 2017): lambda = 10, n_critic = 5, Adam(1e-4, (0, 0.9)).

  python -m experiments.train --config experiments/configs/wgan_gp_mnist.py --workdir workdirs/wgan_gp

The critic has no BatchNorm (the penalty is per example). Expect at 1,500 generator
steps (``--config.num_steps=1500``; ``python -m experiments.reproduce loss_families``,
seed 0, docs/results/loss_families.md): classifier FD 160.5, score 6.08 (real digits
8.2 and 9.0), the best of the eight loss families at that budget, in about 20-30
minutes on one CPU core (5 critic steps per G step).
"""

from experiments.configs import base


def get_config():
    c = base.get_config()
    c.loss = "wasserstein"
    c.penalties = {"gradient_penalty": 10.0}
    c.discriminator.normalization = "none"
    c.n_critic = 5
    for opt in (c.generator_optimizer, c.discriminator_optimizer):
        opt.learning_rate = 1e-4
        opt.b1 = 0.0
        opt.b2 = 0.9
    c.num_steps = 1000
    return c
