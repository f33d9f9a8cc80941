"""DCGAN-64 on CelebA (catalog TFDS data: prepare it first, see the README).

  python -m experiments.train --config experiments/configs/dcgan_celeba64.py --workdir workdirs/celeba --config.data_dir DIR

The reference DCGAN-64 pair (ngf = ndf = 64), 140x140 centre crop resized to 64x64,
random flips, Adam(2e-4, 0.5), batch 128. Intended hardware: one GPU or TPU (about
an hour for 20k steps on a current GPU); far too slow for a CPU.
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
