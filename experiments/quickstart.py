"""A GAN on a 1-D Gaussian, composed by hand from jaxgan's losses and penalties.

Run it with::

  python -m experiments.quickstart [--steps 3000] [--loss non_saturating] [--r1_weight 0.5]

It trains two small MLPs with the named loss family plus an R1 penalty on the
discriminator, then prints the data's and the generator's mean and standard deviation
and D's mean output on real data (1/2 at Goodfellow's equilibrium). A few seconds on
a laptop CPU.
"""

from __future__ import annotations

import argparse
import sys

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from jaxgan import losses, penalties

DATA_MEAN, DATA_STD = 4.0, 0.5


class MLP(nn.Module):
    width: int
    out: int

    @nn.compact
    def __call__(self, x):
        x = nn.relu(nn.Dense(self.width)(x))
        x = nn.relu(nn.Dense(self.width)(x))
        return nn.Dense(self.out)(x)


def train(*, steps: int, loss: str, r1_weight: float, batch_size: int = 256, seed: int = 0):
    """Trains the 1-D GAN and returns ``(real sample, generated sample, mean D(x))``."""
    family = losses.get(loss)
    generator, discriminator = MLP(32, 1), MLP(32, 1)
    key_g, key_d, key = jax.random.split(jax.random.key(seed), 3)
    params_g = generator.init(key_g, jnp.zeros((1, 4)))
    params_d = discriminator.init(key_d, jnp.zeros((1, 1)))
    optimizer = optax.adam(1e-3, b1=0.5)
    opt_g, opt_d = optimizer.init(params_g), optimizer.init(params_d)

    def sample_batch(key):
        key_x, key_z = jax.random.split(key)
        real = DATA_MEAN + DATA_STD * jax.random.normal(key_x, (batch_size, 1))
        return real, jax.random.normal(key_z, (batch_size, 4))

    def d_loss_fn(params_d, params_g, real, z):
        d = lambda x: discriminator.apply(params_d, x)
        fake = jax.lax.stop_gradient(generator.apply(params_g, z))
        loss_value = family.discriminator_loss(d(real), d(fake))
        return loss_value + r1_weight / 2 * penalties.r1_penalty(d, real)

    def g_loss_fn(params_g, params_d, real, z):
        d = lambda x: discriminator.apply(params_d, x)
        return family.generator_loss_from(d(real), d(generator.apply(params_g, z)))

    @jax.jit
    def step(carry, key):
        params_g, params_d, opt_g, opt_d = carry
        real, z = sample_batch(key)
        grads_d = jax.grad(d_loss_fn)(params_d, params_g, real, z)
        updates, opt_d = optimizer.update(grads_d, opt_d, params_d)
        params_d = optax.apply_updates(params_d, updates)
        grads_g = jax.grad(g_loss_fn)(params_g, params_d, real, z)
        updates, opt_g = optimizer.update(grads_g, opt_g, params_g)
        params_g = optax.apply_updates(params_g, updates)
        return (params_g, params_d, opt_g, opt_d), None

    keys = jax.random.split(key, steps + 1)
    carry, _ = jax.lax.scan(step, (params_g, params_d, opt_g, opt_d), keys[:-1])
    params_g, params_d, _, _ = carry
    real, z = jax.vmap(sample_batch)(jax.random.split(keys[-1], 16))
    real, z = real.reshape(-1, 1), z.reshape(-1, 4)
    generated = generator.apply(params_g, z)
    d_real = jax.nn.sigmoid(discriminator.apply(params_d, real)).mean()
    return real, generated, d_real


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--loss", default="non_saturating", help=", ".join(losses.names()))
    parser.add_argument("--r1_weight", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error(f"--steps={args.steps} must be at least 1")
    try:
        losses.get(args.loss)
    except ValueError as error:
        parser.error(str(error))
    real, generated, d_real = train(
        steps=args.steps, loss=args.loss, r1_weight=args.r1_weight, seed=args.seed
    )
    print(f"data:      mean {float(real.mean()):.3f}  std {float(real.std()):.3f}")
    print(f"generator: mean {float(generated.mean()):.3f}  std {float(generated.std()):.3f}")
    print(f"mean sigmoid(D(x)) on real data: {float(d_real):.3f} (1/2 at equilibrium)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
