"""Minibatch discrimination at large batches: memory and time, one block against chunks.

  python -m experiments.benchmark_minibatch [--sizes 256 1024 4096] [--features 128]
      [--kernels 100] [--kernel-dim 5] [--max-run-mib 4096] [--repeats 3] [--json]

For each batch size N, compiles the layer's forward pass, its gradient (parameters and
input) and the gradient of a gradient penalty through it (the second order a WGAN-GP
or R1 step takes) in two forms: one block (the whole ``(B, N, N)`` pairwise tensor at
once) and the default chunked form (:class:`jaxgan.models.MinibatchDiscrimination`'s
``max_pairwise_elements``). Reports XLA's scratch memory for each
(``compiled.memory_analysis()``, so a form too large to run is still measured) and,
where that is under ``--max-run-mib``, the median time of ``--repeats`` calls.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.models import MinibatchDiscrimination

DERIVATIVES = ("forward", "gradient", "penalty gradient")
FORMS = {"one block": 2**62, "chunked": MinibatchDiscrimination.max_pairwise_elements}


def functions(layer: MinibatchDiscrimination, features: int) -> dict:
    """The three computations timed, as functions of ``(params, x)``."""

    def similarity(params, x):
        return jnp.sum(layer.apply(params, x)[:, features:] ** 2)

    def penalty(params, x):
        return jnp.sum(jax.grad(similarity, argnums=1)(params, x) ** 2)

    return {
        "forward": similarity,
        "gradient": jax.grad(similarity, argnums=(0, 1)),
        "penalty gradient": jax.grad(penalty),
    }


def measure(size: int, *, features: int, kernels: int, kernel_dim: int, max_run_mib: float,
            repeats: int) -> list[dict]:  # fmt: skip
    """One row per form and derivative at batch ``size``."""
    x = jnp.asarray(np.random.default_rng(0).normal(size=(size, features)), jnp.float32)
    rows = []
    for form, budget in FORMS.items():
        layer = MinibatchDiscrimination(
            num_kernels=kernels, kernel_dim=kernel_dim, max_pairwise_elements=budget
        )
        params = layer.init(jax.random.key(0), x[:2])
        for derivative, function in functions(layer, features).items():
            compiled = jax.jit(function).lower(params, x).compile()
            temp_mib = compiled.memory_analysis().temp_size_in_bytes / 2**20
            milliseconds = None
            if temp_mib <= max_run_mib:
                jax.block_until_ready(compiled(params, x))
                times = []
                for _ in range(repeats):
                    start = time.perf_counter()
                    jax.block_until_ready(compiled(params, x))
                    times.append(time.perf_counter() - start)
                milliseconds = 1e3 * statistics.median(times)
            rows.append({
                "batch": size, "form": form, "derivative": derivative, "temp_mib": temp_mib,
                "ms": milliseconds, "pairwise_mib": kernels * size * size * 4 / 2**20,
            })  # fmt: skip
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024, 4096])
    parser.add_argument("--features", type=int, default=128)
    parser.add_argument("--kernels", type=int, default=100)
    parser.add_argument("--kernel-dim", type=int, default=5)
    parser.add_argument(
        "--max-run-mib", type=float, default=4096,
        help="time only the computations whose scratch memory is at most this",
    )  # fmt: skip
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if min(args.sizes) < 2 or min(args.features, args.kernels, args.kernel_dim, args.repeats) < 1:
        print(
            f"error: --sizes {args.sizes} must be at least 2 and --features, --kernels, "
            "--kernel-dim, --repeats at least 1",
            file=sys.stderr,
        )
        return 2
    for size in args.sizes:
        for row in measure(size, features=args.features, kernels=args.kernels,
                           kernel_dim=args.kernel_dim, max_run_mib=args.max_run_mib,
                           repeats=args.repeats):  # fmt: skip
            if args.json:
                print(json.dumps(row), flush=True)
            else:
                timing = "not run" if row["ms"] is None else f"{row['ms']:.1f} ms"
                print(f"N={row['batch']} {row['form']:9} {row['derivative']:16} "
                      f"scratch {row['temp_mib']:8.1f} MiB  {timing}", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
