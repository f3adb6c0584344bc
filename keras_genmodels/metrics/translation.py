"""Translation error: how far a translation model's outputs are from the known answer.

Mathematical Details

For images `x` of one domain, their known translations `y` and the model's translation
`T` in the chosen direction, averaged over images, pixels and channels (values in [0, 1]):

```none
mae = mean |T(x) - y|          mse = mean (T(x) - y)^2
```

Compare with the identity mapping's error, `mean |x - y|` (`model=None`), the error of
a model that changes nothing, and with 0, the error of the exact translation.

Example:

```python
(a_train, b_train), (a_test, b_test) = kg.datasets.load("shapes_filled_outlined")
kg.metrics.translation_error(model, a_test, b_test, direction="a_to_b")
kg.metrics.translation_error(None, a_test, b_test)      # the identity mapping's error
```
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_genmodels.validation import check_choice, check_images

__all__ = ["translation_error"]

_METRICS = ("mae", "mse")


def translation_error(
    model: Any, x: Any, target: Any, direction: str = "a_to_b", metric: str = "mae",
    batch_size: int = 256,
) -> float:
    """The per-pixel error of `model.translate(x, direction)` against the known `target`.

    Example:

    ```python
    error = translation_error(cyclegan, a_test, b_test, direction="a_to_b")
    baseline = translation_error(None, a_test, b_test)   # the identity mapping
    ```

    Args:
        model: a model with `translate(x, direction=..., batch_size=...)` (e.g.
            `kg.CycleGAN`), or `None` for the identity mapping.
        x: images to translate `(n, H, W, C)`, float in [0, 1].
        target: their correct translations, the same shape.
        direction: `"a_to_b"` or `"b_to_a"`, passed to `translate`.
        metric: `"mae"` (mean absolute error) or `"mse"` (mean squared error).
        batch_size: images translated per batch.

    Returns:
        The error as a Python float.
    """
    metric = check_choice(metric, "metric", _METRICS)
    direction = check_choice(direction, "direction", ("a_to_b", "b_to_a"))
    x = check_images(x, "x", min_rank=4, max_rank=4)
    target = check_images(target, "target", min_rank=4, max_rank=4)
    if x.shape != target.shape:
        raise ValueError(f"`x` and `target` must have the same shape, got {x.shape} and "
                         f"{target.shape}.")
    if model is None:
        translated = x
    elif not callable(getattr(model, "translate", None)):
        raise TypeError(f"`model` must have a `translate` method (e.g. kg.CycleGAN) or be "
                        f"None for the identity mapping, got {type(model).__name__}.")
    else:
        translated = np.asarray(model.translate(x, direction=direction, batch_size=batch_size))
    difference = translated.astype(np.float64) - target
    return float(np.mean(np.abs(difference) if metric == "mae" else difference**2))
