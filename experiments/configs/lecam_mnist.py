"""DCGAN on mnist_5k with LeCam regularisation (Tseng et al. 2021), lambda = 0.3.

  python -m experiments.train --config experiments/configs/lecam_mnist.py --workdir workdirs/lecam

The dcgan_mnist recipe plus the LeCam term on D: the squared distance of D's outputs
on real data to the moving average of its outputs on generated data, and vice versa
(EMA decay 0.99, in the checkpointed regulariser state). It reads the outputs the step
computed, so it adds no discriminator pass.

Expect (seed 0, one run; table 10, docs/results/tricks.md, ``python -m
experiments.reproduce tricks``) a classifier FD of 268 and a score of 4.95 at 1,500
steps, against 180 and 5.81 for ``dcgan_mnist.py:main`` at the same seed, scored by the same
classifier (real digits: 8.2; FDs from another machine's classifier differ, see
dcgan_mnist.py); training took about 7 minutes on one core of the 2-core CPU.
"""

from experiments.configs import dcgan_mnist


def get_config():
    c = dcgan_mnist.get_config("main")
    c.regularizers = {"lecam": {"weight": 0.3, "decay": 0.99}}
    return c
