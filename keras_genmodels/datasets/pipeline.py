"""Turns in-memory arrays into a shuffled, batched, prefetched `tf.data.Dataset`.

`fit` accepts numpy arrays directly; use `make_dataset` when you want control over the
input pipeline (a fixed shuffle seed, repeated epochs, dropping the last short batch
for models whose batch size must be constant) or a dataset to pass to several models.

Example:

```python
from keras_genmodels.datasets import load, make_dataset

(x_train, y_train), _ = load("shapes")
dataset = make_dataset(x_train, y_train, batch_size=64, seed=0)
for x_batch, y_batch in dataset.take(1):
    x_batch.shape   # (64, 32, 32, 1)
```
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from keras_genmodels.validation import as_numpy, check_positive_int


def make_dataset(
    x: Any,
    y: Any = None,
    batch_size: int = 128,
    shuffle: bool = True,
    seed: int | None = 0,
    drop_remainder: bool = False,
    repeat: bool = False,
    cache: bool = True,
) -> tf.data.Dataset:
    """Builds a `tf.data` input pipeline over arrays held in memory.

    The examples are shuffled with a buffer as large as the data, so every epoch is a
    uniform random permutation, reshuffled each time the dataset is iterated, and
    reproducible for a given `seed`. Each epoch visits every example exactly once
    (except those cut by `drop_remainder`). Batches are prefetched with
    `tf.data.AUTOTUNE` so the next batch is ready while the model trains on this one.

    Example:

    ```python
    import numpy as np

    x = np.random.rand(1000, 2).astype("float32")
    dataset = make_dataset(x, batch_size=100, repeat=True)
    model.fit(dataset, epochs=5, steps_per_epoch=10)
    ```

    Args:
        x: array of examples, shape `(N, ...)`: images or vectors.
        y: optional labels with `N` rows: an array, or a dict of arrays (as returned by
            `load("shapes", with_factors=True)`). If given, elements are `(x, y)`
            tuples; otherwise they are `x` batches alone.
        batch_size: int >= 1, number of examples per batch.
        shuffle: bool, whether to shuffle the examples every epoch.
        seed: int or None, shuffle seed; None gives a different order every run.
        drop_remainder: bool, whether to drop the last batch when it is smaller than
            `batch_size`.
        repeat: bool, whether to repeat the data forever (pass `steps_per_epoch` to
            `fit` then). Batches never straddle two epochs.
        cache: bool, whether to cache the sliced examples after the first epoch, so
            later epochs skip the slicing work.

    Returns:
        A `tf.data.Dataset` of batches.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    x = _as_array(x, "x")
    if x.ndim == 0 or x.shape[0] == 0:
        raise ValueError(f"`x` must be an array with at least one example, got shape {x.shape}.")
    num_examples = x.shape[0]
    if y is None:
        data = x
    elif isinstance(y, dict):
        data = (
            x,
            {key: _check_rows(value, f"y[{key!r}]", num_examples) for key, value in y.items()},
        )
    else:
        data = (x, _check_rows(y, "y", num_examples))

    dataset = tf.data.Dataset.from_tensor_slices(data)
    if cache:
        dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(num_examples, seed=seed, reshuffle_each_iteration=True)
    # Batching before repeating keeps every batch inside one epoch, so an epoch covers
    # each example exactly once even when `repeat` is on.
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    if repeat:
        dataset = dataset.repeat()
    return dataset.prefetch(tf.data.AUTOTUNE)


def _as_array(value: Any, name: str) -> np.ndarray:
    if isinstance(value, (str, bytes, dict)) or value is None:
        raise TypeError(f"`{name}` must be an array, got {type(value).__name__}.")
    return as_numpy(value)


def _check_rows(value: Any, name: str, num_examples: int) -> np.ndarray:
    array = _as_array(value, name)
    if array.ndim == 0 or array.shape[0] != num_examples:
        raise ValueError(
            f"`{name}` must have one row per example of `x` ({num_examples}), got shape "
            f"{array.shape}."
        )
    return array
