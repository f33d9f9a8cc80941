"""Goodfellow et al. 2014's 1-D picture: a GAN on a 1-D Gaussian mixture.

  python -m experiments.train --config experiments/configs/gaussian_1d.py --workdir workdirs/gaussian_1d

Small MLPs; the run plots the data density, the generated density and D(x)
(``DIR/density.png``). At the equilibrium D(x) -> 1/2 on the data.
"""

from experiments.configs import base


def get_config():
    c = base.get_config()
    c.dataset = "gaussian_mixture_1d"
    c.model = "mlp"
    c.generator = {"output_dim": 1, "hidden": (64, 64)}
    c.discriminator = {"input_dim": 1, "hidden": (64, 64)}
    c.latent_dim = 4
    c.penalties = {"r1": 0.5}
    c.batch_size = 256
    for opt in (c.generator_optimizer, c.discriminator_optimizer):
        opt.learning_rate = 1e-3
    c.num_steps = 3000
    c.sample_every = 1000
    c.checkpoint_every = 1000
    c.num_final_samples = 2500
    return c
