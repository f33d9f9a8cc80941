"""CycleGAN on edges2digits with no pairs (edge maps <-> mnist_5k digits, 32x32; Zhu et al. 2017).

  python -m experiments.train --config experiments/configs/cyclegan_edges2digits.py --workdir workdirs/cyclegan
  python -m experiments.evaluate --workdir workdirs/cyclegan

The data (``edges2digits_unpaired``) stacks the two domains along the channels, edge
map then digit, and holds no pair in training: the edge maps come from one half of each
class's digits and the digits from the other half. The paper's parts: two ResNet-block
translators (:mod:`jaxgan.models.cyclegan`) and two PatchGAN discriminators with
InstanceNorm, the least-squares loss, the cycle loss (lambda 10) and the identity loss
(0.5 lambda = 5) on the generators, and D trained on a history of 50 generated images
(``history_pool``, checkpointed), Adam(2e-4, 0.5).

Sized for 2 CPU cores (about 0.7 s a step on one core): ``ngf`` 16 instead of the
paper's 64 (6 residual blocks, as the paper below 256x256), a 34x34-patch D with
``ndf`` 32 and batch 16 instead of 1, 2,000 steps at a constant learning rate (the
paper: 200 epochs, the last 100 decaying to 0). Batch, steps and D match the pix2pix
config (``pix2pix_edges2digits.py``), the paired baseline it is measured against. A
full run on a GPU: ``--config.generator.ngf=64 --config.discriminator.ndf=64
--config.num_steps=20000``.

``experiments.evaluate`` translates the 500 held-out edge maps and digits and reports
the translations' L1 to the true partner, the classifier's accuracy on edge -> digit
translations, and both cycles' reconstruction error. Expect, at 2,000 steps (3 seeds,
table 5 in docs/results/conditional.md; about 30 minutes a run on one core): edge maps
translated into the true digit 88.6 +- 1.2 % of the time, L1 0.056 to the true digits
(pix2pix, trained on the pairs: 96.3 %, 0.018), digit -> edge map L1 0.093, cycle
error 0.027 (pixels in [0, 1]).
"""

from experiments.configs import base


def get_config():
    c = base.get_config()
    c.dataset = "edges2digits_unpaired"
    c.model = "cyclegan"
    c.conditioning = "unpaired"
    c.generator = {"channels_a": 1, "channels_b": 1, "ngf": 16, "num_blocks": 6}
    c.discriminator = {
        "channels_a": 1,
        "channels_b": 1,
        "ndf": 32,
        "num_layers": 2,
        "normalization": "instance",
    }
    c.loss = "least_squares"
    c.regularizers = {
        "cycle_consistency": {"weight": 10.0, "player": "generator"},
        "identity": {"weight": 5.0, "player": "generator"},
    }
    c.history_pool = 50
    c.batch_size = 16
    c.num_steps = 2000
    c.num_final_samples = 500
    return c
