"""What the training loop costs over the bare step: experiments.train against the benchmark.

  python -m experiments.benchmark_loop [--steps 100] [--repeats 3] [--json]

Times, alternately in one process, the bare compiled ``dcgan28`` step
(:func:`experiments.benchmark.prepare_jax`, batch 64, one placed batch reused) and the
``dcgan_mnist.py:adam2e-3`` run of :func:`experiments.train.run` on the same model and
batch (the unconditional recipe, not the self-conditioned default) --
its input pipeline, device prefetching, the non-finite stop, metrics, TensorBoard and
the progress bar included. The loop's rate is the one it logs itself over its second
window of ``--steps`` steps (the first holds the compilation; the final sample grid and
checkpoint come after it). Reports each rate and ``loop_over_step`` (the loop's steps/s
over the bare step's).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import sys
import tempfile


def loop_rate(steps: int, workdir: pathlib.Path) -> float:
    """steps/s that experiments.train logs over its second window of ``steps`` steps."""
    from experiments import train
    from experiments.configs import dcgan_mnist

    config = dcgan_mnist.get_config("adam2e-3")
    config.num_steps = 2 * steps
    config.log_every = steps
    config.sample_every = config.checkpoint_every = 10 * steps
    config.num_grid_samples = 16
    config.num_final_samples = 64
    train.run(config, str(workdir))
    rows = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    return next(row["steps_per_s"] for row in rows if row["step"] == 2 * steps)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from experiments import benchmark

    time_steps, info = benchmark.prepare_jax("dcgan28", batch_size=64, strategy="single", devices=1)
    bare, loop = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for repeat in range(args.repeats):
            bare.append(time_steps(args.steps))
            loop.append(loop_rate(args.steps, pathlib.Path(scratch) / f"run{repeat}"))
    result = {
        "model": "dcgan28",
        "batch_size": 64,
        "steps": args.steps,
        "bare_step_steps_per_s": bare,
        "train_loop_steps_per_s": loop,
        "loop_over_step": statistics.median(loop) / statistics.median(bare),
        "device_kind": info["device_kind"],
    }
    if args.json:
        print(json.dumps(result))
    else:
        print("  ".join(f"{k}={v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
