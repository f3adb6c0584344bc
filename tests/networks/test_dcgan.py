"""Behaviour of the DCGAN generator and discriminator."""

import keras
import numpy as np
import pytest

from keras_genmodels.networks import (
    build_dcgan_discriminator,
    build_dcgan_generator,
    build_mlp,
    discriminator_features,
)

TINY_G = {"filters": (4, 2)}
TINY_D = {"filters": (2, 4)}


@pytest.mark.parametrize("size", [28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_generator_maps_latents_to_images_in_tanh_range(size, channels):
    generator = build_dcgan_generator(3, (size, size, channels), **TINY_G)
    z = np.random.default_rng(0).normal(scale=100.0, size=(4, 3)).astype("float32")
    images = keras.ops.convert_to_numpy(generator(z, training=True))
    assert images.shape == (4, size, size, channels)
    assert images.min() >= -1.0 and images.max() <= 1.0
    assert images.min() < 0.0 < images.max()


@pytest.mark.parametrize("size", [28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_discriminator_maps_images_to_one_logit(size, channels):
    discriminator = build_dcgan_discriminator((size, size, channels), **TINY_D)
    assert discriminator(np.zeros((2, size, size, channels), "float32")).shape == (2, 1)


def test_generator_output_activation_is_selectable():
    generator = build_dcgan_generator(2, (28, 28, 1), output_activation="sigmoid", **TINY_G)
    assert generator.get_layer("images").activation is keras.activations.sigmoid
    with pytest.raises(ValueError, match="`output_activation`"):
        build_dcgan_generator(2, (28, 28, 1), output_activation="softmax")


def test_discriminator_has_no_batch_normalization_and_uses_leaky_relu():
    discriminator = build_dcgan_discriminator((64, 64, 3), **TINY_D)
    kinds = [type(x) for x in discriminator.layers]
    assert keras.layers.BatchNormalization not in kinds
    leaky = [x for x in discriminator.layers if isinstance(x, keras.layers.LeakyReLU)]
    assert len(leaky) == 3
    assert all(x.negative_slope == pytest.approx(0.2) for x in leaky)


def test_spectral_normalization_wraps_every_conv_and_dense():
    discriminator = build_dcgan_discriminator((64, 64, 1), spectral_normalization=True, **TINY_D)
    wrapped = [x for x in discriminator.layers if isinstance(x, keras.layers.SpectralNormalization)]
    bare = [
        x for x in discriminator.layers if isinstance(x, (keras.layers.Conv2D, keras.layers.Dense))
    ]
    assert bare == []
    assert [type(x.layer).__name__ for x in wrapped] == ["Conv2D"] * 3 + ["Dense"]
    logits = discriminator(np.ones((2, 64, 64, 1), "float32"), training=True)
    assert logits.shape == (2, 1)


def test_dropout_option_adds_dropout_after_each_level():
    discriminator = build_dcgan_discriminator((28, 28, 1), dropout=0.3, **TINY_D)
    rates = [x.rate for x in discriminator.layers if isinstance(x, keras.layers.Dropout)]
    assert rates == [0.3, 0.3]
    with pytest.raises(ValueError, match="`dropout`"):
        build_dcgan_discriminator((28, 28, 1), dropout=1.0)


def test_return_features_gives_logit_and_flat_last_conv_activations():
    discriminator = build_dcgan_discriminator((32, 32, 3), return_features=True, **TINY_D)
    logits, features = discriminator(np.zeros((2, 32, 32, 3), "float32"))
    assert logits.shape == (2, 1)
    assert features.shape == (2, 8 * 8 * 4)


def test_discriminator_features_shares_weights_with_discriminator():
    discriminator = build_dcgan_discriminator((28, 28, 1), **TINY_D)
    features = discriminator_features(discriminator)
    x = np.random.default_rng(1).uniform(size=(2, 28, 28, 1)).astype("float32")
    assert features(x).shape == (2, 7 * 7 * 4)
    kernel = discriminator.get_layer("conv_1").kernel
    kernel.assign(kernel * 0.0)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(features(x)), 0.0, atol=1e-6)


def test_discriminator_features_needs_a_features_layer():
    with pytest.raises(ValueError, match="`discriminator`.*features"):
        discriminator_features(build_mlp(2, 1, hidden_units=()))
    with pytest.raises(TypeError, match="`discriminator`"):
        discriminator_features("not a model")


def test_last_layers_stay_float32_under_mixed_precision(mixed_precision, output_dtypes):
    generator = build_dcgan_generator(2, (28, 28, 1), **TINY_G)
    discriminator = build_dcgan_discriminator(
        (28, 28, 1), spectral_normalization=True, return_features=True, **TINY_D
    )
    assert output_dtypes(generator) == ["float32"]
    assert output_dtypes(discriminator) == ["float32", "float32"]
    assert generator.get_layer("conv_transpose_1").dtype_policy.name == "mixed_float16"
    assert generator(np.zeros((2, 2), "float32")).dtype == "float32"
    logits, features = discriminator(np.zeros((2, 28, 28, 1), "float32"), training=True)
    assert logits.dtype == "float32" and features.dtype == "float32"


@pytest.mark.parametrize(
    ("shape", "match"),
    [((30, 30, 3), "supported sizes"), ((64, 32, 3), "square"), ((64, 64), "three ints")],
)
def test_bad_image_shapes_are_rejected_naming_the_argument(shape, match):
    with pytest.raises(ValueError, match=f"`output_shape`.*{match}"):
        build_dcgan_generator(2, shape)
    with pytest.raises(ValueError, match=f"`input_shape`.*{match}"):
        build_dcgan_discriminator(shape)


def test_bad_dims_are_rejected_naming_the_argument():
    with pytest.raises(ValueError, match="`latent_dim`"):
        build_dcgan_generator(0, (28, 28, 1))
    with pytest.raises(ValueError, match="`filters`"):
        build_dcgan_discriminator((28, 28, 1), filters=(4, 8, 16))


def test_spectral_normalized_discriminator_round_trips_through_keras_file(tmp_path):
    discriminator = build_dcgan_discriminator((28, 28, 1), spectral_normalization=True, **TINY_D)
    discriminator.save(tmp_path / "discriminator.keras")
    restored = keras.saving.load_model(tmp_path / "discriminator.keras")
    x = np.random.default_rng(2).uniform(size=(2, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(restored(x)), keras.ops.convert_to_numpy(discriminator(x))
    )
