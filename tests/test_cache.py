"""Tests for jaxgan.cache: the cache root and the persistent compilation cache."""

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan.cache import cache_dir, enable_compilation_cache


@pytest.fixture
def cache_events():
    events = []

    def listener(event, **kwargs):
        if event.startswith("/jax/compilation_cache/"):
            events.append(event.rsplit("/", 1)[-1])

    jax.monitoring.register_event_listener(listener)
    yield events
    jax.monitoring.unregister_event_listener(listener)


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("JAXGAN_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("JAXGAN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "jaxgan"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == type(tmp_path)(os.path.expanduser("~/.cache/jaxgan"))


def test_compiled_programs_are_written_and_read_back(
    tmp_path, restore_compilation_cache, cache_events
):
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    # A cache already in use elsewhere: the new directory must take over from it.
    enable_compilation_cache(tmp_path / "earlier")
    jax.jit(lambda x: x * 3.0)(1.0)
    directory = enable_compilation_cache(tmp_path / "xla")
    assert directory == str(tmp_path / "xla")
    assert jax.config.jax_compilation_cache_dir == directory

    def program(x):
        return jnp.tanh(x @ x.T).sum(axis=1) * 0.5 + 7.25

    x = jnp.asarray(np.arange(12.0, dtype=np.float32).reshape(3, 4) / 10)
    first = jax.jit(program)(x)
    entries = sorted(os.listdir(directory))
    assert any(name.startswith("jit_program") for name in entries), entries
    assert not any("program" in name for name in os.listdir(tmp_path / "earlier"))
    assert "cache_misses" in cache_events and "cache_hits" not in cache_events

    jax.clear_caches()  # forget the in-memory executable: the next call reads the file
    cache_events.clear()
    second = jax.jit(program)(x)
    assert "cache_hits" in cache_events
    np.testing.assert_array_equal(np.asarray(first), np.asarray(second))
    expected = np.tanh(np.asarray(x) @ np.asarray(x).T).sum(axis=1) * 0.5 + 7.25
    np.testing.assert_allclose(np.asarray(second), expected, rtol=1e-6)


def test_default_directory_is_under_the_cache_root(
    tmp_path, monkeypatch, restore_compilation_cache
):
    monkeypatch.setenv("JAXGAN_CACHE_DIR", str(tmp_path / "root"))
    assert enable_compilation_cache() == str(tmp_path / "root" / "xla")
    assert (tmp_path / "root" / "xla").is_dir()


def test_a_file_is_refused_and_left_alone(tmp_path, restore_compilation_cache):
    target = tmp_path / "notes.txt"
    target.write_text("precious")
    with pytest.raises(ValueError, match=r"directory .*notes.txt is a file, not a directory"):
        enable_compilation_cache(target)
    assert target.read_text() == "precious"
    assert jax.config.jax_compilation_cache_dir != str(target)


def test_an_unwritable_directory_is_refused(restore_compilation_cache):
    with pytest.raises(ValueError, match=r"/proc/jaxgan_xla cannot be written"):
        enable_compilation_cache("/proc/jaxgan_xla")
