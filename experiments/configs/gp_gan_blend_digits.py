"""GP-GAN's blending GAN on blend_digits (Wu et al. 2017): 32x32 copy-paste composites ->
the untouched scenes.

  python -m experiments.train --config experiments/configs/gp_gan_blend_digits.py --workdir workdirs/blend
  python -m experiments.gp_gan --workdir workdirs/blend

As the authors' ``train_blending_gan.py``: an encoder-decoder G without skip
connections (the U-Net's levels with the skips removed; its 1x1 code of 8 ngf
channels stands for the paper's 4,000-d fully connected bottleneck), WGAN with
weight clipping at 0.01 and 5 critic steps per G step, L2 to the ground truth
weighted 0.999 against the adversarial loss's 0.001 (here 999 : 1; Adam is
invariant to the overall scale), Adam with G's learning rate 2e-3 and D's 2e-4,
beta1 0.5, batch 64. Differences: 32x32 grey images instead of 64x64 RGB, ngf 32;
the critic is pix2pix's PatchGAN and sees the composite beside the image (the
paper's DCGAN critic sees the image alone). ``experiments.gp_gan`` then blends the
64x64 composites with the Gaussian-Poisson equation and scores them against the
ground truth, plain Poisson blending and the copy-paste composite. Expect (seed 0,
1,500 G steps, 34 minutes on one core; ``docs/results/gp_gan.md``): on the 500 held-out
32x32 composites the GAN alone brings the squared error to the scene from 0.0114 to
0.0064; GP-GAN's 64x64 blends reach 0.0057 inside the pasted square (the composite:
0.0463; Perez's Poisson blending: 0.0028).
"""

from experiments.configs import base


def get_config():
    c = base.get_config()
    c.dataset = "blend_digits"
    c.model = "pix2pix"
    c.conditioning = "image"
    c.generator = {
        "input_channels": 1,
        "output_channels": 1,
        "ngf": 32,
        "num_downs": 5,
        "skip_connections": False,
        "use_dropout": False,
    }
    c.discriminator = {"ndf": 32, "num_layers": 2}
    c.loss = "wasserstein"
    c.weight_clip = 0.01
    c.n_critic = 5
    c.regularizers = {"reconstruction": {"weight": 999.0, "norm": 2}}
    c.generator_optimizer.learning_rate = 2e-3
    c.discriminator_optimizer.learning_rate = 2e-4
    c.batch_size = 64
    c.num_steps = 1500
    c.num_final_samples = 500
    return c
