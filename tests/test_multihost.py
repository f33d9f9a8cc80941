"""Two processes on 127.0.0.1 (2 virtual CPU devices each) against one process with 4."""

import os
import pathlib
import socket
import subprocess
import sys

import jax
import numpy as np

from jaxgan.parallel import Parallel
from jaxgan.training import train
from tests.toy_gans import flat_params, gaussian_batches, toy_gan

ROOT = pathlib.Path(__file__).resolve().parent.parent
STEPS = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_match_one_process_with_the_same_devices(tmp_path):
    out = tmp_path / "params.npz"
    coordinator = f"127.0.0.1:{free_port()}"
    env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "JAX_PLATFORMS")}
    env["JAX_PLATFORMS"] = "cpu"
    workers = [
        subprocess.Popen(
            [
                sys.executable, "-m", "tests.multihost_worker",
                "--process_id", str(i), "--num_processes", "2", "--coordinator", coordinator,
                "--devices_per_process", "2", "--steps", str(STEPS), "--out", str(out),
            ],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for i in range(2)
    ]  # fmt: skip
    try:
        logs = [worker.communicate(timeout=240)[0] for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
    for worker, log in zip(workers, logs, strict=True):
        assert worker.returncode == 0, log[-3000:]

    gan = toy_gan()
    batches = gaussian_batches(16, STEPS)
    state = gan.init(jax.random.key(0), batches[0])
    expected, metrics = train(
        gan, state, batches, jax.random.key(3), num_steps=STEPS,
        parallel=Parallel.create("sharded", 4),
    )  # fmt: skip
    expected = flat_params(expected)
    with np.load(out) as two_process:
        assert set(two_process.files) == set(expected) | {"discriminator_loss"}
        for name, value in expected.items():
            np.testing.assert_allclose(two_process[name], value, rtol=2e-5, atol=2e-6, err_msg=name)
        np.testing.assert_allclose(
            two_process["discriminator_loss"], metrics["discriminator_loss"], rtol=1e-5
        )
