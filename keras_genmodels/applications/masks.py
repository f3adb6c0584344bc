"""Missingness masks: the checks `impute` runs on them, and the fill a sampler starts from.

Example:

```python
import numpy as np
from keras_genmodels.applications.masks import check_mask, initial_fill

mask = check_mask(np.r_[1, 1, 0, 0], (3, 4))        # float32 (4,), 1 = observed
start = initial_fill(np.ones((3, 4), "float32"), np.broadcast_to(mask, (3, 4)))
```
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_genmodels.validation import as_numpy


def check_mask(mask: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Checks a missingness mask against the data's shape and returns it as float32.

    Example:

    ```python
    check_mask(np.ones((28, 28, 1)), (16, 28, 28, 1))   # one mask for every example
    ```

    Args:
        mask: 1 (or True) where observed, 0 where missing; broadcastable to `shape`.
        shape: the shape of the data, batch axis first.

    Returns:
        The mask as a float32 array of 0s and 1s (its own shape, not broadcast).
    """
    if mask is None or isinstance(mask, (str, bytes, dict)):
        raise TypeError(f"`mask` must be an array of 0s and 1s, got {type(mask).__name__}.")
    array = as_numpy(mask)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number)
                                     or array.dtype == np.bool_):
        raise TypeError(f"`mask` must be a numeric or bool array, got dtype {array.dtype}.")
    try:
        np.broadcast_shapes(array.shape, tuple(shape))
        if np.broadcast_shapes(array.shape, tuple(shape)) != tuple(shape):
            raise ValueError
    except ValueError:
        raise ValueError(
            f"`mask` has shape {array.shape}, which does not broadcast to the data's shape "
            f"{tuple(shape)}; give one mask per example {tuple(shape)} or one for all "
            f"{tuple(shape[1:])}.") from None
    values = np.unique(array)
    if not np.all(np.isin(values, (0, 1))):
        raise ValueError(
            f"`mask` must hold only 0 (missing) and 1 (observed), got values "
            f"{values[:5].tolist()}{' ...' if len(values) > 5 else ''}.")
    if not values.any():
        raise ValueError("`mask` marks every entry as missing; at least one must be observed.")
    return array.astype(np.float32)


def initial_fill(x: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """`x` with each missing entry set to the mean of that entry over the examples where
    it is observed, or, when it is missing in all of them, to the mean of the example's
    observed entries: the samplers' starting point.

    Example:

    ```python
    initial_fill(np.array([[1.0, 0.0], [0.0, 3.0]]), np.array([[1, 0], [0, 1]]) > 0)
    # [[1., 3.], [1., 3.]]
    ```

    Args:
        x: data, batch axis first.
        observed: bool, the shape of `x`, True where observed.

    Returns:
        float32, the shape of `x`, equal to `x` where observed.
    """
    values = np.where(observed, x, 0.0)
    counts = observed.sum(axis=0)
    entry_means = values.sum(axis=0) / np.maximum(counts, 1)
    axes = tuple(range(1, x.ndim))
    example_means = values.sum(axis=axes) / np.maximum(observed.sum(axis=axes), 1)
    example_means = example_means.reshape((-1,) + (1,) * (x.ndim - 1))
    fill = np.where(counts > 0, entry_means, example_means)
    return np.where(observed, x, fill).astype(np.float32)
