"""impute: a VAE fills hidden pixels better than the mean image and keeps the rest; its
samplers draw from the exact conditional of a model where that is known in closed form."""

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
    # draws from the Bernoulli likelihood are binary; decoder means are grey levels
    assert set(np.unique(draws[:, ~mask])) == {0.0, 1.0}
    means = impute(vae, x, mask, method=method, num_draws=3, num_iterations=4, fill="mean")
    assert np.mean((means[:, ~mask] > 0.01) & (means[:, ~mask] < 0.99)) > 0.1


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
    with pytest.raises(ValueError, match="Unknown `fill` 'sample'"):
        impute(vae, x, np.ones((28, 28, 1)), fill="sample")
    with pytest.raises(TypeError, match="VAE"):
        impute(object(), x, np.ones((28, 28, 1)))


# ---------------------------------------------------------------------------------------
# A model whose conditional p(x_miss | x_obs) is known exactly: the linear-Gaussian
# "VAE" x = W z + b + noise, z ~ N(0, I), noise ~ N(0, sigma^2 I), so that
# x ~ N(b, W W^T + sigma^2 I) and every conditional is Gaussian in closed form. Its
# encoder is deliberately not the exact posterior (a shrunk mean, an inflated scale):
# then pseudo-Gibbs targets the wrong distribution and only a correct Metropolis-Hastings
# acceptance ratio corrects it.

SIGMA = 0.5
W = np.array([[1.0, 0.5], [-0.5, 1.0], [1.0, -0.5], [0.5, 1.0]])
B = np.array([0.2, -0.1, 0.3, 0.0])
OBSERVED, MISSING = [0, 1], [2, 3]
X_OBS = np.array([1.5, -1.0])
CHAINS = 2000  # independent chains, each a copy of the one example


def softplus_inverse(y):
    return np.log(np.expm1(y))


@pytest.fixture(scope="module")
def linear_gaussian():
    """`(vae, x, mask)`: the model, CHAINS copies of the example and its mask."""
    import keras

    import keras_genmodels as kg

    exact_posterior_mean = np.linalg.solve(W.T @ W + SIGMA**2 * np.eye(2), W.T)
    exact_posterior_scale = SIGMA / np.sqrt(np.diag(W.T @ W) + SIGMA**2)  # W^T W diagonal
    proposal_mean = 0.6 * exact_posterior_mean  # (2, 4): z-mean = A (x - b)
    proposal_scale = 1.5 * exact_posterior_scale
    encoder = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4)])
    encoder.set_weights([
        np.concatenate([proposal_mean.T, np.zeros((4, 2))], axis=1),
        np.concatenate([-proposal_mean @ B, softplus_inverse(proposal_scale - 1e-4)])])
    decoder = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4)])
    decoder.set_weights([W.T, B])
    vae = kg.VAE(2, encoder=encoder, decoder=decoder, likelihood="gaussian",
                 likelihood_scale=SIGMA, data_shape=(4,), seed=0)
    x = np.zeros((CHAINS, 4), np.float32)
    x[:, OBSERVED] = X_OBS
    mask = np.zeros(4, np.float32)
    mask[OBSERVED] = 1
    return vae, x, mask


def exact_conditional():
    """Mean and variance of p(x_miss | x_obs), and the variance of E[x_miss | z] under
    p(z | x_obs) (what decoder means at posterior codes spread by)."""
    c = W @ W.T + SIGMA**2 * np.eye(4)
    gain = c[np.ix_(MISSING, OBSERVED)] @ np.linalg.inv(c[np.ix_(OBSERVED, OBSERVED)])
    mean = B[MISSING] + gain @ (X_OBS - B[OBSERVED])
    cov = c[np.ix_(MISSING, MISSING)] - gain @ c[np.ix_(OBSERVED, MISSING)]
    code_cov = np.linalg.inv(W[OBSERVED].T @ W[OBSERVED] / SIGMA**2 + np.eye(2))
    return mean, np.diag(cov), np.diag(W[MISSING] @ code_cov @ W[MISSING].T)


def z_scores(samples, mean, var):
    """|z| of the sample mean and variance of `n` independent draws against a Gaussian's
    `mean` and `var`: standard errors sqrt(var / n) and var * sqrt(2 / (n - 1))."""
    n = len(samples)
    z_mean = (samples.mean(axis=0) - mean) / np.sqrt(var / n)
    z_var = (samples.var(axis=0, ddof=1) - var) / (var * np.sqrt(2.0 / (n - 1)))
    return np.abs(np.concatenate([z_mean, z_var]))


# Four statistics, each N(0, 1) for a correct sampler: P(any |z| > 5) < 3e-6.
Z_BAR = 5.0


def imputed_draws(vae, x, mask, method, num_iterations=40, **options):
    draws = impute(vae, x, mask, method=method, num_draws=2, num_iterations=num_iterations,
                   **options)
    for draw in draws:
        np.testing.assert_array_equal(draw[:, OBSERVED], x[:, OBSERVED])
    return draws[..., MISSING].reshape(-1, len(MISSING))  # 2 * CHAINS independent draws


def test_metropolis_within_gibbs_draws_from_the_exact_conditional(linear_gaussian):
    mean, var, _ = exact_conditional()
    draws = imputed_draws(*linear_gaussian, "metropolis_within_gibbs")
    assert np.all(z_scores(draws, mean, var) < Z_BAR), (draws.mean(0), draws.var(0), mean, var)


def test_the_bar_tells_pseudo_gibbs_from_the_exact_chain(linear_gaussian):
    # with an encoder that is not the exact posterior, pseudo-Gibbs is biased
    mean, var, _ = exact_conditional()
    draws = imputed_draws(*linear_gaussian, "pseudo_gibbs")
    assert np.max(z_scores(draws, mean, var)) > 2 * Z_BAR


def test_the_bar_tells_a_wrong_acceptance_ratio_from_the_right_one(linear_gaussian,
                                                                   monkeypatch):
    import tensorflow as tf

    from keras_genmodels.applications import imputation

    right_ratio = imputation.metropolis_log_ratio

    def without_proposal_terms(model, x, labels, posterior, z, proposal):
        # the ratio of a symmetric random walk, wrong for this independence proposal
        return (right_ratio(model, x, labels, posterior, z, proposal)
                - posterior.log_prob(z) + posterior.log_prob(proposal))

    monkeypatch.setattr(imputation, "metropolis_log_ratio", without_proposal_terms)
    # a fresh tf.function, so the chain is traced again with the wrong ratio
    monkeypatch.setattr(imputation, "_gibbs", tf.function(imputation._gibbs.python_function))
    mean, var, _ = exact_conditional()
    draws = imputed_draws(*linear_gaussian, "metropolis_within_gibbs")
    assert np.max(z_scores(draws, mean, var)) > 2 * Z_BAR


def test_importance_resampling_draws_from_the_exact_conditional(linear_gaussian):
    # sampling-importance-resampling is exact only as K grows; at K = 64 its bias is
    # below what 4000 draws resolve on this model
    mean, var, _ = exact_conditional()
    draws = imputed_draws(*linear_gaussian, "importance", num_iterations=10, num_samples=64)
    assert np.all(z_scores(draws, mean, var) < Z_BAR), (draws.mean(0), draws.var(0), mean, var)


@pytest.mark.parametrize("method", ["metropolis_within_gibbs", "importance"])
def test_fill_mean_spreads_only_as_the_decoder_mean_does(linear_gaussian, method):
    # E[x_miss | z] at codes from p(z | x_obs): the conditional's mean, a smaller spread
    mean, var, mean_var = exact_conditional()
    means = imputed_draws(*linear_gaussian, method, fill="mean",
                          num_iterations=10 if method == "importance" else 40)
    assert np.all(z_scores(means, mean, mean_var) < Z_BAR)
    assert np.all(means.var(axis=0) < 0.6 * var)


@pytest.mark.parametrize("method", ["metropolis_within_gibbs", "importance"])
def test_single_imputation_is_the_exact_conditional_mean(linear_gaussian, method):
    vae, x, mask = linear_gaussian
    mean, _, mean_var = exact_conditional()
    completed = impute(vae, x, mask, method=method,
                       num_iterations=10 if method == "importance" else 40)
    np.testing.assert_array_equal(completed[:, OBSERVED], x[:, OBSERVED])
    # each chain's estimate averages draws of E[x_miss | z], so varies at most as one does
    z = (completed[:, MISSING].mean(axis=0) - mean) / np.sqrt(mean_var / len(completed))
    assert np.all(np.abs(z) < Z_BAR)


def test_imputations_of_one_example_differ_at_every_missing_entry(linear_gaussian):
    vae, x, mask = linear_gaussian
    draws = impute(vae, x[:50], mask, method="metropolis_within_gibbs", num_draws=5,
                   num_iterations=40)
    for first in range(5):
        for second in range(first):
            assert np.all(draws[first][:, MISSING] != draws[second][:, MISSING])
    one = impute(vae, x[:50], mask, method="metropolis_within_gibbs", num_iterations=40,
                 fill="draw")
    np.testing.assert_array_equal(one, draws[0])  # one draw: the first of several
