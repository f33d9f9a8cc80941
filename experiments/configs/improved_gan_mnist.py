"""Improved GAN techniques together on mnist_5k (Salimans et al. 2016).

  python -m experiments.train --config experiments/configs/improved_gan_mnist.py --workdir workdirs/improved_gan

The DCGAN-28 pair with the paper's tricks for sample quality: minibatch
discrimination in D (100 kernels of 5, on its last feature map pooled over
positions), virtual batch normalisation in G (a fixed
reference batch of 64 latents), historical averaging on both players (weight 1e-4,
small because it sums over all parameters), and one-sided label smoothing (real
targets 0.9).

Expect (seed 0, one run; table 10, docs/results/tricks.md, ``python -m
experiments.reproduce tricks``) a classifier FD of 241 and a score of 5.39 at 1,500
steps, against 180 and 5.81 for ``dcgan_mnist.py:main`` at the same seed, scored by the same
classifier (real digits: 8.2; FDs from another machine's classifier differ, see
dcgan_mnist.py); training took about 11 minutes on one core of the 2-core CPU.
"""

from experiments.configs import dcgan_mnist


def get_config():
    c = dcgan_mnist.get_config("main")
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
