"""DCGAN on mnist_5k with adaptive discriminator augmentation (Karras et al. 2020).

  python -m experiments.train --config experiments/configs/ada_mnist.py --workdir workdirs/ada

Flips, 90-degree rotations, integer translation, brightness and contrast, each with
probability p; p starts at 0 and follows r_t = E[sign D(x)] toward 0.6. With 4,500
training digits the adjustment speed is 100k images per unit of p (the paper's 500k
is for larger runs). p is the metric ``ada_p`` and is checkpointed.

Expect (seed 0, one run; table 10, docs/results/tricks.md, ``python -m
experiments.reproduce tricks``) a classifier FD of 278 and a score of 5.38 at 1,500
steps, against 180 and 5.81 for ``dcgan_mnist.py:main`` at the same seed, scored by the same
classifier (real digits: 8.2; FDs from another machine's classifier differ, see
dcgan_mnist.py); training took about 8 minutes on one core of the 2-core CPU.
"""

from experiments.configs import dcgan_mnist


def get_config():
    c = dcgan_mnist.get_config("main")
    c.augmentation = {"name": "ada", "target": 0.6, "speed_kimg": 100.0}
    return c
