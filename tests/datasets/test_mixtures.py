"""Specification of the 2-D Gaussian mixture datasets."""

import numpy as np
import pytest

from keras_genmodels.datasets import (
    grid_centers,
    make_grid,
    make_grid_mixture,
    make_ring,
    mode_centers,
    ring_centers,
)
from keras_genmodels.datasets.mixtures import load_mixture


def test_ring_centers_lie_on_the_circle():
    centers = ring_centers(8, radius=2.0)
    assert centers.shape == (8, 2) and centers.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(centers, axis=1), 2.0, rtol=1e-6)
    np.testing.assert_allclose(centers[0], [2.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(centers[2], [0.0, 2.0], atol=1e-6)
    # Evenly spaced: all neighbours at the same distance.
    gaps = np.linalg.norm(centers - np.roll(centers, 1, axis=0), axis=1)
    np.testing.assert_allclose(gaps, gaps[0], rtol=1e-5)


def test_grid_centers_match_the_pacgan_setting():
    centers = grid_centers(5, spacing=2.0)
    assert centers.shape == (25, 2) and centers.dtype == np.float32
    assert sorted(set(centers[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert sorted(set(centers[:, 1].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert len({tuple(c) for c in centers.tolist()}) == 25


def test_make_ring_samples_lie_near_their_centres():
    x, y = make_ring(4000, seed=0)
    assert x.shape == (4000, 2) and x.dtype == np.float32
    assert y.shape == (4000,) and y.dtype == np.int32
    assert set(y.tolist()) == set(range(8))
    distances = np.linalg.norm(x - ring_centers()[y], axis=1)
    # |eps| of a 2-D Gaussian with std 0.02 exceeds 6 std with probability ~1e-8.
    assert distances.max() < 6 * 0.02
    # Spread matches std 0.02 per axis: E|eps|^2 = 2 std^2.
    np.testing.assert_allclose(np.mean(distances**2), 2 * 0.02**2, rtol=0.1)
    # Every point's nearest centre is its own mode.
    nearest = np.argmin(np.linalg.norm(x[:, None] - ring_centers()[None], axis=2), axis=1)
    np.testing.assert_array_equal(nearest, y)


def test_make_grid_mixture_samples_lie_near_their_centres():
    x, y = make_grid_mixture(5000, seed=0)
    assert x.shape == (5000, 2) and y.dtype == np.int32
    assert set(y.tolist()) == set(range(25))
    distances = np.linalg.norm(x - grid_centers()[y], axis=1)
    assert distances.max() < 6 * 0.05
    np.testing.assert_allclose(np.mean(distances**2), 2 * 0.05**2, rtol=0.1)


def test_modes_are_roughly_equally_weighted():
    _, y = make_grid_mixture(25000, seed=1)
    counts = np.bincount(y, minlength=25)
    assert counts.min() > 800 and counts.max() < 1200


def test_custom_ring_settings():
    x, y = make_ring(500, num_modes=3, radius=5.0, std=0.0, seed=0)
    np.testing.assert_allclose(x, ring_centers(3, 5.0)[y])


def test_determinism_and_seeds():
    np.testing.assert_array_equal(make_ring(100, seed=3)[0], make_ring(100, seed=3)[0])
    assert not np.array_equal(make_ring(100, seed=3)[0], make_ring(100, seed=4)[0])


def test_mode_centers():
    centers, std = mode_centers("ring8")
    np.testing.assert_array_equal(centers, ring_centers(8, 2.0))
    assert std == 0.02
    centers, std = mode_centers("grid25")
    np.testing.assert_array_equal(centers, grid_centers(5, 2.0))
    assert std == 0.05


def test_mode_centers_rejects_unknown_names():
    with pytest.raises(ValueError, match="grid25.*ring8"):
        mode_centers("ring9")


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda: make_ring(0), "num_samples"),
        (lambda: make_ring(10, num_modes=0), "num_modes"),
        (lambda: make_ring(10, std=-1.0), "std"),
        (lambda: make_grid_mixture(10, grid_size=0), "grid_size"),
        (lambda: make_grid_mixture(10, spacing=-2.0), "spacing"),
    ],
)
def test_invalid_arguments_are_named(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


def test_load_mixture_splits():
    (x_train, y_train), (x_test, y_test) = load_mixture("grid25", num_train=300, num_test=50)
    assert x_train.shape == (300, 2) and x_test.shape == (50, 2)
    assert y_train.dtype == np.int32 and y_test.shape == (50,)
    np.testing.assert_array_equal(x_train, make_grid_mixture(300, seed=0)[0])
    assert not np.array_equal(x_test, make_grid_mixture(50, seed=0)[0])


def test_make_grid_is_a_deprecated_alias_of_make_grid_mixture():
    with pytest.warns(DeprecationWarning, match="use `make_grid_mixture`"):
        x, y = make_grid(300, grid_size=3, seed=2)
    x_new, y_new = make_grid_mixture(300, grid_size=3, seed=2)
    np.testing.assert_array_equal(x, x_new)
    np.testing.assert_array_equal(y, y_new)
