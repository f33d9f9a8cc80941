"""grid25 (PacGAN/VEEGAN mixture of 2-D Gaussians), without minibatch discrimination.

  python -m experiments.train --config experiments/configs/grid25.py --workdir workdirs/grid25

MLP generator and discriminator (2 x 128 units), non-saturating loss, Adam(1e-3,
0.5), batch 512; 2,500 final samples for the mode-coverage metrics. Expect (seed 0,
3,000 steps, ``python -m experiments.evaluate``): 22 of 25 modes, only 7.8 % of samples
high quality (sigma 0.05 is tight for 3,000 steps), reverse KL 0.48, in about a minute
of training on one CPU core.
"""

from experiments.configs import base


def get_config():
    return base.toy_config("grid25", dim=2)
