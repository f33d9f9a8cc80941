"""The suite's own settings (tests/conftest.py) are in force."""

import jax
import jax.numpy as jnp
import pytest

from tests.conftest import NUM_TEST_DEVICES


def test_virtual_cpu_devices():
    assert jax.device_count() == NUM_TEST_DEVICES
    assert all(device.platform == "cpu" for device in jax.devices())


def test_rank_promotion_raises():
    with pytest.raises(ValueError, match="jax_numpy_rank_promotion"):
        jnp.zeros((4, 1)) + jnp.zeros((4,))
