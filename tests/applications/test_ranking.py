"""AUROC, average precision and the confusion at a threshold, checked against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics

from keras_genmodels.applications import auroc, average_precision, confusion


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("ties", [False, True])
def test_auroc_and_average_precision_equal_sklearn(seed, ties):
    rng = np.random.default_rng(seed)
    y = rng.random(300) < 0.3
    scores = rng.normal(size=300) + y
    if ties:
        scores = np.round(scores, 1)  # many tied scores, across both classes
    assert auroc(y, scores) == pytest.approx(metrics.roc_auc_score(y, scores), abs=1e-12)
    assert average_precision(y, scores) == pytest.approx(
        metrics.average_precision_score(y, scores), abs=1e-12)


def test_perfect_reversed_and_constant_scores():
    y = np.r_[0, 0, 1, 1]
    assert auroc(y, [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert auroc(y, [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert auroc(y, [0.5] * 4) == 0.5
    assert average_precision(y, [0.5] * 4) == 0.5


def test_confusion_counts_and_rates():
    result = confusion([0, 0, 0, 1, 1], [True, False, False, True, False])
    assert (result["true_positives"], result["false_positives"], result["true_negatives"],
            result["false_negatives"]) == (1, 1, 2, 1)
    assert result["true_positive_rate"] == 0.5
    assert result["false_positive_rate"] == pytest.approx(1 / 3)
    assert result["precision"] == 0.5
    assert metrics.confusion_matrix([0, 0, 0, 1, 1], [1, 0, 0, 1, 0]).ravel().tolist() == [
        2, 1, 1, 1]


@pytest.mark.parametrize("y, match", [
    ([0, 0, 0], "both anomalies"),
    ([0, 2, 1], "0/1"),
    ([0, 1], "one label per score"),
])
def test_bad_labels_are_rejected(y, match):
    with pytest.raises(ValueError, match=match):
        auroc(y, [0.1, 0.2, 0.3])
