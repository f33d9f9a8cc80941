"""DCGAN on mnist_5k with improved consistency regularisation: bCR + zCR (Zhao et al. 2021).

  python -m experiments.train --config experiments/configs/improved_consistency_mnist.py --workdir workdirs/icr

bCR on real and generated images (lambda_real = lambda_fake = 10) and zCR
(lambda_dis = 5 on D, lambda_gen = 0.5 on G, sigma_noise = 0.03), the paper's
CIFAR-10 setting.

Expect (seed 0, one run; table 10, docs/results/tricks.md, ``python -m
experiments.reproduce tricks``) a classifier FD of 735 and a score of 3.11 at 1,500
steps, against 180 and 5.81 for ``dcgan_mnist.py:main`` at the same seed, scored by the same
classifier (real digits: 8.2; FDs from another machine's classifier differ, see
dcgan_mnist.py); training took about 16 minutes on one core of the 2-core CPU.
"""

from experiments.configs import dcgan_mnist


def get_config():
    c = dcgan_mnist.get_config("main")
    c.regularizers = {
        "balanced_consistency": 10.0,
        "latent_consistency": {"weight": 5.0, "sigma": 0.03},
        "latent_consistency_generator": {
            "regularizer": "latent_consistency",
            "player": "generator",
            "weight": 0.5,
            "sigma": 0.03,
        },
    }
    return c
