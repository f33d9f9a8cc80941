"""Trains a GAN from a config file, resuming from the workdir's latest checkpoint.

  python -m experiments.train [--config experiments/configs/dcgan_mnist.py] [--workdir DIR]
                              [--config.FIELD=VALUE ...] [--override_config]
                              [--process_id I --num_processes N --coordinator HOST:PORT]
                              [--distributed]

With no arguments it runs the default config (DCGAN on the offline mnist_5k digits)
in ``workdirs/dcgan_mnist``. Re-running the same command continues from the latest
complete checkpoint, bit for bit on CPU. SIGTERM (preemption) saves a checkpoint and
exits. On several hosts pass the process flags (or let JAX read the cluster's
environment) and run the same command on every host.

Compiled steps are kept in JAX's persistent compilation cache (``compilation_cache_dir``,
default ``~/.cache/jaxgan/xla``), so a restarted run loads its step instead of
compiling it again.

The workdir receives ``checkpoints/``, ``tensorboard/``, ``metrics.jsonl``,
``samples/step_*.png``, ``losses.png``, ``samples.npz`` and ``summary.json``.
"""

from __future__ import annotations

import pathlib
import signal
import sys
import time

from absl import flags
from absl import logging as absl_logging
from ml_collections import config_flags

DEFAULT_CONFIG = str(pathlib.Path(__file__).resolve().parent / "configs" / "dcgan_mnist.py")


def define_flags() -> flags.FlagValues:
    """The command line's flags, on a fresh ``FlagValues``.

    Defined on demand, not at import: ``config_flags`` applies ``--config.*`` overrides
    from ``sys.argv`` while defining the flag, and an error there must reach
    :func:`main`'s one-paragraph report.
    """
    values = flags.FlagValues()
    config_flags.DEFINE_config_file(
        "config", DEFAULT_CONFIG, "Config file (.py with get_config()).", flag_values=values
    )
    flags.DEFINE_string(
        "workdir", None, "Run directory (default: workdirs/CONFIG_NAME).", flag_values=values
    )
    flags.DEFINE_bool(
        "override_config", False,
        "Resume even if model fields differ from the checkpoint's config.", flag_values=values,
    )  # fmt: skip
    flags.DEFINE_integer(
        "process_id", None, "This process's index (multi-host).", flag_values=values
    )
    flags.DEFINE_integer(
        "num_processes", None, "Number of processes (multi-host).", flag_values=values
    )
    flags.DEFINE_string(
        "coordinator", None, "host:port of process 0 (multi-host).", flag_values=values
    )
    flags.DEFINE_bool(
        "distributed", False, "Join a multi-host run described by the cluster's environment "
        "(TPU pod, SLURM, Open MPI, Kubernetes).", flag_values=values,
    )  # fmt: skip
    return values


class UsageError(Exception):
    """A problem with what the user asked for: reported in one paragraph, no traceback."""


# ----------------------------------------------------------------------------
# Workdir and config checks.
# ----------------------------------------------------------------------------


def prepare_workdir(workdir: str) -> pathlib.Path:
    """Creates ``workdir`` (if needed) and checks that it is a writable directory."""
    from jaxgan.files import writable_directory

    try:
        return writable_directory(workdir, label=f"--workdir={workdir}")
    except ValueError as error:
        raise UsageError(f"{error}.") from None


def check_resumed_config(saved: dict, config, *, override: bool) -> None:
    """Refuses to resume when a field that defines the checkpoint changed, unless overridden."""
    from jaxgan.config import MODEL_FIELDS

    current = config.to_dict()
    changed = [
        field
        for field in MODEL_FIELDS
        if _normalise(saved.get(field)) != _normalise(current.get(field))
    ]
    if changed and not override:
        details = "; ".join(
            f"{field}: checkpoint {saved.get(field)!r}, now {current.get(field)!r}"
            for field in changed
        )
        raise UsageError(
            f"the workdir's checkpoint was made with a different config ({details}). Use a new "
            "--workdir, or pass --override_config to resume anyway."
        )


def _normalise(value):
    import json

    return json.loads(json.dumps(value, default=str, sort_keys=True))


# ----------------------------------------------------------------------------
# The run.
# ----------------------------------------------------------------------------


def run(config, workdir: str, *, override_config: bool = False) -> dict:
    """Trains (or resumes) the run in ``workdir``; returns the summary written to summary.json."""
    import jax
    import numpy as np
    import tqdm

    from jaxgan import summaries
    from jaxgan.cache import enable_compilation_cache
    from jaxgan.checkpoint import Checkpointer
    from jaxgan.config import build_gan, pipeline_options
    from jaxgan.data import DevicePrefetcher, make_pipeline
    from jaxgan.parallel import Parallel, fetch
    from jaxgan.training import check_finite

    started = time.time()
    path = prepare_workdir(workdir)
    is_chief = jax.process_index() == 0
    if config.compilation_cache_dir:
        directory = config.compilation_cache_dir
        try:
            enable_compilation_cache(None if directory == "auto" else directory)
        except ValueError as error:
            raise UsageError(
                f"--config.compilation_cache_dir={directory}: {error}, or '' to turn the cache off."
            ) from None

    # --- Model, objective and devices. ---------------------------------------
    try:
        gan = build_gan(config)
        parallel = Parallel.create(config.strategy, config.num_devices)
        parallel.check_batch_size(config.batch_size)
    except ValueError as error:
        raise UsageError(f"the config is not usable: {error}") from None
    batch_axis = 1 if gan.n_critic > 1 else 0

    # --- Input pipeline. -----------------------------------------------------
    try:
        pipeline = make_pipeline(config.dataset, **pipeline_options(config))
    except (ValueError, FileNotFoundError) as error:
        raise UsageError(str(error)) from None
    start_position = pipeline.get_state()
    sample_batch = next(pipeline)
    pipeline.set_state(start_position)

    # --- State: fresh or restored. -------------------------------------------
    root_key = jax.random.key(config.seed)
    state = gan.init(jax.random.fold_in(root_key, 0), sample_batch)
    key = jax.random.fold_in(root_key, 1)
    checkpointer = Checkpointer(
        path / "checkpoints",
        save_every=config.checkpoint_every,
        keep=config.keep_checkpoints,
        best_metric=config.best_metric,
        async_save=config.async_checkpointing,
    )
    saved = checkpointer.restore_config()
    if saved is not None:
        check_resumed_config(saved[1], config, override=override_config)
    restored = checkpointer.restore(like=state)
    start_step = 0
    if restored is not None:
        state, key, start_step = restored["state"], restored["key"], restored["step"]
        pipeline.set_state(restored["data"])
        print(f"Resuming from step {start_step} in {path / 'checkpoints'}", flush=True)

    # --- Compile and place. --------------------------------------------------
    step_fn = parallel.compile_step(gan)
    device_state = parallel.put_state(state)
    device_key = parallel.put_key(key)
    sampler = _Sampler(gan, config, parallel, sample_batch)
    writer = summaries.Writer(path, enabled=is_chief)
    (path / "samples").mkdir(exist_ok=True)

    # --- Preemption: SIGTERM saves and exits. --------------------------------
    stop = {"requested": False}

    def on_sigterm(signum, frame):
        stop["requested"] = True

    previous_handler = signal.signal(signal.SIGTERM, on_sigterm)

    batches = DevicePrefetcher(
        pipeline, lambda batch: parallel.put_batch(batch, batch_axis=batch_axis), size=2
    )

    def save(step: int, metrics: dict | None = None) -> None:
        checkpointer.save(
            step,
            parallel.get_state(device_state),
            key=key,
            data_state=batches.position(),  # the prefetcher reads ahead of training
            config=config.to_dict(),
            metrics=metrics,
        )

    # --- Train loop. ---------------------------------------------------------
    progress = tqdm.tqdm(
        total=config.num_steps, initial=start_step, disable=None, dynamic_ncols=True, desc="train"
    )
    metrics: dict = {}
    last_log = (time.time(), start_step)
    step = start_step
    pending = None  # (step, device metrics) dispatched but not yet fetched

    def settle(settled_step: int, device_metrics) -> None:
        """Fetches a step's metrics, applies the non-finite stop, logs."""
        nonlocal metrics, last_log
        metrics = {k: float(v) for k, v in fetch(device_metrics).items()}
        check_finite(metrics, step=settled_step, max_consecutive_skips=config.max_consecutive_skips)
        progress.update(1)
        if settled_step % config.log_every == 0 or settled_step == config.num_steps:
            now = time.time()
            metrics["steps_per_s"] = (settled_step - last_log[1]) / max(now - last_log[0], 1e-9)
            last_log = (now, settled_step)
            writer.scalars(settled_step, metrics)
            progress.set_postfix(
                d=f"{metrics['discriminator_loss']:.3f}", g=f"{metrics['generator_loss']:.3f}"
            )
            if progress.disable and is_chief:
                print(
                    f"step {settled_step}/{config.num_steps}  {metrics['steps_per_s']:.2f} "
                    f"steps/s  D {metrics['discriminator_loss']:.4f}  "
                    f"G {metrics['generator_loss']:.4f}",
                    flush=True,
                )

    try:
        for step in range(start_step + 1, config.num_steps + 1):
            device_state, device_metrics = step_fn(device_state, next(batches), device_key)
            # Step t's metrics are fetched (and the non-finite stop applied) once step t + 1
            # is dispatched, so the host never holds the device idle waiting on them. A
            # skipped step changes no state, so the state is never worse for the delay.
            if pending is not None:
                settle(*pending)
            pending = (step, device_metrics)
            sample = (step % config.sample_every == 0 or step == config.num_steps) and is_chief
            save_now = (
                checkpointer.should_save(step) or step == config.num_steps or stop["requested"]
            )
            if sample or save_now:
                settle(*pending)
                pending = None
            if sample:
                sampler.grid(device_state, step, path, writer)
            if save_now:
                save(step, metrics)
            if stop["requested"]:
                checkpointer.wait()
                print(f"SIGTERM: saved step {step} to {path / 'checkpoints'}; exiting.", flush=True)
                return {"final_step": step, "preempted": True}
    finally:
        progress.close()
        signal.signal(signal.SIGTERM, previous_handler)
        checkpointer.wait()

    # --- End of run: samples, plots, summary. --------------------------------
    final_state = parallel.get_state(device_state)
    summary = {
        "final_step": step,
        "metrics": {k: v for k, v in metrics.items()},
        "wall_time_s": time.time() - started,
        "params_fingerprint": summaries.params_fingerprint(
            final_state.generator_params, final_state.discriminator_params
        ),
        "total_skips": int(final_state.total_skips),
        "dataset": config.dataset,
        "model": config.model,
        "loss": config.loss,
    }
    if is_chief:
        samples = sampler.final_samples(final_state)
        np.savez(path / "samples.npz", samples=samples)
        if writer.history:
            summaries.plot_losses(writer.history, path / "losses.png")
        sampler.plots(final_state, samples, path)
        summaries.write_json(path / "summary.json", summary)
    writer.close()
    checkpointer.close()
    return summary


class _Sampler:
    """Fixed-latent sample grids, the final samples and the toy-data plots."""

    def __init__(self, gan, config, parallel, sample_batch):
        import jax

        self.gan, self.config, self.parallel = gan, config, parallel
        self.points = sample_batch["image"].ndim - (1 if gan.n_critic > 1 else 0) == 2
        count = config.num_grid_samples
        self.fixed_inputs = self._inputs(jax.random.key(config.seed + 1), count)
        self._apply = jax.jit(lambda variables, *inputs: gan.generator.apply(variables, *inputs))

    def _inputs(self, key, count, offset: int = 0):
        import jax
        import numpy as np

        if self.gan.conditioning == "image":
            from jaxgan.data import make_pipeline

            conditions = make_pipeline(
                self.config.dataset,
                batch_size=count,
                split="test",
                shuffle=False,
                data_dir=self.config.data_dir,
                process_index=0,
                process_count=1,
            )
            return (next(conditions)["condition"],)
        z = jax.random.normal(key, (count, self.gan.latent_dim))
        if self.gan.conditioning in ("labels", "acgan"):
            labels = (np.arange(count) + offset) % self.config.num_classes
            return (z, labels.astype(np.int32))
        return (z,)

    def _variables(self, state):
        return state.generator_variables(ema=True)

    def generate(self, state, inputs):
        import numpy as np

        return np.asarray(self._apply(self._variables(state), *inputs))

    def grid(self, device_state, step, path, writer) -> None:
        from jaxgan import summaries
        from jaxgan.parallel import fetch, unreplicate

        if self.points:
            return
        state = device_state if self.parallel.strategy != "pmap" else unreplicate(device_state)
        host = fetch(
            state.replace(
                discriminator_params={}, discriminator_opt_state={}, generator_opt_state={}
            )
        )
        grid = summaries.image_grid(self.generate(host, self.fixed_inputs))
        summaries.save_png(grid, path / "samples" / f"step_{step:06d}.png")
        writer.image(step, "samples", grid)

    def final_samples(self, state):
        import jax
        import numpy as np

        total = self.config.num_final_samples
        if self.gan.conditioning == "image":
            chunks, done = [], 0
            inputs = self._inputs(None, min(total, 500))
            while done < total:
                chunks.append(self.generate(state, inputs)[: total - done])
                done += len(chunks[-1])
            return np.concatenate(chunks)
        chunks = []
        key = jax.random.key(self.config.seed + 2)
        for start in range(0, total, 500):
            count = min(500, total - start)
            chunks.append(
                self.generate(state, self._inputs(jax.random.fold_in(key, start), count, start))
            )
        samples = np.concatenate(chunks)
        return samples

    def plots(self, state, samples, path) -> None:
        import jax
        import numpy as np

        from jaxgan import summaries
        from jaxgan.data import make_pipeline

        if self.points:
            data = next(
                make_pipeline(
                    self.config.dataset, batch_size=len(samples), split="test",
                    data_dir=self.config.data_dir, process_index=0, process_count=1,
                )
            )["image"]  # fmt: skip
            if samples.shape[-1] == 1:
                grid = np.linspace(
                    min(data.min(), samples.min()) - 0.5, max(data.max(), samples.max()) + 0.5, 400
                )
                logits = self.gan.discriminator.apply(
                    state.discriminator_variables(), grid[:, None].astype(np.float32)
                )
                summaries.plot_density_1d(
                    data, samples, grid, np.asarray(jax.nn.sigmoid(logits)), path / "density.png"
                )
            else:
                summaries.plot_points_2d(data, samples, path / "points.png")
        else:
            summaries.save_png(summaries.image_grid(samples[:100]), path / "samples.png")


# ----------------------------------------------------------------------------
# Entry point.
# ----------------------------------------------------------------------------


def _fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr, flush=True)
    return code


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    absl_logging.set_verbosity(absl_logging.ERROR)  # Orbax's per-save notices drown the progress
    try:
        FLAGS = define_flags()
        FLAGS(argv)
        config = FLAGS.config
    except Exception as error:  # absl and ml_collections report bad flags in many types
        detail = str(error)
        if isinstance(error, KeyError | AttributeError):
            detail = f"unknown config field {detail.strip(chr(34))}"
        return _fail(
            f"bad command line: {detail}. The allowed --config.FIELD names are those of the "
            "config file; experiments/configs/base.py lists every field with its type."
        )
    from jaxgan.parallel import initialize_distributed
    from jaxgan.training import NonFiniteError

    process_flags = (FLAGS.coordinator, FLAGS.num_processes, FLAGS.process_id)
    if FLAGS.distributed or any(value is not None for value in process_flags):
        try:
            initialize_distributed(*process_flags)
        except ValueError as error:
            return _fail(f"cannot start the multi-host runtime: {error}")
    config_name = pathlib.Path(FLAGS["config"].config_filename).stem
    workdir = FLAGS.workdir or str(pathlib.Path("workdirs") / config_name)
    try:
        summary = run(config, workdir, override_config=FLAGS.override_config)
    except UsageError as error:
        return _fail(str(error))
    except NonFiniteError as error:
        return _fail(f"{error} The last good checkpoint in {workdir}/checkpoints is intact.", 3)
    if not summary.get("preempted"):
        print(f"Done: {workdir}/summary.json, samples in {workdir}/samples/", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
