"""DCGAN on mnist_5k with top-k generator updates (Sinha et al. 2020).

  python -m experiments.train --config experiments/configs/top_k_mnist.py --workdir workdirs/top_k

G's loss is taken on the k generated samples D rates most real: k starts at the whole
batch and decays by 0.99 per epoch (70 steps of 64 on 4,500 digits) down to half of
it (the paper's gamma = 0.99, nu = 0.5).

Expect (seed 0, one run; table 10, docs/results/tricks.md, ``python -m
experiments.reproduce tricks``) a classifier FD of 196 and a score of 5.74 at 1,500
steps, against 180 and 5.81 for ``dcgan_mnist.py:main`` at the same seed, scored by the same
classifier (real digits: 8.2; FDs from another machine's classifier differ, see
dcgan_mnist.py); training took about 9 minutes on one core of the 2-core CPU.
"""

from experiments.configs import dcgan_mnist


def get_config():
    c = dcgan_mnist.get_config("main")
    c.regularizers = {
        "top_k": {"player": "generator", "decay": 0.99, "decay_every": 70, "min_keep": 0.5}
    }
    return c
