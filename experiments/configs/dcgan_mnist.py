"""DCGAN on the offline mnist_5k digits: the README's main job (CPU, under 10 minutes).

  python -m experiments.train --config experiments/configs/dcgan_mnist.py --workdir workdirs/dcgan_mnist

The 28x28 DCGAN pair (G: z -> Dense 7x7x128 -> BN -> ReLU -> ConvT 64 -> BN -> ReLU ->
ConvT 1 -> tanh; D: Conv 64 -> LeakyReLU -> Conv 128 -> BN -> LeakyReLU -> Dense 1),
non-saturating loss, Adam(2e-4, beta1 = 0.5), batch 64 (Radford et al. 2016). No
generator EMA: over 1,500 steps an EMA (0.999) paired with the raw BatchNorm statistics
gave blurrier digits.
"""

from experiments.configs import base


def get_config():
    c = base.get_config()
    c.num_steps = 1500
    c.sample_every = 250
    c.checkpoint_every = 250
    return c
