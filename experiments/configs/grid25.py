"""grid25 (PacGAN/VEEGAN mixture of 2-D Gaussians), without minibatch discrimination.

  python -m experiments.train --config experiments/configs/grid25.py --workdir workdirs/grid25

MLP generator and discriminator (2 x 128 units), non-saturating loss, Adam(1e-3,
0.5), batch 512; 2,500 final samples for the mode-coverage metrics.
"""

from experiments.configs import base


def get_config():
    c = base.get_config()
    c.dataset = "grid25"
    c.model = "mlp"
    c.generator = {"output_dim": 2}
    c.discriminator = {"input_dim": 2}

    c.latent_dim = 2
    c.batch_size = 512
    for opt in (c.generator_optimizer, c.discriminator_optimizer):
        opt.learning_rate = 1e-3
    c.num_steps = 3000
    c.sample_every = 1000
    c.checkpoint_every = 1000
    c.num_final_samples = 2500
    return c
