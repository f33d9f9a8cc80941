"""WGAN-GP with the ResNet generator and critic on CIFAR-10 (Gulrajani et al. 2017, appendix F).

  python -m experiments.train --config experiments/configs/wgan_gp_cifar10_resnet.py --workdir workdirs/cifar --config.data_dir DIR

Catalog TFDS data (prepare it first). lambda = 10, n_critic = 5, Adam(2e-4, (0, 0.9)),
batch 64, 100k generator iterations, 128-wide blocks, no critic normalisation.
Intended hardware: one or more GPUs or a TPU.

What to expect: no numbers were measured for this config. CIFAR-10 is catalog data that
this project's offline 2-core machine cannot download; the paper's unsupervised
Inception score for this model is 7.86 +- 0.07 (Gulrajani et al. 2017, Table 3), not
reproduced here. Its cost was measured: one generator iteration (with its 5 critic
steps and their penalties) is 2,098 GFLOP and ran at 0.029 iterations/s on one core of
the 2-core CPU (docs/benchmarks.md, "Large batches and large models";
``taskset -c 0 python -m experiments.benchmark --model wgangp_resnet32``), so 100k
iterations would take weeks there.
"""

from experiments.configs import base


def get_config():
    c = base.get_config()
    c.dataset = "cifar10"
    c.random_flip = True
    c.model = "resnet"
    c.generator = {"features": 128}
    c.discriminator = {"features": 128, "normalization": "none"}
    c.latent_dim = 128
    c.loss = "wasserstein"
    c.penalties = {"gradient_penalty": 10.0}
    c.n_critic = 5
    for opt in (c.generator_optimizer, c.discriminator_optimizer):
        opt.learning_rate = 2e-4
        opt.b1 = 0.0
        opt.b2 = 0.9
    c.num_steps = 100_000
    c.sample_every = 2000
    c.checkpoint_every = 5000
    c.ema_decay = 0.9999
    return c
