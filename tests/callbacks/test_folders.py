"""Every callback that takes a folder refuses a bad one when it is built, not in training.

The chief creates the folder and writes a probe file into it (permission bits are no
test: these tests may run as root); a non-chief worker, which never writes there,
creates nothing and only refuses a file standing in the folder's way.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import keras_genmodels as kg
from keras_genmodels.chief import check_log_dir

X = np.random.default_rng(0).uniform(size=(8, 28, 28, 1)).astype("float32")

# name -> (builds the callback with `folder` as the argument `argument`, argument)
CALLBACKS = {
    "SampleGrid": (lambda folder: kg.callbacks.SampleGrid(folder), "log_dir"),
    "SampleGrid png_dir": (lambda folder: kg.callbacks.SampleGrid(_ok(), png_dir=folder),
                           "png_dir"),
    "ReconstructionGrid": (lambda folder: kg.callbacks.ReconstructionGrid(folder, X[:2]),
                           "log_dir"),
    "LatentTraversal": (lambda folder: kg.callbacks.LatentTraversal(folder, x_ref=X),
                        "log_dir"),
    "LatentInterpolation png_dir": (
        lambda folder: kg.callbacks.LatentInterpolation(_ok(), (X[:2], X[2:4]),
                                                        png_dir=folder), "png_dir"),
    "EmbeddingProjector": (lambda folder: kg.callbacks.EmbeddingProjector(folder, X),
                           "log_dir"),
    "TensorBoard": (lambda folder: kg.callbacks.TensorBoard(folder), "log_dir"),
    "BackupAndRestore": (lambda folder: kg.callbacks.BackupAndRestore(folder), "backup_dir"),
}

_GOOD_DIR: list[str] = []


def _ok() -> str:
    """A writable folder for the argument that is not under test."""
    return _GOOD_DIR[0]


@pytest.fixture(autouse=True)
def good_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    _GOOD_DIR[:] = [str(tmp_path / "good")]
    yield
    _GOOD_DIR.clear()


@pytest.fixture
def a_file(tmp_path):
    path = tmp_path / "file.txt"
    path.write_text("not a folder")
    return path


@pytest.mark.parametrize("callback", list(CALLBACKS))
def test_refuses_a_folder_that_cannot_be_created(callback):
    make, argument = CALLBACKS[callback]
    with pytest.raises(ValueError, match=f"`{argument}` '/proc/none/dir' cannot be created"):
        make("/proc/none/dir")


@pytest.mark.parametrize("callback", list(CALLBACKS))
def test_refuses_a_folder_under_a_regular_file(callback, a_file):
    make, argument = CALLBACKS[callback]
    below = a_file / "runs" / "images"
    with pytest.raises(ValueError, match=f"`{argument}` '{below}' cannot be created: "
                                         f"'{a_file}' is a file"):
        make(below)
    with pytest.raises(ValueError, match=f"`{argument}` '{a_file}' exists and is not a folder"):
        make(a_file)


@pytest.mark.parametrize("callback", list(CALLBACKS))
def test_a_normal_folder_is_created_empty(callback, tmp_path):
    make, _ = CALLBACKS[callback]
    folder = tmp_path / "runs" / "new"
    make(folder)
    assert folder.is_dir()
    assert list(folder.iterdir()) == []  # the probe file is gone


def test_refuses_a_folder_it_cannot_write(tmp_path):
    # /proc/self exists but is a virtual file system: creating it "works", writing does
    # not, whatever the permission bits say to root.
    with pytest.raises(ValueError, match="`log_dir` '/proc/self' is not writable"):
        kg.callbacks.SampleGrid("/proc/self")


def test_refuses_what_is_not_a_path():
    with pytest.raises(TypeError, match="`log_dir` must be a path.*got int 42"):
        kg.callbacks.SampleGrid(42)
    with pytest.raises(ValueError, match="`log_dir` must be a non-empty path"):
        kg.callbacks.SampleGrid("")
    with pytest.raises(TypeError, match="`backup_dir` must be a path"):
        kg.callbacks.BackupAndRestore(None)


def test_check_log_dir_returns_the_path(tmp_path):
    assert check_log_dir(str(tmp_path / "a"), "png_dir") == tmp_path / "a"


WORKER_1 = {"cluster": {"worker": ["localhost:1", "localhost:2"]},
            "task": {"type": "worker", "index": 1}}


@pytest.mark.parametrize("callback", list(CALLBACKS))
def test_other_workers_create_nothing_but_refuse_a_file_in_the_way(
        callback, tmp_path, a_file, monkeypatch):
    monkeypatch.setenv("TF_CONFIG", json.dumps(WORKER_1))
    make, argument = CALLBACKS[callback]
    folder = tmp_path / "chief" / "runs"
    make(folder)
    assert not (tmp_path / "chief").exists()
    with pytest.raises(ValueError, match=f"`{argument}` .* cannot be created: .* is a file"):
        make(a_file / "runs")
