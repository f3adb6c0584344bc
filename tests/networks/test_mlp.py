"""Behaviour of the fully connected builders."""

import keras
import numpy as np
import pytest

from keras_genmodels.networks import build_mlp, build_mlp_discriminator, build_mlp_generator


def test_build_mlp_maps_input_dim_to_output_dim():
    mlp = build_mlp(3, 5, hidden_units=(4, 4), name="net")
    assert mlp.name == "net"
    assert mlp.input_shape == (None, 3)
    assert mlp(np.zeros((2, 3), "float32")).shape == (2, 5)
    hidden = [layer for layer in mlp.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in hidden] == [4, 4, 5]


def test_build_mlp_output_is_linear():
    mlp = build_mlp(2, 1, hidden_units=())
    assert mlp.layers[-1].activation is keras.activations.linear
    x = np.array([[1e3, -1e3]], "float32")
    # A linear map of a linear map: f(-x) == 2 f(0) - f(x), impossible with a squashing output.
    np.testing.assert_allclose(mlp(-x), 2 * mlp(0 * x) - mlp(x), rtol=1e-4, atol=1e-2)


def test_mlp_builders_keep_outputs_float32_under_mixed_precision(mixed_precision, output_dtypes):
    models = [
        build_mlp(2, 3, hidden_units=(4,)),
        build_mlp_generator(2, 3, hidden_units=(4,)),
        build_mlp_discriminator(3, hidden_units=(4,), spectral_normalization=True),
    ]
    for model in models:
        assert output_dtypes(model) == ["float32"]
        assert model(np.zeros((2, model.input_shape[-1]), "float32")).dtype == "float32"
    hidden = models[0].get_layer("dense_1")
    assert hidden.dtype_policy.name == "mixed_float16"


def test_mlp_generator_output_is_unbounded_vector():
    generator = build_mlp_generator(4, 2, hidden_units=(8,))
    assert generator.output_shape == (None, 2)
    assert generator.layers[-1].activation is keras.activations.linear


def test_mlp_discriminator_returns_one_logit_and_optional_features():
    discriminator = build_mlp_discriminator(2, hidden_units=(8, 6))
    assert discriminator(np.zeros((5, 2), "float32")).shape == (5, 1)
    assert not any(isinstance(x, keras.layers.BatchNormalization) for x in discriminator.layers)

    with_features = build_mlp_discriminator(2, hidden_units=(8, 6), return_features=True)
    logits, features = with_features(np.zeros((5, 2), "float32"))
    assert logits.shape == (5, 1)
    assert features.shape == (5, 6)


def test_mlp_discriminator_spectral_normalization_wraps_every_dense():
    discriminator = build_mlp_discriminator(2, hidden_units=(8, 8), spectral_normalization=True)
    wrapped = [x for x in discriminator.layers if isinstance(x, keras.layers.SpectralNormalization)]
    bare = [x for x in discriminator.layers if isinstance(x, keras.layers.Dense)]
    assert len(wrapped) == 3
    assert bare == []
    assert all(isinstance(x.layer, keras.layers.Dense) for x in wrapped)


@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [
        ({"input_dim": 0, "output_dim": 2}, ValueError, "input_dim"),
        ({"input_dim": 2, "output_dim": -1}, ValueError, "output_dim"),
        ({"input_dim": 2.5, "output_dim": 2}, TypeError, "input_dim"),
        ({"input_dim": 2, "output_dim": 2, "hidden_units": (4, 0)}, ValueError, "hidden_units"),
        ({"input_dim": 2, "output_dim": 2, "hidden_units": 4}, TypeError, "hidden_units"),
    ],
)
def test_build_mlp_rejects_bad_arguments_by_name(kwargs, error, argument):
    with pytest.raises(error, match=f"`{argument}`"):
        build_mlp(**kwargs)


def test_mlp_discriminator_rejects_non_bool_spectral_normalization():
    with pytest.raises(TypeError, match="`spectral_normalization`"):
        build_mlp_discriminator(2, spectral_normalization="yes")
