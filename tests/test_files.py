"""Tests for jaxgan.files: directory checks before a run writes anything."""

import pytest

from jaxgan.files import writable_directory


def test_missing_directories_are_created(tmp_path):
    path = writable_directory(tmp_path / "a" / "b", label="--workdir=a/b")
    assert path == tmp_path / "a" / "b" and path.is_dir()
    assert list(path.iterdir()) == []  # the write probe is gone


def test_home_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert writable_directory("~/runs", label="runs") == tmp_path / "runs"


def test_a_file_is_refused_and_left_alone(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("precious")
    with pytest.raises(ValueError, match=r"^--workdir=notes is a file, not a directory"):
        writable_directory(target, label="--workdir=notes")
    assert target.read_text() == "precious"


def test_an_unwritable_place_is_refused():
    with pytest.raises(ValueError, match=r"^the cache cannot be written \(.+\); choose"):
        writable_directory("/proc/jaxgan_test_dir", label="the cache")
