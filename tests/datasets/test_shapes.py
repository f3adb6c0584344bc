"""Specification of the procedural shapes dataset."""

import time

import numpy as np
import pytest

from keras_genmodels.datasets import FACTOR_NAMES, SHAPE_NAMES, make_shapes, render_shapes
from keras_genmodels.datasets.shapes import SCALE_RANGE, load_shapes


@pytest.fixture(scope="module")
def shapes32():
    return make_shapes(2000, image_size=32, seed=0)


def test_names():
    assert SHAPE_NAMES == ("square", "ellipse", "triangle", "heart")
    assert FACTOR_NAMES == ("shape", "scale", "rotation", "x", "y")


@pytest.mark.parametrize("image_size", [32, 64])
def test_images_are_float32_nhwc_in_unit_range(image_size):
    images, factors = make_shapes(50, image_size=image_size, seed=3)
    assert images.shape == (50, image_size, image_size, 1)
    assert images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert images.max() == 1.0  # sprites are solid white inside
    assert set(factors) == set(FACTOR_NAMES)
    assert all(factors[name].shape == (50,) for name in FACTOR_NAMES)


@pytest.mark.parametrize("image_size", [16, 28, 128, "32", True])
def test_rejects_other_image_sizes(image_size):
    with pytest.raises(ValueError, match="image_size"):
        make_shapes(10, image_size=image_size)


def test_rejects_bad_num_samples():
    with pytest.raises(ValueError, match="num_samples"):
        make_shapes(0)


def test_same_seed_gives_identical_arrays():
    a, fa = make_shapes(200, seed=7)
    b, fb = make_shapes(200, seed=7)
    np.testing.assert_array_equal(a, b)
    for name in FACTOR_NAMES:
        np.testing.assert_array_equal(fa[name], fb[name])


def test_different_seeds_differ():
    a, _ = make_shapes(200, seed=0)
    b, _ = make_shapes(200, seed=1)
    assert not np.array_equal(a, b)


def test_all_classes_present_and_balanced(shapes32):
    _, factors = shapes32
    assert factors["shape"].dtype == np.int32
    counts = np.bincount(factors["shape"], minlength=4)
    assert counts.tolist() == [500, 500, 500, 500]


def test_factors_lie_in_their_ranges(shapes32):
    _, factors = shapes32
    assert factors["scale"].min() >= SCALE_RANGE[0] and factors["scale"].max() <= SCALE_RANGE[1]
    assert factors["rotation"].min() >= 0.0 and factors["rotation"].max() < 2 * np.pi
    for axis in ("x", "y"):
        assert factors[axis].min() > 0.0 and factors[axis].max() < 1.0
        # Positions genuinely vary over the canvas, not only around the centre.
        assert factors[axis].max() - factors[axis].min() > 0.5
    for name in ("scale", "rotation", "x", "y"):
        assert factors[name].dtype == np.float32


@pytest.mark.parametrize("image_size", [32, 64])
def test_sprites_lie_inside_the_canvas(image_size):
    images, _ = make_shapes(1000, image_size=image_size, seed=5)
    border = np.concatenate(
        [images[:, 0], images[:, -1], images[:, :, 0], images[:, :, -1]], axis=None
    )
    assert border.max() == 0.0
    # Every image shows a sprite.
    assert images.reshape(1000, -1).max(axis=1).min() == 1.0


def test_centre_of_mass_follows_the_position_factors(shapes32):
    images, factors = shapes32
    size = images.shape[1]
    mass = images[..., 0].sum(axis=(1, 2))
    grid = (np.arange(size) + 0.5) / size
    com_x = (images[..., 0] * grid[None, None, :]).sum(axis=(1, 2)) / mass
    com_y = (images[..., 0] * grid[None, :, None]).sum(axis=(1, 2)) / mass
    # The triangle and heart centroids sit a little off their bounding centre.
    assert np.abs(com_x - factors["x"]).max() < 0.08
    assert np.abs(com_y - factors["y"]).max() < 0.08
    assert np.corrcoef(com_x, factors["x"])[0, 1] > 0.99


def test_area_grows_with_scale(shapes32):
    images, factors = shapes32
    area = images.sum(axis=(1, 2, 3))
    for index in range(4):
        members = factors["shape"] == index
        assert np.corrcoef(area[members], factors["scale"][members] ** 2)[0, 1] > 0.95


def test_classes_look_different():
    # Render each shape at identical scale, position and rotation: any difference in
    # the images comes from the shape alone.
    count = 4
    factors = {
        "shape": np.arange(count),
        "scale": np.ones(count),
        "rotation": np.zeros(count),
        "x": np.full(count, 0.5),
        "y": np.full(count, 0.5),
    }
    images = render_shapes(factors, image_size=32)[..., 0]
    for i in range(count):
        for j in range(i + 1, count):
            differing = np.mean(np.abs(images[i] - images[j]) > 0.5)
            assert differing > 0.03, (SHAPE_NAMES[i], SHAPE_NAMES[j])


def test_mean_images_per_class_differ(shapes32):
    images, factors = shapes32
    means = np.stack([images[factors["shape"] == k].mean(axis=0) for k in range(4)])
    for i in range(4):
        for j in range(i + 1, 4):
            assert np.abs(means[i] - means[j]).max() > 0.05


def test_square_is_axis_aligned_at_rotation_zero():
    factors = {"shape": [0], "scale": [1.0], "rotation": [0.0], "x": [0.5], "y": [0.5]}
    image = render_shapes(factors, image_size=64)[0, ..., 0]
    rows, cols = np.nonzero(image > 0.5)
    bbox_area = (np.ptp(rows) + 1) * (np.ptp(cols) + 1)
    assert np.sum(image > 0.5) / bbox_area > 0.95


def test_heart_lobes_point_up_at_rotation_zero():
    factors = {"shape": [3], "scale": [1.0], "rotation": [0.0], "x": [0.5], "y": [0.5]}
    image = render_shapes(factors, image_size=64)[0, ..., 0]
    rows = np.nonzero(image.max(axis=1) > 0.5)[0]
    top_width = np.sum(image[rows[0] + 3] > 0.5)
    bottom_width = np.sum(image[rows[-1] - 3] > 0.5)
    assert top_width > bottom_width


def test_render_shapes_checks_factors():
    with pytest.raises(ValueError, match="missing"):
        render_shapes({"shape": [0]})
    bad = {"shape": [4], "scale": [1.0], "rotation": [0.0], "x": [0.5], "y": [0.5]}
    with pytest.raises(ValueError, match="heart"):
        render_shapes(bad)


def test_render_reproduces_generated_images(shapes32):
    images, factors = shapes32
    np.testing.assert_allclose(render_shapes(factors, 32), images)


def test_ten_thousand_images_render_fast():
    start = time.perf_counter()
    make_shapes(10000, image_size=32, seed=0)
    assert time.perf_counter() - start < 2.0


def test_load_shapes_splits():
    (x_train, y_train), (x_test, y_test) = load_shapes(num_train=300, num_test=100, seed=2)
    assert x_train.shape == (300, 32, 32, 1) and x_test.shape == (100, 32, 32, 1)
    assert y_train.dtype == np.int32 and y_train.shape == (300,)
    np.testing.assert_array_equal(x_train, make_shapes(300, seed=2)[0])
    # The test split comes from a different random stream than the train split.
    assert not np.array_equal(x_train[:100], x_test)
    x_same_seed, _ = make_shapes(100, seed=2)
    assert not np.array_equal(x_same_seed, x_test)


def test_load_shapes_with_factors():
    (_, f_train), (_, f_test) = load_shapes(num_train=40, num_test=20, with_factors=True)
    assert set(f_train) == set(FACTOR_NAMES) and set(f_test) == set(FACTOR_NAMES)
    assert f_train["rotation"].shape == (40,) and f_test["x"].shape == (20,)
