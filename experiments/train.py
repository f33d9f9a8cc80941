"""Trains a GAN from a config file, resuming from the workdir's latest checkpoint.

  python -m experiments.train [--config experiments/configs/dcgan_mnist.py] [--workdir DIR]
                              [--config.FIELD=VALUE ...] [--override_config]
                              [--process_id I --num_processes N --coordinator HOST:PORT]
                              [--distributed]

With no arguments it runs the default config (DCGAN on the offline mnist_5k digits)
in ``workdirs/dcgan_mnist``. The config is checked first and every problem is listed
in one line; nothing is written until it passes. Re-running the same command
continues from the latest complete checkpoint, bit for bit on CPU (a finished run:
nothing to do, nothing changed). SIGTERM (preemption) saves a checkpoint and exits 0;
Ctrl-C saves and exits 130, a second Ctrl-C aborts at once. On several hosts pass the
process flags (or let JAX read the cluster's environment) and run the same command on
every host.

Compiled steps are kept in JAX's persistent compilation cache (``compilation_cache_dir``,
default ``~/.cache/jaxgan/xla``), so a restarted run loads its step instead of
compiling it again.

The workdir receives ``checkpoints/``, ``tensorboard/``, ``metrics.jsonl`` (each row the
mean over ``log_every`` steps), ``samples/step_*.png``, ``samples.png``, ``losses.png``,
``samples.npz`` and ``summary.json`` (plus ``points.png`` or ``density.png`` for toy data).
"""

from __future__ import annotations

import json
import pathlib
import signal
import sys
import time

from absl import flags
from absl import logging as absl_logging
from ml_collections import config_flags

from experiments import cli

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


UsageError = cli.UsageError

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


def check_pretrained(config, workdir: str) -> list[str]:
    """Problems with ``config.pretrained`` (submodule -> workdir of a trained run) for a
    run that starts in ``workdir``; none when it resumes (the checkpoint holds them)."""
    pretrained = dict(config.get("pretrained") or {})
    if not pretrained or (pathlib.Path(workdir) / "checkpoints").exists():
        return []
    problems = []
    for submodule, source in pretrained.items():
        if not source:
            problems.append(
                f"pretrained.{submodule} is empty: name the workdir of the trained run whose "
                f"generator starts the submodule {submodule!r} (--config.pretrained.{submodule}"
                "=DIR)"
            )
        elif not (pathlib.Path(source) / "checkpoints").is_dir():
            problems.append(
                f"pretrained.{submodule}={source!r} has no checkpoints/ directory: name the "
                "workdir of a trained run"
            )
    return problems


def load_pretrained(state, pretrained: dict, *, seed: int, say=print):
    """``state`` with the generator's submodules in ``pretrained`` (name -> workdir)
    replaced by the generators saved there (their EMA parameters if any, with their
    BatchNorm statistics), in the parameters, the collections and the EMA.

    Raises:
      UsageError: when the generator has no such submodule or its shapes differ.
    """
    import jax

    from experiments.sample import restore_generator

    for submodule, source in pretrained.items():
        _, _, variables, step, which = restore_generator(source, seed=seed)
        params = state.generator_params
        if submodule not in params:
            raise UsageError(
                f"pretrained.{submodule}: the generator has no submodule {submodule!r}; its "
                f"submodules are {sorted(params)}"
            )
        shapes = jax.tree.map(lambda a: (tuple(a.shape), str(a.dtype)), params[submodule])
        loaded = jax.tree.map(lambda a: (tuple(a.shape), str(a.dtype)), variables["params"])
        if shapes != loaded:
            raise UsageError(
                f"pretrained.{submodule}={source}: its generator's parameters do not fit the "
                f"submodule {submodule!r} (the stage-I fields of the config must match the "
                f"run's config: {shapes} != {loaded})"
            )
        collections = {
            name: {**tree, submodule: variables[name]} if submodule in tree else tree
            for name, tree in state.generator_collections.items()
        }
        ema = state.ema_params
        state = state.replace(
            generator_params={**params, submodule: variables["params"]},
            generator_collections=collections,
            ema_params=None if ema is None else {**ema, submodule: variables["params"]},
        )
        say(f"Started the generator's {submodule} from {source} (step {step}, {which}).")
    return state


def check_resumed_config(saved: dict, config, *, override: bool) -> None:
    """Refuses to resume when a field that defines the checkpoint changed, unless overridden."""
    from experiments.configs import base
    from jaxgan.config import MODEL_FIELDS

    current = _normalise(config.to_dict())
    saved = _with_new_defaults(_normalise(saved), current, _normalise(base.get_config().to_dict()))
    changed = [field for field in MODEL_FIELDS if saved.get(field) != current.get(field)]
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
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def _with_new_defaults(saved: dict, current: dict, default: dict) -> dict:
    """``saved`` with each field it predates (added to the config after it was written)
    taken from ``current`` where ``current`` keeps that field's default, which is what
    the older code did; nested dicts likewise. A new field set to something else still
    counts as a change."""
    filled = dict(saved)
    for key, value in current.items():
        fallback = default.get(key) if isinstance(default, dict) else None
        if key not in saved:
            if value == fallback:
                filled[key] = value
        elif isinstance(value, dict) and isinstance(saved[key], dict):
            filled[key] = _with_new_defaults(saved[key], value, fallback or {})
    return filled


# ----------------------------------------------------------------------------
# The run.
# ----------------------------------------------------------------------------


class _Progress:
    """Progress: a tqdm bar on a terminal, else a line per log with elapsed time and ETA.

    Other messages go through :meth:`say` so that they do not tear the bar.
    """

    def __init__(self, total: int, initial: int, *, enabled: bool):
        import tqdm

        self.total, self.initial, self.enabled = total, initial, enabled
        self.started = time.time()
        self.bar = tqdm.tqdm(
            total=total, initial=initial, disable=None if enabled else True,
            dynamic_ncols=True, desc="train", unit="step",
        )  # fmt: skip

    def say(self, message: str) -> None:
        if not self.enabled:
            return
        if self.bar.disable:
            print(message, flush=True)
        else:
            self.bar.write(message)

    def update(self) -> None:
        self.bar.update(1)

    # The losses a progress line shows: a GAN's two players, or a VAE's bound and terms.
    HEADLINES = {
        "gan": (("D", "discriminator_loss"), ("G", "generator_loss")),
        "vae": (("-ELBO", "negative_elbo"), ("KL", "kl"), ("MSE", "mse")),
    }

    def log(self, step: int, metrics: dict) -> None:
        kind = "vae" if "negative_elbo" in metrics else "gan"
        shown = [(label, metrics.get(key, float("nan"))) for label, key in self.HEADLINES[kind]]
        if not self.bar.disable:
            self.bar.set_postfix({label.lower(): f"{value:.3f}" for label, value in shown})
            return
        elapsed = time.time() - self.started
        done = step - self.initial
        eta = elapsed / done * (self.total - step) if done else float("nan")
        self.say(
            f"step {step}/{self.total} ({100 * step / self.total:.0f}%)  "
            f"elapsed {_duration(elapsed)}  ETA {_duration(eta)}  "
            f"{metrics.get('steps_per_s', float('nan')):.2f} steps/s  "
            + "  ".join(f"{label} {value:.4f}" for label, value in shown)
        )

    def close(self) -> None:
        self.bar.close()


def _duration(seconds: float) -> str:
    if seconds != seconds:  # NaN: no estimate yet
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class _Window:
    """The mean of each metric over the steps since the last log row (non-finite skipped).

    Its sums and counts are saved with each checkpoint, so a run resumed mid-window
    logs the same means as one that never stopped.
    """

    def __init__(self, saved: dict | None = None):
        saved = saved or {}
        self.sums: dict[str, float] = dict(saved.get("sums", {}))
        self.counts: dict[str, int] = dict(saved.get("counts", {}))

    def add(self, metrics: dict) -> None:
        import math

        for name, value in metrics.items():
            if math.isfinite(value):
                self.sums[name] = self.sums.get(name, 0.0) + value
                self.counts[name] = self.counts.get(name, 0) + 1

    def means(self, latest: dict) -> dict:
        """The window's means (a metric with no finite value keeps its latest value)."""
        return {
            name: self.sums[name] / self.counts[name] if self.counts.get(name) else value
            for name, value in latest.items()
        }

    def reset(self) -> None:
        self.sums, self.counts = {}, {}

    def state(self) -> dict:
        return {"sums": dict(self.sums), "counts": dict(self.counts)}


def run(
    config, workdir: str, *, override_config: bool = False, config_name: str | None = None,
    verbose: bool = True,
) -> dict:  # fmt: skip
    """Trains (or resumes) the run in ``workdir``; returns the summary written to summary.json.

    The config is checked first (:func:`jaxgan.validation.check_config`), then the
    model, devices and data; nothing is written to disk until all of that passes.

    Raises:
      UsageError: listing every problem with the config, the workdir or the data.
      NonFiniteError: when too many consecutive steps were non-finite.
    """
    import jax
    import numpy as np

    from jaxgan import summaries
    from jaxgan.cache import enable_compilation_cache
    from jaxgan.checkpoint import Checkpointer
    from jaxgan.config import build_gan, pipeline_options
    from jaxgan.data import DevicePrefetcher, make_pipeline
    from jaxgan.parallel import Parallel, fetch
    from jaxgan.training import check_finite
    from jaxgan.validation import check_config

    started = time.time()
    problems = check_config(config)
    if problems:
        raise UsageError(_problems(problems))

    # --- Model, objective and devices. ---------------------------------------
    try:
        gan = build_gan(config)
        parallel = Parallel.create(config.strategy, config.num_devices)
        parallel.check_batch_size(config.batch_size, config.get("micro_batches", 1))
    except ValueError as error:
        raise UsageError(f"the config is not usable: {error}") from None
    batch_axis = 1 if gan.n_critic > 1 else 0

    # --- Input pipeline (offline datasets are prepared into data_dir once). --
    try:
        pipeline = make_pipeline(config.dataset, **pipeline_options(config))
    except (ValueError, FileNotFoundError) as error:
        raise UsageError(str(error)) from None
    start_position = pipeline.get_state()
    sample_batch = next(pipeline)
    pipeline.set_state(start_position)

    problems = check_pretrained(config, workdir)
    if problems:
        raise UsageError(_problems(problems))

    # --- Workdir: only now is anything written. ------------------------------
    if config.compilation_cache_dir:
        directory = config.compilation_cache_dir
        try:
            enable_compilation_cache(None if directory == "auto" else directory)
        except ValueError as error:
            raise UsageError(
                f"--config.compilation_cache_dir={directory}: {error}, or '' to turn the cache off."
            ) from None
    path = prepare_workdir(workdir)
    is_chief = jax.process_index() == 0
    say = print if verbose and is_chief else (lambda *args, **kwargs: None)

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
        try:
            check_resumed_config(saved[1], config, override=override_config)
        except UsageError:
            checkpointer.close()
            raise
    restored = checkpointer.restore(like=state)
    if is_chief:
        for moved in checkpointer.set_aside_unreadable(path / "checkpoints.unreadable"):
            say(f"Moved the unreadable checkpoint step {moved.name.split('-')[0]} to {moved}")
    start_step, run_record = 0, {}
    if restored is not None:
        state, key, start_step = restored["state"], restored["key"], restored["step"]
        run_record = restored["run"]
        pipeline.set_state(restored["data"])
        if start_step >= config.num_steps:
            previous = path / "summary.json"
            summary = json.loads(previous.read_text()) if previous.exists() else {}
            if start_step > config.num_steps or summary.get("final_step") == start_step:
                checkpointer.close()
                say(
                    f"{path}: already at step {start_step} of {config.num_steps}; nothing to do "
                    "(raise --config.num_steps to train further)."
                )
                return {**summary, "final_step": start_step, "nothing_to_do": True}
            # Stopped after its last save but before its final outputs were written.
            say(f"{path}: trained to step {start_step}; writing the final outputs it lacks.")
    elif config.get("pretrained"):
        state = load_pretrained(state, dict(config.pretrained), seed=config.seed, say=say)

    # --- Compile and place. --------------------------------------------------
    devices = jax.devices()
    say(
        f"{'Resuming' if start_step else 'Training'} {config_name or config.model} in {path}"
        + (f" from step {start_step}" if start_step else "")
        + f": {config.dataset}, batch {config.batch_size}, {config.num_steps} steps; "
        f"{len(devices)} x {devices[0].platform} device(s), strategy {parallel.strategy}"
    )
    step_fn = parallel.compile_step(gan)
    device_state = parallel.put_state(state)
    device_key = parallel.put_key(key)
    sampler = _Sampler(gan, config, parallel, sample_batch)
    writer = summaries.Writer(path, enabled=is_chief, resume_step=start_step)
    (path / "samples").mkdir(exist_ok=True)

    # --- Stops: SIGTERM (preemption) and SIGINT (Ctrl-C) save and exit; a second
    # SIGINT aborts at once.
    stop = {"signal": None}

    def on_signal(signum, frame):
        if stop["signal"] == "SIGINT" and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop["signal"] = signal.Signals(signum).name

    previous_handlers = {
        signum: signal.signal(signum, on_signal) for signum in (signal.SIGTERM, signal.SIGINT)
    }

    batches = DevicePrefetcher(
        pipeline, lambda batch: parallel.put_batch(batch, batch_axis=batch_axis), size=2
    )
    segments = [dict(segment) for segment in run_record.get("segments", [])]
    segments.append({"start_step": start_step, "end_step": start_step, "wall_time_s": 0.0})
    window = _Window(run_record.get("window"))

    def save(step: int, metrics: dict | None = None) -> None:
        segments[-1].update(end_step=step, wall_time_s=time.time() - started)
        checkpointer.save(
            step,
            parallel.get_state(device_state),
            key=key,
            data_state=batches.position(),  # the prefetcher reads ahead of training
            config=config.to_dict(),
            metrics=metrics,
            run={"segments": segments, "window": window.state(), "metrics": metrics},
        )
        progress.say(f"saved checkpoint step {step} in {path / 'checkpoints'}")

    # --- Train loop. ---------------------------------------------------------
    progress = _Progress(config.num_steps, start_step, enabled=verbose and is_chief)
    metrics: dict = dict(run_record.get("metrics", {}))  # the last logged window's means
    last_log = (time.time(), start_step)
    step = start_step
    pending = None  # (step, device metrics) dispatched but not yet fetched

    def settle(settled_step: int, device_metrics) -> None:
        """Fetches a step's metrics, applies the non-finite stop, logs the window's means."""
        nonlocal metrics, last_log
        latest = {k: float(v) for k, v in fetch(device_metrics).items()}
        check_finite(latest, step=settled_step, max_consecutive_skips=config.max_consecutive_skips)
        window.add(latest)
        progress.update()
        if settled_step % config.log_every == 0 or settled_step == config.num_steps:
            now = time.time()
            metrics = window.means(latest)
            window.reset()
            metrics["steps_per_s"] = (settled_step - last_log[1]) / max(now - last_log[0], 1e-9)
            last_log = (now, settled_step)
            writer.scalars(settled_step, metrics)
            progress.log(settled_step, metrics)

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
                checkpointer.should_save(step)
                or step == config.num_steps
                or stop["signal"] is not None
            )
            if sample or save_now:
                settle(*pending)
                pending = None
            if sample:
                sampler.grid(device_state, step, path, writer)
            if save_now:
                save(step, metrics)
            if stop["signal"] is not None:
                checkpointer.wait()
                progress.close()
                say(
                    f"{stop['signal']}: saved step {step} to {path / 'checkpoints'}; exiting. "
                    "Run the same command to continue.",
                    flush=True,
                )
                writer.close()
                return {"final_step": step, "preempted": True, "signal": stop["signal"]}
    finally:
        progress.close()
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler)
        checkpointer.wait()

    # --- End of run: samples, plots, summary. --------------------------------
    final_state = parallel.get_state(device_state)
    segments[-1].update(end_step=step, wall_time_s=time.time() - started)
    summary = {
        "final_step": step,
        "metrics": metrics,  # the means over the last logging window
        "wall_time_s": sum(segment["wall_time_s"] for segment in segments),
        "segments": segments,
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


def _problems(problems: list[str]) -> str:
    if len(problems) == 1:
        return f"the config is not usable: {problems[0]}."
    return f"the config has {len(problems)} problems: " + "; ".join(problems) + "."


def outputs(path: pathlib.Path) -> str:
    """What a finished run left in ``path``, for the closing line."""
    names = [
        name
        for name in ("summary.json", "samples.png", "points.png", "density.png", "losses.png",
                     "samples.npz", "metrics.jsonl")
        if (path / name).exists()
    ]  # fmt: skip
    if any((path / "samples").glob("step_*.png")):
        names.append("samples/step_*.png")
    return ", ".join(names + ["checkpoints/", "tensorboard/"])


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
        from experiments.sample import sample_inputs

        return sample_inputs(self.config, count, key=key, offset=offset)

    def _variables(self, state):
        """G's EMA parameters (or raw ones, without EMA), with BatchNorm statistics of
        their own (:func:`experiments.sample.standing_statistics`)."""
        from experiments.sample import standing_statistics

        variables = state.generator_variables(ema=True)
        if state.ema_params is None:
            return variables
        return standing_statistics(self.gan.generator, variables, self.config)

    def generate(self, variables, inputs):
        import numpy as np

        return np.asarray(self._apply(variables, *inputs))

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
        grid = summaries.image_grid(self.generate(self._variables(host), self.fixed_inputs))
        summaries.save_png(grid, path / "samples" / f"step_{step:06d}.png")
        writer.image(step, "samples", grid)

    def final_samples(self, state):
        import jax
        import numpy as np

        total = self.config.num_final_samples
        variables = self._variables(state)
        key = jax.random.key(self.config.seed + 2)
        if self.gan.conditioning in ("image", "unpaired"):  # the test split's inputs, repeated
            chunks, done = [], 0
            inputs = self._inputs(key, min(total, 500))
            while done < total:
                if self.gan.latent_dim:  # new latents for each repeat
                    z = jax.random.normal(jax.random.fold_in(key, done), inputs[1].shape)
                    inputs = (inputs[0], z)
                chunks.append(self.generate(variables, inputs)[: total - done])
                done += len(chunks[-1])
            return np.concatenate(chunks)
        chunks = []
        for start in range(0, total, 500):
            count = min(500, total - start)
            chunks.append(
                self.generate(variables, self._inputs(jax.random.fold_in(key, start), count, start))
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


def _config_help(argv: list[str]) -> str:
    """The fields of the config named in ``argv`` (or the default one), with their values."""
    from jaxgan.validation import describe_fields

    rest, _ = cli.config_overrides(argv)
    try:
        values = cli.parse(define_flags, [a for a in rest if a not in cli.HELP_FLAGS])
        config, name = values.config, values["config"].config_filename
    except cli.UsageError:
        config, name = None, DEFAULT_CONFIG
    if config is None:
        return "Config fields: see experiments/configs/base.py."
    return (
        f"Config fields of {name} (override any with --config.FIELD=VALUE; "
        f"experiments/configs/base.py documents them):\n{describe_fields(config)}"
    )


def parse_command_line(argv: list[str]):
    """The parsed flags, after checking every ``--config.FIELD`` name and value at once.

    Unknown fields (with suggestions), values that do not parse, and values out of
    range (:func:`jaxgan.validation.check_config`) are all reported together.

    Raises:
      UsageError: listing every problem.
    """
    from jaxgan.validation import check_config, check_override_paths

    rest, overrides = cli.config_overrides(argv)
    base = cli.parse(define_flags, rest)  # the config file alone, and the other flags
    try:
        base.config.get("seed")
    except Exception as error:  # config_flags defers a file's load error to first access
        detail = str(error).splitlines()[-1].strip()
        raise UsageError(
            f"--config={base['config'].config_filename} cannot be loaded: {detail}"
        ) from None
    problems = check_override_paths(base.config, [name for name, _ in overrides])
    unknown = {problem.split("'")[1] for problem in problems}
    usable = []
    for name, args in overrides:  # each value on its own, to report every bad one
        if name in unknown:
            continue
        try:
            cli.parse(define_flags, rest + args)
            usable.extend(args)
        except cli.UsageError as error:
            problems.append(str(error).removeprefix("bad command line: "))
    values = cli.parse(define_flags, rest + usable)
    problems += check_config(values.config)
    if problems:
        noun = "a problem" if len(problems) == 1 else f"{len(problems)} problems"
        raise UsageError(
            f"the command line has {noun}: " + "; ".join(problems) + ". See --help for the "
            "config's fields and experiments/configs/base.py for what each means."
        )
    return values


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if cli.wants_help(argv):
        return cli.print_help(__doc__, define_flags(), _config_help(argv))
    absl_logging.set_verbosity(absl_logging.ERROR)  # Orbax's per-save notices drown the progress
    try:
        FLAGS = parse_command_line(argv)
    except UsageError as error:
        return cli.fail(str(error))
    config = FLAGS.config
    from jaxgan.parallel import initialize_distributed
    from jaxgan.training import NonFiniteError

    process_flags = (FLAGS.coordinator, FLAGS.num_processes, FLAGS.process_id)
    if FLAGS.distributed or any(value is not None for value in process_flags):
        try:
            initialize_distributed(*process_flags)
        except ValueError as error:
            return cli.fail(f"cannot start the multi-host runtime: {error}")
    config_name = pathlib.Path(FLAGS["config"].config_filename).stem
    workdir = FLAGS.workdir or str(pathlib.Path("workdirs") / config_name)
    try:
        summary = run(
            config, workdir, override_config=FLAGS.override_config, config_name=config_name
        )
    except UsageError as error:
        return cli.fail(str(error))
    except NonFiniteError as error:
        return cli.fail(f"{error} The last good checkpoint in {workdir}/checkpoints is intact.", 3)
    except KeyboardInterrupt:
        return cli.fail(
            f"interrupted; nothing was saved since the last checkpoint in {workdir}/checkpoints "
            "(if any), which is intact.",
            130,
        )
    if summary.get("preempted"):
        return 130 if summary.get("signal") == "SIGINT" else 0
    if not summary.get("nothing_to_do"):
        print(
            f"Done in {_duration(summary['wall_time_s'])}: {workdir}/ holds "
            f"{outputs(pathlib.Path(workdir))}.",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
