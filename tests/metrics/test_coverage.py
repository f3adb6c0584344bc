"""Mode coverage on the 8-Gaussian ring: what counts as a covered mode and a good sample."""

import numpy as np
import pytest
import tensorflow as tf

from keras_genmodels.metrics.coverage import mode_coverage

STD = 0.02
ANGLES = 2 * np.pi * np.arange(8) / 8
RING = 2.0 * np.stack([np.cos(ANGLES), np.sin(ANGLES)], axis=1)


def _draw(modes, n, seed=0):
    """`n` samples from the ring's components listed in `modes`, in turn."""
    rng = np.random.default_rng(seed)
    modes = np.asarray(modes)
    return RING[modes[np.arange(n) % len(modes)]] + STD * rng.normal(size=(n, 2))


def test_samples_from_every_mode_cover_all_eight():
    result = mode_coverage(_draw(range(8), 800), RING, std=STD)
    assert set(result) == {
        "modes_covered",
        "num_modes",
        "high_quality_fraction",
        "counts",
        "kl_to_uniform",
    }
    assert result["modes_covered"] == 8 and result["num_modes"] == 8
    assert result["high_quality_fraction"] > 0.98
    assert result["counts"].shape == (8,) and result["counts"].sum() <= 800
    assert result["kl_to_uniform"] < 1e-3
    assert isinstance(result["modes_covered"], int)
    assert isinstance(result["high_quality_fraction"], float)
    assert isinstance(result["kl_to_uniform"], float)


def test_mode_collapse_covers_one_mode_with_maximal_kl():
    result = mode_coverage(_draw([3], 500), RING, std=STD)
    assert result["modes_covered"] == 1
    assert result["counts"][3] == result["counts"].sum() > 0
    np.testing.assert_allclose(result["kl_to_uniform"], np.log(8), rtol=1e-6)


def test_samples_far_from_every_mode_cover_nothing():
    far = np.random.default_rng(0).normal(size=(300, 2)) * 0.1 + 10.0
    result = mode_coverage(far, RING, std=STD)
    assert result["modes_covered"] == 0
    assert result["high_quality_fraction"] == 0.0
    assert np.all(result["counts"] == 0)
    np.testing.assert_allclose(result["kl_to_uniform"], np.log(8))


def test_samples_between_modes_are_not_high_quality():
    midpoints = (RING + np.roll(RING, 1, axis=0)) / 2
    result = mode_coverage(np.repeat(midpoints, 10, axis=0), RING, std=STD)
    assert result["high_quality_fraction"] == 0.0 and result["modes_covered"] == 0


def test_a_few_stray_samples_do_not_cover_a_mode():
    samples = np.concatenate([_draw(range(7), 700), _draw([7], 3, seed=1)])
    result = mode_coverage(samples, RING, std=STD)
    assert result["counts"][7] == 3
    assert result["modes_covered"] == 7
    # With no minimum share, any high-quality sample covers its mode.
    assert mode_coverage(samples, RING, std=STD, min_fraction=0.0)["modes_covered"] == 8


def test_threshold_widens_what_counts_as_high_quality():
    samples = _draw(range(8), 400) + 5 * STD  # every sample ~7 std from its centre
    assert mode_coverage(samples, RING, std=STD)["high_quality_fraction"] == 0.0
    wide = mode_coverage(samples, RING, std=STD, threshold=12.0)
    assert wide["high_quality_fraction"] == 1.0 and wide["modes_covered"] == 8


def test_accepts_tensors_and_higher_dimensions():
    centers = np.eye(5, dtype=np.float32) * 4.0
    samples = tf.constant(np.repeat(centers, 20, axis=0) + 0.01, tf.float32)
    result = mode_coverage(samples, tf.constant(centers), std=0.1)
    assert result["modes_covered"] == 5 and result["num_modes"] == 5
    assert result["high_quality_fraction"] == 1.0


def test_large_sample_counts_are_chunked_consistently():
    samples = _draw(range(8), 20_000)
    result = mode_coverage(samples, RING, std=STD)
    assert result["modes_covered"] == 8 and result["counts"].sum() > 19_500


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"samples": np.zeros((4, 3))}, ValueError, "samples.*dimension 3.*centers.*dimension 2"),
        ({"samples": np.zeros((0, 2))}, ValueError, "`samples` is empty"),
        ({"samples": np.zeros(4)}, ValueError, r"`samples` must have shape \(n, dim\)"),
        ({"samples": [[0.0, np.nan]]}, ValueError, "`samples` contains 1 NaN"),
        ({"samples": "ring"}, TypeError, "`samples`"),
        ({"samples": np.array([["a", "b"]])}, TypeError, "`samples` must be a numeric array"),
        ({"centers": np.zeros((0, 2))}, ValueError, "`centers` is empty"),
        ({"centers": [[np.inf, 0.0]]}, ValueError, "`centers` contains"),
        ({"std": 0.0}, ValueError, "`std` must be > 0"),
        ({"std": -1.0}, ValueError, "`std`"),
        ({"std": float("nan")}, ValueError, "`std`"),
        ({"std": "0.1"}, TypeError, "`std`"),
        ({"threshold": 0}, ValueError, "`threshold` must be > 0"),
        ({"min_fraction": -0.5}, ValueError, "`min_fraction`"),
    ],
)
def test_invalid_inputs_raise_naming_the_argument(kwargs, error, match):
    arguments = {"samples": _draw(range(8), 16), "centers": RING, "std": STD, **kwargs}
    with pytest.raises(error, match=match):
        mode_coverage(**arguments)
