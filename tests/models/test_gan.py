"""Specification of the adversarial family: GAN, ConditionalGAN, WGAN, WGANGP."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_genmodels as kg
from keras_genmodels.networks import build_dcgan_discriminator, build_dcgan_generator

RING_CENTERS, RING_STD = kg.datasets.mode_centers("ring8")


def _tiny_image_networks(latent_dim=8, conditional_dim=0, return_features=False):
    generator = build_dcgan_generator(latent_dim + conditional_dim, (28, 28, 1), filters=(16, 8))
    discriminator = build_dcgan_discriminator((28, 28, 1 + conditional_dim), filters=(8, 16),
                                              return_features=return_features)
    return generator, discriminator


def _adam(rate, beta_2=0.999):
    return keras.optimizers.Adam(rate, beta_1=0.5, beta_2=beta_2)


def test_collapsed_generator_fails_the_coverage_check():
    collapsed = np.repeat(RING_CENTERS[:1], 2000, axis=0)
    assert kg.metrics.mode_coverage(collapsed, RING_CENTERS, RING_STD)["modes_covered"] == 1


@pytest.mark.parametrize("model_class", ["GAN", "WGANGP"])
def test_covers_the_modes_of_ring8(model_class):
    (x, _), _ = kg.datasets.load("ring8", num_train=8192)
    keras.utils.set_random_seed(0)
    # the generator's moving average damps the oscillation between modes
    if model_class == "GAN":
        model = kg.GAN(4, ema_decay=0.99, seed=0)
        model.compile(g_optimizer=_adam(1e-3), d_optimizer=_adam(1e-3))
        epochs = 48
    else:
        model = kg.WGANGP(4, critic_steps=5, ema_decay=0.99, seed=0)
        optimizer = {"learning_rate": 2e-3, "beta_1": 0.0, "beta_2": 0.9}
        model.compile(g_optimizer=keras.optimizers.Adam(**optimizer),
                      d_optimizer=keras.optimizers.Adam(**optimizer))
        epochs = 60
    model.fit(x, epochs=epochs, batch_size=256, verbose=0)
    result = kg.metrics.mode_coverage(model.sample(2000, seed=0), RING_CENTERS, RING_STD)
    assert result["modes_covered"] >= 7, result
    assert result["high_quality_fraction"] > 0.1, result


def test_train_step_reports_and_alternates(mnist):
    (x_train, _), _ = mnist
    generator, discriminator = _tiny_image_networks()
    gan = kg.GAN(8, generator=generator, discriminator=discriminator, discriminator_steps=2,
                 seed=0)
    gan.compile()
    history = gan.fit(x_train[:128], epochs=1, batch_size=64, verbose=0).history
    assert set(history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(np.isfinite(v[0]) for v in history.values())
    # two discriminator updates per generator update
    assert int(gan.d_optimizer.iterations) == 4 and int(gan.g_optimizer.iterations) == 2
    samples = gan.sample(5, seed=0)
    assert samples.shape == (5, 28, 28, 1) and 0.0 <= samples.min() <= samples.max() <= 1.0


def test_default_optimizers_follow_the_papers():
    gan, wgan, wgangp = kg.GAN(2), kg.WGAN(2), kg.WGANGP(2)
    for model in (gan, wgan, wgangp):
        model.compile()
    assert isinstance(gan.d_optimizer, keras.optimizers.Adam)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(2e-4)
    assert gan.d_optimizer.beta_1 == 0.5
    assert isinstance(wgan.d_optimizer, keras.optimizers.RMSprop)
    assert (wgangp.d_optimizer.beta_1, wgangp.d_optimizer.beta_2) == (0.0, 0.9)
    assert float(wgangp.g_optimizer.learning_rate) == pytest.approx(1e-4)


def test_weight_clipping_bounds_every_critic_weight(mnist):
    (x_train, _), _ = mnist
    generator, critic = _tiny_image_networks()
    wgan = kg.WGAN(8, generator=generator, discriminator=critic, critic_steps=2,
                   clip_value=0.02, seed=0)
    wgan.compile(g_optimizer=keras.optimizers.RMSprop(1e-2),
                 d_optimizer=keras.optimizers.RMSprop(1e-2))
    history = wgan.fit(x_train[:128], epochs=1, batch_size=64, verbose=0).history
    assert "wasserstein" in history
    for weight in critic.trainable_weights:
        assert np.max(np.abs(np.asarray(weight))) <= 0.02 + 1e-7


def test_wgangp_reports_penalty_and_estimate(mnist):
    (x_train, _), _ = mnist
    generator, critic = _tiny_image_networks()
    model = kg.WGANGP(8, generator=generator, discriminator=critic, critic_steps=2, seed=0)
    model.compile()
    history = model.fit(x_train[:128], epochs=1, batch_size=64, verbose=0).history
    assert history["gradient_penalty"][0] >= 0.0
    np.testing.assert_allclose(history["wasserstein"][0],
                               history["d_real"][0] - history["d_fake"][0], atol=1e-4)


@pytest.mark.parametrize("model_class", ["GAN", "ConditionalGAN", "WGAN", "WGANGP"])
def test_save_load_resume(model_class, tmp_path, mnist):
    (x_train, y_train), _ = mnist
    x, y = x_train[:128], y_train[:128]
    conditional = model_class == "ConditionalGAN"
    keras.utils.set_random_seed(0)
    generator, discriminator = _tiny_image_networks(conditional_dim=10 if conditional else 0)
    options = dict(generator=generator, discriminator=discriminator, seed=3, ema_decay=0.9)
    if conditional:
        options["num_classes"] = 10
    model = getattr(kg, model_class)(8, **options)
    model.compile()
    fit_args = (x, y) if conditional else (x,)
    model.fit(*fit_args, epochs=1, batch_size=64, verbose=0, shuffle=False)
    model.save(tmp_path / "model.keras")
    restored = keras.models.load_model(tmp_path / "model.keras")
    assert type(restored) is type(model)

    labels = np.arange(6) % 10 if conditional else None
    np.testing.assert_array_equal(restored.sample(6, seed=1, labels=labels),
                                  model.sample(6, seed=1, labels=labels))
    for slot in model.optimizer_slots:
        original = getattr(model, slot)
        again = getattr(restored, slot)
        assert int(again.iterations) == int(original.iterations) > 0
        for a, b in zip(again.variables, original.variables, strict=True):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))

    model.fit(*fit_args, epochs=1, batch_size=64, verbose=0, shuffle=False)
    restored.fit(*fit_args, epochs=1, batch_size=64, verbose=0, shuffle=False)
    for a, b in zip(restored.weights, model.weights, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5)


def test_conditional_gan_samples_follow_the_label(mnist, mnist_classifier):
    (x_train, y_train), _ = mnist
    keras.utils.set_random_seed(0)
    generator = build_dcgan_generator(16 + 10, (28, 28, 1), filters=(64, 32))
    discriminator = build_dcgan_discriminator((28, 28, 1 + 10), filters=(32, 64))
    cgan = kg.ConditionalGAN(16, num_classes=10, generator=generator,
                             discriminator=discriminator, seed=0)
    cgan.compile()
    cgan.fit(x_train, y_train, epochs=2, batch_size=64, verbose=0)
    labels = np.repeat(np.arange(10), 20)
    samples = cgan.sample(len(labels), labels=labels, seed=0)
    predicted = np.argmax(mnist_classifier.predict(samples, verbose=0), axis=1)
    accuracy = float(np.mean(predicted == labels))
    assert accuracy > 0.5, accuracy  # chance is 0.1


def test_spectral_normalization_and_conditional_wasserstein():
    from keras.layers import SpectralNormalization

    x = np.random.default_rng(0).uniform(size=(32, 28, 28, 1)).astype("float32")
    gan = kg.GAN(4, spectral_normalization=True, data_shape=(28, 28, 1))
    wrapped = [layer for layer in gan.discriminator.layers
               if isinstance(layer, SpectralNormalization)]
    assert wrapped, "the default discriminator should use spectral normalisation"
    model = kg.WGANGP(4, num_classes=3, critic_steps=1, seed=0)
    model.compile()
    history = model.fit(x, np.arange(32) % 3, epochs=1, batch_size=16, verbose=0).history
    assert np.isfinite(history["wasserstein"][0])
    assert model.sample(3, labels=[0, 1, 2], seed=0).shape == (3, 28, 28, 1)


def test_projection_discriminator_and_stabilisers(mnist):
    (x_train, y_train), _ = mnist
    generator, discriminator = _tiny_image_networks(conditional_dim=0, return_features=True)
    generator = build_dcgan_generator(8 + 4, (28, 28, 1), filters=(16, 8))
    model = kg.ConditionalGAN(8, num_classes=4, generator=generator,
                              discriminator=discriminator, projection_discriminator=True,
                              label_smoothing=0.1, instance_noise=0.1, r1_weight=1.0,
                              ema_decay=0.99, seed=0)
    model.compile()
    history = model.fit(x_train[:64], y_train[:64] % 4, epochs=1, batch_size=32,
                        verbose=0).history
    assert all(np.isfinite(v[0]) for v in history.values())
    assert model.embedding.embeddings.shape == (4, discriminator.outputs[1].shape[-1])
    # the EMA generator lags the trained one
    assert not np.allclose(model.ema_generator.weights[0], model.generator.weights[0])


class TestBadInput:
    def test_unknown_loss_lists_valid_ones(self):
        with pytest.raises(ValueError, match="hinge.*least_squares.*minimax.*non_saturating"):
            kg.GAN(2, loss="focal")

    def test_steps_and_weights(self):
        with pytest.raises(ValueError, match="critic_steps"):
            kg.WGANGP(2, critic_steps=0)
        with pytest.raises(ValueError, match="gradient_penalty_weight"):
            kg.WGANGP(2, gradient_penalty_weight=-1.0)
        with pytest.raises(ValueError, match="clip_value"):
            kg.WGAN(2, clip_value=0.0)
        with pytest.raises(ValueError, match="discriminator_steps"):
            kg.GAN(2, discriminator_steps=0)
        with pytest.raises(ValueError, match="label_smoothing"):
            kg.GAN(2, label_smoothing=1.0)

    def test_labels(self):
        x = np.random.default_rng(0).uniform(size=(8, 28, 28, 1)).astype("float32")
        cgan = kg.ConditionalGAN(2, num_classes=3)
        cgan.compile()
        with pytest.raises(ValueError, match="conditional on 3 classes"):
            cgan.fit(x, epochs=1, verbose=0)
        with pytest.raises(ValueError, match=r"labels in \[0, 2\]"):
            cgan.fit(x, np.arange(8), epochs=1, verbose=0)
        with pytest.raises(ValueError, match="num_classes"):
            kg.ConditionalGAN(2)

    def test_images_outside_unit_range_and_bad_shapes(self):
        gan = kg.GAN(2)
        gan.compile()
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            gan.fit(np.full((8, 28, 28, 1), -1.0, "float32"), epochs=1, verbose=0)
        with pytest.raises(ValueError, match="data_shape"):
            gan.fit(np.zeros((8, 30, 30, 1), "float32"), epochs=1, verbose=0)


def test_models_without_encoder_refuse_to_reconstruct():
    gan = kg.GAN(2, data_shape=(28, 28, 1))
    x = np.zeros((2, 28, 28, 1), "float32")
    with pytest.raises(TypeError, match="no encoder.*reconstruct"):
        gan.reconstruct(x)
    with pytest.raises(TypeError, match="no encoder.*interpolate"):
        gan.interpolate(x[0], x[1])


@pytest.mark.parametrize("data_shape", [(28, 28, 1), (2,)])
def test_projection_discriminator_with_default_networks(data_shape):
    model = kg.ConditionalGAN(2, num_classes=3, projection_discriminator=True,
                              data_shape=data_shape, seed=0)
    model.compile()
    x = np.random.default_rng(0).uniform(size=(8, *data_shape)).astype("float32")
    history = model.fit(x, np.arange(8) % 3, epochs=1, batch_size=4, verbose=0).history
    assert np.isfinite(history["d_loss"][0])
    assert model.discriminator.input_shape == (None, *data_shape)  # no label channels
