"""Specification of the adversarial family: GAN, ConditionalGAN, WGAN, WGANGP (the
Wasserstein-only behaviour is in test_wgan.py)."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_genmodels as kg
from keras_genmodels.networks import (
    build_dcgan_discriminator,
    build_dcgan_generator,
    build_mlp_discriminator,
    build_mlp_generator,
)

RING_CENTERS, RING_STD = kg.datasets.mode_centers("ring8")
GAN_METRICS = {"d_loss", "g_loss", "d_real", "d_fake"}


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


def test_covers_the_modes_of_ring8_with_a_moving_average():
    (x, _), _ = kg.datasets.load("ring8", num_train=8192)
    keras.utils.set_random_seed(0)
    # the generator's moving average damps the oscillation between modes of a plain GAN
    # (no self-conditioning); one epoch per train_function call, as in
    # test_default_coverage.py
    model = kg.GAN(4, ema_decay=0.99, clusters=None, seed=0)
    model.compile(g_optimizer=_adam(1e-3), d_optimizer=_adam(1e-3), steps_per_execution=32)
    model.fit(x, epochs=48, batch_size=256, verbose=0)
    result = kg.metrics.mode_coverage(model.sample(2000, seed=0), RING_CENTERS, RING_STD)
    assert result["modes_covered"] >= 7, result
    assert result["high_quality_fraction"] > 0.1, result


def test_wgangp_defaults_learn_a_shifted_gaussian():
    # WGAN-GP's critic, penalty and critic steps with compile()'s defaults move the
    # generator from its initial output onto the data (the ring's modes are measured by
    # test_default_coverage.py and benchmarks/defaults_coverage.py)
    rng = np.random.default_rng(0)
    mean, std = np.array([3.0, -2.0]), 0.5
    x, x_test = ((rng.normal(size=(n, 2)) * std + mean).astype("float32") for n in (4096, 2000))
    keras.utils.set_random_seed(0)
    model = kg.WGANGP(8, seed=0)
    model.compile()
    model.build((None, 2))
    before = kg.metrics.sliced_wasserstein(x_test, model.sample(2000, seed=0))
    model.fit(x, epochs=8, batch_size=256, verbose=0)
    samples = model.sample(2000, seed=0)
    after = kg.metrics.sliced_wasserstein(x_test, samples)
    assert after < before / 4, (before, after)
    np.testing.assert_allclose(samples.mean(axis=0), mean, atol=0.6)


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


# ----------------------------------------------------------------- every loss learns
BLOB_CENTER = np.array([1.5, -1.0], np.float32)


@pytest.mark.parametrize("loss", ["hinge", "least_squares", "minimax"])
def test_generator_moves_to_the_data_with_every_loss(loss):
    # the generator starts near the origin; a loss pair whose signs or targets are wrong
    # leaves it there or drives it away
    x = BLOB_CENTER + 0.2 * np.random.default_rng(0).normal(size=(512, 2)).astype("float32")
    keras.utils.set_random_seed(0)
    model = kg.GAN(2, generator=build_mlp_generator(2, 2, (16,)),
                   discriminator=build_mlp_discriminator(2, (16,)), loss=loss, seed=0,
                   data_shape=(2,))
    model.compile(g_optimizer=_adam(1e-2), d_optimizer=_adam(1e-2))
    start = np.linalg.norm(model.sample(1000, seed=0).mean(axis=0) - BLOB_CENTER)
    model.fit(x, epochs=15, batch_size=64, verbose=0)
    end = np.linalg.norm(model.sample(1000, seed=0).mean(axis=0) - BLOB_CENTER)
    assert end < 0.35 * start, (start, end)


# ------------------------------------------------------------- evaluate, validation
def _fit_args(model, x, y) -> tuple:
    return (x, y) if model.conditional else (x,)


@pytest.mark.parametrize("family", ["GAN", "ConditionalGAN"])
def test_validation_metrics_are_evaluate_on_the_validation_data(family, make_model,
                                                                 vector_data,
                                                                 validate_like_evaluate):
    x, y = vector_data
    model = make_model(family)
    model.compile()
    validation = _fit_args(model, x[48:], y[48:])
    result = validate_like_evaluate(model, _fit_args(model, x[:48], y[:48]), validation,
                                    GAN_METRICS)
    # d_real is the discriminator's mean raw output on the evaluated (real) data
    scores = model(validation if model.conditional else validation[0])
    assert result["d_real"] == pytest.approx(float(np.mean(scores)), abs=1e-5)


# ------------------------------------------------- the discriminator's update alone
@pytest.mark.parametrize("family", ["GAN", "ConditionalGAN", "WGAN", "WGANGP"])
def test_discriminator_update_leaves_the_generator_unchanged(family, make_model,
                                                             vector_data):
    x, y = vector_data
    model = make_model(family, ema_decay=0.9)
    model.build((None, x.shape[1]))
    model.compile(g_optimizer=keras.optimizers.SGD(0.1), d_optimizer=keras.optimizers.SGD(0.1))
    generators = [np.asarray(w) for w in model.generator.weights + model.ema_generator.weights]
    discriminator = [np.asarray(w) for w in model.discriminator.weights]

    labels = tf.constant(y[:16]) if model.conditional else None
    model.discriminator_update(tf.constant(x[:16]), labels, 0)

    for before, after in zip(generators, model.generator.weights + model.ema_generator.weights,
                             strict=True):
        np.testing.assert_array_equal(np.asarray(after), before)
    # (a Wasserstein critic's bias does not move: its loss does not depend on it)
    assert not np.array_equal(np.asarray(model.discriminator.weights[0]), discriminator[0])
    assert (int(model.g_optimizer.iterations), int(model.d_optimizer.iterations)) == (0, 1)


# --------------------------------------------------- stabilisers, by their formulas
def _linear_scores(model, x: np.ndarray) -> np.ndarray:
    """The one-layer discriminator of `make_model`: D(x) = w.x + b."""
    kernel, bias = model.discriminator.get_layer("discriminator_dense").get_weights()
    return (x @ kernel + bias)[:, 0].astype(np.float64)


def _squared_weight_norm(model) -> float:
    kernel, _ = model.discriminator.get_layer("discriminator_dense").get_weights()
    return float(np.sum(kernel.astype(np.float64) ** 2))


def _d_loss(model, real, fake, step: int = 0) -> dict[str, float]:
    if not model.compiled:
        model.compile()  # the noise is keyed by the optimizer's step
    terms = model.discriminator_loss(tf.constant(real), tf.constant(fake), None, step)
    return {name: float(value) for name, value in terms.items()}


@pytest.mark.parametrize("loss", ["minimax", "non_saturating"])
def test_label_smoothing_adds_smoothing_times_the_mean_real_logit(loss, make_model,
                                                                   vector_data):
    # softplus(l) - (1 - s) l = [softplus(l) - l] + s l for each real logit l
    x, _ = vector_data
    real, fake = 4.0 * x[:32], x[32:]
    plain = make_model("GAN", loss=loss)
    smoothed = make_model("GAN", loss=loss, label_smoothing=0.2)
    smoothed.set_weights(plain.get_weights())
    real_logits, fake_logits = _linear_scores(plain, real), _linear_scores(plain, fake)
    assert abs(real_logits.mean()) > 0.5  # so the term is visible

    base = _d_loss(plain, real, fake)
    expected = np.mean(np.logaddexp(0.0, -real_logits)) + np.mean(np.logaddexp(0.0, fake_logits))
    assert base["d_loss"] == pytest.approx(expected, rel=1e-5)
    assert (base["d_real"], base["d_fake"]) == pytest.approx(
        (real_logits.mean(), fake_logits.mean()), abs=1e-5)
    assert _d_loss(smoothed, real, fake)["d_loss"] - base["d_loss"] == pytest.approx(
        0.2 * real_logits.mean(), rel=1e-4)


@pytest.mark.parametrize("loss", ["hinge", "least_squares"])
def test_label_smoothing_only_changes_cross_entropy_losses(loss, make_model, vector_data):
    x, _ = vector_data
    plain = make_model("GAN", loss=loss)
    smoothed = make_model("GAN", loss=loss, label_smoothing=0.2)
    smoothed.set_weights(plain.get_weights())
    assert _d_loss(smoothed, x[:32], x[32:])["d_loss"] == pytest.approx(
        _d_loss(plain, x[:32], x[32:])["d_loss"], rel=1e-6)


def test_r1_adds_half_gamma_times_the_squared_input_gradient(make_model, vector_data):
    # grad_x (w.x + b) = w for every example, so the penalty is |w|^2 exactly
    x, _ = vector_data
    plain = make_model("GAN")
    penalised = make_model("GAN", r1_weight=4.0)
    penalised.set_weights(plain.get_weights())
    added = _d_loss(penalised, x[:32], x[32:])["d_loss"] - _d_loss(plain, x[:32], x[32:])["d_loss"]
    assert added == pytest.approx(4.0 / 2 * _squared_weight_norm(plain), rel=1e-4)


def test_evaluate_reports_r1_in_d_loss_as_training_does(make_model, vector_data):
    # the validation d_loss is the training objective: with D(x) = w.x + b the R1 term is
    # gamma / 2 |w|^2 on every batch, in `evaluate` as in `discriminator_loss`
    x, _ = vector_data
    plain, penalised = make_model("GAN"), make_model("GAN", r1_weight=4.0)
    penalised.set_weights(plain.get_weights())
    for model in (plain, penalised):
        model.compile()
    plain_logs = plain.evaluate(x, batch_size=64, verbose=0, return_dict=True)
    logs = penalised.evaluate(x, batch_size=64, verbose=0, return_dict=True)
    r1 = 4.0 / 2 * _squared_weight_norm(plain)
    assert logs["r1_penalty"] == pytest.approx(_squared_weight_norm(plain), rel=1e-4)
    assert logs["d_loss"] - plain_logs["d_loss"] == pytest.approx(r1, rel=1e-4)
    assert "r1_penalty" not in plain_logs
    assert (logs["d_real"], logs["g_loss"]) == pytest.approx(
        (plain_logs["d_real"], plain_logs["g_loss"]), rel=1e-6)


def test_instance_noise_adds_sigma_squared_weight_norm_to_least_squares(make_model):
    # with D(x) = w.x + b and x -> x + sigma * eps on both halves,
    # 0.5 E[(D(x + sigma eps) - t)^2] = 0.5 E[(D(x) - t)^2] + 0.5 sigma^2 |w|^2 per half
    n, sigma = 20000, 0.3
    rng = np.random.default_rng(1)
    real = rng.uniform(size=(n, 16)).astype("float32")
    fake = rng.uniform(size=(n, 16)).astype("float32")
    plain = make_model("GAN", loss="least_squares")
    noisy = make_model("GAN", loss="least_squares", instance_noise=sigma)
    noisy.set_weights(plain.get_weights())
    norm2 = _squared_weight_norm(plain)

    added = _d_loss(noisy, real, fake)["d_loss"] - _d_loss(plain, real, fake)["d_loss"]

    # per example the added term is sigma (D(x) - t) u + 0.5 sigma^2 u^2 with u ~ N(0, |w|^2)
    residuals = np.concatenate([_linear_scores(plain, real) - 1.0, _linear_scores(plain, fake)])
    variance = sigma**2 * norm2 * np.mean(residuals**2) + 0.5 * sigma**4 * norm2**2
    standard_error = math.sqrt(variance / n)
    expected = sigma**2 * norm2
    assert 4 * standard_error < 0.2 * expected  # noise on one half only would show
    assert added == pytest.approx(expected, abs=4 * standard_error)


def test_instance_noise_is_drawn_independently_for_real_and_generated(make_model,
                                                                      vector_data):
    # identical real and generated batches score identically unless their noise differs
    x, _ = vector_data
    plain = make_model("GAN")
    noisy = make_model("GAN", instance_noise=0.5)
    noisy.set_weights(plain.get_weights())
    clean = _d_loss(plain, x, x)
    assert clean["d_real"] == clean["d_fake"]
    terms = _d_loss(noisy, x, x)
    assert abs(terms["d_real"] - terms["d_fake"]) > 1e-3, terms
    # and the noise is the expected size: mean(w.eps) over 64 examples has sd ~ |w|/8
    spread = 0.5 * math.sqrt(_squared_weight_norm(plain)) / math.sqrt(len(x))
    assert abs(terms["d_real"] - clean["d_real"]) < 5 * spread


# ------------------------------------------------------------ tf.data and PyDataset
class Batches(keras.utils.PyDataset):
    """The arrays `x` (and labels `y`) in order, `batch_size` at a time."""

    def __init__(self, x, y=None, batch_size=16):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        batch = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[batch] if self.y is None else (self.x[batch], self.y[batch])


@pytest.mark.parametrize(("family", "options"), [
    ("GAN", {}), ("ConditionalGAN", {}), ("WGANGP", {"critic_steps": 2, "num_classes": 3})])
def test_fit_on_a_dataset_or_pydataset_trains_like_arrays(family, options, make_model,
                                                          vector_data):
    x, y = vector_data
    x, y = x[:48], y[:48]
    trained = {}
    for source in ("arrays", "dataset", "pydataset"):
        model = make_model(family, **options)
        model.compile(g_optimizer=keras.optimizers.SGD(0.1), d_optimizer=keras.optimizers.SGD(0.1))
        labels = y if model.conditional else None
        if source == "arrays":
            model.fit(*_fit_args(model, x, y), batch_size=16, epochs=1, shuffle=False, verbose=0)
        elif source == "dataset":
            data = tf.data.Dataset.from_tensor_slices(_fit_args(model, x, y) if labels is not None
                                                      else x)
            model.fit(data.batch(16), epochs=1, shuffle=False, verbose=0)
        else:
            model.fit(Batches(x, labels, 16), epochs=1, shuffle=False, verbose=0)
        assert int(model.g_optimizer.iterations) == 3, source
        trained[source] = [np.asarray(w) for w in model.weights]
    for source in ("dataset", "pydataset"):
        for a, b in zip(trained[source], trained["arrays"], strict=True):
            np.testing.assert_allclose(a, b, atol=1e-6, err_msg=source)


def test_discriminator_inputs_append_one_hot_labels_unless_projected():
    images = kg.ConditionalGAN(8, num_classes=3, data_shape=(28, 28, 1))
    x = images.discriminator_inputs(tf.zeros((2, 28, 28, 1)), [0, 2])
    assert x.shape == (2, 28, 28, 4)
    np.testing.assert_array_equal(np.asarray(x)[:, 5, 5], [[0, 1, 0, 0], [0, 0, 0, 1]])
    with pytest.raises(ValueError, match="`labels` are required"):
        images.discriminator_inputs(tf.zeros((2, 28, 28, 1)), None)
    vectors = kg.ConditionalGAN(8, num_classes=3, data_shape=(2,))
    np.testing.assert_array_equal(vectors.discriminator_inputs(tf.ones((1, 2)), [1]),
                                  [[1, 1, 0, 1, 0]])
    projected = kg.ConditionalGAN(8, num_classes=3, data_shape=(2,),
                                  projection_discriminator=True)
    unconditional = kg.GAN(8, data_shape=(2,), clusters=None)
    for model in (projected, unconditional):  # the labels go elsewhere, or nowhere
        assert model.discriminator_inputs(tf.ones((1, 2)), [1]).shape == (1, 2)
