"""grid25 with PacGAN4 (Lin et al. 2018): D judges four samples at once.

  python -m experiments.train --config experiments/configs/grid25_pacgan4.py --workdir workdirs/grid25_pacgan4

The grid25 toy setting (MLP pair, non-saturating loss, batch 512) with packing m = 4.
"""

from experiments.configs import base


def get_config():
    c = base.toy_config("grid25", dim=2)
    c.packing = 4
    return c
