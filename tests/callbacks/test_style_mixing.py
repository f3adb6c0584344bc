"""Specification of `StyleMixingGrid`: StyleGAN's coarse-from-A, fine-from-B grid."""

from __future__ import annotations

import numpy as np
import pytest

import keras_genmodels as kg
from keras_genmodels.images import make_grid

from .conftest import read_images


@pytest.fixture(scope="module")
def stylegan():
    # built, not trained: the grid only needs the networks
    return kg.StyleGAN(latent_dim=8, channels=8, mapping_layers=1, seed=0,
                       data_shape=(8, 8, 1))


def test_logs_a_grid_that_reads_back_from_the_event_file(stylegan, tmp_path):
    grid = kg.callbacks.StyleMixingGrid(tmp_path / "tb", rows=2, columns=3,
                                        png_dir=tmp_path / "png")
    grid.set_model(stylegan)
    grid.on_train_begin()
    grid.on_train_end()
    expected = make_grid(np.zeros((3 * 4, 8, 8, 1), np.float32), nrow=4)
    (step, image), = read_images(tmp_path / "tb")["style_mixing"]
    assert step == 0
    assert image.shape[:2] == expected.shape[:2]
    assert (tmp_path / "png" / "style_mixing_epoch0000.png").exists()


def test_cells_take_coarse_styles_from_rows_and_fine_from_columns(stylegan, tmp_path):
    grid = kg.callbacks.StyleMixingGrid(tmp_path, rows=2, columns=3, crossover=1)
    grid.set_model(stylegan)
    w_a, w_b, ws = grid.mixed_styles()
    assert ws.shape == (6, stylegan.num_ws, 8)
    np.testing.assert_array_equal(ws[4, 0], w_a[1])      # row 1, column 1: coarse from A[1]
    np.testing.assert_array_equal(ws[4, 1:], np.repeat(w_b[1:2], stylegan.num_ws - 1, 0))


def test_refuses_models_without_styles_and_bad_crossovers(stylegan, tmp_path):
    vae = kg.VAE(2, data_shape=(28, 28, 1))
    with pytest.raises(TypeError, match="sample_w"):
        kg.callbacks.StyleMixingGrid(tmp_path).set_model(vae)
    with pytest.raises(ValueError, match="crossover"):
        kg.callbacks.StyleMixingGrid(tmp_path, crossover=stylegan.num_ws).set_model(stylegan)
