"""Specification of the idx reader: Fashion-MNIST offline from Debian's package, and any
folder of the four original idx files."""

import gzip

import keras
import numpy as np
import pytest

import keras_genmodels as kg
from keras_genmodels.datasets import idx

DEBIAN_FOLDER = "/usr/share/datasets/fashion-mnist"  # scripts/test.sh installs the package


def _write_idx(path, array, compress=True):
    header = (0x800 + array.ndim).to_bytes(4, "big") + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape)
    data = header + array.astype(np.uint8).tobytes()
    if compress:
        path = path.with_name(path.name + ".gz")
        with gzip.open(path, "wb") as handle:
            handle.write(data)
    else:
        path.write_bytes(data)
    return path


@pytest.fixture
def idx_folder(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {"train-images-idx3-ubyte": rng.integers(0, 256, (7, 28, 28)),
              "train-labels-idx1-ubyte": rng.integers(0, 10, 7),
              "t10k-images-idx3-ubyte": rng.integers(0, 256, (3, 28, 28)),
              "t10k-labels-idx1-ubyte": rng.integers(0, 10, 3)}
    for i, (stem, array) in enumerate(arrays.items()):
        _write_idx(tmp_path / stem, array, compress=i % 2 == 0)  # gzipped or not, both read
    return tmp_path, [arrays[stem] for stem in idx.IDX_FILES]


def _no_download(monkeypatch):
    def fail():
        raise AssertionError("the online loader must not be called")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", fail)


def test_fashion_mnist_is_read_offline_from_the_debian_package(monkeypatch):
    _no_download(monkeypatch)
    assert idx.system_folder("fashion_mnist") is not None
    (x_train, y_train), (x_test, y_test) = kg.datasets.load("fashion_mnist")
    assert x_train.shape == (60000, 28, 28, 1) and x_test.shape == (10000, 28, 28, 1)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int32
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    np.testing.assert_array_equal(np.bincount(y_train), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(y_test), [1000] * 10)
    # The published order: the first training image is an ankle boot (9), the first test
    # image too, the second test image a pullover (2).
    assert y_train[0] == 9 and list(y_test[:2]) == [9, 2]
    raw = idx.read_idx(f"{DEBIAN_FOLDER}/train-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(np.round(x_train[123, ..., 0] * 255).astype(np.uint8), raw[123])


def test_a_system_folder_is_preferred_to_the_download(monkeypatch, idx_folder):
    folder, arrays = idx_folder
    _no_download(monkeypatch)
    monkeypatch.setattr(idx, "SYSTEM_FOLDERS", {"fashion_mnist": ("/nonexistent", str(folder))})
    (x_train, y_train), (x_test, y_test) = kg.datasets.load("fashion_mnist")
    np.testing.assert_array_equal(x_train[..., 0] * 255, arrays[0])
    np.testing.assert_array_equal(y_test, arrays[3])


def test_a_folder_of_idx_files_as_path(idx_folder):
    folder, arrays = idx_folder
    (x_train, y_train), (x_test, y_test) = kg.datasets.load("mnist", path=folder)
    assert x_train.shape == (7, 28, 28, 1) and x_test.shape == (3, 28, 28, 1)
    np.testing.assert_allclose(x_test[..., 0] * 255, arrays[2], atol=1e-4)
    np.testing.assert_array_equal(y_train, arrays[1])


def test_a_folder_missing_a_file_names_it(idx_folder):
    folder, _ = idx_folder
    next(folder.glob("t10k-labels*")).unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        kg.datasets.load("fashion_mnist", path=folder)


def test_a_file_that_is_not_idx_is_refused(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"PK\x03\x04" + bytes(20))
    with pytest.raises(ValueError, match="magic number.*idx"):
        idx.read_idx(path)


def test_a_truncated_idx_file_is_refused(tmp_path):
    path = _write_idx(tmp_path / "x", np.zeros((4, 28, 28)), compress=False)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match=r"header \(4, 28, 28\) asks for"):
        idx.read_idx(path)
