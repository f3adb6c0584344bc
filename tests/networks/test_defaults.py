"""Default networks chosen from the data's shape."""

import keras
import pytest

from keras_genmodels.networks import default_gan_networks, default_vae_networks


@pytest.mark.parametrize("size", [28, 32, 64])
def test_vae_networks_for_images_are_convolutional(size):
    encoder, decoder = default_vae_networks((size, size, 3), latent_dim=4, params_per_dim=2)
    assert encoder.input_shape == (None, size, size, 3)
    assert encoder.output_shape == (None, 8)
    assert decoder.input_shape == (None, 4)
    assert decoder.output_shape == (None, size, size, 6)
    assert any(isinstance(x, keras.layers.Conv2D) for x in encoder.layers)


def test_conditional_vae_networks_take_label_channels_and_features():
    encoder, decoder = default_vae_networks((28, 28, 1), latent_dim=4, conditional_dim=10)
    assert encoder.input_shape == (None, 28, 28, 11)
    assert encoder.output_shape == (None, 8)
    assert decoder.input_shape == (None, 14)
    assert decoder.output_shape == (None, 28, 28, 1)


def test_vae_networks_for_vectors_are_mlps():
    encoder, decoder = default_vae_networks((2,), latent_dim=3, params_per_dim=2, conditional_dim=4)
    assert encoder.input_shape == (None, 6)
    assert encoder.output_shape == (None, 6)
    assert decoder.input_shape == (None, 7)
    assert decoder.output_shape == (None, 4)
    assert not any(isinstance(x, keras.layers.Conv2D) for x in encoder.layers)


@pytest.mark.parametrize("size", [28, 32, 64])
def test_gan_networks_for_images_are_dcgan(size):
    generator, discriminator = default_gan_networks(
        (size, size, 1), latent_dim=8, conditional_dim=2, spectral_normalization=True
    )
    assert generator.input_shape == (None, 10)
    assert generator.output_shape == (None, size, size, 1)
    assert discriminator.input_shape == (None, size, size, 3)
    assert discriminator.output_shape == (None, 1)
    assert any(isinstance(x, keras.layers.SpectralNormalization) for x in discriminator.layers)


def test_gan_networks_for_vectors_are_mlps():
    generator, discriminator = default_gan_networks((2,), latent_dim=8, conditional_dim=3)
    assert generator.input_shape == (None, 11)
    assert generator.output_shape == (None, 2)
    assert discriminator.input_shape == (None, 5)
    assert discriminator.output_shape == (None, 1)
    assert not any(isinstance(x, keras.layers.SpectralNormalization) for x in discriminator.layers)


@pytest.mark.parametrize("build", [default_vae_networks, default_gan_networks])
@pytest.mark.parametrize(
    "data_shape", [(30, 30, 1), (28, 32, 1), (28, 28), (4, 28, 28, 1), (), (None,)]
)
def test_unsupported_data_shapes_name_the_shape_and_what_is_supported(build, data_shape):
    with pytest.raises(ValueError, match=r"`data_shape`") as info:
        build(data_shape, latent_dim=2)
    assert "Supported" in str(info.value)
    assert str(tuple(data_shape)) in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [
        ({"latent_dim": 0}, ValueError, "latent_dim"),
        ({"latent_dim": 2, "conditional_dim": -1}, ValueError, "conditional_dim"),
        ({"latent_dim": 2, "params_per_dim": 0}, ValueError, "params_per_dim"),
        ({"latent_dim": "2"}, TypeError, "latent_dim"),
    ],
)
def test_vae_networks_reject_bad_dims_by_name(kwargs, error, argument):
    with pytest.raises(error, match=f"`{argument}`"):
        default_vae_networks((2,), **kwargs)


def test_data_shape_must_be_a_tuple():
    with pytest.raises(TypeError, match="`data_shape`"):
        default_gan_networks(28, latent_dim=2)
