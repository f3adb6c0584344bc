"""Specification of the importance-weighted NLL (IWAE bound).

The bound is checked against exact answers on a linear-Gaussian VAE: a standard-normal
prior `p(z) = N(0, I)`, a linear decoder `p(x | z) = N(W z + b, sigma^2 I)` and a linear
encoder, for which

    log p(x) = log N(x; b, W W^T + sigma^2 I),

the posterior is Gaussian, `p(z | x) = N(S W^T (x - b) / sigma^2, S)` with
`S = (I + W^T W / sigma^2)^-1` (diagonal when the columns of `W` are orthogonal), and the
ELBO of any Gaussian `q(z | x) = N(m, diag(s^2))` has the closed form

    ELBO = log N(x; W m + b, sigma^2 I) - |W s|^2 / (2 sigma^2) - KL(q || p).
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

import keras_genmodels as kg

# Columns of W are orthogonal, so the exact posterior has a diagonal covariance.
W = np.array([[1.0, 0.5], [1.0, -0.5], [0.0, 1.0], [-1.0, 0.0]], np.float32)
B = np.array([0.5, -1.0, 0.0, 2.0], np.float32)
SIGMA = 0.5
DATA_DIM, LATENT = W.shape
POSTERIOR_COV = np.linalg.inv(np.eye(LATENT) + W.T @ W / SIGMA**2)


def _inverse_softplus(y: np.ndarray) -> np.ndarray:
    return np.log(np.expm1(y))


def _dense(kernel: np.ndarray, bias: np.ndarray, name: str) -> keras.Model:
    model = keras.Sequential([keras.Input((kernel.shape[0],)), keras.layers.Dense(
        kernel.shape[1], name="dense")], name=name)
    model.get_layer("dense").set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
    return model


def linear_gaussian_vae(mean_shift: float = 0.0, scale_factor: float = 1.0) -> kg.VAE:
    """The linear-Gaussian VAE; with the default arguments its encoder is the exact
    posterior, otherwise its mean is off by `mean_shift` and its scale `scale_factor`
    times too large."""
    mean_map = W @ POSTERIOR_COV / SIGMA**2  # (data, latent): x -> posterior mean
    posterior_std = np.sqrt(np.diag(POSTERIOR_COV)) * scale_factor
    encoder_kernel = np.concatenate([mean_map, np.zeros((DATA_DIM, LATENT))], axis=1)
    encoder_bias = np.concatenate([-B @ mean_map + mean_shift,
                                   _inverse_softplus(posterior_std - 1e-4)])
    return kg.VAE(LATENT, encoder=_dense(encoder_kernel, encoder_bias, "encoder"),
                  decoder=_dense(W.T, B, "decoder"), likelihood="gaussian",
                  likelihood_scale=SIGMA, seed=0, data_shape=(DATA_DIM,))


def exact_log_likelihood(x: np.ndarray) -> np.ndarray:
    """`log N(x; b, W W^T + sigma^2 I)` per example, in float64."""
    cov = W.astype(np.float64) @ W.T + SIGMA**2 * np.eye(DATA_DIM)
    centred = x.astype(np.float64) - B
    mahalanobis = np.einsum("nd,nd->n", centred @ np.linalg.inv(cov), centred)
    return -0.5 * (mahalanobis + np.linalg.slogdet(cov)[1] + DATA_DIM * math.log(2 * math.pi))


def exact_elbo(model: kg.VAE, x: np.ndarray) -> np.ndarray:
    """The closed-form ELBO of the model's (Gaussian) encoder, per example, in float64."""
    posterior = model.encode(x)
    m = np.asarray(posterior.mean(), np.float64)
    s = np.asarray(posterior.stddev(), np.float64)
    residual = x - (m @ W.T + B)
    expected_log_lik = (-0.5 * DATA_DIM * math.log(2 * math.pi * SIGMA**2)
                        - (np.sum(residual**2, axis=1) + np.sum((s**2) @ (W**2).T, axis=1))
                        / (2 * SIGMA**2))
    kl = 0.5 * np.sum(s**2 + m**2 - 1.0 - np.log(s**2), axis=1)
    return expected_log_lik - kl


@pytest.fixture(scope="module")
def linear_data() -> np.ndarray:
    """512 draws from the linear-Gaussian model itself."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(512, LATENT))
    return (z @ W.T + B + SIGMA * rng.normal(size=(512, DATA_DIM))).astype(np.float32)


@pytest.fixture(scope="module")
def test_digits(mnist):
    _, (x_test, _) = mnist
    return x_test[:200]


@pytest.fixture(scope="module")
def digit_vae():
    """A VAE with the default networks for 28x28 digits: the units and argument checks
    need a model of digits, not a trained one."""
    keras.utils.set_random_seed(0)
    return kg.VAE(8, data_shape=(28, 28, 1), seed=0)


@pytest.mark.parametrize("num_samples", [1, 32])
def test_bound_is_exact_with_the_exact_posterior(num_samples, linear_data):
    # every importance weight p(x, z) / p(z | x) equals p(x): the bound is log p(x) for
    # any K, split into chunks or not
    x = linear_data[:64]
    result = kg.metrics.importance_weighted_nll(
        linear_gaussian_vae(), x, num_samples=num_samples, batch_size=16, max_decoded=128)
    np.testing.assert_allclose(-result["per_example"], exact_log_likelihood(x), atol=2e-4)


def test_bound_rises_towards_log_likelihood_as_samples_grow(linear_data):
    x = linear_data[:128]
    model = linear_gaussian_vae(mean_shift=0.3, scale_factor=1.5)
    log_px = float(exact_log_likelihood(x).mean())
    gap = {k: log_px + kg.metrics.importance_weighted_nll(model, x, num_samples=k,
                                                          batch_size=64, seed=1)["nll"]
           for k in (1, 4, 256)}
    assert gap[1] > 0.5, gap  # a poor encoder has a clear ELBO gap ...
    assert gap[4] < 0.5 * gap[1], gap
    # ... that many samples close, from below (up to Monte Carlo noise of ~0.01 nats)
    assert -0.03 < gap[256] < 0.03, gap


def test_single_sample_bound_is_the_elbo(linear_data):
    # K = 1 is a one-sample estimate of each example's ELBO: over 512 examples its mean
    # is within sampling error of the closed form
    model = linear_gaussian_vae(mean_shift=0.3, scale_factor=1.5)
    model.compile()
    elbo = exact_elbo(model, linear_data)
    estimate = -kg.metrics.importance_weighted_nll(model, linear_data, num_samples=1,
                                                   batch_size=128)["per_example"]
    error = estimate - elbo
    assert abs(error.mean()) < 4 * error.std() / math.sqrt(len(error)), error.mean()
    assert elbo.mean() < exact_log_likelihood(linear_data).mean() - 0.3
    # the model's own reported ELBO estimates the same quantity
    reported = model.evaluate(linear_data, batch_size=128, verbose=0, return_dict=True)["elbo"]
    assert reported == pytest.approx(elbo.mean(), abs=4 * error.std() / math.sqrt(len(error)))


def test_result_units_and_determinism(digit_vae, test_digits):
    binary = (test_digits[:30] > 0.5).astype(np.float32)  # a Bernoulli's data
    result = kg.metrics.importance_weighted_nll(digit_vae, binary, num_samples=8,
                                                batch_size=7, max_decoded=21, seed=3)
    assert result["per_example"].shape == (30,)
    assert result["nll"] == pytest.approx(result["per_example"].mean())
    assert result["bits_per_dim"] == pytest.approx(result["nll"] / (784 * math.log(2)))
    assert result["is_density"] is True
    again = kg.metrics.importance_weighted_nll(digit_vae, binary, num_samples=8,
                                               batch_size=7, max_decoded=21, seed=3)
    np.testing.assert_array_equal(result["per_example"], again["per_example"])


def test_a_bernoulli_on_grey_levels_is_flagged_as_no_density(digit_vae, test_digits):
    # the old result gave nats and bits per dimension for it as for any likelihood
    result = kg.metrics.importance_weighted_nll(digit_vae, test_digits[:8], num_samples=2)
    assert result["is_density"] is False
    assert "Bernoulli on grey levels is not a density" in result["density_note"]
    assert math.isnan(result["bits_per_dim"]) and math.isfinite(result["nll"])


@pytest.mark.parametrize("name, data, expected", [
    ("bernoulli", [[0.0, 1.0, 1.0]], True),
    ("bernoulli", [[0.0, 0.5, 1.0]], False),
    ("continuous_bernoulli", [[0.0, 0.5, 1.0]], True),
    ("gaussian", [[-3.0, 0.5, 7.0]], True),
    ("discretized_logistic", [[0.0, 128 / 255, 1.0]], True),
    ("discretized_logistic", [[0.0, 0.3001, 1.0]], False),
])
def test_which_likelihoods_are_densities_of_the_data(name, data, expected):
    from keras_genmodels.distributions import get_likelihood
    from keras_genmodels.metrics.likelihood import likelihood_density

    is_density, note = likelihood_density(get_likelihood(name), np.array(data, np.float32))
    assert is_density is expected and note


def test_the_linear_gaussian_vae_is_a_density(linear_data):
    result = kg.metrics.importance_weighted_nll(linear_gaussian_vae(), linear_data[:16],
                                                num_samples=2)
    assert result["is_density"] is True and math.isfinite(result["bits_per_dim"])


def test_bad_arguments(digit_vae, test_digits):
    with pytest.raises(ValueError, match="num_samples"):
        kg.metrics.importance_weighted_nll(digit_vae, test_digits, num_samples=0)
    with pytest.raises(TypeError, match="model"):
        kg.metrics.importance_weighted_nll(object(), test_digits)
    with pytest.raises(ValueError, match="uint8"):
        kg.metrics.importance_weighted_nll(digit_vae, (test_digits * 255).astype("uint8"))
