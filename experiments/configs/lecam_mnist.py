"""DCGAN on mnist_5k with LeCam regularisation (Tseng et al. 2021), lambda = 0.3.

  python -m experiments.train --config experiments/configs/lecam_mnist.py --workdir workdirs/lecam

The dcgan_mnist recipe plus the LeCam term on D: the squared distance of D's outputs
on real data to the moving average of its outputs on generated data, and vice versa
(EMA decay 0.99, in the checkpointed regulariser state). It reads the outputs the step
computed, so it adds no discriminator pass.
"""

from experiments.configs import dcgan_mnist


def get_config():
    c = dcgan_mnist.get_config()
    c.regularizers = {"lecam": {"weight": 0.3, "decay": 0.99}}
    return c
