"""Specification of the image datasets: Keras loaders and local `.npz` files."""

import keras
import numpy as np
import pytest

from keras_genmodels.datasets import idx, load_image_dataset, packaged_path

MNIST10K = packaged_path("mnist10k")  # the real digits shipped in the package


def _fake_arrays(num, image_shape, label_shape=()):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(num, *image_shape), dtype=np.uint8)
    x[0].flat[0], x[0].flat[1] = 0, 255
    y = rng.integers(0, 10, size=(num, *label_shape), dtype=np.uint8)
    return x, y


def _write_npz(path, **arrays):
    np.savez(path, **arrays)
    return path


@pytest.fixture
def fake_mnist_npz(tmp_path):
    x_train, y_train = _fake_arrays(12, (28, 28))
    x_test, y_test = _fake_arrays(4, (28, 28))
    return _write_npz(
        tmp_path / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test
    )


@pytest.mark.parametrize(
    "name, stored_shape, label_shape, shape",
    [
        ("mnist", (28, 28), (), (28, 28, 1)),
        ("fashion_mnist", (28, 28), (), (28, 28, 1)),
        ("cifar10", (32, 32, 3), (1,), (32, 32, 3)),
    ],
)
def test_without_path_calls_the_keras_loader(monkeypatch, name, stored_shape, label_shape, shape):
    monkeypatch.setattr(idx, "SYSTEM_FOLDERS", {})  # as on a machine without Debian's files
    train = _fake_arrays(6, stored_shape, label_shape)
    test = _fake_arrays(3, stored_shape, label_shape)
    calls = []

    def fake_load_data():
        calls.append(name)
        return train, test

    monkeypatch.setattr(getattr(keras.datasets, name), "load_data", fake_load_data)
    (x_train, y_train), (x_test, y_test) = load_image_dataset(name)
    assert calls == [name]
    assert x_train.shape == (6, *shape) and x_test.shape == (3, *shape)
    assert x_train.dtype == np.float32 and x_test.dtype == np.float32
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    np.testing.assert_allclose(x_train.reshape(train[0].shape) * 255.0, train[0], atol=1e-4)
    assert y_train.shape == (6,) and y_train.dtype == np.int32
    np.testing.assert_array_equal(y_test, test[1].reshape(-1))


def test_local_npz_is_converted(fake_mnist_npz):
    (x_train, y_train), (x_test, y_test) = load_image_dataset("mnist", path=fake_mnist_npz)
    assert x_train.shape == (12, 28, 28, 1) and x_test.shape == (4, 28, 28, 1)
    assert x_train.dtype == np.float32 and 0.0 <= x_train.min() and x_train.max() <= 1.0
    assert y_train.dtype == np.int32 and y_test.shape == (4,)


def test_local_npz_accepts_a_string_path(fake_mnist_npz):
    (x_train, _), _ = load_image_dataset("fashion_mnist", path=str(fake_mnist_npz))
    assert x_train.shape == (12, 28, 28, 1)


def test_local_npz_never_calls_keras(monkeypatch, fake_mnist_npz):
    def fail():
        raise AssertionError("the online loader must not be called when `path` is given")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", fail)
    load_image_dataset("mnist", path=fake_mnist_npz)


def test_real_mnist10k_file():
    (x_train, y_train), (x_test, y_test) = load_image_dataset("mnist", path=MNIST10K)
    assert x_train.shape == (8000, 28, 28, 1) and x_test.shape == (2000, 28, 28, 1)
    assert x_train.dtype == np.float32 and x_test.dtype == np.float32
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert y_train.shape == (8000,) and y_test.shape == (2000,)
    assert y_train.dtype == np.int32
    assert set(y_train.tolist()) == set(range(10))


def test_missing_file_names_path(tmp_path):
    missing = tmp_path / "nowhere.npz"
    with pytest.raises(FileNotFoundError, match="`path`") as info:
        load_image_dataset("mnist", path=missing)
    assert "nowhere.npz" in str(info.value) and "x_train" in str(info.value)


def test_an_empty_directory_names_the_idx_files_it_needs(tmp_path):
    with pytest.raises(FileNotFoundError, match="has no train-images-idx3-ubyte.gz"):
        load_image_dataset("mnist", path=tmp_path)


def test_file_that_is_not_an_npz(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_text("definitely not a zip archive")
    with pytest.raises(ValueError, match="`path`.*npz"):
        load_image_dataset("mnist", path=path)


def test_single_npy_array_is_rejected(tmp_path):
    path = tmp_path / "mnist.npy"
    np.save(path, np.zeros((3, 28, 28), np.uint8))
    with pytest.raises(ValueError, match=r"`path`.*single array of shape \(3, 28, 28\)"):
        load_image_dataset("mnist", path=path)


def test_missing_keys_are_listed(tmp_path):
    x, y = _fake_arrays(5, (28, 28))
    path = _write_npz(tmp_path / "partial.npz", x_train=x, y_train=y, images=x)
    with pytest.raises(ValueError, match="`path`") as info:
        load_image_dataset("mnist", path=path)
    message = str(info.value)
    assert "x_test" in message and "y_test" in message  # what is missing
    assert "images" in message  # what was found


@pytest.mark.parametrize(
    "x_shape, name",
    [
        ((5, 28), "mnist"),
        ((5, 28, 28, 3), "mnist"),
        ((5, 32, 32), "cifar10"),
        ((5, 14, 14), "mnist"),
    ],
)
def test_wrong_image_shapes_are_explained(tmp_path, x_shape, name):
    x = np.zeros(x_shape, np.uint8)
    y = np.zeros((x_shape[0],), np.uint8)
    path = _write_npz(tmp_path / "bad.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    with pytest.raises(ValueError, match="`path`") as info:
        load_image_dataset(name, path=path)
    assert str(x_shape) in str(info.value) and "must have shape" in str(info.value)


def test_labels_must_match_images(tmp_path):
    x, y = _fake_arrays(5, (28, 28))
    path = _write_npz(tmp_path / "bad.npz", x_train=x, y_train=y[:3], x_test=x, y_test=y)
    with pytest.raises(ValueError, match="`path`.*y_train.*\\(3,\\)"):
        load_image_dataset("mnist", path=path)


def test_float_images_are_rejected(tmp_path):
    x, y = _fake_arrays(5, (28, 28))
    x = x.astype(np.float32)
    path = _write_npz(tmp_path / "bad.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    with pytest.raises(ValueError, match="`path`.*uint8"):
        load_image_dataset("mnist", path=path)


def test_pickled_arrays_are_refused(tmp_path):
    x, y = _fake_arrays(5, (28, 28))
    objects = np.array([object()] * 5, dtype=object)
    path = _write_npz(tmp_path / "bad.npz", x_train=x, y_train=objects, x_test=x, y_test=y)
    with pytest.raises(ValueError, match="`path`.*pickle"):
        load_image_dataset("mnist", path=path)


def test_unknown_name():
    with pytest.raises(ValueError, match="cifar10, fashion_mnist, mnist"):
        load_image_dataset("cifar100")


@pytest.mark.parametrize("name, advice", [
    ("mnist", "kg.datasets.load('mnist10k')"),
    ("fashion_mnist", "apt-get install dataset-fashion-mnist"),
    ("cifar10", "pass path= to a local .npz"),
])
def test_offline_the_online_loaders_say_what_to_do(monkeypatch, tmp_path, name, advice):
    import socket

    def no_network(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    # the network cut below Keras' real get_file, with an empty Keras cache
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    from keras.src.backend import config

    monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path))  # read once, at import
    monkeypatch.setattr(idx, "SYSTEM_FOLDERS", {})
    with pytest.raises(ConnectionError) as raised:
        load_image_dataset(name)
    message = str(raised.value)
    assert f"kg.datasets.load({name!r}) could not download" in message
    assert advice in message and str(tmp_path / "datasets") in message
    assert raised.value.__cause__ is None  # no 40 lines of Keras' traceback under it


def test_other_loader_errors_are_not_called_offline(monkeypatch):
    monkeypatch.setattr(idx, "SYSTEM_FOLDERS", {})

    def broken():
        raise ValueError("a corrupt archive")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", broken)
    with pytest.raises(ValueError, match="a corrupt archive"):
        load_image_dataset("mnist")
