"""Specification of the `load` registry."""

import keras
import numpy as np
import pytest

from keras_genmodels import datasets
from keras_genmodels.datasets import FACTOR_NAMES, available, load, packaged_path

MNIST10K = packaged_path("mnist10k")  # the real digits shipped in the package


def test_available_lists_every_dataset():
    assert available() == ["cifar10", "fashion_mnist", "grid25", "mnist", "mnist10k", "ring8",
                           "shapes", "shapes_filled_outlined"]


def test_unknown_name_lists_the_valid_names():
    with pytest.raises(ValueError, match="name") as info:
        load("celeba")
    for name in available():
        assert name in str(info.value)


def test_shapes_defaults():
    (x_train, y_train), (x_test, y_test) = load("shapes")
    assert x_train.shape == (8000, 32, 32, 1) and x_test.shape == (2000, 32, 32, 1)
    assert x_train.dtype == np.float32 and 0.0 <= x_train.min() and x_train.max() <= 1.0
    assert y_train.shape == (8000,) and y_train.dtype == np.int32
    assert set(y_test.tolist()) == {0, 1, 2, 3}


def test_shapes_options():
    (x_train, f_train), (x_test, f_test) = load(
        "shapes", image_size=64, num_train=20, num_test=10, seed=4, with_factors=True
    )
    assert x_train.shape == (20, 64, 64, 1) and x_test.shape == (10, 64, 64, 1)
    assert set(f_train) == set(FACTOR_NAMES) and f_test["scale"].shape == (10,)
    with pytest.raises(ValueError, match="image_size"):
        load("shapes", image_size=48)


def test_shapes_is_deterministic_per_seed():
    (a, _), _ = load("shapes", num_train=50, num_test=10, seed=9)
    (b, _), _ = load("shapes", num_train=50, num_test=10, seed=9)
    (c, _), _ = load("shapes", num_train=50, num_test=10, seed=10)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("name, num_modes", [("ring8", 8), ("grid25", 25)])
def test_mixtures(name, num_modes):
    (x_train, y_train), (x_test, y_test) = load(name)
    assert x_train.shape == (10000, 2) and x_test.shape == (2000, 2)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int32
    assert set(y_train.tolist()) == set(range(num_modes))
    centers, std = datasets.mode_centers(name)
    assert np.linalg.norm(x_test - centers[y_test], axis=1).max() < 6 * std
    assert np.abs(x_train).max() > 1.0  # vectors, not images in [0, 1]


def test_mixture_options():
    (x_train, _), (x_test, _) = load("ring8", num_train=100, num_test=30, seed=2)
    assert x_train.shape == (100, 2) and x_test.shape == (30, 2)


def test_embedded_datasets_refuse_a_path(tmp_path):
    with pytest.raises(ValueError, match="`path`"):
        load("shapes", path=tmp_path / "shapes.npz")


def test_unknown_options_are_refused():
    with pytest.raises(TypeError, match="image_size"):
        load("ring8", image_size=32)
    with pytest.raises(TypeError, match="num_train"):
        load("mnist", num_train=10)


def test_mnist_goes_through_keras_when_no_path(monkeypatch):
    x = np.full((4, 28, 28), 255, np.uint8)
    y = np.arange(4, dtype=np.uint8)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: ((x, y), (x[:2], y[:2])))
    (x_train, y_train), (x_test, _) = load("mnist")
    assert x_train.shape == (4, 28, 28, 1) and x_test.shape == (2, 28, 28, 1)
    assert x_train.dtype == np.float32 and x_train.max() == 1.0
    np.testing.assert_array_equal(y_train, np.arange(4))


def test_mnist_from_a_local_file():
    (x_train, y_train), (x_test, y_test) = load("mnist", path=MNIST10K)
    assert x_train.shape == (8000, 28, 28, 1) and x_test.shape == (2000, 28, 28, 1)
    assert x_train.dtype == np.float32 and x_train.min() >= 0.0 and x_train.max() <= 1.0
    assert y_test.shape == (2000,) and y_test.dtype == np.int32


def test_malformed_file_through_load(tmp_path):
    path = tmp_path / "broken.npz"
    np.savez(path, x_train=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="`path`.*broken.npz"):
        load("fashion_mnist", path=path)
