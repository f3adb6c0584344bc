"""The filled/outlined shapes: two image domains whose translation is known exactly."""

from __future__ import annotations

import numpy as np
import pytest

import keras_genmodels as kg
from keras_genmodels.datasets import load_filled_outlined, make_filled_outlined


@pytest.fixture(scope="module")
def splits():
    return kg.datasets.load("shapes_filled_outlined", num_train=300, num_test=100)


def test_shapes_dtype_and_range(splits):
    (a_train, b_train), (a_test, b_test) = splits
    assert a_train.shape == b_train.shape == (300, 28, 28, 1)
    assert a_test.shape == b_test.shape == (100, 28, 28, 1)
    for x in (a_train, b_train, a_test, b_test):
        assert x.dtype == np.float32 and x.min() >= 0.0 and x.max() <= 1.0


def test_outline_is_the_filled_shape_minus_its_erosion(splits):
    (a, b), _ = splits
    assert np.all(b <= a + 1e-6)  # the outline is part of the shape
    assert np.all(b[a == 0.0] == 0.0)  # nothing outside the shape
    # deep inside (every pixel within 3 px fully covered) the outline is empty
    full = (a[..., 0] == 1.0)
    inner = full.copy()
    for dy in range(-3, 4):
        for dx in range(-3, 4):
            inner &= np.roll(full, (dy, dx), axis=(1, 2))
    assert inner.any() and np.all(b[..., 0][inner] == 0.0)
    # at the edge (a covered pixel next to a partly covered one) the outline is the shape
    # (all but a few pixels: the ellipse's distance is a first-order estimate off its edge)
    edge = full & (np.roll(a[..., 0], 1, axis=2) < 1.0)
    assert edge.any() and np.mean(b[..., 0][edge] == 1.0) > 0.95
    # every image has both: an outline, and a filled interior the outline lacks
    assert np.all(b.sum(axis=(1, 2, 3)) > 0) and np.all((a - b).sum(axis=(1, 2, 3)) > 0)


def test_same_seed_same_pairs_other_seed_other_pairs():
    a1, b1 = make_filled_outlined(20, seed=3)
    a2, b2 = make_filled_outlined(20, seed=3)
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(b1, b2)
    a3, _ = make_filled_outlined(20, seed=4)
    assert not np.array_equal(a1, a3)


def test_test_split_is_disjoint_from_train(splits):
    (a_train, _), (a_test, _) = splits
    train = {image.tobytes() for image in a_train}
    assert not any(image.tobytes() in train for image in a_test)


def test_options():
    (a, b), (a_test, _) = load_filled_outlined(image_size=32, num_train=8, num_test=4,
                                               stroke_width=1.0)
    assert a.shape == (8, 32, 32, 1) and a_test.shape == (4, 32, 32, 1)
    _, thick = make_filled_outlined(8, image_size=32, stroke_width=3.0)
    assert thick.sum() > b.sum()  # a wider stroke covers more


@pytest.mark.parametrize("kwargs, match", [
    ({"image_size": 8}, "image_size"), ({"stroke_width": 0.0}, "stroke_width"),
    ({"num_train": 0}, "num_train"),
])
def test_bad_options_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kg.datasets.load("shapes_filled_outlined", **kwargs)


def test_path_is_refused():
    with pytest.raises(ValueError, match="path"):
        kg.datasets.load("shapes_filled_outlined", path="x.npz")
