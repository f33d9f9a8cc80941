"""pix2pix on edges2digits (edge maps -> mnist_5k digits, 32x32; Isola et al. 2017).

  python -m experiments.train --config experiments/configs/pix2pix_edges2digits.py --workdir workdirs/pix2pix

A 5-level U-Net generator and a PatchGAN discriminator on (edges, digit) pairs;
non-saturating loss plus 100 x L1, Adam(2e-4, 0.5), batch 16. Expect, at 2,000 steps
(3 seeds, docs/results/conditional.md), the held-out edge maps translated into digits
the classifier reads as the true digit 96.3 % of the time, mean absolute error 0.018.
"""

from experiments.configs import base


def get_config():
    c = base.get_config()
    c.dataset = "edges2digits"
    c.model = "pix2pix"
    c.conditioning = "image"
    c.generator = {"input_channels": 1, "output_channels": 1, "ngf": 32, "num_downs": 5}
    c.discriminator = {"ndf": 32, "num_layers": 2}
    c.l1_weight = 100.0
    c.batch_size = 16
    c.num_steps = 2000
    c.num_final_samples = 500
    return c
