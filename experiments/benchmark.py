"""Train-step throughput, side by side with PyTorch when asked.

  python -m experiments.benchmark --model dcgan28 [--batch-size 64] [--devices N]
      [--strategy single|sharded|pmap] [--compare torch|single] [--json] [--repeats 5]
      [--steps 5] [--conv-implementation auto|xla|reformulated] [--compilation-cache DIR]
      [--regularizer NAME:WEIGHT[:EVERY] ...] [--augmentation NAME]
      [--minibatch-discrimination KERNELS[:DIM[:FEATURES]]] [--compare plain]
      [--precision float32|bfloat16] [--compare float32] [--remat]
      [--micro-batches K] [--compare whole_batch]

Times the compiled train step after warm-up (``block_until_ready``): compile time and
the first step separately, then steps/s and images/s (median and spread over
``--repeats`` timings of ``--steps`` steps), the step's FLOPs from XLA's cost analysis,
the achieved FLOP/s and the fraction of this machine's float32 matmul rate, measured in
the same run, and XLA's scratch memory for the step (``temp_mib``, from
``compiled.memory_analysis()``; not for pmap). ``--compare torch`` times the same
architecture, loss and optimiser written in PyTorch (``experiments/benchmark_torch.py``,
an optional dependency) in the same process and reports the ratio; ``--compare single``
does the same with the plain single-device jit step (the sharded and pmap strategies'
overhead), and ``--compare pmap`` with the pmap step on the same devices.
``--regularizer r1:5:16`` adds a term (:func:`jaxgan.regularizers.names`; lazy with an
interval) and ``--augmentation diffaugment|ada|instance_noise`` an augmentation
(ADA at ``p = 0.5``, so it transforms) and ``--minibatch-discrimination 100:5:pooled``
minibatch discrimination in D (kernels, kernel dimension and, for the convolutional
discriminators, what it compares: ``pooled``, ``projected`` or ``flatten``);
``--compare plain`` times the same model without them in the same process
(``ratio_vs_plain``). Use ``--steps`` a multiple of
a lazy term's interval, so each timing averages over whole intervals.
``--precision bfloat16`` computes G and D in bfloat16 (``GAN.precision``: float32
parameters, optimiser state and losses); ``--compare float32`` times the float32 step
beside it (``ratio_vs_float32``). ``--remat`` recomputes G's and D's blocks in the
backward pass (their ``remat`` attribute; DCGAN and ResNet models); compare its
``temp_mib`` with a run without it. ``--micro-batches K`` accumulates each update's
gradient over ``K`` micro-batches (``GAN.micro_batches``); ``--compare whole_batch`` times
the step over the whole batch at once beside it (``ratio_vs_whole_batch``). XLA's cost
analysis counts a loop's body once, so for a micro-batched step ``flops_per_step`` is the
whole-batch step's count (the model's FLOPs, from its lowered program;
``flops_counted_on`` says so): G's second forward pass in D's update is not counted.
``--compilation-cache DIR`` turns on JAX's persistent compilation cache there
(:mod:`jaxgan.cache`): a second run reports the time to load the compiled step instead
of compiling it (without it, ``compile_s`` is a cold compile).

Models (exact, so both sides compute the same thing):
  dcgan28    G z(100) -> Dense 7x7x128 -> BN -> ReLU -> ConvT 64 (4x4, s2) -> BN -> ReLU ->
             ConvT 1 (4x4, s2) -> tanh; D Conv 64 (4x4, s2) -> LReLU -> Conv 128 -> BN ->
             LReLU -> Dense 1; non-saturating loss, Adam(2e-4, 0.5), batch 64.
  wgangp28   the same G; D without BatchNorm; Wasserstein + gradient penalty (10),
             n_critic = 5 (one step = 5 D + 1 G updates), Adam(1e-4, (0, 0.9)).
  dcgan64    the reference DCGAN-64 pair, non-saturating, Adam(2e-4, 0.5), batch 64.
  mlp_ring8  the toy MLP pair (2 x 128) on 2-D points, batch 512.
  wgangp_resnet32  the WGAN-GP CIFAR-10 ResNet pair (width 128, no normalisation in D),
             Wasserstein + gradient penalty (10), n_critic = 5, Adam(2e-4, (0, 0.9)),
             batch 64 of 32x32x3 (no PyTorch twin).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxgan import augment
from jaxgan.cache import enable_compilation_cache
from jaxgan.models import (
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    MLPGenerator,
    ResNetDiscriminator,
    ResNetGenerator,
)
from jaxgan.models.convolution import IMPLEMENTATIONS
from jaxgan.objectives import parse_terms
from jaxgan.parallel import STRATEGIES, Parallel
from jaxgan.step import GAN

MODELS = ("dcgan28", "wgangp28", "dcgan64", "mlp_ring8", "wgangp_resnet32")
TORCH_MODELS = ("dcgan28", "wgangp28", "dcgan64", "mlp_ring8")  # experiments/benchmark_torch.py
DEFAULT_BATCH = {
    "dcgan28": 64, "wgangp28": 64, "dcgan64": 64, "mlp_ring8": 512, "wgangp_resnet32": 64,
}  # fmt: skip


def build(model: str, conv_implementation: str = "auto") -> tuple[GAN, tuple[int, ...]]:
    """The benchmark model's GAN and the shape of one real example."""
    conv = {"conv_implementation": conv_implementation}
    adam = lambda lr, b1, b2: optax.adam(lr, b1=b1, b2=b2)
    if model == "dcgan28":
        gan = GAN(
            DCGANGenerator(image_size=28, channels=1, **conv),
            DCGANDiscriminator(image_size=28, channels=1, **conv),
            adam(2e-4, 0.5, 0.999), adam(2e-4, 0.5, 0.999), latent_dim=100,
        )  # fmt: skip
        return gan, (28, 28, 1)
    if model == "wgangp28":
        gan = GAN(
            DCGANGenerator(image_size=28, channels=1, **conv),
            DCGANDiscriminator(image_size=28, channels=1, normalization="none", **conv),
            adam(1e-4, 0.0, 0.9), adam(1e-4, 0.0, 0.9), loss="wasserstein", latent_dim=100,
            penalties=(("gradient_penalty", 10.0),), n_critic=5,
        )  # fmt: skip
        return gan, (28, 28, 1)
    if model == "dcgan64":
        gan = GAN(
            DCGANGenerator(image_size=64, channels=3, **conv),
            DCGANDiscriminator(image_size=64, channels=3, **conv),
            adam(2e-4, 0.5, 0.999), adam(2e-4, 0.5, 0.999), latent_dim=100,
        )  # fmt: skip
        return gan, (64, 64, 3)
    if model == "mlp_ring8":
        gan = GAN(
            MLPGenerator(latent_dim=2, output_dim=2), MLPDiscriminator(input_dim=2),
            adam(1e-3, 0.5, 0.999), adam(1e-3, 0.5, 0.999), latent_dim=2,
        )  # fmt: skip
        return gan, (2,)
    if model == "wgangp_resnet32":
        gan = GAN(
            ResNetGenerator(channels=3, latent_dim=128, features=128),
            ResNetDiscriminator(channels=3, features=128, normalization="none"),
            adam(2e-4, 0.0, 0.9), adam(2e-4, 0.0, 0.9), loss="wasserstein", latent_dim=128,
            penalties=(("gradient_penalty", 10.0),), n_critic=5,
        )  # fmt: skip
        return gan, (32, 32, 3)
    raise ValueError(f"unknown benchmark model {model!r}; use one of {MODELS}")


def parse_minibatch_discrimination(text: str) -> dict:
    """``KERNELS[:DIM[:FEATURES]]`` as the discriminator's attributes."""
    parts = text.split(":")
    try:
        if not 1 <= len(parts) <= 3:
            raise ValueError
        options = {"minibatch_discrimination": int(parts[0])}
        if len(parts) > 1:
            options["minibatch_kernel_dim"] = int(parts[1])
    except ValueError:
        raise ValueError(
            f"--minibatch-discrimination {text!r}: expected KERNELS[:DIM[:FEATURES]], "
            "e.g. 100:5:pooled"
        ) from None
    if len(parts) == 3:
        options["minibatch_features"] = parts[2]
    return options


def with_objective(gan: GAN, regularizers: tuple[str, ...], augmentation: str | None,
                   minibatch_discrimination: str | None = None) -> GAN:  # fmt: skip
    """``gan`` with the benchmark's extra terms, augmentation and minibatch discrimination."""
    terms = parse_terms(",".join(regularizers))
    options = {"initial_p": 0.5} if augmentation == "ada" else {}
    discriminator = gan.discriminator
    if minibatch_discrimination:
        layer = parse_minibatch_discrimination(minibatch_discrimination)
        if "minibatch_features" in layer and not hasattr(discriminator, "minibatch_features"):
            raise ValueError(
                f"--minibatch-discrimination {minibatch_discrimination!r}: "
                f"{type(discriminator).__name__} compares its features as they are; "
                "give KERNELS[:DIM] only"
            )
        discriminator = discriminator.clone(**layer)
    return dataclasses.replace(
        gan,
        discriminator=discriminator,
        regularizers=gan.regularizers + terms,
        augmentation=augment.get(augmentation, **options) if augmentation else None,
    )


def matmul_flops_per_s(size: int = 2048, repeats: int = 5) -> float:
    """This machine's float32 matmul rate (median of ``repeats``), measured now."""
    a = jnp.ones((size, size), jnp.float32)
    f = jax.jit(lambda a: a @ a)
    f(a).block_until_ready()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f(a).block_until_ready()
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times)


def _count(tree) -> int:
    return int(sum(np.size(leaf) for leaf in jax.tree.leaves(tree)))


def prepare_jax(model: str, *, batch_size: int, strategy: str | None, devices: int | None,
                conv_implementation: str = "auto", regularizers: tuple[str, ...] = (),
                augmentation: str | None = None,
                minibatch_discrimination: str | None = None,
                precision: str = "float32", remat: bool = False,
                micro_batches: int = 1):  # fmt: skip
    """Compiles and warms up one configuration: ``(time_steps(steps) -> steps/s, info)``."""
    gan, example_shape = build(model, conv_implementation)
    gan = with_objective(gan, regularizers, augmentation, minibatch_discrimination)
    gan = dataclasses.replace(gan, precision=precision)
    if remat:
        if not hasattr(gan.generator, "remat"):
            raise ValueError(f"--remat: {model!r} has no rematerialised blocks (DCGAN, ResNet)")
        gan = dataclasses.replace(
            gan,
            generator=gan.generator.clone(remat=True),
            discriminator=gan.discriminator.clone(remat=True),
        )
    gan = dataclasses.replace(gan, micro_batches=micro_batches)
    parallel = Parallel.create(strategy, devices)
    parallel.check_batch_size(batch_size, micro_batches)
    leading = (gan.n_critic,) if gan.n_critic > 1 else ()
    rng = np.random.default_rng(0)
    host_batch = {
        "image": rng.uniform(-1, 1, leading + (batch_size, *example_shape)).astype(np.float32)
    }
    state = gan.init(jax.random.key(0), host_batch)
    batch = parallel.put_batch(host_batch, batch_axis=len(leading))
    placed, key = parallel.put_state(state), parallel.put_key(jax.random.key(1))
    step = parallel.compile_step(gan)

    flops = temp_mib = None
    start = time.perf_counter()
    if parallel.strategy != "pmap":
        compiled = step.lower(placed, batch, key).compile()
        compile_s = time.perf_counter() - start
        cost = compiled.cost_analysis()
        cost = cost[0] if isinstance(cost, list | tuple) else cost
        flops = float(cost.get("flops", 0.0)) if cost else None
        if micro_batches > 1:  # the loop's body counts once: count the whole-batch step
            whole = parallel.compile_step(dataclasses.replace(gan, micro_batches=1))
            cost = whole.lower(placed, batch, key).cost_analysis()
            cost = cost[0] if isinstance(cost, list | tuple) else cost
            flops = float(cost.get("flops", 0.0)) if cost else None
        memory = compiled.memory_analysis()
        temp_mib = memory.temp_size_in_bytes / 2**20 if memory is not None else None
        step = compiled
        start = time.perf_counter()
        placed, metrics = step(placed, batch, key)
        jax.block_until_ready(metrics)
        first_step_s = time.perf_counter() - start
    else:  # pmap compiles on the first call
        placed, metrics = step(placed, batch, key)
        jax.block_until_ready(metrics)
        compile_s = first_step_s = time.perf_counter() - start
    carried = {"state": placed}

    def time_steps(steps: int) -> float:
        start = time.perf_counter()
        for _ in range(steps):
            carried["state"], metrics = step(carried["state"], batch, key)
        jax.block_until_ready(metrics)
        return steps / (time.perf_counter() - start)

    info = {
        "framework": "jax",
        "model": model,
        "strategy": parallel.strategy,
        "devices": parallel.num_devices,
        "device_kind": jax.devices()[0].device_kind,
        "batch_size": batch_size,
        "conv_implementation": conv_implementation,
        "regularizers": list(regularizers),
        "augmentation": augmentation,
        "minibatch_discrimination": minibatch_discrimination,
        "precision": precision,
        "remat": remat,
        "micro_batches": micro_batches,
        "flops_counted_on": "whole-batch step (lowered)" if micro_batches > 1 else "this step",
        "compilation_cache": jax.config.jax_compilation_cache_dir or None,
        "compile_s": compile_s,
        "first_step_s": first_step_s,
        "flops_per_step": flops,
        "temp_mib": temp_mib,
        "generator_params": _count(state.generator_params),
        "discriminator_params": _count(state.discriminator_params),
    }
    return time_steps, info


def benchmark_jax_interleaved(configurations: list[dict], *, model: str, repeats: int,
                              steps: int) -> list[dict]:  # fmt: skip
    """Times several configurations of ``model`` in turn within each repeat (A, B, A, B, ...).

    Interleaving spreads the machine's drift over all of them, so their ratios are
    fairer than those of back-to-back runs. ``configurations`` are keyword arguments
    of :func:`prepare_jax`.
    """
    prepared = [prepare_jax(model, **options) for options in configurations]
    rates: list[list[float]] = [[] for _ in prepared]
    for _ in range(repeats):
        for timings, (time_steps, _) in zip(rates, prepared, strict=True):
            timings.append(time_steps(steps))
    peak = matmul_flops_per_s()
    results = []
    for timings, (_, info) in zip(rates, prepared, strict=True):
        steps_per_s = statistics.median(timings)
        flops = info["flops_per_step"]
        achieved = flops * steps_per_s if flops else None
        results.append({
            **info,
            "steps_per_s": steps_per_s,
            "steps_per_s_spread": [min(timings), max(timings)],
            "images_per_s": steps_per_s * info["batch_size"],
            "achieved_flops_per_s": achieved,
            "matmul_flops_per_s": peak,
            "fraction_of_matmul_peak": achieved / peak if achieved else None,
        })  # fmt: skip
    return results


def benchmark_jax(model: str, *, repeats: int, steps: int, **options) -> dict:
    """One configuration (keyword arguments of :func:`prepare_jax`), timed alone."""
    return benchmark_jax_interleaved([options], model=model, repeats=repeats, steps=steps)[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=MODELS, required=True)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--devices", type=int, default=None)
    parser.add_argument("--strategy", choices=STRATEGIES, default=None)
    parser.add_argument(
        "--compare", choices=["torch", "single", "pmap", "plain", "float32", "whole_batch"],
        default=None,
        help="also time PyTorch's step, the plain single-device jit step, the pmap step on "
        "the same devices, the model without --regularizer/--augmentation/"
        "--minibatch-discrimination, the float32 step, or the step without micro-batches, "
        "in this process",
    )  # fmt: skip
    parser.add_argument(
        "--precision", choices=["float32", "bfloat16"], default="float32",
        help="the dtype G and D compute in (parameters and optimiser state stay float32)",
    )  # fmt: skip
    parser.add_argument(
        "--regularizer", action="append", default=[], metavar="NAME:WEIGHT[:EVERY]",
        help="add a regularisation term (repeatable), e.g. r1:5:16 for lazy R1",
    )  # fmt: skip
    parser.add_argument("--augmentation", choices=augment.names(), default=None)
    parser.add_argument(
        "--minibatch-discrimination", metavar="KERNELS[:DIM[:FEATURES]]", default=None,
        help="minibatch discrimination in D, e.g. 100:5:pooled (FEATURES: pooled, projected "
        "or flatten, for the convolutional discriminators)",
    )  # fmt: skip
    parser.add_argument(
        "--remat", action="store_true",
        help="recompute G's and D's blocks in the backward pass (DCGAN and ResNet models)",
    )  # fmt: skip
    parser.add_argument(
        "--micro-batches", type=int, default=1, metavar="K",
        help="gradient accumulation: each update's batch in K micro-batches, one after another",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument(
        "--conv-implementation", choices=IMPLEMENTATIONS, default="auto",
        help="the convolution algorithm (jaxgan.models.convolution)",
    )  # fmt: skip
    parser.add_argument(
        "--compilation-cache", metavar="DIR", default=None,
        help="load/save compiled steps in JAX's persistent cache in DIR (default: off)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    batch_size = args.batch_size or DEFAULT_BATCH[args.model]
    if args.compare == "torch" and args.model not in TORCH_MODELS:
        print(
            f"error: --compare torch: {args.model!r} has no PyTorch twin; use one of "
            f"{TORCH_MODELS}",
            file=sys.stderr,
        )
        return 2
    options = dict(
        batch_size=batch_size, strategy=args.strategy, devices=args.devices,
        conv_implementation=args.conv_implementation, regularizers=tuple(args.regularizer),
        augmentation=args.augmentation, minibatch_discrimination=args.minibatch_discrimination,
        precision=args.precision, remat=args.remat, micro_batches=args.micro_batches,
    )  # fmt: skip
    # --compare single / pmap / plain / float32: the baseline is timed interleaved, in this run.
    baseline = {
        "single": {**options, "strategy": "single", "devices": 1},
        "pmap": {**options, "strategy": "pmap"},
        "plain": {
            **options,
            "regularizers": (),
            "augmentation": None,
            "minibatch_discrimination": None,
        },
        "float32": {**options, "precision": "float32"},
        "whole_batch": {**options, "micro_batches": 1},
    }.get(args.compare)
    try:
        if args.compilation_cache:
            enable_compilation_cache(args.compilation_cache)
        results = benchmark_jax_interleaved(
            [options] + ([baseline] if baseline else []),
            model=args.model, repeats=args.repeats, steps=args.steps,
        )  # fmt: skip
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    result = results[0]
    if baseline:
        result[f"ratio_vs_{args.compare}"] = result["images_per_s"] / results[1]["images_per_s"]
    if args.compare == "torch":
        from experiments import benchmark_torch

        torch_result = benchmark_torch.benchmark(
            args.model, batch_size=batch_size, repeats=args.repeats, steps=args.steps
        )
        result["ratio_vs_torch"] = result["images_per_s"] / torch_result["images_per_s"]
        results.append(torch_result)
    for entry in results:
        if args.json:
            print(json.dumps(entry))
        else:
            shown = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in entry.items()}
            print("  ".join(f"{k}={v}" for k, v in shown.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
