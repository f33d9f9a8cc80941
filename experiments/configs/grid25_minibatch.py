"""grid25 (PacGAN/VEEGAN mixture of 2-D Gaussians), with minibatch discrimination (Salimans et al. 2016, 50 kernels).

  python -m experiments.train --config experiments/configs/grid25_minibatch.py --workdir workdirs/grid25_minibatch

MLP generator and discriminator (2 x 128 units), non-saturating loss, Adam(1e-3,
0.5), batch 512; 2,500 final samples for the mode-coverage metrics. Expect it to be
slow and to fail, as its ring8 twin did (``ring8_minibatch.py``): seed 0, 3,000 steps,
``python -m experiments.evaluate``: 7 of 25 modes, 0.8 % of samples high quality,
reverse KL 1.65 (without minibatch discrimination, ``grid25.py``: 22 modes, 7.8 %,
0.48). D won early and stayed ahead (D loss 0.03 by step 150, 0.0067 at the end, G
loss 8.3). The 512 x 512 pairwise distances ran at about 1.5 steps/s: 33 minutes of
training on one CPU core.
"""

from experiments.configs import base


def get_config():
    return base.toy_config("grid25", dim=2, minibatch_discrimination=50)
