"""ring8 (PacGAN/VEEGAN mixture of 2-D Gaussians), without minibatch discrimination.

  python -m experiments.train --config experiments/configs/ring8.py --workdir workdirs/ring8

MLP generator and discriminator (2 x 128 units), non-saturating loss, Adam(1e-3,
0.5), batch 512; 2,500 final samples for the mode-coverage metrics. Expect (seed 0,
3,000 steps, ``python -m experiments.evaluate``): all 8 modes, 46.8 % of samples high
quality, reverse KL 0.13, in about a minute of training on one CPU core.
"""

from experiments.configs import base


def get_config():
    return base.toy_config("ring8", dim=2)
