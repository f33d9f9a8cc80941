"""Building a GAN, its optimisers and its input pipeline from an ``ml_collections`` config.

The fields (see ``experiments/configs/base.py`` for every one with its default):

- data: ``dataset``, ``data_dir``, ``image_size``, ``center_crop``, ``random_flip``,
  ``batch_size`` (global).
- model: ``model`` (an architecture name from :func:`jaxgan.models.names`),
  ``generator`` and ``discriminator`` (fields of the two modules), ``latent_dim``,
  ``conditioning`` (``none``, ``labels`` -- CGAN, ``projection``, ``acgan``,
  ``image`` -- pix2pix, or a LAPGAN level when ``latent_dim`` is set too, ``unpaired``
  -- CycleGAN: G translates the real batch of two stacked domains, ``text`` -- StackGAN:
  G and D take a caption's embedding) and
  ``num_classes``; ``label_source`` (``dataset``, or ``kmeans``: the labels are
  ``num_classes`` k-means clusters of the training images, :mod:`jaxgan.data.clusters`,
  a self-conditioned GAN); ``pyramid_level`` and ``pyramid_levels`` (a LAPGAN level: the
  pipeline yields that level of each image's Laplacian pyramid, see
  :func:`jaxgan.data.make_pipeline`); ``pretrained`` (submodule of the generator ->
  a workdir whose trained generator it starts from: StackGAN's stage I inside stage
  II; ``experiments.train`` loads it into a fresh run).
- objective: ``loss``, ``loss_options`` (the family's options: ``ebgan``'s
  ``margin``), ``penalties`` (name -> weight), ``regularizers`` (term name ->
  weight, or ``{weight, every, player, warmup_steps, regularizer, **options}``),
  ``augmentation`` (``{name, **options}``, ``name=""`` for none), ``packing``
  (PacGAN), ``history_pool`` (D sees generated images from a pool of past ones,
  CycleGAN), ``unrolled_steps`` (Unrolled GAN), ``feature_matching_weight``,
  ``auxiliary_weight``, ``l1_weight``, ``label_smoothing``, ``n_critic``,
  ``update_order`` (``GAN.update``), ``ema_decay``, ``ema_warmup``, ``unroll_critic``,
  ``precision`` (``float32`` or ``bfloat16``: mixed precision, ``GAN.precision``),
  ``micro_batches`` (gradient accumulation: each update's batch runs in this many
  micro-batches one after another, ``GAN.micro_batches``).
- framework: ``framework`` (``gan``, the default, or ``vae``: the VAE baseline,
  :class:`jaxgan.vae.VAE`, whose decoder is the generator and whose encoder is
  :class:`jaxgan.models.DCGANEncoder` built from the ``discriminator`` fields) and
  ``vae`` (``kl_weight``; ``decoder_std``, ``None`` for the sigma-VAE's optimal one).
- optimisers: ``generator_optimizer`` and ``discriminator_optimizer`` (``name``:
  adam, rmsprop or sgd; ``learning_rate``; ``b1``, ``b2``, ``momentum``; ``schedule``:
  ``constant``, the default, or ``linear``, the rate falling linearly to 0 at the
  player's last update of ``num_steps``), and ``weight_clip`` (WGAN; ``None`` for off).
"""

from __future__ import annotations

from typing import Any

import ml_collections
import optax

from jaxgan import augment, losses, models, objectives, penalties, regularizers
from jaxgan.models import (
    ACGANDiscriminator,
    ConditionalDiscriminator,
    ConditionalGenerator,
    DCGANEncoder,
    ProjectionDiscriminator,
)
from jaxgan.objectives import Term, parse_terms
from jaxgan.step import GAN
from jaxgan.vae import VAE

__all__ = [
    "FRAMEWORKS",
    "MODEL_FIELDS",
    "OPTIMIZERS",
    "SCHEDULES",
    "LABEL_SOURCES",
    "LABEL_CONDITIONINGS",
    "build_augmentation",
    "build_gan",
    "build_models",
    "build_optimizer",
    "build_terms",
    "pipeline_options",
]

OPTIMIZERS = ("adam", "rmsprop", "sgd")
SCHEDULES = ("constant", "linear")
LABEL_SOURCES = ("dataset", "kmeans")
LABEL_CONDITIONINGS = ("labels", "projection", "acgan")
FRAMEWORKS = ("gan", "vae")
# The encoder of framework='vae' takes these of the DCGAN discriminator's fields.
ENCODER_FIELDS = ("image_size", "channels", "ndf", "normalization")
CONDITIONINGS = ("none", "labels", "projection", "acgan", "text", "image", "unpaired")
# Fields that define what a checkpoint holds: changing one on resume is refused.
MODEL_FIELDS = (
    "framework",
    "model",
    "generator",
    "discriminator",
    "latent_dim",
    "conditioning",
    "num_classes",
    "label_source",
    "dataset",
    "image_size",
    "pyramid_level",
    "pyramid_levels",
    "generator_optimizer",
    "discriminator_optimizer",
    "ema_decay",
    "seed",
    "packing",  # the discriminator's input width
    "history_pool",  # its images are in the checkpoint
    "regularizers",  # their state is in the checkpoint
    "add_regularizers",
    "augmentation",
)
TERM_FIELDS = ("weight", "every", "player", "warmup_steps", "regularizer")


def learning_rate(config: ml_collections.ConfigDict, updates: int | None) -> optax.ScalarOrSchedule:
    """The rate of ``{learning_rate, schedule}``: a constant, or with ``schedule='linear'``
    a rate falling linearly from ``learning_rate`` at the first update to 0 after
    ``updates`` updates (the player's updates over the run)."""
    schedule = config.get("schedule", "constant") or "constant"
    if schedule == "constant":
        return config.learning_rate
    if schedule != "linear":
        raise ValueError(
            f"optimizer schedule={schedule!r} is not supported; use one of {SCHEDULES}"
        )
    if not updates or updates < 1:
        raise ValueError(f"schedule='linear' needs the run's update count; got {updates!r}")
    return optax.linear_schedule(config.learning_rate, 0.0, updates)


def build_optimizer(
    config: ml_collections.ConfigDict, *, differentiable: bool = False, updates: int | None = None
) -> optax.GradientTransformation:
    """An Optax optimiser from ``{name, learning_rate, b1, b2, momentum, schedule}``;
    ``updates``: how many updates the run makes with it (for ``schedule='linear'``).

    ``differentiable``: the update itself will be differentiated (an unrolled GAN's D
    updates). Adam's ``sqrt(nu)`` has an infinite derivative at ``nu = 0``, and a
    parameter whose gradient is exactly 0 (a maxout piece never selected, a dead ReLU)
    then gets ``inf * 0 = NaN`` in G's gradient; ``eps_root = 1e-8`` inside the square
    root (Optax's advice for meta-learning) keeps it finite.
    """
    name = config.name
    rate = learning_rate(config, updates)
    if name == "adam":
        return optax.adam(
            rate, b1=config.get("b1", 0.9), b2=config.get("b2", 0.999),
            eps_root=1e-8 if differentiable else 0.0,
        )  # fmt: skip
    if name == "rmsprop":
        return optax.rmsprop(rate)
    if name == "sgd":
        return optax.sgd(rate, momentum=config.get("momentum") or None)
    raise ValueError(f"optimizer name={name!r} is not supported; use one of {OPTIMIZERS}")


def takes_latents(config: ml_collections.ConfigDict) -> bool:
    """Whether ``config``'s generator takes latents: always, except an image-conditioned
    generator without a ``latent_dim`` field (pix2pix's U-Net: ``G(condition)``) and an
    unpaired translator (CycleGAN: ``G(x)``)."""
    if config.conditioning == "unpaired":
        return False
    if config.conditioning != "image":
        return True
    return "latent_dim" in models.get(config.model).generator.__dataclass_fields__


def build_models(config: ml_collections.ConfigDict):
    """The ``(generator, discriminator)`` modules of ``config``, conditioning wrappers included."""
    arch = models.get(config.model)
    generator_fields = dict(config.generator)
    discriminator_fields = dict(config.discriminator)
    conditioning = config.conditioning
    if conditioning not in CONDITIONINGS:
        raise ValueError(
            f"conditioning={conditioning!r} is not supported; use one of {CONDITIONINGS}"
        )
    num_classes = config.get("num_classes")
    if conditioning in LABEL_CONDITIONINGS:
        if not num_classes:
            raise ValueError(
                f"conditioning={conditioning!r} needs num_classes; got {num_classes!r}"
            )
        generator_fields["latent_dim"] = config.latent_dim + num_classes
    elif "latent_dim" in arch.generator.__dataclass_fields__:
        generator_fields["latent_dim"] = config.latent_dim  # with a condition: LAPGAN's levels
    channels_field = (
        "channels" if "channels" in arch.discriminator.__dataclass_fields__ else "input_dim"
    )
    if conditioning == "labels":
        discriminator_fields[channels_field] = (
            discriminator_fields.get(channels_field, 1) + num_classes
        )
    packing = config.get("packing", 1)
    if packing > 1:  # PacGAN: D sees `packing` samples concatenated along the channels
        discriminator_fields[channels_field] = discriminator_fields.get(channels_field, 1) * packing
    generator = arch.generator(**generator_fields)
    if config.get("framework", "gan") == "vae":  # D's fields make the VAE's encoder
        fields = {k: v for k, v in discriminator_fields.items() if k in ENCODER_FIELDS}
        return generator, DCGANEncoder(latent_dim=2 * config.latent_dim, **fields)
    discriminator = arch.discriminator(**discriminator_fields)
    if conditioning in LABEL_CONDITIONINGS:
        generator = ConditionalGenerator(generator, num_classes)
    spectral = discriminator_fields.get("normalization") == "spectral"
    if conditioning == "labels":
        discriminator = ConditionalDiscriminator(discriminator, num_classes)
    elif conditioning == "projection":
        discriminator = ProjectionDiscriminator(discriminator, num_classes, spectral=spectral)
    elif conditioning == "acgan":
        discriminator = ACGANDiscriminator(discriminator, num_classes, spectral=spectral)
    return generator, discriminator


def build_terms(config: ml_collections.ConfigDict) -> tuple[Term, ...]:
    """The regularisation terms of ``config.regularizers``.

    Each entry is ``name: weight`` or ``name: {weight, every, player, warmup_steps,
    regularizer, **options}``: ``regularizer`` names the built-in
    (:func:`jaxgan.regularizers.names`; default: the entry's name), ``player``
    defaults to the discriminator (to the generator for a regulariser that only goes
    on the generator, like ``cycle_consistency``), the other fields are its options;
    ``warmup_steps`` ramps the weight linearly from 0. The string
    ``config.add_regularizers`` (``"r1:5:16,lecam:0.3"``, :func:`parse_terms`) adds
    terms from the command line to any config.
    """
    terms = list(parse_terms(config.get("add_regularizers") or ""))
    for name, entry in config.get("regularizers", {}).items():
        fields = dict(entry) if isinstance(entry, dict | ml_collections.ConfigDict) else {
            "weight": entry
        }  # fmt: skip
        options = {k: v for k, v in fields.items() if k not in TERM_FIELDS}
        weight = float(fields.get("weight", 1.0))
        warmup = int(fields.get("warmup_steps", 0) or 0)
        if warmup < 0:
            raise ValueError(f"regularizers.{name}.warmup_steps={warmup} must be >= 0")
        if warmup:
            weight = optax.linear_schedule(0.0, weight, warmup)
        regularizer = regularizers.get(fields.get("regularizer", name), **options)
        players = getattr(regularizer, "players", objectives.PLAYERS)
        default_player = players[0] if len(players) == 1 else "discriminator"
        terms.append(
            Term(
                regularizer,
                weight=weight,
                every=int(fields.get("every", 1)),
                player=fields.get("player", default_player),
                name=name,
            )
        )
    return objectives.resolve_terms(terms)


def build_augmentation(config: ml_collections.ConfigDict):
    """The augmentation of ``config.augmentation`` (``{name, **options}``), or ``None``."""
    fields = dict(config.get("augmentation") or {})
    name = fields.pop("name", "")
    return augment.get(name, **fields) if name else None


def build_gan(config: ml_collections.ConfigDict) -> GAN | VAE:
    """The :class:`jaxgan.step.GAN` that ``config`` describes (with ``framework='vae'``,
    the :class:`jaxgan.vae.VAE`, which has the same train-step interface).

    Raises:
      ValueError: naming the field, for unknown names or inconsistent options.
    """
    generator, discriminator = build_models(config)
    g_updates = config.get("num_steps")  # each player's updates over the run
    d_updates = g_updates * config.get("n_critic", 1) if g_updates else None
    framework = config.get("framework", "gan")
    if framework not in FRAMEWORKS:
        raise ValueError(f"framework={framework!r} is not supported; use one of {FRAMEWORKS}")
    if framework == "vae":
        vae = config.get("vae") or {}
        return VAE(
            generator=generator,
            discriminator=discriminator,
            generator_optimizer=build_optimizer(config.generator_optimizer, updates=g_updates),
            discriminator_optimizer=build_optimizer(
                config.discriminator_optimizer, updates=g_updates
            ),
            latent_dim=config.latent_dim,
            kl_weight=float(vae.get("kl_weight", 1.0)),
            decoder_std=vae.get("decoder_std"),
            ema_decay=config.ema_decay,
            ema_warmup=config.get("ema_warmup", True),
        )
    discriminator_optimizer = build_optimizer(
        config.discriminator_optimizer,
        differentiable=bool(config.get("unrolled_steps")),
        updates=d_updates,
    )
    if config.get("weight_clip"):
        discriminator_optimizer = optax.chain(
            discriminator_optimizer, penalties.weight_clipping(config.weight_clip)
        )
    options = dict(config.get("loss_options") or {})
    return GAN(
        generator=generator,
        discriminator=discriminator,
        generator_optimizer=build_optimizer(config.generator_optimizer, updates=g_updates),
        discriminator_optimizer=discriminator_optimizer,
        loss=losses.get(config.loss, **options) if options else config.loss,
        latent_dim=config.latent_dim if takes_latents(config) else None,
        conditioning={"projection": "labels"}.get(config.conditioning, config.conditioning),
        penalties=tuple((name, float(weight)) for name, weight in config.penalties.items()),
        regularizers=build_terms(config),
        augmentation=build_augmentation(config),
        packing=config.get("packing", 1),
        history_pool=config.get("history_pool", 0),
        unrolled_steps=config.get("unrolled_steps", 0),
        feature_matching_weight=config.feature_matching_weight,
        auxiliary_weight=config.auxiliary_weight,
        l1_weight=config.l1_weight,
        label_smoothing=config.label_smoothing,
        n_critic=config.n_critic,
        update=config.update_order,
        ema_decay=config.ema_decay,
        ema_warmup=config.get("ema_warmup", True),
        unroll_critic=config.unroll_critic,
        precision=config.get("precision", "float32"),
        micro_batches=config.get("micro_batches", 1),
    )


def pipeline_options(config: ml_collections.ConfigDict) -> dict[str, Any]:
    """Keyword arguments of :func:`jaxgan.data.make_pipeline` for the training data."""
    return dict(
        batch_size=config.batch_size,
        data_dir=config.data_dir,
        seed=config.seed,
        image_size=config.image_size,
        center_crop=config.center_crop,
        random_flip=config.random_flip,
        n_critic=config.n_critic,
        worker_count=config.worker_count,
        pyramid=pyramid_option(config),
        cluster_labels=cluster_count(config),
        cluster_seed=config.seed,
    )


def cluster_count(config: ml_collections.ConfigDict) -> int | None:
    """How many k-means clusters label ``config``'s data (``label_source='kmeans'``);
    ``None`` when the dataset's own labels are used."""
    if config.get("label_source", "dataset") != "kmeans":
        return None
    return config.num_classes


def pyramid_option(config: ml_collections.ConfigDict) -> tuple[int, int] | None:
    """``(pyramid_level, pyramid_levels)`` for a LAPGAN level's data, else ``None``."""
    level = config.get("pyramid_level")
    return None if level is None else (level, config.get("pyramid_levels", 2))
