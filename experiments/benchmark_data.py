"""Input-pipeline throughput against the DCGAN train step's consumption, in one run.

  python -m experiments.benchmark_data [--steps 200] [--batch_size 64] [--json]

Reports batches/s and images/s of the MNIST pipeline (``mnist_5k``, 28x28x1) and of a
CIFAR-shaped one (``stacked_mnist`` resized to 32x32x3 with random flips), and the
images/s that the ``dcgan28`` train step (batch 64, non-saturating loss, Adam) consumes
on this machine, measured in the same process; the ratio is the headroom.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import jax

from experiments import benchmark
from jaxgan.data import default_data_dir, make_pipeline


def time_pipeline(pipeline, steps: int) -> dict:
    next(pipeline)  # warm-up: file handles, caches
    start = time.perf_counter()
    images = 0
    for _ in range(steps):
        images += next(pipeline)["image"].shape[0]
    elapsed = time.perf_counter() - start
    return {"batches_per_s": steps / elapsed, "images_per_s": images / elapsed}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--data_dir", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    data_dir = args.data_dir or default_data_dir()
    common = dict(batch_size=args.batch_size, data_dir=data_dir, process_index=0, process_count=1)
    results = {
        "mnist_5k_28x28x1": time_pipeline(make_pipeline("mnist_5k", **common), args.steps),
        "stacked_mnist_32x32x3_flip": time_pipeline(
            make_pipeline("stacked_mnist", image_size=32, random_flip=True, **common), args.steps
        ),
    }
    step = benchmark.benchmark_jax(
        "dcgan28", batch_size=args.batch_size, strategy="single", devices=1, repeats=5, steps=5
    )
    step = {"images_per_s": step["images_per_s"]}
    for result in results.values():
        result["ratio_vs_dcgan28_step"] = result["images_per_s"] / step["images_per_s"]
    results["dcgan28_train_step"] = step
    if args.json:
        for name, result in results.items():
            print(json.dumps({"name": name, "device": jax.devices()[0].device_kind, **result}))
    else:
        for name, result in results.items():
            fields = "  ".join(f"{k} {v:,.1f}" for k, v in result.items())
            print(f"{name:30s} {fields}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
