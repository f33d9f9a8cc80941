"""jaxgan: generative adversarial networks in JAX.

Pure-function losses (:mod:`jaxgan.losses`), penalties that take the discriminator as
a function (:mod:`jaxgan.penalties`), and Flax models and batch-aware layers
(:mod:`jaxgan.models`).
"""

from jaxgan import losses, models, penalties

__version__ = "0.1.0"

__all__ = ["losses", "models", "penalties", "__version__"]
