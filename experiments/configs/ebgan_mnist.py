"""EBGAN on mnist_5k: an autoencoder discriminator, the margin loss and the pulling-away term.

  python -m experiments.train --config experiments/configs/ebgan_mnist.py --workdir workdirs/ebgan

The dcgan_mnist generator and budget (1,500 steps of 64, Adam 2e-4 / 0.5) against
:class:`jaxgan.models.AutoencoderDiscriminator` (the DCGAN-28 encoder, a 64-d code, a
mirrored decoder, BatchNorm): D's output is each image's mean squared reconstruction
error, the energy; D minimises ``E D(x) + E max(0, m - D(G(z)))`` and G ``E D(G(z))``
plus 0.1 times the pulling-away term on D's codes of its samples (Zhao et al. 2017,
EBGAN-PT). The margin 0.128 is the paper's MNIST ``m = 10`` carried to this energy's
scale (``jaxgan.losses.EBGAN_MARGIN``); ``--config.loss_options.margin`` changes it.
The paper's MNIST autoencoders came from a grid search and differ from this one.
Expect (``python -m experiments.reproduce energy_based``, 3 seeds,
docs/results/energy_based.md): classifier FD 94.7 +- 22.3 (120.0, 85.9, 78.1), score
6.90 +- 0.05 (the main job's earlier recipe at the same budget: 175.1 +- 4.3 and 5.85),
about 11-12 minutes on one CPU core.
"""

from experiments.configs import dcgan_mnist


def get_config():
    c = dcgan_mnist.get_config("main")
    c.model = "energy"
    c.discriminator = {
        "image_size": 28, "channels": 1, "ndf": 64, "code_dim": 64, "energy": "mse",
        "normalization": "batch",
    }  # fmt: skip
    c.loss = "ebgan"
    c.loss_options = {"margin": 0.128}
    c.regularizers = {"pulling_away": {"weight": 0.1, "player": "generator"}}
    return c
