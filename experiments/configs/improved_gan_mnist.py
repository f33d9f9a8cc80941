"""Improved GAN techniques together on mnist_5k (Salimans et al. 2016).

  python -m experiments.train --config experiments/configs/improved_gan_mnist.py --workdir workdirs/improved_gan

The DCGAN-28 pair with the paper's tricks for sample quality: minibatch
discrimination in D (100 kernels of 5, on its last feature map pooled over
positions), virtual batch normalisation in G (a fixed
reference batch of 64 latents), historical averaging on both players (weight 1e-4,
small because it sums over all parameters), and one-sided label smoothing (real
targets 0.9).
"""

from experiments.configs import dcgan_mnist


def get_config():
    c = dcgan_mnist.get_config()
    c.discriminator.minibatch_discrimination = 100
    c.generator.normalization = "virtual_batch"
    c.generator.reference_size = 64
    c.label_smoothing = 0.1
    c.regularizers = {
        "historical_averaging": 1e-4,
        "historical_averaging_generator": {
            "regularizer": "historical_averaging",
            "player": "generator",
            "weight": 1e-4,
        },
    }
    return c
