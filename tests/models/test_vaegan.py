"""Specification of the VAE-GAN (Larsen et al., 2016): its three losses, its three
optimizers, its public methods, saving and resuming."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_genmodels.distributions import tfd
from keras_genmodels.models.vaegan import VAEGAN
from keras_genmodels.networks import (
    build_conv_encoder,
    build_dcgan_discriminator,
    build_dcgan_generator,
)

LATENT = 4
METRICS = {"d_loss", "g_loss", "encoder_loss", "kl", "feature_reconstruction"}
NETWORKS = {"encoder_optimizer": "encoder", "decoder_optimizer": "decoder",
            "d_optimizer": "discriminator"}


def small_vaegan(seed: int = 0, **kwargs) -> VAEGAN:
    """A VAE-GAN with tiny networks for 28x28x1 images."""
    keras.utils.set_random_seed(seed)
    return VAEGAN(
        LATENT,
        encoder=build_conv_encoder((28, 28, 1), 2 * LATENT, filters=(8, 16), dense_units=32),
        decoder=build_dcgan_generator(LATENT, (28, 28, 1), filters=(16, 8), name="decoder"),
        discriminator=build_dcgan_discriminator((28, 28, 1), filters=(8, 16),
                                                return_features=True),
        seed=seed,
        **kwargs,
    )


def adam(lr: float = 1e-3) -> keras.optimizers.Optimizer:
    return keras.optimizers.Adam(lr, beta_1=0.5)


def compile_adam(model: VAEGAN, lr: float = 1e-3) -> None:
    model.compile(decoder_optimizer=adam(lr), encoder_optimizer=adam(lr), d_optimizer=adam(lr))


def network_weights(model: VAEGAN) -> dict[str, list[np.ndarray]]:
    return {name: [np.asarray(w) for w in getattr(model, name).trainable_weights]
            for name in NETWORKS.values()}


def feature_error(model: VAEGAN, x: np.ndarray) -> float:
    """`L_llike` of the reconstructions of `x` under the model's discriminator."""
    _, real = model.discriminator_outputs(model.to_internal(x), training=False)
    _, reconstructed = model.discriminator_outputs(model.to_internal(model(x)), training=False)
    return float(model.feature_reconstruction(real, reconstructed))


def moved(before: list[np.ndarray], after: list[np.ndarray]) -> bool:
    return any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))


@pytest.fixture(scope="module")
def digits(mnist):
    (x_train, _), (x_test, _) = mnist
    return x_train[:512], x_test[:64]


@pytest.fixture(scope="module")
def trained_vaegan(digits):
    """Trained for 3 epochs on 512 digits, with the autoencoder's initial weights
    (shared, do not mutate)."""
    x, _ = digits
    model = small_vaegan(reconstruction_weight=1.0, data_shape=(28, 28, 1))
    model.compile(decoder_optimizer=adam(1e-3), encoder_optimizer=adam(1e-3),
                  d_optimizer=adam(2e-4))
    initial = [np.asarray(w) for w in model.encoder.weights + model.decoder.weights]
    history = model.fit(x, epochs=3, batch_size=64, verbose=0, shuffle=False)
    return model, {k: np.asarray(v) for k, v in history.history.items()}, initial


def test_losses_are_finite_and_the_feature_reconstruction_goes_down(trained_vaegan, digits):
    model, history, initial = trained_vaegan
    assert set(history) == {"d_loss", "g_loss", "encoder_loss", "kl", "feature_reconstruction"}
    assert all(np.all(np.isfinite(v)) for v in history.values())
    assert history["feature_reconstruction"][-1] < history["feature_reconstruction"][0]
    # the encoder's loss is L_prior + L_llike (kl_weight 1); epoch means are linear
    np.testing.assert_allclose(history["encoder_loss"],
                               history["kl"] + history["feature_reconstruction"], rtol=1e-5)
    assert np.all(history["kl"] >= 0.0)
    assert [int(model.slot_optimizer(s).iterations) for s in model.optimizer_slots] == [24] * 3

    # the training metric is measured in moving features; with the discriminator held
    # fixed, the trained autoencoder still reconstructs held-out digits better
    _, x_test = digits
    clone = VAEGAN.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    trained = feature_error(clone, x_test)
    for variable, value in zip(clone.encoder.weights + clone.decoder.weights, initial,
                               strict=True):
        variable.assign(value)
    assert trained < 0.95 * feature_error(clone, x_test)


def test_default_optimizers_each_step_their_own_network_once(digits):
    x, _ = digits
    model = small_vaegan(data_shape=(28, 28, 1))
    model.compile()
    assert model.optimizer is model.decoder_optimizer
    for slot in model.optimizer_slots:
        optimizer = model.slot_optimizer(slot)
        assert isinstance(optimizer, keras.optimizers.Adam), slot
        assert float(optimizer.learning_rate) == pytest.approx(2e-4)
        assert optimizer.built, slot  # built eagerly, as tf.distribute needs
    before = network_weights(model)
    model.train_step(tf.constant(x[:32]))
    assert [int(model.slot_optimizer(s).iterations) for s in model.optimizer_slots] == [1] * 3
    after = network_weights(model)
    assert all(moved(before[name], after[name]) for name in NETWORKS.values())


@pytest.mark.parametrize("frozen", sorted(NETWORKS))
def test_each_optimizer_moves_only_its_own_network(frozen, digits):
    x, _ = digits
    model = small_vaegan(data_shape=(28, 28, 1))
    model.compile(**{slot: keras.optimizers.SGD(0.0 if slot == frozen else 0.1)
                     for slot in NETWORKS})
    before = network_weights(model)
    model.train_step(tf.constant(x[:32]))  # eager: the same step `fit` compiles
    after = network_weights(model)
    for slot, name in NETWORKS.items():
        assert moved(before[name], after[name]) == (slot != frozen), name


def test_reconstruction_weight_reaches_only_the_decoder(digits):
    """gamma weighs L_llike in the decoder's loss alone: the encoder and the
    discriminator take the same step whatever its value."""
    x, _ = digits
    models = [small_vaegan(reconstruction_weight=w, data_shape=(28, 28, 1)) for w in (0.0, 10.0)]
    models[1].set_weights(models[0].get_weights())
    for model in models:
        compile_adam(model)
        model.train_step(tf.constant(x[:32]))
    low, high = (network_weights(model) for model in models)
    for name in ("encoder", "discriminator"):
        for a, b in zip(low[name], high[name], strict=True):
            np.testing.assert_allclose(a, b, atol=1e-6)
    assert moved(low["decoder"], high["decoder"])


def test_public_methods(trained_vaegan, digits):
    model, _, _ = trained_vaegan
    _, x_test = digits
    posterior = model.encode(x_test[:5])
    assert isinstance(posterior, tfd.Distribution)
    assert tuple(posterior.batch_shape) == (5,) and tuple(posterior.event_shape) == (LATENT,)

    reconstructions = model.reconstruct(x_test[:5])
    assert reconstructions.shape == (5, 28, 28, 1) and reconstructions.dtype == np.float32
    assert reconstructions.min() >= 0.0 and reconstructions.max() <= 1.0
    np.testing.assert_allclose(model.predict(x_test[:5], verbose=0), reconstructions, atol=1e-5)

    samples = model.sample(6, seed=3)
    assert samples.shape == (6, 28, 28, 1) and samples.dtype == np.float32
    assert samples.min() >= 0.0 and samples.max() <= 1.0
    np.testing.assert_array_equal(samples, model.sample(6, seed=3))
    assert not np.allclose(samples, model.sample(6, seed=4))

    path = model.interpolate(x_test[0], x_test[1], steps=5)
    assert path.shape == (5, 28, 28, 1)
    np.testing.assert_allclose(path[0], reconstructions[0], atol=1e-5)
    np.testing.assert_allclose(path[-1], reconstructions[1], atol=1e-5)
    assert model.interpolate(x_test[:3], x_test[3:6], steps=4, method="slerp").shape == (
        3, 4, 28, 28, 1)

    metrics = model.evaluate(x_test, batch_size=8, verbose=0, return_dict=True)
    assert all(np.isfinite(v) for v in metrics.values())


def test_default_networks_follow_the_data_shape():
    images = np.random.default_rng(0).uniform(size=(4, 32, 32, 3)).astype("float32")
    model = VAEGAN(3, seed=0)
    model.compile()
    model.build_from_data(images)
    assert model.encoder.output_shape == (None, 6)
    assert model.decoder.output_shape == (None, 32, 32, 3)
    assert [tuple(o.shape) for o in model.discriminator.outputs][0] == (None, 1)
    logs = model.train_step(model.check_data(images)[0])
    assert all(np.isfinite(float(v)) for v in logs.values())
    assert model.sample(2, seed=0).shape == (2, 32, 32, 3)

    vectors = np.random.default_rng(0).normal(size=(16, 2)).astype("float32") * 3.0
    vector_model = VAEGAN(2, seed=0)
    vector_model.compile()
    vector_model.build_from_data(vectors)  # values outside [0, 1] are fine for vectors
    logs = vector_model.train_step(tf.constant(vectors))
    assert all(np.isfinite(float(v)) for v in logs.values())
    assert vector_model.sample(5, seed=0).shape == (5, 2)
    assert vector_model.reconstruct(vectors[:4]).shape == (4, 2)


def test_config_round_trip():
    model = small_vaegan(reconstruction_weight=0.5, kl_weight=2.0, data_shape=(28, 28, 1))
    clone = VAEGAN.from_config(model.get_config())
    assert (clone.reconstruction_weight, clone.kl_weight, clone.seed, clone.data_shape) == (
        0.5, 2.0, 0, (28, 28, 1))
    assert clone.discriminator.count_params() == model.discriminator.count_params()
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.sample(3, seed=1), model.sample(3, seed=1))


def test_save_load_round_trip_and_resume(tmp_path, digits):
    x, _ = digits
    x = x[:128]
    model = small_vaegan(seed=7, reconstruction_weight=0.05, kl_weight=0.5)
    model.compile(decoder_optimizer=adam(1e-3), encoder_optimizer=keras.optimizers.RMSprop(3e-4),
                  d_optimizer=adam(5e-4))
    model.fit(x, epochs=1, batch_size=32, verbose=0, shuffle=False)
    path = tmp_path / "vaegan.keras"
    model.save(path)
    restored = keras.models.load_model(path)

    assert isinstance(restored, VAEGAN)
    assert (restored.reconstruction_weight, restored.kl_weight, restored.seed) == (0.05, 0.5, 7)
    assert isinstance(restored.encoder_optimizer, keras.optimizers.RMSprop)
    assert float(restored.d_optimizer.learning_rate) == pytest.approx(5e-4)
    np.testing.assert_array_equal(restored.sample(4, seed=0), model.sample(4, seed=0))
    for slot in model.optimizer_slots:
        original, loaded = model.slot_optimizer(slot), restored.slot_optimizer(slot)
        assert int(loaded.iterations) == int(original.iterations) == 4, slot
        for a, b in zip(loaded.variables, original.variables, strict=True):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))

    # resuming continues exactly where the original would go
    model.fit(x, epochs=1, batch_size=32, verbose=0, shuffle=False)
    restored.fit(x, epochs=1, batch_size=32, verbose=0, shuffle=False)
    for a, b in zip(restored.weights, model.weights, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-6)


class TestBadInput:
    x = np.random.default_rng(0).uniform(size=(8, 28, 28, 1)).astype("float32")

    @pytest.mark.parametrize("name", ["reconstruction_weight", "kl_weight"])
    def test_negative_weights(self, name):
        with pytest.raises(ValueError, match=f"{name}.*-1"):
            VAEGAN(2, **{name: -1.0})

    @pytest.mark.parametrize(
        "data, message",
        [
            ((np.ones((8, 28, 28, 1)) * 255).astype("uint8"), "uint8.*255"),
            (np.full((8, 28, 28, 1), 2.0, "float32"), r"\[0, 1\]"),
            (np.zeros((8, 28, 28), "float32"), "channel axis"),
            (np.zeros((8,), "float32"), "rank"),
        ],
    )
    def test_bad_data_in_fit(self, data, message):
        model = VAEGAN(2)
        model.compile()
        with pytest.raises(ValueError, match=message):
            model.fit(data, epochs=1, verbose=0)

    def test_discriminator_without_features(self):
        discriminator = build_dcgan_discriminator((28, 28, 1), filters=(8, 16))
        with pytest.raises(ValueError, match="return_features=True"):
            VAEGAN(2, discriminator=discriminator, data_shape=(28, 28, 1))

    def test_unbuilt_model(self):
        with pytest.raises(ValueError, match="fit"):
            VAEGAN(2).sample(3)
        with pytest.raises(ValueError, match="fit"):
            VAEGAN(2).reconstruct(self.x)

    def test_shape_mismatch_and_bad_interpolation(self):
        model = small_vaegan(data_shape=(28, 28, 1))
        with pytest.raises(ValueError, match="built for"):
            model.encode(np.zeros((2, 32, 32, 1), "float32"))
        with pytest.raises(ValueError, match="method.*linear.*slerp"):
            model.interpolate(self.x[0], self.x[1], method="cubic")


def test_validation_metrics_are_evaluate_on_the_validation_data(make_model, vector_data,
                                                                 validate_like_evaluate):
    x, _ = vector_data
    model = make_model("VAEGAN", kl_weight=0.5)
    model.compile()
    result = validate_like_evaluate(model, (x[:48],), (x[48:],), METRICS)
    assert result["kl"] > 0.0 and result["feature_reconstruction"] > 0.0
    assert result["encoder_loss"] == pytest.approx(
        0.5 * result["kl"] + result["feature_reconstruction"], rel=1e-5)


class Batches(keras.utils.PyDataset):
    """The array `x` in order, `batch_size` examples at a time."""

    def __init__(self, x, batch_size):
        super().__init__()
        self.x, self.batch_size = x, batch_size

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        return self.x[index * self.batch_size : (index + 1) * self.batch_size]


def test_fit_on_a_dataset_or_pydataset_trains_like_arrays(make_model, vector_data):
    x = vector_data[0][:48]
    sources = {
        "arrays": lambda model: model.fit(x, batch_size=16, epochs=1, shuffle=False, verbose=0),
        "dataset": lambda model: model.fit(tf.data.Dataset.from_tensor_slices(x).batch(16),
                                           epochs=1, shuffle=False, verbose=0),
        "pydataset": lambda model: model.fit(Batches(x, 16), epochs=1, shuffle=False,
                                             verbose=0),
    }
    trained = {}
    for source, fit in sources.items():
        model = make_model("VAEGAN")
        model.compile(**{slot: keras.optimizers.SGD(0.1) for slot in NETWORKS})
        fit(model)
        assert [int(model.slot_optimizer(s).iterations) for s in model.optimizer_slots] == [3] * 3
        trained[source] = [np.asarray(w) for w in model.weights]
    for source in ("dataset", "pydataset"):
        for a, b in zip(trained[source], trained["arrays"], strict=True):
            np.testing.assert_allclose(a, b, atol=1e-6, err_msg=source)
