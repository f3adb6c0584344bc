"""Specification of the VAE family: training on the ELBO, its knobs, its public methods."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_genmodels as kg
from keras_genmodels.distributions import tfd


def _fit_terms(model, x, **kwargs):
    history = model.fit(x, verbose=0, shuffle=False, **kwargs)
    return {k: np.asarray(v) for k, v in history.history.items()}


def test_elbo_improves_over_epochs_on_mnist(mnist, small_vae_networks):
    (x_train, _), (x_test, _) = mnist
    keras.utils.set_random_seed(0)
    encoder, decoder = small_vae_networks(4)
    vae = kg.VAE(4, encoder=encoder, decoder=decoder, seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(2e-3))
    history = _fit_terms(vae, x_train[:3000], epochs=3, batch_size=100,
                         validation_data=(x_test[:500],))
    assert history["val_elbo"][-1] > history["val_elbo"][0] + 5.0
    assert history["loss"][-1] < history["loss"][0]
    # with beta=1 and no warm-up the loss is exactly the negative ELBO
    np.testing.assert_allclose(history["loss"], -history["elbo"], rtol=1e-5)
    np.testing.assert_allclose(history["elbo"], -(history["reconstruction"] + history["kl"]),
                               rtol=1e-5)


def test_larger_beta_lowers_the_kl(mnist, small_vae_networks):
    (x_train, _), _ = mnist
    kls = {}
    for beta in (1.0, 8.0):
        keras.utils.set_random_seed(0)
        encoder, decoder = small_vae_networks(4)
        vae = kg.VAE(4, encoder=encoder, decoder=decoder, beta=beta, seed=0)
        vae.compile(optimizer=keras.optimizers.Adam(2e-3))
        kls[beta] = _fit_terms(vae, x_train[:2000], epochs=2, batch_size=100)["kl"][-1]
    assert kls[8.0] < 0.7 * kls[1.0]


def test_kl_warmup_starts_at_zero_and_rises_linearly(mnist, small_vae_networks):
    (x_train, _), _ = mnist
    encoder, decoder = small_vae_networks(4)
    vae = kg.VAE(4, encoder=encoder, decoder=decoder, beta=2.0, kl_warmup_steps=100, seed=0)
    vae.compile()
    assert float(vae.current_kl_weight()) == 0.0
    history = _fit_terms(vae, x_train[:50], epochs=1, batch_size=50)
    # one step at weight 0: the loss is the reconstruction term alone, though the KL is not 0
    assert history["kl"][0] > 0
    np.testing.assert_allclose(history["loss"][0], history["reconstruction"][0], rtol=1e-6)
    assert float(vae.current_kl_weight()) == pytest.approx(2.0 * 1 / 100)
    vae.optimizer.iterations.assign(250)
    assert float(vae.current_kl_weight()) == pytest.approx(2.0)


def test_free_bits_floor_each_dimension(small_vae_networks):
    encoder, decoder = small_vae_networks(3)
    vae = kg.VAE(3, encoder=encoder, decoder=decoder, free_bits=5.0, seed=0,
                 data_shape=(28, 28, 1))
    vae.compile()
    x = tf.constant(np.random.default_rng(0).uniform(size=(8, 28, 28, 1)), tf.float32)
    terms = vae.compute_elbo_terms(x, None, training=False)
    # an untrained posterior sits near the prior, far below 5 nats per dimension
    assert float(terms["kl"]) < 5.0
    np.testing.assert_allclose(float(terms["loss"] - terms["reconstruction"]), 15.0, rtol=1e-6)


@pytest.mark.parametrize(
    "likelihood, scale",
    [("bernoulli", None), ("continuous_bernoulli", None), ("gaussian", 0.1),
     ("gaussian", "learned"), ("discretized_logistic", None)],
)
def test_every_likelihood_trains(likelihood, scale, mnist):
    (x_train, _), _ = mnist
    keras.utils.set_random_seed(0)
    vae = kg.VAE(2, likelihood=likelihood, likelihood_scale=scale, seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = _fit_terms(vae, x_train[:256], epochs=2, batch_size=64)
    assert np.all(np.isfinite(history["loss"]))
    assert history["loss"][-1] < history["loss"][0]
    params_per_dim = vae.likelihood.params_per_dim
    assert vae.decoder.output_shape == (None, 28, 28, params_per_dim)
    images = vae.sample(3, seed=0)
    assert images.shape == (3, 28, 28, 1) and images.dtype == np.float32


def test_default_networks_follow_the_data_shape():
    x_images = np.random.default_rng(0).uniform(size=(16, 32, 32, 3)).astype("float32")
    vae = kg.VAE(5, seed=0)
    vae.compile()
    vae.fit(x_images, epochs=1, batch_size=8, verbose=0)
    assert vae.encoder.input_shape == (None, 32, 32, 3)
    assert vae.encoder.output_shape == (None, 10)
    assert vae.decoder.output_shape == (None, 32, 32, 3)

    (x_ring, _), _ = kg.datasets.load("ring8", num_train=512, num_test=64)
    vector_vae = kg.VAE(2, likelihood="gaussian", likelihood_scale=0.05, seed=0)
    vector_vae.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = _fit_terms(vector_vae, x_ring, epochs=4, batch_size=64)
    assert history["loss"][-1] < history["loss"][0]
    assert vector_vae.sample(10, seed=1).shape == (10, 2)


def test_public_methods(trained_vae, mnist):
    _, (x_test, _) = mnist
    posterior = trained_vae.encode(x_test[:5])
    assert isinstance(posterior, tfd.Distribution)
    assert tuple(posterior.batch_shape) == (5,) and tuple(posterior.event_shape) == (8,)
    likelihood = trained_vae.decode(posterior.mean())
    assert tuple(likelihood.batch_shape) == (5,)
    assert tuple(likelihood.event_shape) == (28, 28, 1)

    samples = trained_vae.sample(6, seed=3)
    assert samples.shape == (6, 28, 28, 1) and samples.dtype == np.float32
    assert samples.min() >= 0.0 and samples.max() <= 1.0
    np.testing.assert_array_equal(samples, trained_vae.sample(6, seed=3))
    assert not np.allclose(samples, trained_vae.sample(6, seed=4))

    reconstructions = trained_vae.reconstruct(x_test[:5])
    assert reconstructions.shape == x_test[:5].shape
    # a trained VAE reconstructs a digit better than it reconstructs another digit
    own = np.mean((reconstructions - x_test[:5]) ** 2)
    other = np.mean((reconstructions - x_test[5:10]) ** 2)
    assert own < 0.75 * other
    np.testing.assert_allclose(trained_vae.predict(x_test[:5], verbose=0), reconstructions,
                               atol=1e-5)

    path = trained_vae.interpolate(x_test[0], x_test[1], steps=5)
    assert path.shape == (5, 28, 28, 1)
    np.testing.assert_allclose(path[0], reconstructions[0], atol=1e-5)
    np.testing.assert_allclose(path[-1], reconstructions[1], atol=1e-5)
    batch_path = trained_vae.interpolate(x_test[:3], x_test[3:6], steps=4, method="slerp")
    assert batch_path.shape == (3, 4, 28, 28, 1)


def test_save_load_round_trip_and_resume(tmp_path, mnist, small_vae_networks):
    (x_train, _), _ = mnist
    x = x_train[:200]
    keras.utils.set_random_seed(0)
    encoder, decoder = small_vae_networks(4)
    vae = kg.VAE(4, encoder=encoder, decoder=decoder, beta=2.0, kl_warmup_steps=10,
                 free_bits=0.1, seed=7)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(x, epochs=1, batch_size=50, verbose=0, shuffle=False)
    path = tmp_path / "vae.keras"
    vae.save(path)
    restored = keras.models.load_model(path)

    assert isinstance(restored, kg.VAE)
    assert (restored.beta, restored.kl_warmup_steps, restored.free_bits, restored.seed) == (
        2.0, 10, 0.1, 7)
    z = np.random.default_rng(0).normal(size=(4, 4)).astype("float32")
    np.testing.assert_array_equal(restored.decode(z).mean(), vae.decode(z).mean())
    assert int(restored.optimizer.iterations) == int(vae.optimizer.iterations) == 4
    for a, b in zip(restored.optimizer.variables, vae.optimizer.variables, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))

    # resuming continues exactly where the original would go
    vae.fit(x, epochs=1, batch_size=50, verbose=0, shuffle=False)
    restored.fit(x, epochs=1, batch_size=50, verbose=0, shuffle=False)
    for a, b in zip(restored.weights, vae.weights, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-6)


def test_custom_prior_is_used_and_saved(tmp_path):
    mixture = tfd.MixtureSameFamily(
        tfd.Categorical(logits=tf.zeros([2])),
        tfd.Independent(tfd.Normal(loc=tf.constant([[-2.0, 0.0], [2.0, 0.0]]),
                                   scale=tf.constant(0.5, shape=[2, 2])), 1),
    )
    x = np.random.default_rng(0).uniform(size=(32, 28, 28, 1)).astype("float32")
    vae = kg.VAE(2, prior=mixture, seed=0)
    vae.compile()
    history = _fit_terms(vae, x, epochs=1, batch_size=16)
    assert np.isfinite(history["kl"][0])  # no analytic KL: the Monte Carlo estimate is used
    z = vae.sample_latent(2000, seed=0).numpy()
    assert abs(np.mean(np.abs(z[:, 0])) - 2.0) < 0.2  # draws come from the mixture
    vae.save(tmp_path / "prior.keras")
    restored = keras.models.load_model(tmp_path / "prior.keras")
    np.testing.assert_array_equal(restored.sample_latent(5, seed=1), vae.sample_latent(5, seed=1))


def test_conditional_vae_samples_follow_the_label(mnist, mnist_classifier):
    (x_train, y_train), (x_test, y_test) = mnist
    classifier = mnist_classifier
    assert classifier.accuracy(x_test, y_test) > 0.9
    keras.utils.set_random_seed(0)
    cvae = kg.ConditionalVAE(8, num_classes=10, seed=0)
    cvae.compile(optimizer=keras.optimizers.Adam(2e-3))
    cvae.fit(x_train, y_train, epochs=3, batch_size=128, verbose=0)
    labels = np.repeat(np.arange(10), 20)
    samples = cvae.sample(len(labels), labels=labels, seed=0)
    predicted = np.argmax(classifier.probabilities(samples), axis=1)
    accuracy = np.mean(predicted == labels)
    assert accuracy > 0.6, accuracy  # chance is 0.1


def test_conditional_vae_round_trips(tmp_path):
    x = np.random.default_rng(0).uniform(size=(20, 28, 28, 1)).astype("float32")
    y = np.arange(20) % 4
    cvae = kg.ConditionalVAE(3, num_classes=4, seed=0)
    cvae.compile()
    cvae.fit(x, y, epochs=1, batch_size=10, verbose=0)
    cvae.save(tmp_path / "cvae.keras")
    restored = keras.models.load_model(tmp_path / "cvae.keras")
    np.testing.assert_array_equal(restored.sample(4, labels=2, seed=0),
                                  cvae.sample(4, labels=2, seed=0))
    assert restored.reconstruct(x[:3], labels=y[:3]).shape == (3, 28, 28, 1)
    assert restored.interpolate(x[0], x[1], steps=3, labels=1).shape == (3, 28, 28, 1)


class TestBadInput:
    x = np.random.default_rng(0).uniform(size=(8, 28, 28, 1)).astype("float32")

    def test_latent_dim(self):
        with pytest.raises(ValueError, match="latent_dim.*got 0"):
            kg.VAE(0)
        with pytest.raises(TypeError, match="latent_dim"):
            kg.VAE(2.5)

    def test_unknown_likelihood_lists_valid_ones(self):
        with pytest.raises(ValueError, match="likelihood.*bernoulli.*continuous_bernoulli"):
            kg.VAE(2, likelihood="poisson")

    def test_negative_beta(self):
        with pytest.raises(ValueError, match="beta"):
            kg.VAE(2, beta=-1.0)

    @pytest.mark.parametrize(
        "data, message",
        [
            ((np.ones((8, 28, 28, 1)) * 255).astype("uint8"), "uint8.*255"),
            (np.full((8, 28, 28, 1), 2.0, "float32"), r"\[0, 1\]"),
            (np.full((8, 28, 28, 1), np.nan, "float32"), "NaN"),
            (np.zeros((8, 28, 28), "float32"), "channel axis"),
            (np.zeros((8,), "float32"), "rank"),
        ],
    )
    def test_bad_data_in_fit(self, data, message):
        vae = kg.VAE(2)
        vae.compile()
        with pytest.raises(ValueError, match=message):
            vae.fit(data, epochs=1, verbose=0)

    def test_shape_mismatch_after_build(self):
        vae = kg.VAE(2, data_shape=(28, 28, 1))
        with pytest.raises(ValueError, match="built for"):
            vae.encode(np.zeros((2, 32, 32, 1), "float32"))

    def test_unbuilt_model(self):
        with pytest.raises(ValueError, match="fit"):
            kg.VAE(2).sample(3)

    def test_conditional_needs_labels(self):
        cvae = kg.ConditionalVAE(2, num_classes=3)
        cvae.compile()
        with pytest.raises(ValueError, match="conditional on 3 classes"):
            cvae.fit(self.x, epochs=1, verbose=0)
        with pytest.raises(ValueError, match=r"labels in \[0, 2\].*\[0, 7\]"):
            cvae.fit(self.x, np.arange(8), epochs=1, verbose=0)
        with pytest.raises(ValueError, match="num_classes"):
            kg.ConditionalVAE(2)

    def test_bad_labels_in_sample(self):
        cvae = kg.ConditionalVAE(2, num_classes=3, data_shape=(28, 28, 1))
        with pytest.raises(ValueError, match="labels"):
            cvae.sample(2)
        with pytest.raises(ValueError, match="labels"):
            cvae.sample(2, labels=[0, 5])

    def test_bad_interpolation_method(self):
        vae = kg.VAE(2, data_shape=(28, 28, 1))
        with pytest.raises(ValueError, match="method.*linear.*slerp"):
            vae.interpolate(self.x[0], self.x[1], method="cubic")
        with pytest.raises(ValueError, match="steps"):
            vae.interpolate(self.x[0], self.x[1], steps=1)
