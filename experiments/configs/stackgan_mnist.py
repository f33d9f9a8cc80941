"""StackGAN on mnist_5k_captions (Zhang et al. 2017): stage I at 14x14, stage II at 28x28.

  python -m experiments.stackgan --workdir workdirs/stackgan          # both stages
  python -m experiments.train --config experiments/configs/stackgan_mnist.py:1 --workdir DIR1
  python -m experiments.train --config experiments/configs/stackgan_mnist.py:2 --workdir DIR2 \
      --config.pretrained.stage1=DIR1

The argument is the stage. Text: each digit's caption ("a thick small seven slanted
right", :mod:`jaxgan.data.captions`) as a bag of words; both stages see it through
conditioning augmentation (16 units, KL weight 1, the paper's lambda; a linear mu and
log-variance where the authors' code has a ReLU, see below) and their
discriminators are matching-aware (``matching_aware`` with weight 1/2: D's loss is the
mean of its loss against generated images and against real images with the next
example's caption, as in GAN-CLS and StackGAN).

- ``1``: ``jaxgan.models.StackGANStage1Generator`` (64 noise + 16 condition-noise
  latents, ngf 32) against a 14x14 ``StackGANDiscriminator`` (ndf 32), on the digits
  downsampled to 14x14 (2x2 means); 4,000 steps.
- ``2``: ``StackGANStage2Generator``: the trained stage-I generator (frozen,
  ``pretrained.stage1``: ``experiments.train`` loads it into a fresh run) draws the
  14x14 image, which the stage-II network (ngf 32, 2 residual blocks, its own
  conditioning augmentation) refines to 28x28; a 28x28 matching-aware D; 1,500 steps.

Non-saturating loss, Adam(2e-4, 0.5) for both players (the paper's), batch 64: 57 epochs
of stage I, 21 of stage II (the paper: 600 epochs per stage, learning rates halved every
100; a 128-unit condition, noise 100, D's text 128 units). About 9 + 12 minutes on
one CPU core. GPU-sized settings: ngf 128, ndf 64, 4 residual blocks, 20,000 steps per
stage.
``experiments.evaluate`` reads the caption of each sample (test caption ``i mod
500``): the classifier's accuracy on the caption's digit and how well the measured
thickness, slant and size of the samples agree with the caption's words. Expect (3
seeds, ``docs/results/stackgan.md``): stage I reads the caption's digit 55.2 +- 4.6 %
of the time (classifier FD 851 upsampled), stage II 59.4 +- 4.9 % with FD 59.5 +- 5.5
and score 7.59; thickness and slant correlate with the caption's words at r 0.82 and
0.83 (real digits 0.86, 0.84); stage I 9-13 and stage II 13-14 minutes on one core.
"""

from experiments.configs import base

NOISE_DIM = 64
CONDITION_DIM = 16
NGF = 32
# Linear mu and log sigma^2 (a VAE's), not the authors' ReLU, which keeps sigma >= 1:
# stage I at 1,500 steps, seed 0, read the caption's digit 23 % of the time with it and
# 16 % with the ReLU (thickness, slant, size correlations 0.61 / 0.68 / 0.58 against
# 0.48 / 0.39 / 0.33).
CA_ACTIVATION = "linear"
# Stage I learns the condition late: at 3,000 steps it read the digit 45 % of the time
# (seed 0), at 1,500 steps 23 %; it is cheap (0.13 s a step on one core), stage II is not
# (0.45 s).
STEPS = {"1": 4000, "2": 1500}


def get_config(arg: str = "1"):
    if arg not in ("1", "2"):
        raise ValueError(f"stackgan_mnist takes a stage, '1' or '2'; got {arg!r}")
    c = base.get_config()
    c.dataset = "mnist_5k_captions"
    c.conditioning = "text"
    stage1_latent = NOISE_DIM + CONDITION_DIM
    stage1 = {
        "condition_dim": CONDITION_DIM, "ngf": NGF, "kl_weight": 1.0,
        "ca_activation": CA_ACTIVATION,
    }  # fmt: skip
    if arg == "1":
        c.model = "stackgan_stage1"
        c.image_size = 14
        c.latent_dim = stage1_latent
        c.generator = stage1
    else:
        c.model = "stackgan_stage2"
        c.latent_dim = stage1_latent + CONDITION_DIM
        c.generator = {
            "condition_dim": CONDITION_DIM,
            "ngf": NGF,
            "num_residual": 2,
            "kl_weight": 1.0,
            "stage1_latent_dim": stage1_latent,
            "stage1_condition_dim": CONDITION_DIM,
            "stage1_ngf": NGF,
            "stage1_ca_activation": CA_ACTIVATION,
            "ca_activation": CA_ACTIVATION,
        }
        c.pretrained = {"stage1": ""}
    c.discriminator = {"ndf": 32, "text_dim": CONDITION_DIM}
    c.regularizers = {"matching_aware": 0.5}
    c.num_steps = STEPS[arg]
    c.sample_every = 500
    c.checkpoint_every = 500
    return c
