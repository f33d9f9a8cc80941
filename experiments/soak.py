"""Fault-injection soak: a run interrupted by random signals must end as if never stopped.

  python -m experiments.soak [--signals 20] [--num_steps 400] [--workdir DIR] [--seed 0] [--tiny]
                            [--max_wait 3]

Trains ``dcgan_mnist`` once without interruption (the reference), then again in a
second workdir while delivering ``--signals`` random SIGKILL / SIGTERM / SIGINT
signals, a third of them while an asynchronous checkpoint save is being written,
restarting the same command after each. Then it checks that the interrupted run's
final checkpoint (every array of the state, the key, the data position),
``samples.npz`` and ``metrics.jsonl`` (timing columns aside) equal the reference's,
and prints one line per signal and a verdict; exit status 0 when all holds.
``--tiny`` shrinks the networks and batch (the test suite runs it with 3 signals).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import signal
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
TIMING_COLUMNS = ("steps_per_s",)
SIGNALS = (signal.SIGKILL, signal.SIGTERM, signal.SIGINT)
# SIGTERM saves and exits 0 (or, after the last save, ends the process: -15); SIGINT
# saves (or, outside the loop, aborts) and exits 130, as a shell reports Ctrl-C.
EXPECTED_EXIT = {"SIGKILL": (-signal.SIGKILL,), "SIGTERM": (0, -signal.SIGTERM), "SIGINT": (130,)}


def train_command(workdir: pathlib.Path, args) -> list[str]:
    command = [
        sys.executable, "-m", "experiments.train", "--workdir", str(workdir),
        f"--config.num_steps={args.num_steps}", f"--config.checkpoint_every={args.save_every}",
        "--config.log_every=5", f"--config.sample_every={args.num_steps}",
        "--config.num_final_samples=256", "--config.keep_checkpoints=2",
        f"--config.seed={args.seed}",
        f"--config.compilation_cache_dir={pathlib.Path(args.workdir) / 'xla'}",
    ]  # fmt: skip
    if args.data_dir:
        command.append(f"--config.data_dir={args.data_dir}")
    if args.tiny:
        command += [
            "--config.generator.ngf=4", "--config.discriminator.ndf=4", "--config.batch_size=8",
        ]  # fmt: skip
    return command


def _environment() -> dict:
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "PYTHONUNBUFFERED": "1"}
    env.pop("XLA_FLAGS", None)
    return env


def _saving(checkpoints: pathlib.Path) -> bool:
    """Whether an Orbax save is being written (its temporary directory exists)."""
    try:
        return any("orbax-checkpoint-tmp" in p.name for p in checkpoints.iterdir())
    except FileNotFoundError:
        return False


def interrupted_segment(command, checkpoints, kind, during_save, rng, log, max_wait) -> dict:
    """Starts ``command``, delivers ``kind`` once it trains (or mid-save); returns a record."""
    process = subprocess.Popen(
        command, cwd=ROOT, env=_environment(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    training = threading.Event()

    def read():
        for line in process.stdout:
            lines.append(line.rstrip())
            if line.startswith("step ") or line.startswith("saved checkpoint"):
                training.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    record = {"signal": kind.name, "during_save": False, "delivered": False}
    if training.wait(timeout=300):
        deadline = time.time() + (10.0 if during_save else rng.uniform(0.0, max_wait))
        while time.time() < deadline and process.poll() is None:
            if during_save and _saving(checkpoints):
                record["during_save"] = True
                break
            time.sleep(0.002 if during_save else 0.05)
        if process.poll() is None:
            process.send_signal(kind)
            record["delivered"] = True
    process.wait(timeout=300)
    reader.join(timeout=10)
    record["returncode"] = process.returncode
    record["tail"] = lines[-1] if lines else ""
    log(
        f"signal {record['signal']:8s} {'during a save ' if record['during_save'] else ''}"
        f"-> exit {process.returncode}: {record['tail'][:100]}"
    )
    return record


def final_records(workdir: pathlib.Path) -> dict:
    """What must match: the last checkpoint's arrays, samples and the metrics log."""
    import jax
    import ml_collections
    import numpy as np

    from jaxgan.checkpoint import Checkpointer
    from jaxgan.config import build_gan
    from jaxgan.data import make_pipeline
    from jaxgan.summaries import read_log

    checkpointer = Checkpointer(workdir / "checkpoints", save_every=1)
    _, saved = checkpointer.restore_config()
    config = ml_collections.ConfigDict(saved)
    gan = build_gan(config)
    pipeline = make_pipeline(
        config.dataset, batch_size=config.batch_size, data_dir=config.data_dir,
        process_index=0, process_count=1,
    )  # fmt: skip
    batch = next(pipeline)
    restored = checkpointer.restore(like=gan.init(jax.random.key(0), batch))
    checkpointer.close()
    rows = [
        {k: v for k, v in row.items() if k not in TIMING_COLUMNS}
        for row in read_log(workdir / "metrics.jsonl")
    ]
    return {
        "step": restored["step"],
        "state": jax.tree.leaves(restored["state"]),
        "key": np.asarray(jax.random.key_data(restored["key"])),
        "data": restored["data"],
        "samples": np.load(workdir / "samples.npz")["samples"],
        "metrics": rows,
    }


def compare(reference: dict, soaked: dict) -> list[str]:
    import numpy as np

    differences = []
    if reference["step"] != soaked["step"]:
        differences.append(f"final step {soaked['step']} != {reference['step']}")
    if len(reference["state"]) != len(soaked["state"]) or not all(
        np.array_equal(a, b) for a, b in zip(reference["state"], soaked["state"], strict=False)
    ):
        differences.append("the final state's arrays differ")
    if not np.array_equal(reference["key"], soaked["key"]):
        differences.append("the final key differs")
    if reference["data"] != soaked["data"]:
        differences.append("the data position differs")
    if not np.array_equal(reference["samples"], soaked["samples"]):
        differences.append("samples.npz differs")
    if reference["metrics"] != soaked["metrics"]:
        steps = [row["step"] for row in soaked["metrics"]]
        differences.append(f"metrics.jsonl differs (steps logged: {steps[:8]}...)")
    return differences


def _log(line: str) -> None:
    print(line, flush=True)


def soak(args, log=_log) -> dict:
    """Runs the reference and the interrupted run; returns the verdict and the records."""
    root = pathlib.Path(args.workdir)
    reference_dir, soaked_dir = root / "reference", root / "soaked"
    for directory in (reference_dir, soaked_dir):
        if directory.exists() and any(directory.iterdir()):
            raise SystemExit(f"error: {directory} is not empty; pass a fresh --workdir")
    rng = random.Random(args.seed)
    started = time.time()
    log(f"reference run ({args.num_steps} steps) in {reference_dir}")
    subprocess.run(
        train_command(reference_dir, args), cwd=ROOT, env=_environment(), check=True,
        capture_output=True,
    )  # fmt: skip
    command = train_command(soaked_dir, args)
    records = []
    for index in range(args.signals):
        kind = SIGNALS[index % len(SIGNALS)] if index < len(SIGNALS) else rng.choice(SIGNALS)
        during_save = index % 3 == 2
        records.append(
            interrupted_segment(
                command, soaked_dir / "checkpoints", kind, during_save, rng, log, args.max_wait
            )
        )
        if (soaked_dir / "summary.json").exists() and json.loads(
            (soaked_dir / "summary.json").read_text()
        ).get("final_step") == args.num_steps:
            log("the run finished before all signals were delivered; use more --num_steps")
            break
    finish = subprocess.run(command, cwd=ROOT, env=_environment(), capture_output=True, text=True)
    if finish.returncode != 0:
        raise SystemExit(f"error: the final restart failed:\n{finish.stdout}\n{finish.stderr}")
    differences = compare(final_records(reference_dir), final_records(soaked_dir))
    delivered = sum(record["delivered"] for record in records)
    during = sum(record["during_save"] for record in records)
    crashed = [r for r in records if r["returncode"] not in EXPECTED_EXIT[r["signal"]]]
    verdict = {
        "signals": args.signals,
        "delivered": delivered,
        "during_save": during,
        "unexpected_exits": len(crashed),
        "equal": not differences,
        "differences": differences,
        "wall_time_s": time.time() - started,
    }
    log(
        f"{delivered}/{args.signals} signals delivered ({during} during a save), "
        f"{len(crashed)} unexpected exit codes; final checkpoint, samples and metrics "
        + (
            "equal the uninterrupted run's"
            if not differences
            else "DIFFER: " + "; ".join(differences)
        )
    )
    return verdict


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--signals", type=int, default=20)
    parser.add_argument("--num_steps", type=int, default=400)
    parser.add_argument("--save_every", type=int, default=10)
    parser.add_argument("--workdir", default="workdirs/soak")
    parser.add_argument("--data_dir", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--max_wait", type=float, default=3.0,
        help="longest random wait (s) between training's start and a signal",
    )  # fmt: skip
    parser.add_argument("--tiny", action="store_true", help="small networks and batch (tests)")
    args = parser.parse_args(argv)
    if args.signals < 1 or args.num_steps < 2 or args.save_every < 1:
        parser.error("--signals and --save_every must be >= 1 and --num_steps >= 2")
    verdict = soak(args)
    ok = (
        verdict["equal"]
        and verdict["delivered"] == args.signals
        and not verdict["unexpected_exits"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
