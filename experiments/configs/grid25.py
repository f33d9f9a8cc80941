"""grid25 (PacGAN/VEEGAN mixture of 2-D Gaussians), without minibatch discrimination.

  python -m experiments.train --config experiments/configs/grid25.py --workdir workdirs/grid25

MLP generator and discriminator (2 x 128 units), non-saturating loss, Adam(1e-3,
0.5), batch 512; 2,500 final samples for the mode-coverage metrics.
"""

from experiments.configs import base


def get_config():
    return base.toy_config("grid25", dim=2)
