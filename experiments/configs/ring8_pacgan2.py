"""ring8 with PacGAN2 (Lin et al. 2018): D judges two samples at once.

  python -m experiments.train --config experiments/configs/ring8_pacgan2.py --workdir workdirs/ring8_pacgan2

The ring8 toy setting (MLP pair, non-saturating loss, batch 512) with packing m = 2:
real points are packed with real points and generated with generated, and D's input
is two points (4 numbers). Expect (seed 0, 3,000 steps, ``python -m
experiments.evaluate``): all 8 modes, 56.2 % high quality (ring8 without packing: 46.8
%), reverse KL 0.16, in about a minute on one CPU core.
"""

from experiments.configs import base


def get_config():
    c = base.toy_config("ring8", dim=2)
    c.packing = 2
    return c
