"""Specification of `load("mnist10k")`: 10,000 real MNIST digits shipped in the package."""

from __future__ import annotations

import hashlib
import socket

import keras
import numpy as np
import pytest

from keras_genmodels.datasets import load, load_image_dataset, packaged_path

# Class counts of the stored split (see keras_genmodels/datasets/images.py).
TRAIN_COUNTS = [806, 895, 802, 833, 778, 710, 800, 850, 743, 783]
TEST_COUNTS = [195, 232, 189, 199, 202, 153, 214, 220, 201, 195]


@pytest.fixture(scope="module")
def digits():
    return load("mnist10k")


def test_loads_offline_without_a_path(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("mnist10k must not touch the network")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", no_network)
    (x_train, _), (x_test, _) = load("mnist10k")
    assert len(x_train) == 8000 and len(x_test) == 2000


def test_shapes_dtypes_and_range(digits):
    (x_train, y_train), (x_test, y_test) = digits
    assert x_train.shape == (8000, 28, 28, 1) and x_test.shape == (2000, 28, 28, 1)
    assert x_train.dtype == np.float32 and x_test.dtype == np.float32
    assert y_train.shape == (8000,) and y_test.shape == (2000,)
    assert y_train.dtype == np.int32 and y_test.dtype == np.int32
    for x in (x_train, x_test):
        assert x.min() == 0.0 and x.max() == 1.0
        # 8-bit pixels divided by 255, not rescaled or blurred
        np.testing.assert_allclose(x * 255, np.round(x * 255), atol=1e-4)


def test_real_digits_in_every_class(digits):
    (x_train, y_train), (x_test, y_test) = digits
    assert np.bincount(y_train, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test, minlength=10).tolist() == TEST_COUNTS
    # handwriting, not noise: mostly background with a stroke covering ~10-25% of pixels
    ink = (x_train > 0.5).mean(axis=(1, 2, 3))
    assert 0.08 < ink.mean() < 0.25 and (x_train == 0).mean() > 0.7
    # ones are thinner than zeros or eights, whatever the writer
    mean_ink = [ink[y_train == digit].mean() for digit in range(10)]
    assert np.argmin(mean_ink) == 1 and mean_ink[0] > 1.5 * mean_ink[1]


def test_no_image_appears_twice(digits):
    (x_train, _), (x_test, _) = digits
    everything = np.concatenate([x_train, x_test])
    hashes = {hashlib.sha1(image.tobytes()).hexdigest() for image in everything}
    assert len(hashes) == 10000


def test_same_as_reading_the_file_as_mnist(digits):
    path = packaged_path("mnist10k")
    assert path.name == "mnist10k.npz" and path.is_file()
    (x_train, y_train), (x_test, y_test) = load_image_dataset("mnist", path=path)
    np.testing.assert_array_equal(x_train, digits[0][0])
    np.testing.assert_array_equal(y_test, digits[1][1])


def test_refuses_a_path_and_options():
    with pytest.raises(ValueError, match=r"`path`.*'mnist10k'.*got path='mine.npz'.*"
                                         r"load\('mnist', path=\.\.\.\)"):
        load("mnist10k", path="mine.npz")
    with pytest.raises(TypeError, match=r"load\('mnist10k'\) takes no options.*num_train"):
        load("mnist10k", num_train=10)
    with pytest.raises(ValueError, match="Unknown `name` 'mnist100k'.*mnist10k"):
        packaged_path("mnist100k")
