"""Precision/recall and density/coverage: the prdc package's numbers, and what they mean."""

import contextlib
import importlib
import io

import numpy as np
import pytest
from prdc import compute_prdc

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


@pytest.mark.parametrize("k", [1, 3, 5])
@pytest.mark.parametrize("sizes", [(300, 300), (250, 180)])
def test_matches_prdc_on_random_data(k, sizes):
    rng = np.random.default_rng(k)
    real = rng.normal(size=(sizes[0], 10))
    fake = rng.normal(size=(sizes[1], 10)) * 1.1 + 0.2
    expected = _prdc(real, fake, k)
    got = {**precision_recall(real, fake, k=k), **density_coverage(real, fake, k=k)}
    for name in ("precision", "recall", "density", "coverage"):
        assert got[name] == pytest.approx(expected[name], abs=1e-6), name
        assert isinstance(got[name], float)


def test_matches_prdc_when_the_distances_come_in_blocks(monkeypatch):
    monkeypatch.setattr(pr_module, "_BLOCK_ENTRIES", 1000)  # blocks of 3 to 5 rows
    rng = np.random.default_rng(7)
    real, fake = rng.normal(size=(200, 32)), rng.normal(size=(300, 32)) + 0.1
    expected = _prdc(real, fake, 4)
    got = {**precision_recall(real, fake, k=4), **density_coverage(real, fake, k=4)}
    for name in ("precision", "recall", "density", "coverage"):
        assert got[name] == pytest.approx(expected[name], abs=1e-6), name


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
