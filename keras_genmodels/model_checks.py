"""Checks that a model can do what a callback or widget is about to ask of it.

The callbacks and widgets work with every model family through its public methods, so
they check, when they are given a model, that it has the methods they call
(`check_model_methods`) and, for a conditional model, that they were given class labels
to draw it with (`check_model_labels`). Each raises an error naming the callback and the
argument, before any training step or drawing.

Example:

```python
from keras_genmodels.model_checks import check_model_labels, check_model_methods

check_model_methods("ReconstructionGrid", gan, ("encode", "reconstruct"))  # TypeError
labels = check_model_labels("LatentTraversal", cvae, 3, "labels", n=4)    # [3, 3, 3, 3]
```
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_genmodels.validation import as_numpy, check_labels

__all__ = ["check_model_labels", "check_model_methods"]


def check_model_methods(callback: str, model: Any, methods: tuple[str, ...]) -> None:
    """Raises `TypeError` when `model` lacks one of the public `methods` a callback uses."""
    missing = [m for m in methods if not callable(getattr(model, m, None))]
    if missing:
        raise TypeError(
            f"{callback} needs a model with {', '.join(f'`{m}`' for m in missing)}; "
            f"{type(model).__name__} has none (it cannot {missing[0]}). Use it with a "
            "model that can, e.g. kg.VAE, kg.ConditionalVAE or kg.VAEGAN."
        )


def check_model_labels(callback: str, model: Any, labels: Any, name: str, n: int):
    """Returns int32 labels `(n,)` for a conditional `model` (`None` for others).

    A single integer is repeated `n` times. Raises `ValueError` naming `name` when a
    conditional model gets none.
    """
    if not getattr(model, "conditional", False):
        return None
    if labels is None:
        raise ValueError(
            f"{callback} needs `{name}` for the conditional {type(model).__name__} "
            f"({model.num_classes} classes)."
        )
    if np.ndim(as_numpy(labels)) == 0:
        labels = np.full([n], int(as_numpy(labels)))
    return check_labels(labels, model.num_classes, name, batch_size=n)
