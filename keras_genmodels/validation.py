"""Input checks run at the public boundary of the package.

Each check raises a `ValueError` or `TypeError` that names the argument, says what was
given and what is expected, so a user never meets a TensorFlow stack trace for a mistake
in their data. The checks work on numpy arrays (or anything `np.asarray` accepts) and on
eager tensors; they are meant to run once per `fit` call or once per public method call,
never inside a compiled `train_step`.

Example:

```python
import numpy as np
from keras_genmodels.validation import check_images

check_images(np.zeros((8, 28, 28, 1), "float32"), "x")      # passes silently
check_images(np.zeros((8, 28, 28), "uint8"), "x")           # ValueError: uint8, scale to [0, 1]
```
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


def as_numpy(value: Any) -> np.ndarray:
    """Returns `value` as a numpy array (eager tensors and lists included)."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value)


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Returns `value` as an int after checking it is an integer >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` must be an integer >= {minimum}, got {value!r}.")
    if value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value}.")
    return int(value)


def check_non_negative(value: Any, name: str) -> float:
    """Returns `value` as a float after checking it is a finite number >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"`{name}` must be a non-negative number, got {value!r}.")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"`{name}` must be a finite number >= 0, got {value}.")
    return float(value)


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """Returns `value` after checking it is one of `choices` (listed in the error)."""
    choices = sorted(choices)
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"Unknown `{name}` {value!r}. Expected one of: {', '.join(choices)}.")
    return value


def check_finite(array: np.ndarray, name: str) -> None:
    """Raises `ValueError` if a floating array holds NaN or inf."""
    if np.issubdtype(array.dtype, np.floating) and not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"`{name}` contains {bad} NaN or infinite value(s); clean the data first.")


def check_images(
    x: Any,
    name: str = "x",
    *,
    min_rank: int = 2,
    max_rank: int = 4,
    unit_range: bool = True,
) -> np.ndarray:
    """Checks a batch of data crossing the public boundary and returns it as float32.

    Args:
        x: a batch, shape `(batch, ...)`: NHWC images (rank 4) or vectors (rank 2).
        name: the argument's name, used in error messages.
        min_rank: the smallest rank accepted, batch axis included.
        max_rank: the largest rank accepted, batch axis included.
        unit_range: if True, values must lie in [0, 1] (images); 2-D vectors skip it.

    Returns:
        The batch as a float32 numpy array.
    """
    if isinstance(x, (str, bytes, dict)) or x is None:
        raise TypeError(
            f"`{name}` must be an array of shape (batch, ...), got {type(x).__name__}."
        )
    array = as_numpy(x)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        raise TypeError(f"`{name}` must be a numeric array, got dtype {array.dtype}.")
    if not min_rank <= array.ndim <= max_rank:
        raise ValueError(
            f"`{name}` must have rank {min_rank} to {max_rank} (batch axis first, images as "
            f"NHWC), got shape {array.shape}."
        )
    if array.shape[0] == 0:
        raise ValueError(f"`{name}` is empty (shape {array.shape}).")
    if unit_range and array.dtype == np.uint8:
        raise ValueError(
            f"`{name}` is uint8 with values up to {int(array.max())}; images must be float32 "
            "in [0, 1]. Convert with `x.astype('float32') / 255.0`."
        )
    array = array.astype(np.float32, copy=False)
    check_finite(array, name)
    if unit_range:
        low, high = float(array.min()), float(array.max())
        if low < 0.0 or high > 1.0:
            raise ValueError(
                f"`{name}` must hold values in [0, 1], got values in [{low:g}, {high:g}]. "
                "Images cross the keras_genmodels API as float32 in [0, 1]."
            )
    return array


def check_labels(
    y: Any, num_classes: int, name: str = "y", batch_size: int | None = None
) -> np.ndarray:
    """Checks integer class labels (or one-hot rows) and returns them as int32 indices.

    Args:
        y: labels, shape `(batch,)`, `(batch, 1)` or one-hot `(batch, num_classes)`.
        num_classes: the number of classes; labels must lie in `[0, num_classes)`.
        name: the argument's name, used in error messages.
        batch_size: if given, the number of labels must equal it.

    Returns:
        The labels as an int32 array of shape `(batch,)`.
    """
    if y is None:
        raise ValueError(
            f"`{name}` is required: this model is conditional on {num_classes} classes. "
            "Pass labels, e.g. `fit(x, y)` or `sample(n, labels=...)`."
        )
    array = as_numpy(y)
    if array.ndim == 2 and array.shape[1] == num_classes and num_classes > 1:
        array = np.argmax(array, axis=1)
    elif array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(
            f"`{name}` must have shape (batch,) or one-hot (batch, {num_classes}), "
            f"got shape {array.shape}."
        )
    if not np.issubdtype(array.dtype, np.integer):
        if np.issubdtype(array.dtype, np.floating) and np.all(np.mod(array, 1) == 0):
            array = array.astype(np.int64)
        else:
            raise TypeError(f"`{name}` must hold integer class labels, got dtype {array.dtype}.")
    if array.size and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(
            f"`{name}` must hold labels in [0, {num_classes - 1}], got values in "
            f"[{int(array.min())}, {int(array.max())}]."
        )
    if batch_size is not None and array.shape[0] != batch_size:
        raise ValueError(f"`{name}` has {array.shape[0]} labels for {batch_size} examples.")
    return array.astype(np.int32)


def check_conditions(
    y: Any, num_classes: int, name: str = "y", batch_size: int | None = None
) -> np.ndarray:
    """Checks the labels of a conditional model: class indices, one-hot rows or soft
    one-hot rows (probabilities over the classes).

    Integer labels `(batch,)` or `(batch, 1)` and exact one-hot rows `(batch, num_classes)`
    (as `keras.utils.to_categorical` makes) become int32 indices; other rows of
    `num_classes` non-negative numbers summing to 1 (soft labels, e.g. label smoothing or
    mixtures of classes) are kept as float32 rows, which the networks take as they take a
    one-hot label.

    Example:

    ```python
    check_conditions(keras.utils.to_categorical([2, 0], 3), 3)    # array([2, 0], int32)
    check_conditions([[0.5, 0.5, 0.0]], 3)                        # float32 (1, 3)
    ```

    Args:
        y: the labels.
        num_classes: the number of classes.
        name: the argument's name, used in error messages.
        batch_size: if given, the number of labels must equal it.

    Returns:
        int32 `(batch,)` indices, or float32 `(batch, num_classes)` soft rows.
    """
    if y is not None:
        array = as_numpy(y)
        if array.ndim == 2 and array.shape[1] == num_classes and num_classes > 1:
            rows = array.astype(np.float64)
            if not np.all(np.isfinite(rows)) or rows.min(initial=0.0) < 0 or (
                    rows.size and np.abs(rows.sum(axis=1) - 1.0).max() > 1e-3):
                raise ValueError(
                    f"`{name}` has shape {array.shape}: rows of {num_classes} numbers must "
                    "be one-hot or soft labels (non-negative, each row summing to 1).")
            if batch_size is not None and array.shape[0] != batch_size:
                raise ValueError(
                    f"`{name}` has {array.shape[0]} labels for {batch_size} examples.")
            if np.all((rows == 0.0) | (rows == 1.0)):
                return np.argmax(rows, axis=1).astype(np.int32)
            return rows.astype(np.float32)
    return check_labels(y, num_classes, name, batch_size)


def check_shape_matches(array: np.ndarray, expected: Sequence[int | None], name: str) -> None:
    """Raises `ValueError` if `array.shape[1:]` differs from the model's `expected` shape."""
    got = tuple(array.shape[1:])
    want = tuple(expected)
    mismatch = any(w is not None and g != w for g, w in zip(got, want, strict=False))
    if len(got) != len(want) or mismatch:
        raise ValueError(
            f"`{name}` has per-example shape {got}, but the model was built for {want}."
        )
