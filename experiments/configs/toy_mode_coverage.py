"""Toy mode coverage as VEEGAN and PacGAN measure it (docs/results/toy_mode_coverage.md).

  python -m experiments.train --config experiments/configs/toy_mode_coverage.py:grid25,pacgan4 --workdir workdirs/grid25_pacgan4
  python -m experiments.evaluate --workdir workdirs/grid25_pacgan4

The argument is ``DATASET,ROW``: ``ring8`` or ``grid25``, and one of ``gan``,
``minibatch``, ``pacgan2``, ``pacgan4``, ``unrolled5``, ``wgan_gp``.
``python -m experiments.reproduce toy_mode_coverage`` runs the whole table.

The networks, data and optimiser of the PacGAN authors' code
(fjxmlzn/PacGAN, synthetic_data_experiments/*_GAN&PacGAN):
- G: z ~ N(0, I_2) -> 4 x [Dense 400 (no bias) -> BatchNorm -> ReLU] -> Dense 2.
- D: 3 x [linear maxout, 200 units of 5 pieces] -> Dense 1 (no normalisation).
- Every weight from N(0, 0.02), biases 0; the non-saturating loss; Adam(1e-4,
  beta1 = 0.8) on both players, updated simultaneously from one batch (the code's
  ``ali_algorithm``); batch 100 (the PacGAN rows 100 packs of m, i.e. ``batch_size``
  100 m, as the code draws them: jaxgan's packing splits a batch into batch / m
  packs); 2,500 samples for the metrics.
- ring8: 8 Gaussians of sigma 0.01 on the unit circle; grid25: 25 Gaussians of sigma
  0.05 at {-4, -2, 0, 2, 4}^2 (the code's means and variances).

Rows: ``minibatch`` adds minibatch discrimination (Salimans et al. 2016; 50 kernels of
dimension 5) before D's last layer; ``pacgan2``/``pacgan4`` pack 2 or 4 samples into
each of D's inputs; ``unrolled5`` takes G's loss through 5 unrolled D updates (Metz et
al. 2017); ``wgan_gp`` is the Wasserstein loss with the gradient penalty (weight 10),
5 critic updates per G update, alternating, and Adam(1e-4, 0.5, 0.9) as Gulrajani et
al. 2017 use for their toy data.

Where this differs from the papers: the step budget (``num_steps``; the PacGAN code
trains 400 epochs of 100,000 points, i.e. 400,000 steps), the training set (50,000
points instead of 100,000), and BatchNorm's running averages (momentum 0.9 here, 0.95
in the code; they only matter for sampling).
Expect at 6,000 steps (seed 0, docs/results/toy_mode_coverage.md; modes / % high
quality / reverse KL): ring8 gan 8 / 86.3 / 0.17, minibatch 5 / 14.8 / 1.96, pacgan2
8 / 63.8 / 0.22, pacgan4 8 / 55.0 / 0.23, unrolled5 7 / 39.0 / 1.38, wgan_gp 1 / 0.1 /
2.08; grid25 gan 7 / 1.2 / 1.47, minibatch 18 / 10.1 / 1.10, pacgan2 20 / 1.6 / 0.44,
pacgan4 13 / 1.9 / 1.19, unrolled5 11 / 56.6 / 1.98, wgan_gp 8 / 2.0 / 1.43. Training
takes about 2 minutes on one quiet CPU core for gan, 2.5 for pacgan2, 3.5 for pacgan4
and minibatch, 11 for wgan_gp and 14 for unrolled5.
"""

from experiments.configs import base

DATASETS = ("ring8", "grid25")
ROWS = ("gan", "minibatch", "pacgan2", "pacgan4", "unrolled5", "wgan_gp")


def get_config(arg: str = "ring8,gan"):
    dataset, _, row = arg.partition(",")
    if dataset not in DATASETS or row not in ROWS:
        raise ValueError(
            f"toy_mode_coverage takes 'DATASET,ROW' with DATASET in {DATASETS} and ROW in "
            f"{ROWS}; got {arg!r}"
        )
    c = base.toy_config(dataset, dim=2)
    c.generator = {
        "output_dim": 2, "hidden": (400, 400, 400, 400), "normalization": "batch",
        "kernel_init_std": 0.02,
    }  # fmt: skip
    c.discriminator = {
        "input_dim": 2, "hidden": (200, 200, 200), "activation": "maxout",
        "maxout_pieces": 5, "kernel_init_std": 0.02,
    }  # fmt: skip
    c.batch_size = 100
    c.update_order = "simultaneous"
    for opt in (c.generator_optimizer, c.discriminator_optimizer):
        opt.learning_rate, opt.b1, opt.b2 = 1e-4, 0.8, 0.999
    if row == "minibatch":
        c.discriminator.minibatch_discrimination = 50
    elif row.startswith("pacgan"):
        c.packing = int(row.removeprefix("pacgan"))
        c.batch_size = 100 * c.packing  # the code's 100 packs of m samples each
    elif row == "unrolled5":
        c.unrolled_steps = 5
    elif row == "wgan_gp":
        c.loss = "wasserstein"
        c.penalties = {"gradient_penalty": 10.0}
        c.n_critic = 5
        c.update_order = "alternating"
        for opt in (c.generator_optimizer, c.discriminator_optimizer):
            opt.learning_rate, opt.b1, opt.b2 = 1e-4, 0.5, 0.9
    c.num_steps = 6000
    c.log_every = 500
    c.sample_every = 2000
    c.checkpoint_every = 2000
    return c
