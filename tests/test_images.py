"""Image grids, 8-bit conversion, PNG encoding and range conversions."""

import io

import numpy as np
import pytest
from PIL import Image

from keras_genmodels.images import (
    from_tanh_range,
    make_grid,
    save_png,
    to_png,
    to_tanh_range,
    to_uint8,
)


@pytest.mark.parametrize(
    ("count", "nrow", "rows", "cols"),
    [(16, None, 4, 4), (10, None, 3, 4), (10, 5, 2, 5), (3, 8, 1, 3)],
)
@pytest.mark.parametrize("channels", [1, 3])
def test_make_grid_has_exact_size(count, nrow, rows, cols, channels):
    grid = make_grid(np.zeros((count, 5, 7, channels), "float32"), nrow=nrow, padding=2)
    assert grid.shape == (rows * 5 + (rows + 1) * 2, cols * 7 + (cols + 1) * 2, channels)
    assert grid.dtype == np.float32


def test_make_grid_places_each_image_row_by_row():
    images = np.zeros((5, 4, 6, 3), "float32")
    images[4, 1, 2] = [0.25, 0.5, 0.75]  # image 4 is row 1, column 1 with nrow=3
    grid = make_grid(images, nrow=3, padding=3, pad_value=1.0)
    top, left = 3 + 1 * (4 + 3), 3 + 1 * (6 + 3)
    np.testing.assert_array_equal(grid[top + 1, left + 2], [0.25, 0.5, 0.75])
    np.testing.assert_array_equal(grid[top : top + 4, left : left + 6].sum(), 1.5)
    assert grid[0, 0, 0] == 1.0 and grid[top - 1, left, 0] == 1.0  # padding
    assert np.all(grid[top:, 3 + 2 * (6 + 3) :] == 1.0)  # empty last cell is padding


def test_make_grid_accepts_grayscale_without_channel_axis_and_zero_padding():
    images = np.arange(2 * 2 * 2, dtype="float32").reshape(2, 2, 2) / 10.0
    grid = make_grid(images, nrow=2, padding=0)
    assert grid.shape == (2, 4, 1)
    np.testing.assert_allclose(grid[..., 0], np.concatenate([images[0], images[1]], axis=1))


def test_make_grid_clips_values_and_rejects_nan():
    grid = make_grid(np.array([[[[-3.0], [7.0]]]], "float32"), padding=0)
    np.testing.assert_array_equal(grid[..., 0], [[0.0, 1.0]])
    with pytest.raises(ValueError, match="NaN"):
        make_grid(np.full((1, 2, 2, 1), np.nan, "float32"))


@pytest.mark.parametrize(
    ("images", "kwargs", "error", "match"),
    [
        (np.zeros((2, 4, 4, 2), "float32"), {}, ValueError, "`images`.*channels"),
        (np.zeros((4, 4), "float32"), {}, ValueError, "`images`.*shape"),
        (np.zeros((0, 4, 4, 1), "float32"), {}, ValueError, "`images`.*empty"),
        (np.zeros((2, 4, 4, 1), "uint8"), {}, TypeError, "`images`.*255"),
        (np.zeros((2, 4, 4, 1), "float32"), {"nrow": 0}, ValueError, "`nrow`"),
        (np.zeros((2, 4, 4, 1), "float32"), {"padding": -1}, ValueError, "`padding`"),
        (np.zeros((2, 4, 4, 1), "float32"), {"pad_value": 2.0}, ValueError, "`pad_value`"),
    ],
)
def test_make_grid_rejects_bad_arguments_by_name(images, kwargs, error, match):
    with pytest.raises(error, match=match):
        make_grid(images, **kwargs)


def test_to_uint8_rounds_and_clips():
    np.testing.assert_array_equal(
        to_uint8(np.array([-1.0, 0.0, 0.5, 1.0, 2.0])), [0, 0, 128, 255, 255]
    )
    pixels = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(to_uint8(pixels / 255.0), pixels)


@pytest.mark.parametrize(("channels", "mode"), [(1, "L"), (3, "RGB")])
def test_png_round_trips_through_pil_with_identical_pixels(channels, mode):
    pixels = np.random.default_rng(0).integers(0, 256, size=(9, 13, channels), dtype=np.uint8)
    decoded = Image.open(io.BytesIO(to_png(pixels.astype("float32") / 255.0)))
    assert decoded.mode == mode
    assert decoded.size == (13, 9)
    np.testing.assert_array_equal(np.asarray(decoded).reshape(9, 13, channels), pixels)


def test_save_png_creates_parent_directories(tmp_path):
    image = np.full((4, 5, 3), 0.5, "float32")
    path = save_png(image, tmp_path / "a" / "b" / "grid.png")
    assert path == tmp_path / "a" / "b" / "grid.png"
    assert path.read_bytes() == to_png(image)
    assert np.asarray(Image.open(path)).shape == (4, 5, 3)


@pytest.mark.parametrize("shape", [(2, 4, 4, 3), (4,), (4, 4, 4)])
def test_to_png_rejects_wrong_rank_or_channels(shape):
    with pytest.raises(ValueError, match="`image`"):
        to_png(np.zeros(shape, "float32"))


def test_tanh_range_conversions_are_inverse():
    x = np.array([0.0, 0.25, 1.0], "float32")
    np.testing.assert_allclose(to_tanh_range(x), [-1.0, -0.5, 1.0])
    np.testing.assert_allclose(from_tanh_range(to_tanh_range(x)), x)
    assert from_tanh_range(np.array([-1.0], "float32")).dtype == np.float32
    np.testing.assert_allclose(from_tanh_range([-1, 1]), [0.0, 1.0])
