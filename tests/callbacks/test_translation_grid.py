"""TranslationGrid: inputs, translations and cycles of both domains, in TensorBoard."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_genmodels as kg

SHAPE = (28, 28, 1)


def tiny_cyclegan() -> kg.CycleGAN:
    keras.utils.set_random_seed(0)

    def generator(name):
        return keras.Sequential([keras.Input(SHAPE), keras.layers.Conv2D(
            1, 3, padding="same", activation="tanh")], name=name)

    def discriminator(name):
        return keras.Sequential([keras.Input(SHAPE), keras.layers.Conv2D(1, 4, strides=2)],
                                name=name)

    return kg.CycleGAN(generator("g_ab"), generator("g_ba"), discriminator("d_a"),
                       discriminator("d_b"), seed=0, data_shape=SHAPE)


def test_grid_is_logged_and_reads_back(tmp_path, callback_helpers):
    (a, b), _ = kg.datasets.load("shapes_filled_outlined", num_train=4, num_test=1)
    model = tiny_cyclegan()
    callback = kg.callbacks.TranslationGrid(tmp_path, a, b, png_dir=tmp_path / "png")
    callback.set_model(model)
    callback.on_train_begin()
    callback.on_epoch_end(0)
    callback.on_train_end()
    (series,) = callback_helpers.read_images(tmp_path).values()
    assert [step for step, _ in series] == [0, 1]
    # six rows (a, a->b, a->b->a, b, b->a, b->a->b) of four images
    assert series[0][1].shape == (*callback_helpers.grid_size(24, 4), 1)
    image = series[0][1][2:30, 2:30, 0] / 255.0  # the first input, as logged
    np.testing.assert_allclose(image, a[0, ..., 0], atol=1 / 255 + 1e-6)
    expected = np.concatenate([a, model.translate(a), model.translate(
        model.translate(a), "b_to_a")])
    grid = kg.images.make_grid(expected, nrow=4)
    np.testing.assert_allclose(callback.make_image()[: grid.shape[0]], grid, atol=1e-6)
    assert sorted(p.name for p in (tmp_path / "png").iterdir()) == [
        "translations_epoch0000.png", "translations_epoch0001.png"]


def test_models_without_translate_are_refused(tmp_path, callback_helpers):
    x = np.zeros((2, *SHAPE), "float32")
    callback = kg.callbacks.TranslationGrid(tmp_path, x, x)
    with pytest.raises(TypeError, match="translate"):
        callback.set_model(callback_helpers.tiny_gan())


def test_bad_images_raise(tmp_path):
    with pytest.raises(ValueError, match="same shape"):
        kg.callbacks.TranslationGrid(tmp_path, np.zeros((2, *SHAPE), "float32"),
                                     np.zeros((3, *SHAPE), "float32"))
    with pytest.raises(ValueError, match="x_b"):
        kg.callbacks.TranslationGrid(tmp_path, np.zeros((2, *SHAPE), "float32"),
                                     np.full((2, *SHAPE), 3.0, "float32"))
