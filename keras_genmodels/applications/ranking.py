"""How well a score ranks anomalies above normal data: AUROC, average precision, confusion.

Numpy implementations, so that an anomaly detector can be evaluated without
scikit-learn; the tests check them against `sklearn.metrics.roc_auc_score` and
`sklearn.metrics.average_precision_score`.

Mathematical Details

With scores `s`, labels `y` (1 = anomaly), `P` positives and `N` negatives, the area
under the ROC curve is the Mann-Whitney statistic

    AUROC = (sum_{i: y_i = 1} rank(s_i) - P (P + 1) / 2) / (P N),

with tied scores given their average rank (a tie counts one half). The average
precision sums the precision at each distinct threshold, weighted by the recall gained:

    AP = sum_n (R_n - R_{n-1}) P_n,

the step-wise area under the precision-recall curve, as scikit-learn defines it (no
interpolation).

Example:

```python
from keras_genmodels.applications.ranking import auroc, average_precision

auroc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])               # 0.75
average_precision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])   # 0.8333
```
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_genmodels.validation import as_numpy


def check_binary_labels(y: Any, scores: Any, name: str = "y_is_anomaly") -> tuple:
    """Returns `(y, scores)` as flat bool / float64 arrays after checking them.

    Args:
        y: labels, 1 (or True) for an anomaly, 0 for normal data, shape `(n,)`.
        scores: the scores of the same `n` examples (higher = more anomalous).
        name: the labels' argument name, used in error messages.

    Returns:
        `(y, scores)`: a bool array and a float64 array of shape `(n,)`.
    """
    y = as_numpy(y)
    scores = np.asarray(as_numpy(scores), np.float64).reshape(-1)
    if y.ndim != 1 or y.shape[0] != scores.shape[0]:
        raise ValueError(
            f"`{name}` must have shape ({scores.shape[0]},), one label per score, got "
            f"shape {y.shape}.")
    if not np.all(np.isin(y, (0, 1))):
        raise ValueError(f"`{name}` must hold 0/1 (or bool) labels, got {np.unique(y)[:5]}.")
    y = y.astype(bool)
    if y.all() or not y.any():
        raise ValueError(
            f"`{name}` must contain both anomalies (1) and normal examples (0), got only "
            f"{'anomalies' if y.all() else 'normal examples'}.")
    return y, scores


def auroc(y_is_anomaly: Any, scores: Any) -> float:
    """Area under the ROC curve of `scores` for detecting `y_is_anomaly == 1`.

    Example:

    ```python
    auroc([0, 1, 1], [0.2, 0.9, 0.1])   # 0.5
    ```

    Args:
        y_is_anomaly: 0/1 labels `(n,)`, both classes present.
        scores: `(n,)`, higher = more anomalous.

    Returns:
        The AUROC in [0, 1]; 0.5 is chance.
    """
    y, scores = check_binary_labels(y_is_anomaly, scores)
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    # average rank (1-based) of each distinct value: its first rank plus half its ties
    first = np.cumsum(counts) - counts + 1
    ranks = (first + (counts - 1) / 2.0)[inverse]
    positives, negatives = int(y.sum()), int((~y).sum())
    return float((ranks[y].sum() - positives * (positives + 1) / 2.0)
                 / (positives * negatives))


def average_precision(y_is_anomaly: Any, scores: Any) -> float:
    """Average precision (area under the precision-recall curve) of `scores`.

    Example:

    ```python
    average_precision([0, 1, 1], [0.2, 0.9, 0.1])   # 0.8333
    ```

    Args:
        y_is_anomaly: 0/1 labels `(n,)`, both classes present.
        scores: `(n,)`, higher = more anomalous.

    Returns:
        The average precision in [0, 1]; the fraction of anomalies is chance.
    """
    y, scores = check_binary_labels(y_is_anomaly, scores)
    order = np.argsort(-scores, kind="mergesort")
    scores, y = scores[order], y[order]
    last_of_each = np.r_[np.nonzero(np.diff(scores))[0], len(y) - 1]
    true_positives = np.cumsum(y)[last_of_each]
    flagged = last_of_each + 1
    precision = true_positives / flagged
    recall = true_positives / true_positives[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def confusion(y_is_anomaly: Any, flagged: Any) -> dict[str, Any]:
    """Counts and rates of a thresholded detector.

    Example:

    ```python
    confusion([0, 0, 1, 1], [False, True, True, True])["false_positive_rate"]   # 0.5
    ```

    Args:
        y_is_anomaly: 0/1 labels `(n,)`, both classes present.
        flagged: the detector's decisions `(n,)` (True = anomaly).

    Returns:
        A dict with `true_positives`, `false_positives`, `true_negatives`,
        `false_negatives` (ints), `true_positive_rate` (recall), `false_positive_rate`
        and `precision` (floats; precision is 0 when nothing is flagged).
    """
    y, flagged = check_binary_labels(y_is_anomaly, flagged)
    flagged = flagged.astype(bool)
    tp, fp = int(np.sum(y & flagged)), int(np.sum(~y & flagged))
    fn, tn = int(np.sum(y & ~flagged)), int(np.sum(~y & ~flagged))
    return {
        "true_positives": tp, "false_positives": fp, "true_negatives": tn,
        "false_negatives": fn, "true_positive_rate": tp / (tp + fn),
        "false_positive_rate": fp / (fp + tn), "precision": tp / (tp + fp) if tp + fp else 0.0,
    }
