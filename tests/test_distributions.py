"""Likelihoods, posterior, prior and KL computed by TFP agree with the formulas."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from keras_genmodels import distributions as kgd
from keras_genmodels.distributions import tfd

RNG = np.random.default_rng(0)
X = RNG.uniform(size=(3, 4, 4, 1)).astype("float32")
LOGITS = RNG.normal(size=(3, 4, 4, 1)).astype("float32")


def _sum_per_example(values):
    return values.reshape(values.shape[0], -1).sum(axis=1)


def test_bernoulli_is_cross_entropy_summed_over_pixels():
    p = 1 / (1 + np.exp(-LOGITS))
    expected = _sum_per_example(X * np.log(p) + (1 - X) * np.log(1 - p))
    likelihood = kgd.get_likelihood("bernoulli")
    np.testing.assert_allclose(likelihood.log_prob(LOGITS, X), expected, rtol=1e-5)
    np.testing.assert_allclose(likelihood.mean(LOGITS), p, rtol=1e-6)


def test_continuous_bernoulli_has_its_normaliser():
    lam = 1 / (1 + np.exp(-LOGITS.astype("float64")))
    log_norm = np.log(2 * np.arctanh(1 - 2 * lam) / (1 - 2 * lam))
    expected = _sum_per_example(X * np.log(lam) + (1 - X) * np.log(1 - lam) + log_norm)
    got = kgd.get_likelihood("continuous_bernoulli").log_prob(LOGITS, X)
    np.testing.assert_allclose(got, expected, rtol=1e-4)


def test_gaussian_fixed_and_learned_scale():
    scale = 0.1
    expected = _sum_per_example(
        -0.5 * ((X - LOGITS) / scale) ** 2 - np.log(scale) - 0.5 * np.log(2 * np.pi))
    fixed = kgd.get_likelihood("gaussian", scale=scale)
    np.testing.assert_allclose(fixed.log_prob(LOGITS, X), expected, rtol=1e-5)
    learned = kgd.get_likelihood("gaussian", scale="learned")
    assert learned.params_per_dim == 2
    raw = np.full_like(LOGITS, np.log(np.expm1(0.1 - 1e-4)))  # softplus(raw) + 1e-4 = 0.1
    params = np.concatenate([LOGITS, raw], axis=-1)
    np.testing.assert_allclose(learned.log_prob(params, X), expected, rtol=1e-3)
    with pytest.raises(ValueError, match="scale"):
        kgd.get_likelihood("gaussian", scale=-1.0)


def test_discretized_logistic_is_a_probability_mass_over_256_levels():
    likelihood = kgd.get_likelihood("discretized_logistic")
    loc = np.full((1, 2, 2, 1), 0.3, "float32")
    params = np.concatenate([loc, np.full_like(loc, -4.0)], axis=-1)
    levels = np.arange(256, dtype="float32")
    images = np.broadcast_to(levels[:, None, None, None] / 255.0, (256, 2, 2, 1))
    log_mass = likelihood.log_prob(np.repeat(params, 256, axis=0), images).numpy() / 4
    mass = np.exp(log_mass)
    assert mass.sum() == pytest.approx(1.0, abs=1e-4)
    assert abs(int(np.argmax(mass)) - round(0.3 * 255)) <= 1
    scale = 255 * np.log1p(np.exp(-4.0)) + 255 * 1e-4

    def cdf(v):
        return 1 / (1 + np.exp(-(v - 0.3 * 255) / scale))

    k = 100
    assert mass[k] == pytest.approx(cdf(k + 0.5) - cdf(k - 0.5), rel=1e-3)


def test_unknown_likelihood_lists_the_valid_names():
    with pytest.raises(ValueError, match="bernoulli, continuous_bernoulli, discretized_logistic"):
        kgd.get_likelihood("poisson")


def test_config_round_trip_of_likelihoods():
    for name, kwargs in [("bernoulli", {}), ("gaussian", {"scale": "learned"})]:
        likelihood = kgd.get_likelihood(name, **kwargs)
        again = kgd.get_likelihood(likelihood.get_config())
        assert type(again) is type(likelihood)
        assert again.get_config() == likelihood.get_config()


def test_posterior_and_analytic_kl():
    loc = np.array([[0.5, -1.0]], "float32")
    raw = np.array([[0.0, 1.0]], "float32")
    posterior = kgd.diagonal_gaussian_posterior(np.concatenate([loc, raw], axis=-1))
    sigma = np.log1p(np.exp(raw)) + 1e-4
    np.testing.assert_allclose(posterior.mean(), loc)
    np.testing.assert_allclose(posterior.stddev(), sigma, rtol=1e-5)
    expected = 0.5 * np.sum(sigma**2 + loc**2 - 1 - 2 * np.log(sigma))
    kl = kgd.kl_divergence(posterior, kgd.standard_normal_prior(2))
    np.testing.assert_allclose(kl, [expected], rtol=1e-5)
    per_dim = kgd.kl_per_dimension(posterior, kgd.standard_normal_prior(2))
    np.testing.assert_allclose(np.sum(per_dim), expected, rtol=1e-5)


def test_monte_carlo_kl_when_no_analytic_rule():
    prior = tfd.MixtureSameFamily(
        tfd.Categorical(logits=tf.zeros([1])),
        tfd.Independent(tfd.Normal(tf.zeros([1, 2]), tf.ones([1, 2])), 1),
    )  # a one-component mixture: equal to N(0, I), but TFP has no KL rule for it
    posterior = kgd.diagonal_gaussian_posterior(np.array([[1.0, 0.0, 0.5, 0.5]], "float32"))
    with pytest.raises(ValueError, match="z"):
        kgd.kl_divergence(posterior, prior)
    z = posterior.sample(20000, seed=[1, 2])
    estimate = np.mean(kgd.kl_divergence(posterior, prior, z))
    exact = kgd.kl_divergence(posterior, kgd.standard_normal_prior(2))
    assert estimate == pytest.approx(float(exact[0]), abs=0.03)


def test_prior_checks_and_serialization():
    with pytest.raises(ValueError, match=r"event shape \(3,\)"):
        kgd.check_prior(kgd.standard_normal_prior(2), 3)
    with pytest.raises(TypeError, match="prior"):
        kgd.check_prior("normal", 2)
    mixture = tfd.MixtureSameFamily(
        tfd.Categorical(logits=tf.constant([0.0, 1.0])),
        tfd.Independent(tfd.Normal(tf.constant([[-1.0, 0.0], [1.0, 2.0]]),
                                   tf.constant([[0.5, 0.5], [1.0, 1.0]])), 1),
    )
    restored = kgd.deserialize_distribution(kgd.serialize_distribution(mixture))
    z = np.array([[0.1, 0.2], [-1.0, 3.0]], "float32")
    np.testing.assert_allclose(restored.log_prob(z), mixture.log_prob(z), rtol=1e-6)
