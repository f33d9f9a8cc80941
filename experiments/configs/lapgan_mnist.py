"""One level of LAPGAN on mnist_5k (Denton et al. 2015): 7x7, then 14x14 and 28x28.

  python -m experiments.lapgan --workdir workdirs/lapgan                 # all three levels
  python -m experiments.train --config experiments/configs/lapgan_mnist.py:14 --workdir DIR

The argument is the level's image size. Each digit's 2-level Laplacian pyramid
(``jaxgan.pyramid``: 2x2 means down, bilinear up) gives the data:

- ``7``: the coarse 7x7 image, an unconditional GAN; the paper's coarse level is an
  MLP pair, here Goodfellow et al.'s (G 1200-1200 ReLU with tanh output, D maxout
  240x5 twice) with minibatch discrimination (Salimans et al. 2016) in D and without
  its dropout, which let G collapse at this budget, and R1 (weight 0.1), without which
  D saturated on one seed of three.
- ``14`` and ``28``: the band-pass residual given the coarser image upsampled
  (``conditioning = "image"`` with latents: ``jaxgan.models.LaplacianGenerator``
  takes a noise plane of H*W values beside the condition; 5x5 convolutions, 64
  feature maps at 14x14 and 32 at 28x28 where the paper has 128, to fit a CPU
  budget).

Non-saturating loss, Adam(2e-4, 0.5), batch 64 (the paper: SGD with momentum), 500
steps per level: the three levels together take the main job's 1,500 steps.
``experiments.lapgan`` trains the levels one after another and chains them into
28x28 samples for ``experiments.evaluate``. Expect a classifier FD of 525 +- 16 and a
score of 3.64 +- 0.16 (3 seeds; the DCGAN main job's earlier recipe: 147 and 5.66 at the same 1,500
steps, scored by the same classifier, real digits 7.3); ``docs/results/lapgan.md`` says
where the error comes from.
"""

from experiments.configs import base

SIZES = {"7": 2, "14": 1, "28": 0}  # image size -> pyramid level
FEATURES = {"14": 64, "28": 32}


def get_config(arg: str = "7"):
    if arg not in SIZES:
        raise ValueError(f"lapgan_mnist takes a level's size, one of {tuple(SIZES)}; got {arg!r}")
    c = base.get_config()
    c.pyramid_level = SIZES[arg]
    c.pyramid_levels = 2
    if arg == "7":
        c.model = "goodfellow_mlp"
        c.generator = {"output_shape": (7, 7, 1), "output_activation": "tanh"}
        # Minibatch discrimination and no dropout: with the paper pair's dropout D lost
        # to G's collapse (seed 0, 500 steps: the samples' pixel std 0.08 against the
        # real coarse digits' 0.26); with these, 0.24. R1 (weight 0.1) keeps D from
        # saturating on seed 2 (without it: pixel Frechet distance to the real coarse
        # digits 68 on seed 2, 0.6 on seeds 0 and 1; with it 0.55, 0.46, 0.80).
        c.discriminator = {
            "input_shape": (7, 7, 1),
            "minibatch_discrimination": 100,
            "input_dropout": 0.0,
            "hidden_dropout": 0.0,
        }
        c.regularizers = {"r1": 0.1}
    else:
        size = int(arg)
        c.model = "lapgan"
        c.conditioning = "image"
        c.latent_dim = size * size  # one noise plane
        c.generator = {"channels": 1, "features": FEATURES[arg]}
        c.discriminator = {"channels": 1, "features": FEATURES[arg]}
    c.num_steps = 500
    c.sample_every = 250
    c.checkpoint_every = 250
    c.num_final_samples = 500  # a level's own samples (residuals); experiments.lapgan chains
    return c
