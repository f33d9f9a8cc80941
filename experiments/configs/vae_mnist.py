"""The VAE baseline on mnist_5k: can the generator learn by itself, without a discriminator?

  python -m experiments.train --config experiments/configs/vae_mnist.py --workdir workdirs/vae_mnist
  python -m experiments.evaluate --workdir workdirs/vae_mnist

A variational autoencoder (:mod:`jaxgan.vae`; Kingma and Welling 2014) whose decoder is
the main job's generator (``dcgan_mnist``: DCGAN-28 with its output bias) and whose
encoder is the DCGAN discriminator's two convolutions (64, 128 channels, BatchNorm) with
a linear head giving the posterior's 100 means and 100 log-variances
(:class:`jaxgan.models.DCGANEncoder`). Gaussian decoder with the sigma-VAE's optimal
shared variance (Rybkin et al. 2021), the plain ELBO (``vae.kl_weight`` 1), Adam(1e-3)
for both networks (the usual VAE setting), batch 64, 1,500 steps: the main job's budget.
``experiments.evaluate`` samples the decoder from the prior, so the classifier's
distance compares it with the GAN one to one (``python -m experiments.reproduce
vae_baseline`` runs both).

Expect (seed 0, docs/results/vae_baseline.md), in about 8-15 minutes on one CPU core: a
final window with MSE near 0.008, KL near 215 nats and -ELBO near -576; samples from the
prior are scribbles, classifier FD 1,043 and score 2.47 (seed 1: 1,011, 2.61; the GAN
with this generator: 180.0, 5.81 and 172.4, 5.86).
"""

from experiments.configs import base


def get_config():
    c = base.get_config()
    c.framework = "vae"
    c.generator.use_bias = True
    for optimizer in (c.generator_optimizer, c.discriminator_optimizer):
        optimizer.learning_rate = 1e-3
        optimizer.b1 = 0.9
        optimizer.b2 = 0.999
    c.num_steps = 1500
    c.sample_every = 250
    c.checkpoint_every = 250
    return c
