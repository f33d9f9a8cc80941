"""Config validation: every problem of a config, listed at once, before anything runs.

:func:`check_override_paths` checks ``--config.FIELD`` names against the config (with
suggestions, nested fields included); :func:`check_config` checks the values (types,
ranges, names of datasets, models, losses, strategies). Both return a list of
one-line problems, empty when all is well, so an entry point can report them all in
one message and create nothing on disk until the list is empty.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Iterable, Mapping
from typing import Any

import ml_collections

__all__ = ["check_config", "check_override_paths", "describe_fields", "field_paths"]


def _is_mapping(value: Any) -> bool:
    return isinstance(value, Mapping | ml_collections.ConfigDict)


def _items(value: Any) -> Iterable[tuple[str, Any]]:
    return value.items() if _is_mapping(value) else ()


def field_paths(config: Any, prefix: str = "") -> dict[str, Any]:
    """Every leaf of ``config`` by dotted path (``generator_optimizer.learning_rate``)."""
    paths: dict[str, Any] = {}
    for name, value in _items(config):
        path = f"{prefix}{name}"
        if _is_mapping(value) and len(value):
            paths.update(field_paths(value, path + "."))
        else:
            paths[path] = value
    return paths


def _all_paths(config: Any) -> list[str]:
    """Leaves and the mappings that hold them (``generator`` as well as ``generator.ngf``)."""
    out = []
    for name, value in _items(config):
        out.append(name)
        if _is_mapping(value):
            out.extend(f"{name}.{inner}" for inner in _all_paths(value))
    return out


def check_override_paths(config: Any, paths: Iterable[str]) -> list[str]:
    """Problems with ``--config.PATH`` names that ``config`` does not have.

    Each unknown path gets the close matches among the config's fields, and a leaf
    name that lives deeper (``learning_rate``) gets the full paths that end with it.
    """
    known = _all_paths(config)
    leaves = list(field_paths(config))
    problems = []
    for path in paths:
        if path in known:
            continue
        leaf = path.rsplit(".", 1)[-1]
        hints = [p for p in leaves if p.endswith("." + leaf)]
        hints += difflib.get_close_matches(path, leaves, n=3, cutoff=0.75)
        hints = list(dict.fromkeys(hints))
        hint = f" (did you mean {' or '.join(f'--config.{h}' for h in hints)}?)" if hints else ""
        problems.append(f"unknown config field {path!r}{hint}")
    return problems


def describe_fields(config: Any) -> str:
    """The config's fields with their current values, one per line, for ``--help``."""
    lines = []
    for path, value in field_paths(config).items():
        lines.append(f"  --config.{path}={value!r}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------
# Values.
# ----------------------------------------------------------------------------


class _Checker:
    def __init__(self, config):
        self.config = config
        self.problems: list[str] = []

    def get(self, path: str, default: Any = None) -> Any:
        value = self.config
        for part in path.split("."):
            if not _is_mapping(value) or part not in value:
                return default
            value = value[part]
        return value

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path}={self.get(path)!r} {message}")

    def number(self, path, *, minimum=None, above=None, below=None, integer=False, optional=False):
        value = self.get(path)
        if value is None and optional:
            return
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return self.fail(path, f"must be {'an integer' if integer else 'a number'}")
        if integer and not isinstance(value, numbers.Integral):
            return self.fail(path, "must be an integer")
        if value != value:  # NaN
            return self.fail(path, "must be a number")
        if minimum is not None and value < minimum:
            return self.fail(path, f"must be >= {minimum}")
        if above is not None and value <= above:
            return self.fail(path, f"must be > {above}")
        if below is not None and value >= below:
            return self.fail(path, f"must be < {below}")

    def choice(self, path, allowed, *, optional=False):
        value = self.get(path)
        if value is None and optional:
            return
        if value not in allowed:
            self.fail(path, f"is not one of: {', '.join(map(str, allowed))}")


def check_config(config: ml_collections.ConfigDict) -> list[str]:
    """Every problem with the values of a run config (empty when it is usable).

    Ranges: learning rates > 0, Adam's betas and momentum in [0, 1), steps, batch size,
    ``n_critic``, intervals, sample counts, latent size, ``packing`` and
    ``pyramid_levels`` >= 1, ``pyramid_level`` in [0, ``pyramid_levels``], loss and
    regulariser weights >= 0, ``ema_decay`` and ``label_smoothing`` in [0, 1),
    ``weight_clip`` > 0; names: dataset, model, loss, conditioning, strategy,
    optimiser, update order, penalties, regularisers, augmentation, framework (a VAE
    takes the DCGAN pair, no condition and no discriminator terms).
    """
    from jaxgan import augment, losses, models, regularizers
    from jaxgan.config import (
        CONDITIONINGS,
        FRAMEWORKS,
        LABEL_CONDITIONINGS,
        LABEL_SOURCES,
        OPTIMIZERS,
        SCHEDULES,
    )
    from jaxgan.data.pipeline import OFFLINE_DATASETS
    from jaxgan.parallel import STRATEGIES
    from jaxgan.step import PRECISIONS, UPDATES

    c = _Checker(config)
    for path in ("num_steps", "batch_size", "n_critic", "log_every", "sample_every",
                 "checkpoint_every", "keep_checkpoints", "num_grid_samples",
                 "num_final_samples", "latent_dim", "packing"):  # fmt: skip
        c.number(path, minimum=1, integer=True)
    for path in ("unrolled_steps", "max_consecutive_skips", "worker_count"):
        c.number(path, minimum=0, integer=True)
    c.number("micro_batches", minimum=1, integer=True, optional=True)
    micro, size = c.get("micro_batches"), c.get("batch_size")
    if all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in (micro, size)):
        if size % micro:
            c.fail("micro_batches", f"must divide batch_size={size}")
        elif micro > 1 and c.get("unrolled_steps"):
            c.fail(
                "micro_batches",
                f"must be 1 with unrolled_steps={c.get('unrolled_steps')!r} (Unrolled GAN "
                "needs the whole batch's gradient inside G's loss)",
            )
    c.number("num_devices", minimum=1, integer=True, optional=True)
    c.number("pyramid_levels", minimum=1, integer=True, optional=True)
    levels = c.get("pyramid_levels")
    if isinstance(levels, int) and levels >= 1:  # LAPGAN: a level of that pyramid
        level = c.get("pyramid_level")
        c.number("pyramid_level", minimum=0, integer=True, optional=True)
        if isinstance(level, int) and not isinstance(level, bool) and level > levels:
            c.fail(
                "pyramid_level",
                f"must be in [0, {levels}]: a pyramid of pyramid_levels={levels} has "
                f"{levels + 1} levels (0 the finest, {levels} the coarsest image)",
            )
    c.number("seed", integer=True)
    c.choice("label_source", LABEL_SOURCES, optional=True)
    if c.get("label_source") == "kmeans":
        c.number("num_classes", minimum=2, integer=True)
        if c.get("conditioning") not in LABEL_CONDITIONINGS:
            c.fail(
                "label_source",
                f"needs a label-conditioned run (conditioning one of "
                f"{', '.join(LABEL_CONDITIONINGS)}); conditioning is {c.get('conditioning')!r}",
            )
    for path in ("feature_matching_weight", "auxiliary_weight", "l1_weight"):
        c.number(path, minimum=0)
    c.number("label_smoothing", minimum=0, below=1)
    c.number("ema_decay", minimum=0, below=1, optional=True)
    c.number("weight_clip", above=0, optional=True)
    for player in ("generator_optimizer", "discriminator_optimizer"):
        c.choice(f"{player}.name", OPTIMIZERS)
        c.number(f"{player}.learning_rate", above=0)
        c.choice(f"{player}.schedule", SCHEDULES, optional=True)
        for beta in ("b1", "b2", "momentum"):
            if c.get(f"{player}.{beta}") is not None:
                c.number(f"{player}.{beta}", minimum=0, below=1)
    c.choice("model", models.names())
    c.choice("loss", losses.names())
    if c.get("loss") == "began":
        kinds = [
            entry.get("regularizer", name) if _is_mapping(entry) else name
            for name, entry in _items(c.get("regularizers"))
        ]
        if "began_equilibrium" not in kinds:
            c.fail("loss", "needs the began_equilibrium regularizer (BEGAN's k_t term)")
    options = c.get("loss_options")
    if options and c.get("loss") in losses.names():
        try:
            losses.get(c.get("loss"), **dict(options))
        except (ValueError, TypeError) as error:
            c.problems.append(f"loss_options: {error}")
    c.choice("conditioning", CONDITIONINGS)
    c.choice("framework", FRAMEWORKS, optional=True)
    if c.get("framework") == "vae":
        c.number("vae.kl_weight", minimum=0)
        c.number("vae.decoder_std", above=0, optional=True)
        if c.get("model") != "dcgan":
            c.fail("model", "must be 'dcgan' with framework='vae' (its encoder is DCGANEncoder)")
        if c.get("conditioning") != "none":
            c.fail("conditioning", "must be 'none' with framework='vae'")
        for path in ("penalties", "regularizers", "add_regularizers", "augmentation.name"):
            if c.get(path):
                c.fail(path, "must be empty with framework='vae' (a VAE has no discriminator)")
        for path, default in (("n_critic", 1), ("packing", 1), ("micro_batches", 1)):
            if c.get(path, default) != default:
                c.fail(path, f"must be {default} with framework='vae'")
    c.choice("update_order", UPDATES)
    c.choice("precision", tuple(PRECISIONS), optional=True)
    c.choice("strategy", STRATEGIES, optional=True)
    dataset = c.get("dataset")
    if not isinstance(dataset, str) or not dataset:
        c.fail("dataset", "must be a dataset name")
    elif dataset not in OFFLINE_DATASETS:
        import tensorflow_datasets as tfds

        base = dataset.split("/")[0].split(":")[0]
        catalog = tfds.list_builders(with_community_datasets=False)
        if base not in catalog:
            close = difflib.get_close_matches(base, list(OFFLINE_DATASETS) + catalog, n=3)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            c.fail(
                "dataset",
                f"is not a known dataset{hint}; offline (no download): "
                f"{', '.join(OFFLINE_DATASETS)}; or a TFDS catalog name prepared beforehand "
                "(see the README's Data section)",
            )
    for name in dict(_items(c.get("penalties"))):
        if name not in regularizers.names():
            c.problems.append(
                f"penalties.{name}: unknown penalty; use one of: {', '.join(regularizers.names())}"
            )
        c.number(f"penalties.{name}", minimum=0)
    for name, entry in _items(c.get("regularizers")):
        path = f"regularizers.{name}" + (".weight" if _is_mapping(entry) else "")
        if not _is_mapping(entry) or "weight" in entry:
            c.number(path, minimum=0)
        kind = entry.get("regularizer", name) if _is_mapping(entry) else name
        if kind not in regularizers.names():
            c.problems.append(
                f"regularizers.{name}: unknown regularizer {kind!r}; use one of: "
                f"{', '.join(regularizers.names())}"
            )
        if _is_mapping(entry) and "every" in entry:
            c.number(f"regularizers.{name}.every", minimum=1, integer=True)
    augmentation = c.get("augmentation.name")
    if augmentation:
        c.choice("augmentation.name", augment.names())
    return c.problems
