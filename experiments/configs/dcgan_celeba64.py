"""DCGAN-64 on CelebA (catalog TFDS data: prepare it first, see the README).

  python -m experiments.train --config experiments/configs/dcgan_celeba64.py --workdir workdirs/celeba --config.data_dir DIR

The reference DCGAN-64 pair (ngf = ndf = 64), 140x140 centre crop resized to 64x64,
random flips, Adam(2e-4, 0.5), batch 128, 20,000 steps. Intended hardware: one GPU
or TPU; far too slow for a CPU.

What to expect: no numbers were measured for this config. CelebA is catalog data that
this project's offline 2-core machine cannot download, and Radford et al. print no
number for faces (they show samples). Its cost was measured: a step of the same pair
at batch 64 is 150 GFLOP and runs at 0.74 steps/s on the 2-core CPU (docs/benchmarks.md;
``python -m experiments.benchmark --model dcgan64``), so this config's 20,000 steps of
batch 128 would take about 15 hours there.
"""

from experiments.configs import base


def get_config():
    c = base.get_config()
    c.dataset = "celeb_a"
    c.center_crop = 140
    c.image_size = 64
    c.random_flip = True
    c.generator = {"image_size": 64, "channels": 3}
    c.discriminator = {"image_size": 64, "channels": 3}
    c.batch_size = 128
    c.num_steps = 20_000
    c.sample_every = 1000
    c.checkpoint_every = 2000
    c.ema_decay = 0.999
    return c
