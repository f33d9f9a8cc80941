"""Class-conditional GANs on mnist_5k: CGAN, projection discriminator, AC-GAN.

  python -m experiments.train --config experiments/configs/conditional_mnist.py:projection --workdir workdirs/projection
  python -m experiments.evaluate --workdir workdirs/projection

The argument picks the row of ``python -m experiments.reproduce conditional``:

- ``cgan`` (default; Mirza & Osindero 2014): the label's one-hot code is fed to G with
  z and to D as extra input channels; non-saturating loss.
- ``projection`` (Miyato & Koyama 2018): D's logit plus the inner product of a class
  embedding with D's last features; hinge loss and spectral norm in D, as the paper.
- ``acgan`` (Odena et al. 2017): D also classifies every image; both players add the
  class cross-entropy (weight 1) to the non-saturating loss.

All on the DCGAN-28 pair (G's input is z concatenated with the one-hot label), Adam(2e-4,
0.5), batch 64, 1,500 steps. ``experiments.evaluate`` asks for each digit in turn
(sample i gets label i mod 10) and reports ``conditional_accuracy``: the fraction the
digit classifier reads as the requested label. Expect (3 seeds, docs/results/conditional.md)
85 / 93.5 / 79 % of the requested digits read for cgan / projection / acgan, with a
classifier FD of 40 / 1,198 / 93 (projection's samples have grey backgrounds).
"""

from experiments.configs import base

ROWS = ("cgan", "projection", "acgan")


def get_config(arg: str = "cgan"):
    if arg not in ROWS:
        raise ValueError(f"conditional_mnist takes one of {ROWS}; got {arg!r}")
    c = base.get_config()
    c.conditioning = {"cgan": "labels"}.get(arg, arg)
    c.num_classes = 10
    if arg == "projection":
        c.loss = "hinge"
        c.discriminator.normalization = "spectral"
    c.num_steps = 1500
    return c
