"""Free bits clamp the KL of each latent dimension, analytic or Monte Carlo."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

import keras_genmodels as kg
from keras_genmodels import distributions as kgd

tfd = tfp.distributions


def _posterior():
    # dimension 0 far from the prior (large KL), dimension 1 close to it (small KL)
    loc = tf.constant([[3.0, 0.05], [2.5, -0.05], [3.5, 0.0]])
    return tfd.Independent(tfd.Normal(loc, tf.constant([[0.5, 1.0]] * 3)), 1)


def test_monte_carlo_free_bits_clamp_each_dimension(make_model):
    laplace = tfd.Independent(tfd.Laplace(tf.zeros(4), tf.ones(4)), 1)  # no analytic KL
    vae = make_model("VAE", prior=laplace, free_bits=1.0)
    vae.prior = tfd.Independent(tfd.Laplace(tf.zeros(2), tf.ones(2)), 1)
    posterior = _posterior()
    z = posterior.sample(seed=[1, 2])
    per_dim = (posterior.distribution.log_prob(z)
               - vae.prior.distribution.log_prob(z)).numpy().mean(axis=0)
    assert per_dim[0] > 1.0 > per_dim[1]
    kl = tf.reduce_mean(kgd.kl_divergence(posterior, vae.prior, z))
    clamped = float(vae.free_bits_kl(posterior, kl, z))
    assert clamped == pytest.approx(per_dim[0] + 1.0, rel=1e-5)
    assert clamped != pytest.approx(max(float(kl), 2.0), rel=1e-3)  # not the total


def test_analytic_free_bits_clamp_each_dimension(make_model):
    vae = make_model("VAE", free_bits=1.0)
    vae.prior = kgd.standard_normal_prior(2)
    posterior = _posterior()
    per_dim = tfd.kl_divergence(posterior.distribution,
                                vae.prior.distribution).numpy().mean(axis=0)
    kl = tf.reduce_mean(tfd.kl_divergence(posterior, vae.prior))
    clamped = float(vae.free_bits_kl(posterior, kl, posterior.sample(seed=[1, 2])))
    assert clamped == pytest.approx(per_dim[0] + 1.0, rel=1e-5)


def test_free_bits_need_a_factorised_prior():
    mixture = tfd.MixtureSameFamily(
        tfd.Categorical(logits=tf.zeros(2)),
        tfd.MultivariateNormalDiag(loc=tf.constant([[-1.0] * 4, [1.0] * 4])))
    with pytest.raises(ValueError, match="free_bits.*factorises"):
        kg.VAE(4, prior=mixture, free_bits=0.5)
    kg.VAE(4, prior=mixture)  # fine without free bits


def test_free_bits_gradient_flows_only_through_active_dimensions(make_model):
    vae = make_model("VAE", free_bits=1.0)
    vae.prior = kgd.standard_normal_prior(2)
    loc = tf.Variable([[3.0, 0.05], [2.5, -0.05]])
    with tf.GradientTape() as tape:
        posterior = tfd.Independent(tfd.Normal(loc, tf.ones_like(loc)), 1)
        kl = tf.reduce_mean(kgd.kl_divergence(posterior, vae.prior))
        clamped = vae.free_bits_kl(posterior, kl, posterior.sample(seed=[1, 2]))
    gradient = tape.gradient(clamped, loc).numpy()
    np.testing.assert_allclose(gradient[:, 0], loc.numpy()[:, 0] / 2)  # d(mu^2/2)/dmu / n
    np.testing.assert_array_equal(gradient[:, 1], 0.0)
