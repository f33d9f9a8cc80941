"""Flax Linen generator and discriminator models, and the layers they share."""

from jaxgan.models.layers import MinibatchDiscrimination, MinibatchStdDev

__all__ = ["MinibatchDiscrimination", "MinibatchStdDev"]
