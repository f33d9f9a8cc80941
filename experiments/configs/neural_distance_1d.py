"""The discriminator as a divergence estimator on the 1-D mixture (docs/results/neural_distance.md).

  python -m experiments.train --config experiments/configs/neural_distance_1d.py:gan --workdir workdirs/nd_gan
  python -m experiments.evaluate --workdir workdirs/nd_gan

The argument is ``gan`` (non-saturating loss; D's loss reads as ``log 4 - 2 JS``) or
``wgan_gp`` (Wasserstein loss with the gradient penalty, weight 1 so the penalty does
not dominate a 1-D critic, 5 critic steps; the critic's ``E D(x) - E D(G(z))``
estimates W1). Data: 1/2 N(-2, 0.5^2) + 1/2 N(2, 0.5^2). MLPs of 2 x 64 units, a
4-D latent, Adam(1e-3, 0.5), batch 256. ``experiments.evaluate`` compares the saved
D's estimate with the truth from 5,000 test points: JS from 100-bin histograms, W1
exactly from the sorted samples; ``python -m experiments.reproduce neural_distance``
does it at several step budgets. Expect for ``gan`` (seed 0, 3,000 steps): true JS
0.059, W1 0.18; D's estimate -0.004 (it reads the two distributions as equal), 0.046
once the saved D takes more updates against the fixed final G
(``fitted_discriminator_js_estimate``); about a minute of training on one CPU core.
"""

from experiments.configs import base

ROWS = ("gan", "wgan_gp")


def get_config(arg: str = "gan"):
    if arg not in ROWS:
        raise ValueError(f"neural_distance_1d takes one of {ROWS}; got {arg!r}")
    c = base.toy_config("gaussian_mixture_1d", dim=1)
    c.generator.hidden = (64, 64)
    c.discriminator.hidden = (64, 64)
    c.latent_dim = 4
    c.batch_size = 256
    if arg == "wgan_gp":
        c.loss = "wasserstein"
        c.penalties = {"gradient_penalty": 1.0}
        c.n_critic = 5
    c.num_steps = 3000
    c.log_every = 100
    c.num_final_samples = 5000
    return c
