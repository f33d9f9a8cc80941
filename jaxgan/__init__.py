"""jaxgan: generative adversarial networks in JAX.

Pure-function losses (:mod:`jaxgan.losses`), penalties that take the discriminator as
a function (:mod:`jaxgan.penalties`), the objective protocol through which any loss,
regulariser or augmentation plugs into the train step (:mod:`jaxgan.objectives`,
:mod:`jaxgan.regularizers`, :mod:`jaxgan.augment`), and Flax models and batch-aware
layers (:mod:`jaxgan.models`).
"""

from jaxgan import augment, losses, models, objectives, penalties, regularizers

__version__ = "0.1.0"

__all__ = [
    "augment",
    "losses",
    "models",
    "objectives",
    "penalties",
    "regularizers",
    "__version__",
]
