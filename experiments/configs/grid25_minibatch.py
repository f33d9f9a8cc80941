"""grid25 (PacGAN/VEEGAN mixture of 2-D Gaussians), with minibatch discrimination (Salimans et al. 2016, 50 kernels).

  python -m experiments.train --config experiments/configs/grid25_minibatch.py --workdir workdirs/grid25_minibatch

MLP generator and discriminator (2 x 128 units), non-saturating loss, Adam(1e-3,
0.5), batch 512; 2,500 final samples for the mode-coverage metrics. Not measured: the
ring8 version runs at about 1.5 steps/s on one CPU core (about 35 minutes) and D won
outright by step 1,750 there (see ``ring8_minibatch.py``).
"""

from experiments.configs import base


def get_config():
    return base.toy_config("grid25", dim=2, minibatch_discrimination=50)
