"""Flax Linen generators and discriminators, and the layers they share.

Models are used as pure functions: ``variables = model.init(key, x)``, then
``model.apply(variables, x, train=..., mutable=[...])``. Every discriminator returns
raw outputs (logits or critic scores) and, with ``return_features=True``, the
features before its last layer as well, for feature matching.

Architectures are looked up by name (:func:`get`) so configs can choose them.
"""

from __future__ import annotations

from typing import NamedTuple

import flax.linen as nn

from jaxgan.models.conditional import (
    ACGANDiscriminator,
    ConditionalDiscriminator,
    ConditionalGenerator,
    ProjectionDiscriminator,
)
from jaxgan.models.cyclegan import CycleGANDiscriminator, CycleGANGenerator
from jaxgan.models.dcgan import DCGANDiscriminator, DCGANEncoder, DCGANGenerator
from jaxgan.models.energy import AutoencoderDiscriminator
from jaxgan.models.lapgan import LaplacianDiscriminator, LaplacianGenerator
from jaxgan.models.layers import (
    NORMALIZATIONS,
    MaxoutDense,
    MinibatchDiscrimination,
    MinibatchStdDev,
    VirtualBatchNorm,
)
from jaxgan.models.mlp import (
    GoodfellowMLPDiscriminator,
    GoodfellowMLPGenerator,
    MLPDiscriminator,
    MLPGenerator,
)
from jaxgan.models.pix2pix import PatchGANDiscriminator, UNetGenerator
from jaxgan.models.resnet import ResNetDiscriminator, ResNetGenerator
from jaxgan.models.stackgan import (
    StackGANDiscriminator,
    StackGANStage1Generator,
    StackGANStage2Generator,
)

__all__ = [
    "ACGANDiscriminator",
    "Architecture",
    "AutoencoderDiscriminator",
    "ConditionalDiscriminator",
    "ConditionalGenerator",
    "CycleGANDiscriminator",
    "CycleGANGenerator",
    "DCGANDiscriminator",
    "DCGANEncoder",
    "DCGANGenerator",
    "GoodfellowMLPDiscriminator",
    "GoodfellowMLPGenerator",
    "LaplacianDiscriminator",
    "LaplacianGenerator",
    "MLPDiscriminator",
    "MLPGenerator",
    "MaxoutDense",
    "MinibatchDiscrimination",
    "MinibatchStdDev",
    "VirtualBatchNorm",
    "NORMALIZATIONS",
    "PatchGANDiscriminator",
    "ProjectionDiscriminator",
    "ResNetDiscriminator",
    "ResNetGenerator",
    "StackGANDiscriminator",
    "StackGANStage1Generator",
    "StackGANStage2Generator",
    "UNetGenerator",
    "get",
    "names",
]


class Architecture(NamedTuple):
    """A generator class and a discriminator class that belong together."""

    name: str
    generator: type[nn.Module]
    discriminator: type[nn.Module]


_ARCHITECTURES = {
    arch.name: arch
    for arch in (
        Architecture("goodfellow_mlp", GoodfellowMLPGenerator, GoodfellowMLPDiscriminator),
        Architecture("mlp", MLPGenerator, MLPDiscriminator),
        Architecture("dcgan", DCGANGenerator, DCGANDiscriminator),
        Architecture("energy", DCGANGenerator, AutoencoderDiscriminator),
        Architecture("resnet", ResNetGenerator, ResNetDiscriminator),
        Architecture("pix2pix", UNetGenerator, PatchGANDiscriminator),
        Architecture("lapgan", LaplacianGenerator, LaplacianDiscriminator),
        Architecture("cyclegan", CycleGANGenerator, CycleGANDiscriminator),
        Architecture("stackgan_stage1", StackGANStage1Generator, StackGANDiscriminator),
        Architecture("stackgan_stage2", StackGANStage2Generator, StackGANDiscriminator),
    )
}


def names() -> tuple[str, ...]:
    """The architecture names that :func:`get` accepts."""
    return tuple(_ARCHITECTURES)


def get(name: str) -> Architecture:
    """Returns the architecture called ``name`` (see :func:`names`).

    Raises:
      ValueError: for an unknown name, listing the valid ones.
    """
    try:
        return _ARCHITECTURES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown architecture {name!r}; valid names are: {', '.join(_ARCHITECTURES)}"
        ) from None
