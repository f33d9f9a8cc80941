"""Writes samples from a run's checkpoint, restoring only the generator (EMA weights if any).

  python -m experiments.sample --workdir DIR [--num_samples 64] [--seed 0] [--step N] [--no_ema]

Writes ``DIR/sample_step_STEP.png`` (a grid) and ``DIR/sample_step_STEP.npz`` (array
``samples``, in [-1, 1]). No optimiser is built and no discriminator is loaded. A
class-conditional run draws digit ``i mod 10`` in sample ``i`` (a self-conditioned one,
``label_source='kmeans'``, its clusters in proportion to their sizes); a pix2pix run translates
the first ``num_samples`` inputs of its dataset's test split; a LAPGAN pyramid (the
workdir of ``experiments.lapgan``) chains its levels' latest generators, 7 -> 14 -> 28.
EMA weights are sampled with BatchNorm statistics recomputed for them
(``config.ema_standing_stats``).
"""

from __future__ import annotations

import functools
import pathlib
import sys

from absl import flags

from experiments import cli


def define_flags() -> flags.FlagValues:
    values = flags.FlagValues()
    flags.DEFINE_string("workdir", None, "The run's directory.", flag_values=values)
    flags.DEFINE_integer("num_samples", 64, "How many samples.", flag_values=values)
    flags.DEFINE_integer("seed", 0, "Seed of the latents.", flag_values=values)
    flags.DEFINE_integer("step", None, "Checkpoint step (default: the latest).", flag_values=values)
    flags.DEFINE_bool(
        "no_ema", False, "Use the raw generator parameters even with an EMA.", flag_values=values
    )
    return values


def requested_labels(count: int, num_classes: int, offset: int = 0):
    """The labels a class-conditional run is sampled with: ``i mod num_classes`` for
    sample ``i`` (counted from ``offset``)."""
    import numpy as np

    return ((np.arange(count) + offset) % num_classes).astype(np.int32)


def sampled_labels(config, count: int, offset: int = 0):
    """The labels of samples ``offset ..`` of a label-conditioned run: the dataset's
    classes in turn (:func:`requested_labels`), or for a self-conditioned run
    (``label_source='kmeans'``) its clusters in proportion to their sizes
    (:func:`jaxgan.data.clusters.proportional_labels`)."""
    from jaxgan.data import clusters

    fitted = _clusters(config)
    if fitted is None:
        return requested_labels(count, config.num_classes, offset)
    return clusters.proportional_labels(count, fitted.frequencies, offset)


def image_labels(config, images, labels):
    """The labels a label-conditioned run's G draws ``images`` (``(N, H, W, C)`` in
    [-1, 1]) with: their dataset ``labels``, or for a self-conditioned run
    (``label_source='kmeans'``) their nearest k-means clusters, as the pipeline labels
    them in training."""
    import numpy as np

    fitted = _clusters(config)
    if fitted is None:
        return np.asarray(labels, np.int32)
    return fitted.assign((np.asarray(images, np.float64) + 1) / 2, max_pixel=1.0)


def _clusters(config):
    """The run's k-means clusters (:class:`jaxgan.data.clusters.Clusters`), or ``None``
    when its labels are the dataset's."""
    from jaxgan.config import cluster_count
    from jaxgan.data import clusters

    k = cluster_count(config)
    if k is None:
        return None
    return clusters.dataset_clusters(
        config.dataset, k, seed=config.seed, data_dir=config.get("data_dir")
    )


STANDING_STATS_EXAMPLES = 2048


def standing_statistics(generator, variables: dict, config, *, seed: int = 0) -> dict:
    """``variables`` with BatchNorm statistics recomputed for their own parameters.

    A generator's running averages were collected by its raw parameters; sampled with
    its EMA parameters it needs statistics of its own (BigGAN's "standing statistics";
    :func:`jaxgan.models.layers.recompute_batch_stats`): here from
    ``STANDING_STATS_EXAMPLES`` latents in batches of the training batch size, fixed by
    ``seed``. Unchanged for a generator without BatchNorm statistics, for
    image-conditioned ones, and when ``config.ema_standing_stats`` is off.
    """
    import jax

    from jaxgan.models.layers import recompute_batch_stats

    if (
        "batch_stats" not in variables
        or config.conditioning == "image"
        or not config.get("ema_standing_stats", True)
    ):
        return variables
    size = config.batch_size
    key = jax.random.fold_in(jax.random.key(seed), 1_000_003)
    batches = [
        sample_inputs(config, size, key=jax.random.fold_in(key, i), offset=i * size)
        for i in range(-(-STANDING_STATS_EXAMPLES // size))
    ]
    return recompute_batch_stats(generator.apply, variables, batches)


def held_out_pairs(config, count: int | None = None) -> dict:
    """The first ``count`` (all by default) test examples of a paired dataset, in order.

    ``condition`` and ``image`` in ``[-1, 1]`` (plus ``label`` where the dataset has
    one), as the training pipeline gives them: what an image-conditioned generator
    (pix2pix) translates when sampled and evaluated; for an unpaired run (CycleGAN)
    ``image`` alone, the stacked true pairs ``[a | b]`` its generator translates.
    """
    from jaxgan.config import pyramid_option
    from jaxgan.data import load_source, make_pipeline

    total = len(load_source(config.dataset, "test", config.get("data_dir")))
    batch = next(
        make_pipeline(
            config.dataset, batch_size=min(count or total, total), split="test",
            shuffle=False, num_epochs=1, data_dir=config.get("data_dir"),
            image_size=config.get("image_size"), center_crop=config.get("center_crop"),
            process_index=0, process_count=1, pyramid=pyramid_option(config),
        )
    )  # fmt: skip
    if config.conditioning != "unpaired" and "condition" not in batch:
        raise ValueError(f"dataset {config.dataset!r} has no conditions to translate")
    return batch


def sample_inputs(config, num_samples: int, seed: int = 0, *, key=None, offset: int = 0) -> tuple:
    """The generator's inputs for ``num_samples`` samples of a run with ``config``.

    Latents ``N(0, 1)`` from ``key`` (default ``jax.random.key(seed)``);
    class-conditional generators are asked for label ``i mod num_classes`` in sample
    ``i`` (:func:`requested_labels`; self-conditioned ones for clusters in proportion
    to their sizes, :func:`sampled_labels`), caption-conditioned ones (StackGAN) for the test
    split's caption ``i mod N`` (:func:`held_out_captions`); image-conditioned
    ones get the first ``num_samples`` conditions of the test split
    (:func:`held_out_pairs`; fewer if the split is smaller), and latents beside them if
    they take any (LAPGAN's levels); unpaired translators (CycleGAN) the test split's
    first stacked pairs. ``offset``: the index of the first sample (its label).
    """
    import jax
    import numpy as np

    from jaxgan.config import LABEL_CONDITIONINGS, takes_latents

    if config.conditioning == "unpaired":
        return (held_out_pairs(config, num_samples)["image"],)
    if config.conditioning == "image":
        inputs = (held_out_pairs(config, num_samples)["condition"],)
        num_samples = len(inputs[0])
        if not takes_latents(config):
            return inputs
    key = jax.random.key(seed) if key is None else key
    z = jax.random.normal(key, (num_samples, config.latent_dim))
    if config.conditioning == "image":
        return (*inputs, z)
    if config.conditioning in LABEL_CONDITIONINGS:
        return (z, sampled_labels(config, num_samples, offset))
    if config.conditioning == "text":
        captions = held_out_captions(config)["text"]
        return (z, captions[(np.arange(num_samples) + offset) % len(captions)])
    return (z,)


@functools.cache
def _test_records(dataset: str, data_dir: str | None) -> dict:
    import numpy as np

    from jaxgan.data import load_source

    source = load_source(dataset, "test", data_dir)
    records = [source[i] for i in range(len(source))]
    return {name: np.stack([r[name] for r in records]) for name in records[0]}


def held_out_captions(config) -> dict:
    """The test split of a captioned dataset (``mnist_5k_captions``), in order, as NumPy:
    ``text`` (float32), ``label``, ``attributes`` and ``attribute_bins``; sample ``i``
    of a ``text``-conditioned run is asked for caption ``i mod N``
    (:func:`sample_inputs`)."""
    import numpy as np

    records = _test_records(config.dataset, config.get("data_dir"))
    if "text" not in records:
        raise ValueError(f"dataset {config.dataset!r} has no captions (a 'text' feature)")
    return {**records, "text": records["text"].astype(np.float32)}


def restore_generator(
    workdir, *, step: int | None = None, ema: bool = True, seed: int = 0
) -> tuple:
    """``(config, generator, variables, step, which)``: the generator saved in
    ``workdir`` (its EMA parameters if any and ``ema``, with BatchNorm statistics
    recomputed for them), ready for ``generator.apply(variables, *inputs)``; ``which``
    says in words which parameters they are."""
    import jax
    import ml_collections

    from jaxgan.checkpoint import Checkpointer
    from jaxgan.config import build_models

    checkpointer = Checkpointer(pathlib.Path(workdir) / "checkpoints", save_every=1)
    try:
        found = checkpointer.restore_config()
        if found is None:
            raise FileNotFoundError(f"no complete checkpoint in {workdir}/checkpoints")
        config = ml_collections.ConfigDict(found[1])
        generator, _ = build_models(config)
        example = sample_inputs(config, 2, seed)
        variables = jax.eval_shape(lambda: generator.init(jax.random.key(0), *example))
        params = variables["params"]
        like = {
            "variables": variables,
            "ema_params": params if config.ema_decay is not None else None,
        }
        steps = checkpointer.steps()
        if step is not None and step not in steps:
            raise ValueError(
                f"--step={step} is not a checkpoint of {workdir}; it has steps {steps}"
            )
        step, restored = checkpointer.restore_generator(like, step)
    finally:
        checkpointer.close()
    variables = dict(restored["variables"])
    if ema and restored["ema_params"] is not None:
        variables["params"] = restored["ema_params"]
        which = "the EMA parameters"
        if config.get("ema_standing_stats", True) and "batch_stats" in variables:
            variables = standing_statistics(generator, variables, config, seed=seed)
            which += " and BatchNorm statistics recomputed for them"
    elif restored["ema_params"] is None:
        which = "the raw parameters (the run keeps no EMA)"
    else:
        which = "the raw parameters (EMA not used)"
    return config, generator, variables, step, which


def restore_state(workdir, config) -> tuple:
    """``(gan, state)``: the whole train state saved in ``workdir`` (both networks, their
    optimisers and statistics) and the :class:`jaxgan.step.GAN` of ``config``."""
    import jax
    import ml_collections
    import numpy as np

    from jaxgan.checkpoint import Checkpointer
    from jaxgan.config import build_gan, pipeline_options
    from jaxgan.data import make_pipeline

    config = ml_collections.ConfigDict(config)
    gan = build_gan(config)
    options = {**pipeline_options(config), "num_epochs": 1, "worker_count": 0}
    batch = next(make_pipeline(config.dataset, process_index=0, process_count=1, **options))
    example = {name: np.zeros(a.shape, a.dtype) for name, a in batch.items()}
    like = gan.init(jax.random.key(0), example)
    checkpointer = Checkpointer(pathlib.Path(workdir) / "checkpoints", save_every=1)
    try:
        restored = checkpointer.restore(like)
    finally:
        checkpointer.close()
    if restored is None:
        raise FileNotFoundError(f"no complete checkpoint in {workdir}/checkpoints")
    return gan, restored["state"]


def sample(
    workdir: str, *, num_samples: int, seed: int = 0, step: int | None = None, ema: bool = True,
    report=None,
):  # fmt: skip
    """Returns ``(step, samples)`` from the generator saved in ``workdir``, with the
    inputs of :func:`sample_inputs`. ``report``, if given, is called with a line saying
    which step and which parameters (EMA or raw) the samples come from.
    """
    import jax

    pyramid = cli.run_summary(workdir)
    if pyramid and pyramid.get("program") == "experiments.lapgan":  # chain its levels
        from experiments import lapgan

        if step is not None:
            raise ValueError(
                f"--step={step}: a LAPGAN pyramid ({workdir}) is sampled with each level's "
                "latest checkpoint; sample one level's workdir for an earlier step"
            )
        if report:
            report(f"generating {num_samples} samples by chaining the LAPGAN levels "
                   f"{' -> '.join(lapgan.LEVELS)} (each level's latest checkpoint)")  # fmt: skip
        levels = lapgan.sample_levels(pathlib.Path(workdir), num_samples=num_samples, seed=seed)
        return pyramid["final_step"], levels[-1]
    config, generator, variables, step, which = restore_generator(
        workdir, step=step, ema=ema, seed=seed
    )
    inputs = sample_inputs(config, num_samples, seed)
    if report:
        report(f"generating {len(inputs[0])} samples from step {step} with {which}")
    return step, apply_in_chunks(jax.jit(generator.apply), variables, inputs)


SAMPLE_CHUNK = 500


def apply_in_chunks(apply, variables, inputs: tuple, chunk: int = SAMPLE_CHUNK):
    """``apply(variables, *inputs)`` as NumPy, ``chunk`` examples at a time (the last
    chunk padded with zeros, so one compiled shape serves), keeping the memory of a
    large sample (10,000 through StackGAN's stage II at once took 18 GB) to one chunk's.
    Each example's output depends on its own inputs alone (evaluation mode)."""
    import numpy as np

    total = len(inputs[0])
    outputs = []
    for start in range(0, total, chunk):
        part = [np.asarray(x[start : start + chunk]) for x in inputs]
        count = len(part[0])
        if count < chunk and total > chunk:
            part = [np.concatenate([x, np.zeros((chunk - count, *x.shape[1:]), x.dtype)])
                    for x in part]  # fmt: skip
        outputs.append(np.asarray(apply(variables, *part))[:count])
    return np.concatenate(outputs)


def main(argv=None) -> int:
    import numpy as np

    from jaxgan import summaries

    argv = list(sys.argv if argv is None else argv)
    if cli.wants_help(argv):
        return cli.print_help(__doc__, define_flags())
    try:
        FLAGS = cli.parse(define_flags, argv)
        cli.existing_run(FLAGS.workdir)
        if FLAGS.num_samples < 1:
            raise cli.UsageError(f"--num_samples={FLAGS.num_samples} must be >= 1")
        step, samples = sample(
            FLAGS.workdir, num_samples=FLAGS.num_samples, seed=FLAGS.seed, step=FLAGS.step,
            ema=not FLAGS.no_ema, report=print,
        )  # fmt: skip
    except cli.UsageError as error:
        return cli.fail(str(error))
    except (FileNotFoundError, ValueError) as error:
        return cli.fail(str(error))
    out = pathlib.Path(FLAGS.workdir)
    np.savez(out / f"sample_step_{step}.npz", samples=samples)
    if samples.ndim == 4:
        summaries.save_png(summaries.image_grid(samples), out / f"sample_step_{step}.png")
    print(f"wrote {len(samples)} samples from step {step} to {out}/sample_step_{step}.*")
    return 0


if __name__ == "__main__":
    sys.exit(main())
