"""Sliced Wasserstein distance: 0 for a set against itself, exact W1 in one dimension."""

import math

import numpy as np
import pytest
import scipy.stats

from keras_genmodels.metrics.sliced_wasserstein import sliced_wasserstein

X = np.random.default_rng(0).normal(size=(1000, 8))


def test_a_set_against_itself_is_zero():
    assert sliced_wasserstein(X, X) == 0.0
    assert sliced_wasserstein(X, X[::-1]) == pytest.approx(0.0, abs=1e-12)  # order is ignored


def test_one_dimension_is_the_exact_w1_distance():
    # sets are read as float32 (`collect`), hence the 1e-6 tolerances
    x = X[:, :1]
    assert sliced_wasserstein(x, x + 0.5, num_projections=3) == pytest.approx(0.5, rel=1e-6)
    y = np.random.default_rng(1).exponential(size=(1000, 1))
    expected = scipy.stats.wasserstein_distance(x[:, 0], y[:, 0])
    assert sliced_wasserstein(x, y, num_projections=1) == pytest.approx(expected, rel=1e-6)


def test_a_shift_gives_its_norm_times_the_mean_projection():
    delta = np.array([1.0, -2.0, 0.0, 0.5, 0.0, 0.0, 1.0, 0.0])
    d = len(delta)
    mean_abs_projection = math.gamma(d / 2) / (math.sqrt(math.pi) * math.gamma((d + 1) / 2))
    expected = np.linalg.norm(delta) * mean_abs_projection
    got = sliced_wasserstein(X, X + delta, num_projections=4000)
    assert got == pytest.approx(expected, rel=0.03)


def test_grows_with_the_shift():
    values = [sliced_wasserstein(X, X + shift, seed=1) for shift in (0.0, 0.1, 0.5, 2.0)]
    assert values[0] == 0.0 and values == sorted(values) and values[3] > 10 * values[1]


def test_unequal_sets_are_subsampled_reproducibly():
    y = np.random.default_rng(2).normal(size=(300, 8))
    first = sliced_wasserstein(X, y, seed=5)
    assert first == sliced_wasserstein(X, y, seed=5) == sliced_wasserstein(y, X, seed=5)
    assert first < 0.15  # one distribution: only sampling noise
    assert sliced_wasserstein(X, y + 1.0, seed=5) > 5 * first


def test_images_are_flattened():
    images = np.random.default_rng(3).uniform(size=(50, 4, 4, 1)).astype("float32")
    assert sliced_wasserstein(images, images.reshape(50, 16), seed=0) == 0.0


def test_bad_inputs_raise_errors_naming_the_argument():
    with pytest.raises(ValueError, match="`num_projections` must be an integer >= 1"):
        sliced_wasserstein(X, X, num_projections=0)
    with pytest.raises(ValueError, match="`real` has 8 features per example but `generated` "
                                         "has 2"):
        sliced_wasserstein(X, X[:, :2])
    with pytest.raises(ValueError, match="`real` contains 1 NaN"):
        sliced_wasserstein(np.vstack([X, [[np.nan] + [0.0] * 7]]), X)
