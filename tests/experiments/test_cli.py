"""The command line as a user meets it, each behaviour checked in a subprocess.

Help on every entry point; a finished run re-run changes nothing; a resumed run keeps
one history (metrics.jsonl, window means, wall time per segment); SIGINT saves; a
damaged checkpoint is set aside quietly; offline data preparation says what it does;
evaluate names its phases and generator; the fault-injection soak (short form).
"""

import hashlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
TINY = (
    "--config.generator.ngf=4", "--config.discriminator.ndf=4", "--config.batch_size=8",
    "--config.num_final_samples=8", "--config.num_grid_samples=4",
    "--config.compilation_cache_dir=",
)  # fmt: skip


def environment():
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "PYTHONUNBUFFERED": "1"}
    env.pop("XLA_FLAGS", None)
    return env


def python(*args, timeout=600):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment(), capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


def train(workdir, data_dir, *args):
    return python(
        "-m", "experiments.train", "--workdir", str(workdir), f"--config.data_dir={data_dir}",
        *TINY, *args,
    )  # fmt: skip


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("tfds"))


def tree_digest(root: pathlib.Path) -> dict:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def log_rows(path):
    rows = [json.loads(line) for line in pathlib.Path(path).read_text().splitlines()]
    return [{k: v for k, v in row.items() if k != "steps_per_s"} for row in rows]


@pytest.mark.parametrize(
    "module,expected",
    [
        ("experiments.train", "--config.batch_size=64"),
        ("experiments.evaluate", "--num_samples"),
        ("experiments.sample", "--no_ema"),
        ("experiments.benchmark", "--compare"),
        ("experiments.benchmark_data", "usage:"),
        ("experiments.benchmark_minibatch", "--max-run-mib"),
        ("experiments.soak", "--signals"),
        ("experiments.bad_inputs", "--write"),
        ("experiments.translation_figure", "--num_examples"),
        ("experiments.stackgan", "--steps_per_stage"),
        ("experiments.discriminator_sampling", "--latent_step_size"),
        ("experiments.inversion", "--feature_weight"),
        ("experiments.guided_sampling", "--epsilon2"),
        ("experiments.gp_gan", "--sigma"),
        ("jaxgan.fid", "--save-stats"),
    ],
)
def test_every_entry_point_answers_help(module, expected):
    result = python("-m", module, "--help", timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert expected in result.stdout and "Traceback" not in result.stderr


def test_finished_run_rerun_changes_nothing(tmp_path):
    data_dir = tmp_path / "fresh_tfds"  # a fresh data directory: the offline set is built
    workdir = tmp_path / "run"
    first = train(workdir, data_dir, "--config.num_steps=4", "--config.checkpoint_every=2")
    assert first.returncode == 0, first.stderr[-3000:]
    assert "Preparing the offline dataset 'mnist_5k'" in first.stderr
    assert "Downloading" not in first.stdout + first.stderr
    assert f"Training dcgan_mnist in {workdir}" in first.stdout
    assert "saved checkpoint step 2" in first.stdout and "saved checkpoint step 4" in first.stdout
    assert "samples.png" in first.stdout and "Done in" in first.stdout
    before = tree_digest(workdir)
    again = train(workdir, data_dir, "--config.num_steps=4", "--config.checkpoint_every=2")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "already at step 4 of 4; nothing to do" in again.stdout
    assert tree_digest(workdir) == before  # summary, logs, TensorBoard events: untouched

    # Stopped after its last save but before its final outputs: a re-run writes them.
    summary = json.loads((workdir / "summary.json").read_text())
    samples = np.load(workdir / "samples.npz")["samples"]
    (workdir / "summary.json").unlink()
    (workdir / "samples.npz").unlink()
    finish = train(workdir, data_dir, "--config.num_steps=4", "--config.checkpoint_every=2")
    assert finish.returncode == 0, finish.stderr[-3000:]
    assert "trained to step 4; writing the final outputs it lacks" in finish.stdout
    rewritten = json.loads((workdir / "summary.json").read_text())
    assert rewritten["params_fingerprint"] == summary["params_fingerprint"]
    assert rewritten["metrics"] == summary["metrics"]
    np.testing.assert_array_equal(np.load(workdir / "samples.npz")["samples"], samples)


def test_resumed_run_keeps_one_history(tmp_path, data_dir):
    common = ("--config.num_steps=8", "--config.checkpoint_every=2", "--config.log_every=4")
    straight, per_step = tmp_path / "straight", tmp_path / "per_step"
    assert train(straight, data_dir, *common).returncode == 0
    assert train(per_step, data_dir, *common[:2], "--config.log_every=1").returncode == 0
    # Each row is the mean over its window: step 8's row averages steps 5-8.
    rows, steps = log_rows(straight / "metrics.jsonl"), log_rows(per_step / "metrics.jsonl")
    assert [row["step"] for row in rows] == [4, 8]
    for name in ("discriminator_loss", "generator_loss"):
        expected = np.mean([row[name] for row in steps if 5 <= row["step"] <= 8])
        np.testing.assert_allclose(rows[1][name], expected, rtol=1e-12)
    summary = json.loads((straight / "summary.json").read_text())
    assert summary["metrics"]["discriminator_loss"] == rows[1]["discriminator_loss"]

    # A run whose steps 7-8 were lost (checkpoint 8 gone): it resumes mid-window at 6.
    resumed = tmp_path / "resumed"
    assert train(resumed, data_dir, *common).returncode == 0
    first_segment = json.loads((resumed / "summary.json").read_text())["wall_time_s"]
    shutil.rmtree(resumed / "checkpoints" / "8")
    result = train(resumed, data_dir, *common)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Resuming dcgan_mnist" in result.stdout and "from step 6" in result.stdout
    assert log_rows(resumed / "metrics.jsonl") == rows  # no duplicate rows; same window means
    assert [json.loads(line)["step"] for line in
            (resumed / "metrics.dropped.jsonl").read_text().splitlines()] == [8]  # fmt: skip
    summary = json.loads((resumed / "summary.json").read_text())
    assert [(s["start_step"], s["end_step"]) for s in summary["segments"]] == [(0, 6), (6, 8)]
    assert summary["wall_time_s"] == pytest.approx(
        sum(s["wall_time_s"] for s in summary["segments"])
    )
    assert summary["segments"][0]["wall_time_s"] < first_segment
    assert summary["metrics"]["discriminator_loss"] == rows[1]["discriminator_loss"]


@pytest.mark.parametrize("kind,code", [(signal.SIGTERM, 0), (signal.SIGINT, 130)])
def test_signal_saves_a_checkpoint_and_exits_with_one_line(tmp_path, data_dir, kind, code):
    workdir = tmp_path / "interrupted"
    process = subprocess.Popen(
        [sys.executable, "-m", "experiments.train", "--workdir", str(workdir),
         f"--config.data_dir={data_dir}", *TINY, "--config.num_steps=100000",
         "--config.checkpoint_every=100000", "--config.log_every=1"],
        cwd=ROOT, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    metrics = workdir / "metrics.jsonl"
    deadline = time.time() + 240
    while time.time() < deadline and not (
        metrics.exists() and len(metrics.read_text().splitlines()) >= 3
    ):
        time.sleep(0.2)
    process.send_signal(kind)
    output, errors = process.communicate(timeout=120)
    assert process.returncode == code, errors[-3000:]
    assert "Traceback" not in errors and "KeyboardInterrupt" not in errors
    assert f"{kind.name}: saved step" in output
    steps = sorted(int(p.name) for p in (workdir / "checkpoints").iterdir() if p.name.isdigit())
    assert len(steps) == 1 and steps[0] >= 3


def test_unreadable_checkpoint_is_set_aside_quietly(tmp_path, data_dir):
    workdir = tmp_path / "run"
    assert (
        train(workdir, data_dir, "--config.num_steps=4", "--config.checkpoint_every=2").returncode
        == 0
    )
    for path in (workdir / "checkpoints" / "4" / "state").rglob("*"):
        if path.is_file() and path.parent.name == "d":
            path.write_bytes(b"garbage")
    result = train(workdir, data_dir, "--config.num_steps=6", "--config.checkpoint_every=2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "Event loop is closed" not in result.stderr
    assert "checkpoint step 4 is unreadable" in result.stderr
    assert "Moved the unreadable checkpoint step 4" in result.stdout
    assert "from step 2" in result.stdout
    kept = list((workdir / "checkpoints.unreadable").iterdir())
    assert len(kept) == 1 and kept[0].name.startswith("4-") and (kept[0] / "state").is_dir()
    assert json.loads((workdir / "summary.json").read_text())["final_step"] == 6


def test_toy_run_and_evaluate_say_what_they_wrote_and_used(tmp_path, data_dir):
    workdir = tmp_path / "ring8"
    result = python(
        "-m", "experiments.train", "--config", "experiments/configs/ring8.py",
        "--workdir", str(workdir), f"--config.data_dir={data_dir}", "--config.num_steps=4",
        "--config.batch_size=16", "--config.num_final_samples=64", "--config.ema_decay=0.9",
        "--config.compilation_cache_dir=",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "points.png" in result.stdout and "samples/" not in result.stdout
    assert (workdir / "points.png").exists()
    evaluated = python(
        "-m", "experiments.evaluate", "--workdir", str(workdir), "--num_samples=100"
    )  # fmt: skip
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    assert "generating 100 samples from step 4 with the EMA parameters" in evaluated.stdout
    assert "computing the metrics" in evaluated.stdout
    assert json.loads((workdir / "eval.json").read_text())["num_samples"] == 100


def test_soak_short(tmp_path, data_dir):
    result = python(
        "-m", "experiments.soak", "--tiny", "--signals", "3", "--num_steps", "600",
        "--save_every", "4", "--max_wait", "0.5", "--workdir", str(tmp_path / "soak"),
        "--data_dir", data_dir, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "3/3 signals delivered" in result.stdout
    assert "equal the uninterrupted run's" in result.stdout
