"""ring8 (PacGAN/VEEGAN mixture of 2-D Gaussians), with minibatch discrimination (Salimans et al. 2016, 50 kernels).

  python -m experiments.train --config experiments/configs/ring8_minibatch.py --workdir workdirs/ring8_minibatch

MLP generator and discriminator (2 x 128 units), non-saturating loss, Adam(1e-3,
0.5), batch 512; 2,500 final samples for the mode-coverage metrics. Expect it to be
slow and to fail: the 512 x 512 pairwise distances run at about 1.5 steps/s on one CPU
core (about 35 minutes for 3,000 steps), and by step 1,750 D had won outright (D loss
0.0000, G loss 12.7; seed 0, stopped there). With the PacGAN networks and batch 100,
``toy_mode_coverage.py:ring8,minibatch`` finished: 5 of 8 modes, 14.8 % high quality.
"""

from experiments.configs import base


def get_config():
    return base.toy_config("ring8", dim=2, minibatch_discrimination=50)
