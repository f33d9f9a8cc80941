"""Suite-wide JAX settings, applied before any test touches a device.

- ``jax_numpy_rank_promotion='raise'``: a discriminator output of shape ``(B, 1)``
  silently broadcast against labels of shape ``(B,)`` becomes an error, not a
  ``(B, B)`` loss.
- eight virtual CPU devices, so every run exercises the multi-device code paths.
"""

import jax

NUM_TEST_DEVICES = 8

jax.config.update("jax_num_cpu_devices", NUM_TEST_DEVICES)
jax.config.update("jax_numpy_rank_promotion", "raise")
