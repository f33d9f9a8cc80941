"""LSGAN on mnist_5k (Mao et al. 2017; a = 0, b = c = 1), DCGAN-28, Adam(2e-4, 0.5).

python -m experiments.train --config experiments/configs/lsgan_mnist.py --workdir workdirs/lsgan

Expect at 1,500 steps (``--config.num_steps=1500``; ``python -m experiments.reproduce
loss_families``, seed 0, docs/results/loss_families.md): classifier FD 292, score 4.69
(real digits 8.2 and 9.0), about 7 minutes on one CPU core.
"""

from experiments.configs import base


def get_config():
    c = base.get_config()
    c.loss = "least_squares"
    c.num_steps = 1500
    return c
