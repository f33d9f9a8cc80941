"""Goodfellow et al. 2014's MNIST GAN: MLP generator, maxout + dropout discriminator.

  python -m experiments.train --config experiments/configs/gan_mnist_mlp.py --workdir workdirs/gan_mlp
  python -m experiments.train --config experiments/configs/gan_mnist_mlp.py:minimax,5 --workdir workdirs/gan_mlp_minimax_k5

The argument ``GAME,K`` picks the game (``non_saturating``, the paper's practical
choice and the default; ``minimax``; ``maximum_likelihood``) and ``K``, the
discriminator steps per generator step (``n_critic``; the paper used 1), as in
``python -m experiments.reproduce goodfellow2014``.

The paper trained with SGD and momentum; Adam(2e-4, beta1 = 0.5) is used here because
it needs no schedule to converge in a CPU-sized run. The generator's output uses tanh,
matching data in [-1, 1] (the paper's sigmoid matched data in [0, 1]).

Expect at 3,000 steps (``python -m experiments.reproduce goodfellow2014``, seed 0,
docs/results/goodfellow2014.md), in 3-10 minutes on one CPU core: non-saturating k = 1
Parzen log-likelihood -61 nats (pixels in [0, 1]), classifier FD 702; k = 5: 52 and
452; minimax k = 5: 70 and 326; maximum likelihood collapses (FD over 1,000). The
paper's 225 nats (full MNIST, far longer training) is not reached.
"""

from experiments.configs import base

GAMES = ("non_saturating", "minimax", "maximum_likelihood")


def get_config(arg: str = "non_saturating,1"):
    game, _, k = arg.partition(",")
    if game not in GAMES or not k.isdigit() or int(k) < 1:
        raise ValueError(
            f"gan_mnist_mlp takes 'GAME,K' with GAME in {GAMES} and K >= 1; got {arg!r}"
        )
    c = base.get_config()
    c.model = "goodfellow_mlp"
    c.generator = {"output_activation": "tanh"}
    c.discriminator = {}
    c.loss = game
    c.n_critic = int(k)
    c.num_steps = 3000
    return c
