"""Precision/recall and density/coverage: the prdc package's numbers, and what they mean."""

import contextlib
import importlib
import io

import numpy as np
import pytest
from prdc import compute_prdc

import keras_genmodels as kg
from keras_genmodels.metrics.precision_recall import density_coverage, precision_recall

# the module itself (`keras_genmodels.metrics.precision_recall` is the function)
pr_module = importlib.import_module("keras_genmodels.metrics.precision_recall")


def _prdc(real, fake, k):
    with contextlib.redirect_stdout(io.StringIO()):  # prdc prints the set sizes
        return compute_prdc(real.astype("float32"), fake.astype("float32"), nearest_k=k)


def _clusters(centres, n, seed):
    rng = np.random.default_rng(seed)
    return centres[np.arange(n) % len(centres)] + 0.1 * rng.normal(size=(n, centres.shape[1]))


# ten clusters on a circle of radius 10, 6.2 apart, standard deviation 0.1
CENTRES = 10.0 * np.stack([np.cos(np.arange(10) * np.pi / 5), np.sin(np.arange(10) * np.pi / 5)], 1)


def _assert_equal_to_prdc(real, fake, k):
    """All four numbers exactly prdc's: each is a count over float32 distances."""
    expected = _prdc(real, fake, k)
    got = {**precision_recall(real, fake, k=k), **density_coverage(real, fake, k=k)}
    assert all(isinstance(value, float) for value in got.values())
    assert got == {name: float(value) for name, value in expected.items()}


@pytest.mark.parametrize("k", [1, 3, 5])
@pytest.mark.parametrize("sizes", [(300, 300), (250, 180)])
def test_matches_prdc_on_random_data(k, sizes):
    rng = np.random.default_rng(k)
    real = rng.normal(size=(sizes[0], 10))
    fake = rng.normal(size=(sizes[1], 10)) * 1.1 + 0.2
    _assert_equal_to_prdc(real, fake, k)


@pytest.mark.parametrize("width", [32, 100])  # computed in float64 and in float32
def test_matches_prdc_when_the_distances_come_in_blocks(monkeypatch, width):
    monkeypatch.setattr(pr_module, "_BLOCK_ENTRIES", 1000)  # blocks of 3 to 5 rows
    monkeypatch.setattr(pr_module, "_GATHER_ENTRIES", 500)  # exact distances a few at a time
    rng = np.random.default_rng(7)
    real, fake = rng.normal(size=(200, width)), rng.normal(size=(300, width)) + 0.1
    _assert_equal_to_prdc(real, fake, 4)


def _mixture_sets(name):
    (x_train, _), (x_test, _) = kg.datasets.load(name)
    jitter = 0.01 * np.random.default_rng(0).normal(size=(1500, 2))
    return {"test set": (x_train[:1500], x_test[:1500]),
            "jittered copy": (x_train[:1500], x_train[:1500] + jitter)}


@pytest.mark.parametrize("pair", ["test set", "jittered copy"])
@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_matches_prdc_on_the_2d_mixtures(name, pair):
    # neighbours 1e-2 apart at radius 2 to 6: the float32 expansion alone miscounted
    # (density 1.0055 where prdc finds 1.0158 on ring8)
    real, fake = _mixture_sets(name)[pair]
    for k in (3, 5):
        _assert_equal_to_prdc(real, fake, k)


@pytest.mark.parametrize("offset", [100.0, 1000.0])
@pytest.mark.parametrize("width", [16, 128])
def test_matches_prdc_on_features_with_a_common_offset(offset, width):
    rng = np.random.default_rng(width)
    real = rng.normal(size=(400, width)) + offset
    fake = rng.normal(size=(300, width)) * 1.1 + 0.1 + offset
    _assert_equal_to_prdc(real, fake, 5)


def test_matches_prdc_on_ties():
    # duplicated rows (radii of 0) and generated rows equal to real ones, so that
    # distances tie radii exactly: prdc's strict `<` decides
    rng = np.random.default_rng(3)
    real = np.repeat(rng.normal(size=(60, 3)), [1, 2, 3] * 20, axis=0)
    _assert_equal_to_prdc(real, real[::-1].copy(), 2)
    _assert_equal_to_prdc(real, np.vstack([real[:50], rng.normal(size=(50, 3))]), 3)


def test_computes_exact_distances_only_near_a_radius(monkeypatch):
    exact = pr_module._exact_squared_distances
    pairs = []
    monkeypatch.setattr(pr_module, "_exact_squared_distances",
                        lambda x, y, rows, cols: pairs.append(len(rows)) or exact(x, y, rows, cols))
    rng = np.random.default_rng(1)
    real = np.maximum(rng.normal(size=(1000, 256)), 0) + 1000.0  # the float32 path, offset
    fake = np.maximum(rng.normal(size=(1000, 256)), 0) + 1000.0
    _assert_equal_to_prdc(real, fake, 5)
    # of 5 x 10^6 pairs in 5000 rows (two radii and the cross distances for precision and
    # recall, one and one for density and coverage), about one per row
    assert 0 < sum(pairs) < 5 * 5000


def test_half_the_modes_gives_high_precision_and_half_recall():
    real = _clusters(CENTRES, 1000, seed=1)
    generated = _clusters(CENTRES[:5], 1000, seed=2)
    result = precision_recall(real, generated)
    assert result["precision"] > 0.9
    assert result["recall"] == pytest.approx(0.5, abs=0.05)
    assert result["precision"] > result["recall"] + 0.3
    dc = density_coverage(real, generated)
    assert dc["coverage"] == pytest.approx(0.5, abs=0.05)
    assert dc["density"] == pytest.approx(1.0, abs=0.1)  # what is generated is realistic


def test_two_samples_of_one_distribution():
    real, generated = _clusters(CENTRES, 1000, seed=3), _clusters(CENTRES, 1000, seed=4)
    result = {**precision_recall(real, generated), **density_coverage(real, generated, k=5)}
    assert result["precision"] > 0.9 and result["recall"] > 0.9
    assert result["density"] == pytest.approx(1.0, abs=0.1)
    assert result["coverage"] == pytest.approx(1 - 0.5**5, abs=0.03)  # Naeem et al.'s E[coverage]


def test_far_away_samples_have_no_precision_or_coverage():
    real = _clusters(CENTRES, 200, seed=5)
    far = real + 1000.0
    assert precision_recall(real, far) == {"precision": 0.0, "recall": 0.0}
    assert density_coverage(real, far) == {"density": 0.0, "coverage": 0.0}


def test_bad_inputs_raise_errors_naming_the_argument():
    real = np.random.default_rng(0).normal(size=(6, 3))
    with pytest.raises(ValueError, match="`k` must be smaller than the number of `real` "
                                         r"examples \(6\)"):
        density_coverage(real, real, k=6)
    with pytest.raises(ValueError, match="`k` must be smaller than the number of `generated` "
                                         r"examples \(3\)"):
        precision_recall(real, real[:3], k=3)
    assert density_coverage(real, real[:2], k=3)["coverage"] > 0  # only real radii needed
    with pytest.raises(ValueError, match="`k` must be an integer >= 1"):
        precision_recall(real, real, k=0)
    with pytest.raises(ValueError, match="`real` has 3 features per example but `generated` "
                                         "has 2"):
        precision_recall(real, real[:, :2])
    with pytest.raises(ValueError, match="`generated` contains 1 NaN"):
        density_coverage(real, np.vstack([real[:5], [[np.nan, 0.0, 0.0]]]))
    with pytest.raises(TypeError, match="`real` must be an array"):
        precision_recall(None, real)


def test_half_the_digits_in_the_shipped_classifier_features(mnist):
    (x_train, _), (x_test, y_test) = mnist
    result = precision_recall(x_train[:1000], x_test[y_test < 5][:500], extractor="mnist10k")
    assert result["precision"] > 0.8 and result["recall"] < 0.65
