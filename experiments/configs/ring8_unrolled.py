"""ring8 with an unrolled GAN (Metz et al. 2017), 5 unrolling steps.

  python -m experiments.train --config experiments/configs/ring8_unrolled.py --workdir workdirs/ring8_unrolled

The ring8 toy setting (MLP pair, non-saturating loss, batch 512); G's loss is taken
through 5 unrolled updates of D (its Adam optimiser included), differentiated
through the unrolling, as in the paper's mixture-of-Gaussians experiment. Expect (seed
0, 3,000 steps, ``python -m experiments.evaluate``): 7 of 8 modes, 22.6 % high quality,
reverse KL 0.31 (ring8 without unrolling: 8, 46.8 %, 0.13), in about 3 minutes of
training on one CPU core (3x the plain run).
"""

from experiments.configs import base


def get_config():
    c = base.toy_config("ring8", dim=2)
    c.unrolled_steps = 5
    return c
