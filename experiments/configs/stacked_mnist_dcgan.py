"""DCGAN on Stacked MNIST (three mnist_5k digits as RGB channels; 1,000 modes).

  python -m experiments.train --config experiments/configs/stacked_mnist_dcgan.py --workdir workdirs/stacked
  python -m experiments.train --config experiments/configs/stacked_mnist_dcgan.py:pacgan2 --workdir workdirs/stacked_pacgan2

DCGAN-28 with three channels, non-saturating loss, Adam(2e-4, 0.5), batch 64, 3,000
steps; ``experiments.evaluate`` classifies each channel of 26,000 samples (PacGAN's
protocol) and counts the modes covered. The argument picks the row of PacGAN's
Table 2 (``python -m experiments.reproduce stacked_mnist``): ``dcgan`` (default),
``pacgan2`` (D judges two samples packed along the channels: PacDCGAN2) or
``minibatch`` (minibatch discrimination, 50 kernels of dimension 5, on D's last
feature map pooled over positions, before D's last layer).

Expect (2 seeds, docs/results/stacked_mnist.md) 942 +- 17 of the 1,000 digit triples
and a KL to uniform of 0.60 +- 0.02 for ``dcgan``, 894 +- 28 and 0.83 for ``pacgan2``,
949 +- 8 and 0.66 for ``minibatch`` (26,000 draws from a perfect generator: 1,000 and
0.019); training takes about 21, 12 and 22 minutes on one core of the 2-core CPU,
evaluation a minute. ``pacgan2`` packs the batch of 64 into 32 pairs; PacGAN's own code
judges 64 pairs (``--config.batch_size=128``: 876 +- 86 and 0.89 +- 0.28, 26 minutes).
"""

from experiments.configs import base

ROWS = ("dcgan", "pacgan2", "minibatch")


def get_config(arg: str = "dcgan"):
    if arg not in ROWS:
        raise ValueError(f"stacked_mnist_dcgan takes one of {ROWS}; got {arg!r}")
    c = base.get_config()
    c.dataset = "stacked_mnist"
    c.generator.channels = 3
    c.discriminator.channels = 3
    if arg == "pacgan2":
        c.packing = 2
    elif arg == "minibatch":
        c.discriminator.minibatch_discrimination = 50
    c.num_steps = 3000
    return c
