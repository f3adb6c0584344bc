"""Specification of StyleGAN2's networks and layers: equalised learning rate, modulated
and demodulated convolutions, shapes at any power of two, argument checks."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from keras_genmodels.networks import stylegan as sgn
from keras_genmodels.networks.equalized import EqualizedConv2D, EqualizedDense
from keras_genmodels.networks.modulated import StyledConv2D, ToRGB


def test_demodulation_gives_unit_variance_outputs_for_unit_variance_inputs():
    rng = np.random.default_rng(0)
    conv = StyledConv2D(64, w_index=0, activation="linear")
    x = keras.ops.convert_to_tensor(rng.normal(size=(4, 16, 16, 64)).astype("float32"))
    ws = keras.ops.convert_to_tensor(                             # strong, varied styles
        (5.0 * rng.normal(size=(4, 1, 32))).astype("float32"))
    y = keras.ops.convert_to_numpy(conv([x, ws]))
    interior = y[:, 1:-1, 1:-1]                                   # away from zero padding
    assert np.std(interior) == pytest.approx(1.0, abs=0.05)
    undemodulated = StyledConv2D(64, w_index=0, activation="linear", demodulate=False)
    z = keras.ops.convert_to_numpy(undemodulated([x, ws]))
    assert abs(np.std(z[:, 1:-1, 1:-1]) - 1.0) > 0.5


def test_equalized_weights_are_stored_unit_normal_and_scaled_at_runtime():
    dense = EqualizedDense(256, lr_multiplier=0.01)
    x = np.eye(400, dtype="float32")[:8]
    y = keras.ops.convert_to_numpy(dense(x))
    kernel = dense.kernel.numpy()
    assert np.std(kernel) == pytest.approx(100.0, rel=0.05)       # N(0, 1 / lr_mul^2)
    np.testing.assert_allclose(y, kernel[:8] * 0.01 / math.sqrt(400), rtol=1e-5)
    conv = EqualizedConv2D(64, 3)
    conv.build((None, 8, 8, 32))
    assert np.std(conv.kernel.numpy()) == pytest.approx(1.0, rel=0.05)
    assert conv.scale == pytest.approx(1 / math.sqrt(9 * 32))


@pytest.mark.parametrize("resolution", [4, 8, 32, 64])
def test_shapes_at_any_power_of_two(resolution):
    synthesis = sgn.build_synthesis_network(resolution, 3, w_dim=8, channels=8)
    num_ws = sgn.num_styles(resolution)
    ws = np.zeros((2, num_ws, 8), "float32")
    noise = np.zeros((2, sgn.noise_size(resolution)), "float32")
    images = synthesis([ws, noise])
    assert images.shape == (2, resolution, resolution, 3)
    assert images.dtype == "float32"
    discriminator = sgn.build_stylegan_discriminator((resolution, resolution, 3), channels=8)
    assert discriminator(images).shape == (2, 1)
    mapping = sgn.build_mapping_network(8, 8, mapping_layers=3)
    assert mapping(np.ones((2, 8), "float32")).shape == (2, 8)
    assert num_ws == 2 * int(math.log2(resolution)) - 2


def test_to_rgb_and_layers_round_trip_their_config():
    for layer in (StyledConv2D(4, w_index=2, noise_offset=16, up=True), ToRGB(3, w_index=1),
                  EqualizedDense(4, lr_multiplier=0.1), EqualizedConv2D(4, 1, down=True),
                  sgn.MinibatchStddev(2)):
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()


def test_minibatch_stddev_groups_consecutive_examples():
    x = np.zeros((8, 2, 2, 1), "float32")
    x[4:] = np.arange(4, dtype="float32")[:, None, None, None]   # only the second group varies
    y = keras.ops.convert_to_numpy(sgn.MinibatchStddev(4)(x))[..., -1]
    assert np.allclose(y[:4], 1e-4, atol=1e-3) and np.all(y[4:] > 1.0)
    # a batch the group size does not divide uses the largest divisor that does
    assert sgn.MinibatchStddev(4)(np.ones((6, 2, 2, 1), "float32")).shape == (6, 2, 2, 2)


@pytest.mark.parametrize("bad", [0, 2, 12, 48, 8.0, True])
def test_bad_sizes_raise_naming_the_argument(bad):
    with pytest.raises(ValueError, match="resolution"):
        sgn.build_synthesis_network(bad, 3, w_dim=8)
    with pytest.raises(ValueError, match=r"input_shape"):
        sgn.build_stylegan_discriminator((bad, bad, 3))


def test_bad_widths_raise_naming_the_argument():
    with pytest.raises(ValueError, match="channels"):
        sgn.build_synthesis_network(8, 3, w_dim=8, channels=0)
    with pytest.raises(ValueError, match="mapping_layers"):
        sgn.build_mapping_network(8, 8, mapping_layers=0)
    with pytest.raises(ValueError, match="square"):
        sgn.build_stylegan_discriminator((8, 16, 3))
