"""Suite-wide JAX settings, applied before any test touches a device.

- ``jax_numpy_rank_promotion='raise'``: a discriminator output of shape ``(B, 1)``
  silently broadcast against labels of shape ``(B,)`` becomes an error, not a
  ``(B, B)`` loss.
- eight virtual CPU devices, so every run exercises the multi-device code paths.

Fixtures: ``restore_compilation_cache`` puts JAX's persistent-cache settings back after
a test that turns the cache on, so the tests after it compile as before; ``cache`` is
one jaxgan cache directory for the session and ``mnist_classifier`` the digit
classifier trained into it once (a few minutes), shared by every test that scores
digits (set ``JAXGAN_CACHE_DIR`` to ``cache`` for subprocesses).
"""

import jax
import pytest
from jax.experimental.compilation_cache import compilation_cache

NUM_TEST_DEVICES = 8

jax.config.update("jax_num_cpu_devices", NUM_TEST_DEVICES)
jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture
def restore_compilation_cache():
    directory = jax.config.jax_compilation_cache_dir
    min_time = jax.config.jax_persistent_cache_min_compile_time_secs
    yield
    jax.config.update("jax_persistent_cache_min_compile_time_secs", min_time)
    compilation_cache.set_cache_dir(directory)
    compilation_cache.reset_cache()


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("jaxgan_cache")


@pytest.fixture(scope="session")
def mnist_classifier(cache):
    from jaxgan.metrics.classifier import DigitClassifier

    return DigitClassifier.load_or_train("mnist_5k", directory=cache)
