"""impute: a VAE fills hidden pixels better than the mean image, and keeps the rest."""

from __future__ import annotations

import numpy as np
import pytest

from keras_genmodels.applications import impute
from keras_genmodels.applications.imputation import METHODS


@pytest.fixture(scope="module")
def vae(vae_trainer, digits):
    (x_train, _), _ = digits
    return vae_trainer(x_train, epochs=5, latent_dim=16)


@pytest.fixture(scope="module")
def data(digits):
    (x_train, _), (x_test, _) = digits
    return x_test[:100], x_train.mean(axis=0)


def hidden_mse(completed, x, observed):
    return float(np.mean(np.square(completed - x)[~observed]))


@pytest.mark.parametrize("method", METHODS)
def test_random_missing_pixels_beat_the_mean_image(vae, data, method):
    x, mean_image = data
    mask = np.random.default_rng(0).random(x.shape) < 0.5
    completed = impute(vae, x, mask, method=method, num_iterations=10)
    assert completed.shape == x.shape and completed.dtype == np.float32
    np.testing.assert_array_equal(completed[mask], x[mask])  # observed entries, exactly
    baseline = hidden_mse(np.broadcast_to(mean_image, x.shape), x, mask)
    assert hidden_mse(completed, x, mask) < 0.8 * baseline
    assert completed.min() >= 0.0 and completed.max() <= 1.0


def test_hidden_bottom_half_beats_the_mean_image(vae, data):
    x, mean_image = data
    mask = np.ones((28, 28, 1), bool)
    mask[14:] = False  # one mask broadcast over every example
    observed = np.broadcast_to(mask, x.shape)
    completed = impute(vae, x, mask, method="importance", num_iterations=8, num_samples=64)
    np.testing.assert_array_equal(completed[observed], x[observed])
    baseline = hidden_mse(np.broadcast_to(mean_image, x.shape), x, observed)
    assert hidden_mse(completed, x, observed) < baseline


@pytest.mark.parametrize("method", METHODS)
def test_multiple_imputation_gives_distinct_draws(vae, data, method):
    x = data[0][:10]
    mask = np.random.default_rng(1).random(x.shape) < 0.3
    draws = impute(vae, x, mask, method=method, num_draws=3, num_iterations=4)
    assert draws.shape == (3, *x.shape)
    for draw in draws:
        np.testing.assert_array_equal(draw[mask], x[mask])
    assert not np.array_equal(draws[0], draws[1])
    again = impute(vae, x, mask, method=method, num_draws=3, num_iterations=4)
    np.testing.assert_array_equal(draws, again)  # same seed, same draws


def test_missing_entries_may_hold_nan(vae, data):
    x = data[0][:8].copy()
    mask = np.random.default_rng(2).random(x.shape) < 0.5
    x_nan = np.where(mask, x, np.nan).astype(np.float32)
    completed = impute(vae, x_nan, mask, num_iterations=4)
    assert np.all(np.isfinite(completed))
    np.testing.assert_array_equal(completed, impute(vae, x, mask, num_iterations=4))


@pytest.mark.parametrize("mask, error, match", [
    (np.ones((8, 28, 28, 2)), ValueError, "does not broadcast"),
    (np.ones((28, 1)) * 0.5, ValueError, "only 0 .missing. and 1"),
    (np.zeros((28, 28, 1)), ValueError, "every entry as missing"),
    ("bottom", TypeError, "array of 0s and 1s"),
])
def test_bad_masks_get_clear_errors(vae, data, mask, error, match):
    with pytest.raises(error, match=match):
        impute(vae, data[0][:4], mask)


def test_bad_arguments_get_clear_errors(vae, data):
    x = data[0][:4]
    with pytest.raises(ValueError, match="Unknown `method` 'gibbs'"):
        impute(vae, x, np.ones((28, 28, 1)), method="gibbs")
    with pytest.raises(ValueError, match="num_draws"):
        impute(vae, x, np.ones((28, 28, 1)), num_draws=0)
    with pytest.raises(TypeError, match="VAE"):
        impute(object(), x, np.ones((28, 28, 1)))
