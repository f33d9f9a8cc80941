"""DCGAN on the offline mnist_5k digits: the README's main job (CPU, under 10 minutes).

  python -m experiments.train --config experiments/configs/dcgan_mnist.py --workdir workdirs/dcgan_mnist

The 28x28 DCGAN pair (G: z -> Dense 7x7x128 -> BN -> ReLU -> ConvT 64 -> BN -> ReLU ->
ConvT 1 -> tanh; D: Conv 64 -> LeakyReLU -> Conv 128 -> BN -> LeakyReLU -> Dense 1),
non-saturating loss, Adam(2e-4, beta1 = 0.5), batch 64, 1,500 steps (Radford et al.
2016). The argument picks the recipe (the rows of ``python -m experiments.reproduce
main_job``):

- ``main`` (default): biases in G's output layer and D's first and last layers (the
  layers no BatchNorm follows; PyTorch's layers have them by default). Expect a
  classifier FD of 147 +- 4 and a score of 5.66 +- 0.05 (5 seeds; without the biases
  176 +- 20 and 5.37 +- 0.12; real digits 7.3; ``docs/results/main_job.md``). Runs
  and the digit classifier differ between machines and core counts: seed 0 scored 180.0
  and 5.81 in another session (``docs/results/tricks.md``), so read 140-185 as normal.
- ``plain``: the pair as Radford et al.'s reference code has it, without those biases
  (the main job until the biases were measured).

No EMA of G's weights: at this budget the EMA (0.999 with warm-up, BatchNorm statistics
recomputed for it) measured FD 160 against the raw weights' 149 (seed 0, one run each), and 253
without the warm-up, whose average still held 22 % of the initial weights.
"""

from experiments.configs import base

RECIPES = ("main", "plain")


def get_config(arg: str = "main"):
    if arg not in RECIPES:
        raise ValueError(f"dcgan_mnist takes one of {RECIPES}; got {arg!r}")
    c = base.get_config()
    if arg == "main":
        c.generator.use_bias = True
        c.discriminator.use_bias = True
    c.num_steps = 1500
    c.sample_every = 250
    c.checkpoint_every = 250
    return c
