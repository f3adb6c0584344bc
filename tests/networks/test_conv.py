"""Behaviour of the convolutional VAE encoder and decoder."""

import keras
import numpy as np
import pytest

from keras_genmodels.networks import build_conv_decoder, build_conv_encoder

TINY = {"filters": (2, 4), "dense_units": 4}


@pytest.mark.parametrize("size", [28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_encoder_maps_images_to_flat_vector(size, channels):
    encoder = build_conv_encoder((size, size, channels), output_dim=6, **TINY)
    assert encoder.input_shape == (None, size, size, channels)
    assert encoder(np.zeros((2, size, size, channels), "float32")).shape == (2, 6)


@pytest.mark.parametrize("size", [28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3, 6])
def test_decoder_maps_latents_to_image_parameters(size, channels):
    decoder = build_conv_decoder(3, (size, size, channels), **TINY)
    assert decoder.input_shape == (None, 3)
    assert decoder(np.zeros((2, 3), "float32")).shape == (2, size, size, channels)


@pytest.mark.parametrize(("size", "levels"), [(28, 2), (32, 2), (64, 3)])
def test_encoder_and_decoder_use_one_stride_2_level_per_halving(size, levels):
    encoder = build_conv_encoder((size, size, 1), 2, **TINY)
    decoder = build_conv_decoder(2, (size, size, 1), **TINY)
    convs = [x for x in encoder.layers if isinstance(x, keras.layers.Conv2D)]
    transposed = [x for x in decoder.layers if isinstance(x, keras.layers.Conv2DTranspose)]
    assert [c.strides for c in convs] == [(2, 2)] * levels
    assert [c.strides for c in transposed] == [(2, 2)] * levels


def test_decoder_outputs_are_raw_parameters():
    decoder = build_conv_decoder(2, (28, 28, 1), **TINY)
    assert decoder.layers[-1].activation is keras.activations.linear
    # Large latents must be able to give values outside [0, 1] and below 0.
    outputs = np.concatenate([decoder(np.full((1, 2), v, "float32")) for v in (-50.0, 50.0)])
    assert outputs.min() < 0.0 or outputs.max() > 1.0


def test_last_layers_stay_float32_under_mixed_precision(mixed_precision, output_dtypes):
    encoder = build_conv_encoder((32, 32, 3), 4, **TINY)
    decoder = build_conv_decoder(2, (32, 32, 6), **TINY)
    assert output_dtypes(encoder) == ["float32"]
    assert output_dtypes(decoder) == ["float32"]
    assert encoder.get_layer("conv_1").dtype_policy.name == "mixed_float16"
    assert encoder(np.zeros((1, 32, 32, 3), "float32")).dtype == "float32"
    assert decoder(np.zeros((1, 2), "float32")).dtype == "float32"


@pytest.mark.parametrize(
    ("shape", "match"),
    [
        ((30, 30, 1), "supported sizes are 28, 32, 64"),
        ((28, 32, 1), "square"),
        ((28, 28), "three ints"),
        ((28, 28, 0), "at least one channel"),
        ((28, 28, None), "three ints"),
    ],
)
def test_bad_image_shapes_are_rejected_naming_the_argument(shape, match):
    with pytest.raises(ValueError, match=f"`input_shape`.*{match}"):
        build_conv_encoder(shape, 4, **TINY)
    with pytest.raises(ValueError, match=f"`output_shape`.*{match}"):
        build_conv_decoder(4, shape, **TINY)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"output_dim": 0}, "output_dim"),
        ({"output_dim": 2, "filters": (4,)}, "filters"),
        ({"output_dim": 2, "filters": (4, -1)}, "filters"),
        ({"output_dim": 2, "dense_units": 0}, "dense_units"),
    ],
)
def test_encoder_rejects_bad_arguments_by_name(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        build_conv_encoder((28, 28, 1), **kwargs)


def test_decoder_rejects_non_positive_latent_dim():
    with pytest.raises(ValueError, match="`latent_dim`"):
        build_conv_decoder(0, (28, 28, 1))
    with pytest.raises(TypeError, match="`output_shape`"):
        build_conv_decoder(2, "28x28")
