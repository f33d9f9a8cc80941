"""BEGAN on mnist_5k: an autoencoder discriminator balanced by the equilibrium variable k_t.

  python -m experiments.train --config experiments/configs/began_mnist.py --workdir workdirs/began
  python -m experiments.train --config experiments/configs/began_mnist.py:0.7 --workdir workdirs/began07

The dcgan_mnist generator and budget (1,500 steps of 64) against
:class:`jaxgan.models.AutoencoderDiscriminator` with the L1 energy and no normalisation
(BEGAN's autoencoder has none): ``L_D = L(x) - k_t L(G(z))``, ``L_G = L(G(z))``,
``k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1)`` with lambda_k = 0.001
and k_0 = 0 as in the paper and gamma the config's argument (0.5 by default, the
paper's main setting; it shows 0.3 to 0.7); ``k_t`` is checkpointed regulariser state,
and ``began_k`` and the convergence measure ``began_convergence`` (``M_global``) are
logged. Adam(1e-4, 0.5, 0.999) for both players, as the paper's (which decays the rate
when M_global stalls; not done here). BEGAN's own networks (3x3 convolutions, ELUs,
nearest-neighbour upsampling, a decoder-shaped generator) differ from this DCGAN pair.
Expect a collapse at this budget (``python -m experiments.reproduce energy_based``, 3
seeds, docs/results/energy_based.md): k_t back at 0 by step 250-300 (seed 0) and every
sample one grey image, classifier FD 2,155 +- 26 (gamma 0.5) and 2,005 +- 30 (gamma 0.7), about
10-12 minutes on one CPU core. A run whose ``began_k`` stays above 0 is doing better than this one.
"""

from experiments.configs import dcgan_mnist


def get_config(arg: str = "0.5"):
    try:
        gamma = float(arg)
    except ValueError:
        gamma = None
    if gamma is None or not 0.0 < gamma <= 1.0:
        raise ValueError(f"began_mnist takes gamma in (0, 1], e.g. began_mnist.py:0.7; got {arg!r}")
    c = dcgan_mnist.get_config("main")
    c.model = "energy"
    c.discriminator = {
        "image_size": 28, "channels": 1, "ndf": 64, "code_dim": 64, "energy": "l1",
        "normalization": "none",
    }  # fmt: skip
    c.loss = "began"
    c.regularizers = {
        "began_equilibrium": {"weight": 1.0, "gamma": gamma, "lambda_k": 0.001, "initial_k": 0.0}
    }
    for player in ("generator_optimizer", "discriminator_optimizer"):
        c[player].learning_rate = 1e-4
    return c
