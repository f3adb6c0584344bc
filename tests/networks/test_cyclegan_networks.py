"""CycleGAN's ResNet generator and PatchGAN discriminator, built from the data's shape."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_genmodels.networks.cyclegan import (
    ReflectionPadding2D,
    build_patchgan_discriminator,
    build_resnet_generator,
    default_cyclegan_networks,
    patchgan_receptive_field,
)


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3)])
def test_default_networks_keep_the_image_shape(shape):
    g_ab, g_ba, d_a, d_b = default_cyclegan_networks(shape)
    x = np.random.default_rng(0).uniform(-1, 1, (2, *shape)).astype("float32")
    for generator in (g_ab, g_ba):
        y = np.asarray(generator(x))
        assert y.shape == x.shape and y.dtype == np.float32
        assert np.abs(y).max() <= 1.0  # tanh
    for discriminator in (d_a, d_b):
        scores = discriminator(x)
        assert scores.shape[0] == 2 and scores.shape[-1] == 1 and scores.shape[1] > 1
    # the deepest PatchGAN whose patch fits in the image: 16 px for 28/32 px, 34 for 64
    field = patchgan_receptive_field(len([x for x in d_a.layers if "norm" in x.name]))
    assert field == (16 if shape[0] < 64 else 34)


def test_paper_defaults_give_a_70px_patchgan_with_a_30x30_grid():
    assert patchgan_receptive_field(3) == 70
    assert [patchgan_receptive_field(n) for n in (1, 2)] == [16, 34]
    critic = build_patchgan_discriminator((256, 256, 3), filters=8)
    assert critic.output_shape == (None, 30, 30, 1)


def test_generator_follows_the_paper_layout():
    generator = build_resnet_generator((64, 64, 3), filters=8, downsamplings=2,
                                       residual_blocks=6)
    names = [layer.name for layer in generator.layers]
    assert sum(name.endswith("_add") for name in names) == 6
    assert [generator.get_layer(f"down{i}").filters for i in range(2)] == [16, 32]
    assert generator.get_layer("conv_in").kernel_size == (7, 7)
    assert generator.get_layer("conv_out").dtype_policy.name == "float32"
    assert isinstance(generator.get_layer("pad_in"), ReflectionPadding2D)


def test_reflection_padding_reflects_and_serializes():
    layer = ReflectionPadding2D(2)
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    y = np.asarray(layer(x))[0, :, :, 0]
    assert y.shape == (8, 8)
    np.testing.assert_array_equal(y[2, :3], [2.0, 1.0, 0.0])  # reflected, no edge repeat
    clone = keras.layers.deserialize(keras.layers.serialize(layer))
    assert clone.padding == 2


def test_saved_generator_reloads(tmp_path):
    generator = build_resnet_generator((28, 28, 1), filters=4, residual_blocks=1)
    generator.save(tmp_path / "g.keras")
    restored = keras.saving.load_model(tmp_path / "g.keras")
    x = np.random.default_rng(0).uniform(-1, 1, (2, 28, 28, 1)).astype("float32")
    np.testing.assert_array_equal(np.asarray(restored(x)), np.asarray(generator(x)))


@pytest.mark.parametrize("call, match", [
    (lambda: build_resnet_generator((30, 30, 1)), "divisible"),
    (lambda: build_resnet_generator((28, 28)), "shape"),
    (lambda: build_resnet_generator((28, 28, 1), filters=0), "filters"),
    (lambda: build_resnet_generator((28, 28, 1), residual_blocks=-1), "residual_blocks"),
    (lambda: build_patchgan_discriminator((28, 28, 1), layers=4), "too deep"),
    (lambda: build_patchgan_discriminator((28, 28, 1), layers=0), "layers"),
    (lambda: patchgan_receptive_field(0), "layers"),
    (lambda: ReflectionPadding2D(0), "padding"),
])
def test_bad_arguments_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()
