"""One process of the multi-host test (tests/test_multihost.py launches several).

Each process has ``--devices_per_process`` virtual CPU devices, joins JAX's multi-host
runtime on 127.0.0.1 (CPU collectives: gloo), feeds its own slice of each global batch
to the sharded step, and process 0 writes the final parameters to ``--out``.
"""

import argparse

import jax
import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--process_id", type=int, required=True)
    parser.add_argument("--num_processes", type=int, required=True)
    parser.add_argument("--coordinator", required=True)
    parser.add_argument("--devices_per_process", type=int, default=2)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    jax.config.update("jax_num_cpu_devices", args.devices_per_process)
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    from jaxgan.parallel import Parallel, initialize_distributed
    from jaxgan.training import train
    from tests.toy_gans import flat_params, gaussian_batches, process_slice, toy_gan

    initialize_distributed(args.coordinator, args.num_processes, args.process_id)
    assert jax.process_count() == args.num_processes
    assert jax.device_count() == args.num_processes * args.devices_per_process

    gan = toy_gan()
    batches = gaussian_batches(16, args.steps)
    local = [process_slice(b, jax.process_index(), jax.process_count()) for b in batches]
    state = gan.init(jax.random.key(0), batches[0])
    final, metrics = train(
        gan, state, local, jax.random.key(3), num_steps=args.steps, parallel=Parallel.create()
    )
    if jax.process_index() == 0:
        np.savez(args.out, **flat_params(final), discriminator_loss=metrics["discriminator_loss"])
    jax.distributed.shutdown()


if __name__ == "__main__":
    main()
