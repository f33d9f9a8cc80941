"""Small GANs and deterministic data shared by the engine tests (and the multi-host worker)."""

import jax
import numpy as np
import optax

from jaxgan.models import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator
from jaxgan.step import GAN

DATA_MEAN = np.array([2.0, -1.0], np.float32)
DATA_STD = 0.5


def toy_gan(**overrides) -> GAN:
    """A 2-D MLP GAN (no batch-coupled layers unless ``discriminator`` is overridden)."""
    fields = dict(
        generator=MLPGenerator(latent_dim=2, hidden=(32, 32), output_dim=2),
        discriminator=MLPDiscriminator(input_dim=2, hidden=(32, 32)),
        generator_optimizer=optax.adam(1e-3, b1=0.5),
        discriminator_optimizer=optax.adam(1e-3, b1=0.5),
        latent_dim=2,
    )
    fields.update(overrides)
    return GAN(**fields)


def tiny_dcgan(width: int = 8, latent_dim: int = 8, **overrides) -> GAN:
    """A narrow DCGAN-28 pair (D without BatchNorm) for tests that need images."""
    fields = dict(
        generator=DCGANGenerator(image_size=28, channels=1, ngf=width, latent_dim=latent_dim),
        discriminator=DCGANDiscriminator(
            image_size=28, channels=1, ndf=width, normalization="none"
        ),
        generator_optimizer=optax.adam(1e-3, b1=0.5),
        discriminator_optimizer=optax.adam(1e-3, b1=0.5),
        latent_dim=latent_dim,
    )
    fields.update(overrides)
    return GAN(**fields)


def gaussian_batches(batch_size: int, num_batches: int, *, seed: int = 0, n_critic: int = 1):
    """A fixed list of host batches from N(DATA_MEAN, DATA_STD^2 I)."""
    rng = np.random.default_rng(seed)
    shape = (n_critic, batch_size, 2) if n_critic > 1 else (batch_size, 2)
    return [
        {"image": (DATA_MEAN + DATA_STD * rng.normal(size=shape)).astype(np.float32)}
        for _ in range(num_batches)
    ]


def process_slice(batch: dict, process_index: int, process_count: int) -> dict:
    """This process's contiguous slice of a global batch."""
    size = next(iter(batch.values())).shape[0] // process_count
    return {k: v[process_index * size : (process_index + 1) * size] for k, v in batch.items()}


def flat_params(state) -> dict:
    """``{path: array}`` of both networks' parameters, for comparing runs."""
    tree = {"g": state.generator_params, "d": state.discriminator_params}
    return {
        jax.tree_util.keystr(p): np.asarray(v) for p, v in jax.tree_util.tree_leaves_with_path(tree)
    }
