"""The Inception Score and its generalisation to any classifier.

A good generator of a labelled domain makes images that a classifier of that domain labels
confidently (each `p(y | x)` is peaked) and that together cover every class (the marginal
`p(y)` is flat). The classifier score rewards both: it runs from 1 (every image gets the
same prediction) to the number of classes (confident, evenly spread predictions). Higher
is better. It ignores the real data entirely, so it cannot see a generator that copies
training images or that makes unrealistic images the classifier still labels confidently;
report it beside FID, not instead of it.

Example:

```python
import keras_genmodels as kg

kg.metrics.classifier_score(gan, "mnist10k", num_samples=10_000)   # 1 .. 10 on MNIST
```
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_genmodels.metrics.sets import collect
from keras_genmodels.validation import as_numpy, check_positive_int

__all__ = ["classifier_score", "inception_score"]

_ROW_SUM_TOLERANCE = 1e-3


def classifier_score(
    generated: Any,
    classifier: Any,
    num_splits: int = 10,
    num_samples: int | None = None,
    batch_size: int = 256,
    seed: int = 0,
) -> float:
    """The Inception Score computed with any classifier: `exp E_x KL(p(y|x) || p(y))`.

    #### Mathematical Details

    The `n` samples are cut, in order, into `num_splits` parts of (nearly) equal size. In
    each part `P`, with `p(y | x)` the classifier's softmax and `p(y)` its mean over `P`:

    ```none
    score(P) = exp( (1/|P|) sum_{x in P} sum_y p(y|x) (log p(y|x) - log p(y)) )
    ```

    (`0 log 0 = 0`), and the result is the mean of `score(P)` over the parts (Salimans et
    al., 2016, "Improved techniques for training GANs", with 10 splits of 5,000 samples).
    `exp(I(y; x))` lies in `[1, num_classes]`.

    Example:

    ```python
    classifier_score(samples, "mnist10k")                        # a shipped classifier
    classifier_score(samples, kg.metrics.features.domain_classifier("shapes"))
    ```

    Args:
        generated: the set to score: an array of images, a `tf.data.Dataset` or a model
            (see `keras_genmodels.metrics.sets.collect`).
        classifier: an object with `probabilities(images, batch_size)` returning softmax
            rows `(n, num_classes)` (a feature extractor of
            `keras_genmodels.metrics.features`), or a name or path `resolve_extractor`
            understands (`"mnist10k"`, `"shapes"`, `"inception"`, a `.keras` file).
        num_splits: number of parts the samples are cut into, `1 <= num_splits <= n`.
        num_samples: the most examples taken; required for a model.
        batch_size: examples per batch when sampling and classifying.
        seed: the seed of a model's samples.

    Returns:
        The mean score over the splits, a float in `[1, num_classes]`.

    Raises:
        TypeError: if `classifier` cannot give probabilities.
        ValueError: if `num_splits` is out of range or the classifier's rows are not
            probability distributions.
    """
    num_splits = check_positive_int(num_splits, "num_splits")
    classifier = _resolve_classifier(classifier)
    images = collect(generated, "generated", num_samples, seed, batch_size)
    if num_splits > len(images):
        raise ValueError(
            f"`num_splits` must be at most the number of samples ({len(images)}), got "
            f"{num_splits}."
        )
    probabilities = _probabilities(classifier, images, batch_size)
    scores = [_split_score(part) for part in np.array_split(probabilities, num_splits)]
    return float(np.mean(scores))


def inception_score(
    generated: Any,
    weights: Any = "imagenet",
    num_splits: int = 10,
    num_samples: int | None = None,
    batch_size: int = 256,
    seed: int = 0,
) -> float:
    """The Inception Score (Salimans et al., 2016): `classifier_score` with Inception-v3.

    The classifier is `keras_genmodels.metrics.features.InceptionFeatures(weights)`, Keras'
    Inception-v3 with its 1000 ImageNet classes (the original score used a 2015 graph with
    1008 outputs, so values differ slightly from published ones). Meant for natural
    images; for digits or sprites use `classifier_score` with a domain classifier.

    Example:

    ```python
    kg.metrics.inception_score(gan, num_samples=50_000)
    kg.metrics.inception_score(images, weights="inception_v3.weights.h5")   # offline
    ```

    Args:
        generated: the set to score (see `classifier_score`).
        weights: `"imagenet"` or a path to Inception-v3 weights (see `InceptionFeatures`).
        num_splits: number of parts the samples are cut into (10 in the paper).
        num_samples: the most examples taken; required for a model.
        batch_size: examples per batch when sampling and classifying.
        seed: the seed of a model's samples.

    Returns:
        The Inception Score, a float in `[1, 1000]`.
    """
    from keras_genmodels.metrics.features import InceptionFeatures

    return classifier_score(
        generated, InceptionFeatures(weights), num_splits, num_samples, batch_size, seed
    )


def _resolve_classifier(classifier: Any) -> Any:
    if callable(getattr(classifier, "probabilities", None)):
        return classifier
    if isinstance(classifier, str) or hasattr(classifier, "__fspath__"):
        from keras_genmodels.metrics.features import resolve_extractor

        resolved = resolve_extractor(classifier)
        if callable(getattr(resolved, "probabilities", None)):
            return resolved
    raise TypeError(
        "`classifier` must be an object with a `probabilities(images, batch_size)` method "
        "(a feature extractor of keras_genmodels.metrics.features) or a name such as "
        f"'mnist10k', got {classifier!r}."
    )


def _probabilities(classifier: Any, images: np.ndarray, batch_size: int) -> np.ndarray:
    probabilities = as_numpy(classifier.probabilities(images, batch_size=batch_size))
    probabilities = probabilities.astype(np.float64)
    if probabilities.ndim != 2 or probabilities.shape[0] != len(images):
        raise ValueError(
            f"`classifier` returned probabilities of shape {probabilities.shape} for "
            f"{len(images)} images; expected ({len(images)}, num_classes)."
        )
    row_sums = probabilities.sum(axis=1)
    if (
        not np.all(np.isfinite(probabilities))
        or probabilities.min() < 0.0
        or np.max(np.abs(row_sums - 1.0)) > _ROW_SUM_TOLERANCE
    ):
        raise ValueError(
            "`classifier` must return softmax probabilities (rows >= 0 summing to 1), got "
            f"row sums in [{row_sums.min():g}, {row_sums.max():g}] and values in "
            f"[{probabilities.min():g}, {probabilities.max():g}]."
        )
    return probabilities / row_sums[:, None]


def _split_score(probabilities: np.ndarray) -> float:
    marginal = probabilities.mean(axis=0)
    positive = probabilities > 0.0
    log_ratio = np.zeros_like(probabilities)
    marginal_rows = np.broadcast_to(marginal, probabilities.shape)
    log_ratio[positive] = np.log(probabilities[positive]) - np.log(marginal_rows[positive])
    kl = np.sum(probabilities * log_ratio, axis=1)
    return float(np.exp(np.mean(kl)))
