"""Data augmentation with a conditional generative model: labelled synthetic examples.

A `ConditionalVAE` or `ConditionalGAN` trained on a few labelled examples can draw as
many more of each class as wanted. Some draws are poor or look like another class, so
an optional classifier filter keeps only the samples it assigns to their requested label
(and, with `min_confidence`, only those it is sure of); drawing continues until each
class has `n_per_class` or `max_rounds` rounds of draws are spent.

Example:

```python
import keras_genmodels as kg

cvae = kg.ConditionalVAE(latent_dim=8, num_classes=10)
cvae.compile()
cvae.fit(x_few, y_few, epochs=50, batch_size=32)
x_syn, y_syn = kg.applications.augment(cvae, n_per_class=100, classifier="mnist10k",
                                       min_confidence=0.9)
x_mix = np.concatenate([x_few, x_syn]); y_mix = np.concatenate([y_few, y_syn])
```
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import tensorflow as tf

from keras_genmodels.metrics.extractor import FeatureExtractor
from keras_genmodels.metrics.features import resolve_extractor
from keras_genmodels.validation import check_positive_int


def augment(
    model: Any,
    n_per_class: int,
    classifier: FeatureExtractor | str | None = None,
    min_confidence: float | None = None,
    as_dataset: bool = False,
    batch_size: int = 256,
    seed: int = 0,
    classes: Any = None,
    max_rounds: int = 20,
) -> tuple[np.ndarray, np.ndarray] | tf.data.Dataset:
    """Draws `n_per_class` labelled synthetic examples of each class.

    Example:

    ```python
    x_syn, y_syn = augment(cvae, 50)                              # no filter
    x_syn, y_syn = augment(cgan, 50, classifier="mnist10k", min_confidence=0.95)
    dataset = augment(cvae, 50, as_dataset=True)                 # shuffled (x, y) examples
    mixed = real.concatenate(dataset).shuffle(10_000).batch(64)
    ```

    Args:
        model: a trained conditional model (`ConditionalVAE`, `ConditionalGAN`, or any
            model with `num_classes` and `sample(n, seed=..., labels=...)`).
        n_per_class: examples wanted per class, >= 1.
        classifier: `None` (keep every draw), a `kg.metrics.FeatureExtractor` with
            `probabilities`, or a name/path `kg.metrics.resolve_extractor` accepts
            (`"mnist10k"`, `"shapes"`, a `.keras` file). Its classes must be the model's.
        min_confidence: with a classifier, keep a draw only if its probability for the
            requested label is at least this (in [0, 1]); `None` keeps every draw the
            classifier assigns to its label.
        as_dataset: return a `tf.data.Dataset` of single `(x, y)` examples, shuffled,
            unbatched (ready to concatenate with or sample alongside real data).
        batch_size: examples generated (and classified) at once.
        seed: the same seed gives the same data.
        classes: the classes to draw (a list of labels); `None` for all.
        max_rounds: rounds of `batch_size` draws per class before giving up on the
            filter (a warning says how many were kept).

    Returns:
        `(x, y)`: float32 examples in the model's public range (images in [0, 1]) grouped
        by class in the order of `classes`, and int32 labels; or a `tf.data.Dataset`.
    """
    num_classes = getattr(model, "num_classes", None)
    if not num_classes or not hasattr(model, "sample"):
        raise TypeError(
            f"`model` must be a trained conditional model (ConditionalVAE, ConditionalGAN) "
            f"with `num_classes`, got {type(model).__name__} with num_classes={num_classes}.")
    n_per_class = check_positive_int(n_per_class, "n_per_class")
    batch_size = check_positive_int(batch_size, "batch_size")
    max_rounds = check_positive_int(max_rounds, "max_rounds")
    seed = check_positive_int(seed, "seed", minimum=0)
    classes = _check_classes(classes, num_classes)
    extractor = resolve_extractor(classifier)
    if min_confidence is not None:
        if extractor is None:
            raise ValueError(f"`min_confidence={min_confidence}` needs a `classifier`.")
        if isinstance(min_confidence, bool) or not 0.0 <= float(min_confidence) <= 1.0:
            raise ValueError(f"`min_confidence` must lie in [0, 1], got {min_confidence!r}.")
    if extractor is not None and extractor.num_classes != num_classes:
        raise ValueError(
            f"`classifier` {extractor.name!r} has {extractor.num_classes} classes but the "
            f"model has {num_classes}; use a classifier of the model's classes.")
    xs, ys = [], []
    for label in classes:
        kept = _draw_class(model, label, n_per_class, extractor, min_confidence, batch_size,
                           seed, max_rounds)
        xs.append(kept)
        ys.append(np.full(len(kept), label, np.int32))
    x, y = np.concatenate(xs).astype(np.float32), np.concatenate(ys)
    if not as_dataset:
        return x, y
    return tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed)


def _draw_class(model, label: int, wanted: int, extractor, min_confidence, batch_size: int,
                seed: int, max_rounds: int) -> np.ndarray:
    """Draws rounds of examples of one class until `wanted` pass the filter."""
    kept, total = [], 0
    for round_ in range(max_rounds):
        n = batch_size if extractor is not None else min(batch_size, wanted - total)
        round_seed = int(np.random.SeedSequence([seed, label, round_]).generate_state(1)[0]
                         % (2**31 - 1))
        draws = model.sample(n, seed=round_seed, labels=np.full(n, label, np.int32),
                             batch_size=batch_size)
        if extractor is not None:
            draws = draws[_passes(extractor, draws, label, min_confidence, batch_size)]
        kept.append(draws[: wanted - total])
        total += len(kept[-1])
        if total >= wanted:
            break
    if total < wanted:
        warnings.warn(
            f"Class {label}: only {total} of {wanted} draws passed the classifier filter in "
            f"{max_rounds} rounds of {batch_size}; lower `min_confidence`, raise "
            "`max_rounds`, or train the model longer.", stacklevel=3)
    return np.concatenate(kept)


def _passes(extractor: FeatureExtractor, draws: np.ndarray, label: int,
            min_confidence: float | None, batch_size: int) -> np.ndarray:
    probabilities = extractor.probabilities(draws, batch_size=batch_size)
    keep = np.argmax(probabilities, axis=1) == label
    if min_confidence is not None:
        keep &= probabilities[:, label] >= min_confidence
    return keep


def _check_classes(classes: Any, num_classes: int) -> list[int]:
    if classes is None:
        return list(range(num_classes))
    values = np.atleast_1d(np.asarray(classes))
    if not np.issubdtype(values.dtype, np.integer) or values.size == 0 or (
            values.min() < 0 or values.max() >= num_classes):
        raise ValueError(
            f"`classes` must be labels in [0, {num_classes - 1}], got {classes!r}.")
    return [int(v) for v in values]
