"""Specification of the importance-weighted NLL (IWAE bound)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import keras_genmodels as kg


@pytest.fixture(scope="module")
def test_digits(mnist):
    _, (x_test, _) = mnist
    return x_test[:200]


def test_bound_tightens_with_more_samples(trained_vae, test_digits):
    nll = {k: kg.metrics.importance_weighted_nll(trained_vae, test_digits, num_samples=k,
                                                  batch_size=50)["nll"]
           for k in (1, 16, 128)}
    assert nll[16] < nll[1] - 0.5
    assert nll[128] < nll[16] + 0.2  # monotone up to Monte Carlo noise
    assert nll[128] > 0.0


def test_single_sample_bound_is_the_negative_elbo(trained_vae, test_digits):
    metrics = trained_vae.evaluate(test_digits, batch_size=50, verbose=0, return_dict=True)
    neg_elbo = -metrics["elbo"]
    result = kg.metrics.importance_weighted_nll(trained_vae, test_digits, num_samples=1)
    # both are one-sample estimates of the same quantity
    assert result["nll"] == pytest.approx(neg_elbo, rel=0.02)
    iwae = kg.metrics.importance_weighted_nll(trained_vae, test_digits, num_samples=64)
    assert iwae["nll"] <= neg_elbo + 0.5  # never above the -ELBO beyond noise


def test_result_units_and_determinism(trained_vae, test_digits):
    result = kg.metrics.importance_weighted_nll(trained_vae, test_digits[:30], num_samples=8,
                                                batch_size=7, max_decoded=21, seed=3)
    assert result["per_example"].shape == (30,)
    assert result["nll"] == pytest.approx(result["per_example"].mean())
    assert result["bits_per_dim"] == pytest.approx(result["nll"] / (784 * math.log(2)))
    again = kg.metrics.importance_weighted_nll(trained_vae, test_digits[:30], num_samples=8,
                                               batch_size=7, max_decoded=21, seed=3)
    np.testing.assert_array_equal(result["per_example"], again["per_example"])


def test_bad_arguments(trained_vae, test_digits):
    with pytest.raises(ValueError, match="num_samples"):
        kg.metrics.importance_weighted_nll(trained_vae, test_digits, num_samples=0)
    with pytest.raises(TypeError, match="model"):
        kg.metrics.importance_weighted_nll(object(), test_digits)
    with pytest.raises(ValueError, match="uint8"):
        kg.metrics.importance_weighted_nll(trained_vae, (test_digits * 255).astype("uint8"))
