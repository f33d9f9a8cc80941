"""DCGAN on mnist_5k with adaptive discriminator augmentation (Karras et al. 2020).

  python -m experiments.train --config experiments/configs/ada_mnist.py --workdir workdirs/ada

Flips, 90-degree rotations, integer translation, brightness and contrast, each with
probability p; p starts at 0 and follows r_t = E[sign D(x)] toward 0.6. With 4,500
training digits the adjustment speed is 100k images per unit of p (the paper's 500k
is for larger runs). p is the metric ``ada_p`` and is checkpointed.
"""

from experiments.configs import dcgan_mnist


def get_config():
    c = dcgan_mnist.get_config()
    c.augmentation = {"name": "ada", "target": 0.6, "speed_kimg": 100.0}
    return c
