"""Hinge loss with a spectrally normalised DCGAN-28 discriminator on mnist_5k (SNGAN).

  python -m experiments.train --config experiments/configs/hinge_sngan_mnist.py --workdir workdirs/sngan

Adam(2e-4, (0.5, 0.999)), n_critic = 1 (Miyato et al. 2018's standard-CNN setting).
Expect at 1,500 steps (``--config.num_steps=1500``; ``python -m experiments.reproduce
loss_families``, seed 0, docs/results/loss_families.md): classifier FD 205, score 5.50
(real digits 8.2 and 9.0), about 7 minutes on one CPU core.
"""

from experiments.configs import base


def get_config():
    c = base.get_config()
    c.loss = "hinge"
    c.discriminator.normalization = "spectral"
    c.num_steps = 1500
    return c
