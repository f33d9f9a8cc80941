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
import statistics
import sys
import time

import jax
import numpy as np
import optax

from jaxgan.data import default_data_dir, make_pipeline
from jaxgan.models import DCGANDiscriminator, DCGANGenerator
from jaxgan.step import GAN


def time_pipeline(pipeline, steps: int) -> dict:
    next(pipeline)  # warm-up: file handles, caches
    start = time.perf_counter()
    images = 0
    for _ in range(steps):
        images += next(pipeline)["image"].shape[0]
    elapsed = time.perf_counter() - start
    return {"batches_per_s": steps / elapsed, "images_per_s": images / elapsed}


def time_dcgan28_step(batch_size: int, repeats: int = 5, steps: int = 5) -> dict:
    gan = GAN(
        DCGANGenerator(image_size=28, channels=1),
        DCGANDiscriminator(image_size=28, channels=1),
        optax.adam(2e-4, b1=0.5),
        optax.adam(2e-4, b1=0.5),
        latent_dim=100,
    )
    batch = {"image": np.zeros((batch_size, 28, 28, 1), np.float32)}
    state = gan.init(jax.random.key(0), batch)
    step = jax.jit(gan.train_step, donate_argnums=(0,))
    key = jax.random.key(1)
    state, metrics = step(state, batch, key)
    jax.block_until_ready(metrics)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            state, metrics = step(state, batch, key)
        jax.block_until_ready(metrics)
        rates.append(steps * batch_size / (time.perf_counter() - start))
    return {"images_per_s": statistics.median(rates)}


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
    step = time_dcgan28_step(args.batch_size)
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
