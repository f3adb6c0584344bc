"""The data forms `fit`, `evaluate` and `predict` accept, checked before any tracing.

Every model takes numpy arrays (or eager tensors), a `tf.data.Dataset` or a
`keras.utils.PyDataset`. A conditional model needs labels with each batch, in any of
these forms, the same for `fit`, `evaluate` and `predict`:

- `fit(x, y)` (not for `predict`, which has no `y`),
- the tuple `fit((x, y))`, `predict((x, y))`,
- a `tf.data.Dataset` or `PyDataset` of `(x, y)` batches.

Unconditional models ignore a `y` if given. Anything else is refused with a `TypeError` or
`ValueError` that names the argument, before TensorFlow traces a step. Checks look at the
arrays given, or at the first batch of a dataset, once per call.

Example:

```python
cvae = kg.ConditionalVAE(latent_dim=8, num_classes=10)
cvae.compile()
cvae.fit(x_train, y_train, epochs=1)           # or cvae.fit((x_train, y_train))
cvae.predict((x_test, y_test))                  # reconstructions
```
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_genmodels.validation import (
    as_numpy,
    check_conditions,
    check_images,
    check_shape_matches,
)

_FORMS = ("numpy arrays or tensors, a tf.data.Dataset or a keras.utils.PyDataset")


class InputChecks:
    """Mixin of `GenerativeModel`: checks the data of `fit`/`evaluate`/`predict` and
    unpacks batches inside the steps."""

    # ------------------------------------------------------------------ one batch
    def check_data(self, x: Any, y: Any = None, name: str = "x") -> tuple[np.ndarray, Any]:
        """Checks one batch (or a whole array) of data, and labels for conditional models.

        Returns:
            `(x, y)` as float32 / int32 numpy arrays (`y` is `None` when unconditional).
        """
        rank = np.ndim(as_numpy(x)) if not isinstance(x, (str, bytes, dict)) else 0
        x = check_images(
            x, name, min_rank=2, max_rank=4, unit_range=rank == 4 or self.requires_unit_interval
        )
        if x.ndim == 3:
            raise ValueError(
                f"`{name}` has shape {x.shape}: images must be NHWC with a channel axis, "
                f"e.g. `x[..., None]` for grayscale of shape {x.shape + (1,)}."
            )
        if self.data_shape is not None:
            check_shape_matches(x, self.data_shape, name)
        if self.conditional:
            y = check_conditions(y, self.num_classes, "y", batch_size=x.shape[0])
        else:
            y = None
        return x, y

    def split_batch(self, data: Any) -> tuple[Any, Any]:
        """`(x, labels)` of a batch in any accepted form (`labels` is `None` when
        unconditional); used inside the steps, where the forms were checked already."""
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if self.conditional and y is None and isinstance(x, (tuple, list)) and len(x) == 2:
            x, y = x
        if self.conditional and y is None:
            raise ValueError(
                f"{type(self).__name__} needs labels with every batch: `fit(x, y)`, "
                "`fit((x, y))` or a dataset of `(x, y)` batches.")
        return x, (y if self.conditional else None)

    # ------------------------------------------------------------- a whole input
    def _first_batch(self, x: Any, name: str) -> Any:
        if isinstance(x, tf.data.Dataset):
            try:
                return next(iter(x.take(1)))
            except StopIteration:
                raise ValueError(f"`{name}` is an empty tf.data.Dataset.") from None
        if len(x) == 0:
            raise ValueError(f"`{name}` is an empty PyDataset.")
        return x[0]

    def _normalize_input(self, x: Any, y: Any, name: str) -> tuple[Any, Any]:
        """Returns `(x, y)` as Keras should receive them, after checking them; builds
        the networks from the data if needed."""
        if x is None:
            raise TypeError(f"`{name}` is required: {_FORMS}.")
        if isinstance(x, (tf.data.Dataset, keras.utils.PyDataset)):
            if y is not None:
                raise ValueError(
                    f"`y` must be None when `{name}` is a {type(x).__name__}: the dataset "
                    "yields `(x, y)` batches itself.")
            batch = self._first_batch(x, name)
            if isinstance(batch, dict) or (isinstance(batch, (tuple, list)) and any(
                    isinstance(part, (dict, tuple, list)) for part in batch)):
                raise TypeError(
                    f"`{name}` yields batches of {_structure(batch)}; expected `x` or "
                    "`(x, y)` batches of arrays.")
            bx, by, _ = keras.utils.unpack_x_y_sample_weight(batch)
            self._check_and_build(bx, by, name)
            return x, None
        if isinstance(x, (tuple, list)) and y is None and len(x) == 2 and self.conditional:
            x, y = x
        if isinstance(x, (dict, str, bytes)) or callable(x) or hasattr(x, "__next__"):
            raise TypeError(f"`{name}` must be {_FORMS}, got {type(x).__name__}.")
        self._check_and_build(x, y, name)
        if self.conditional and y is not None:
            # one-hot rows as class indices, soft rows as float32 rows, before Keras sees them
            y = check_conditions(y, self.num_classes, "y")
        return x, y

    def _check_and_build(self, x: Any, y: Any, name: str) -> None:
        if self.conditional and y is None:
            raise ValueError(
                f"{type(self).__name__} is conditional on {self.num_classes} classes and "
                f"`{name}` came without labels: pass `fit(x, y)`, `fit((x, y))` or a "
                "dataset of `(x, y)` batches (for `predict`: `predict((x, y))`).")
        bx, _ = self.check_data(x, y, name)
        self.build_from_data(bx)

    def _normalize_validation_data(self, validation_data: Any) -> Any:
        if validation_data is None or isinstance(
                validation_data, (tf.data.Dataset, keras.utils.PyDataset)):
            if validation_data is not None:
                self._normalize_input(validation_data, None, "validation_data")
            return validation_data
        if not isinstance(validation_data, (tuple, list)):
            raise TypeError(
                "`validation_data` must be `(x_val,)`, `(x_val, y_val)`, a tf.data.Dataset or "
                f"a PyDataset, got {type(validation_data).__name__}.")
        vx, vy, _ = keras.utils.unpack_x_y_sample_weight(tuple(validation_data))
        vx, vy = self._normalize_input(vx, vy, "validation_data")
        return (vx,) if vy is None else (vx, vy)

    # ------------------------------------------------------------ the Keras calls
    def fit(self, x: Any = None, y: Any = None, *args: Any, **kwargs: Any):
        """`keras.Model.fit`, after checking the data and building networks from it."""
        x, y = self._normalize_input(x, y, "x")
        if "validation_data" in kwargs:
            kwargs["validation_data"] = self._normalize_validation_data(
                kwargs["validation_data"])
        return super().fit(x, y, *args, **kwargs)

    def evaluate(self, x: Any = None, y: Any = None, *args: Any, **kwargs: Any):
        """`keras.Model.evaluate`, after checking the data; each batch draws its own
        noise and every call draws the same noise."""
        if not kwargs.get("_use_cached_eval_dataset"):  # fit's validation: checked once
            x, y = self._normalize_input(x, y, "x")
        self.reset_eval_counter()
        return super().evaluate(x, y, *args, **kwargs)

    def predict(self, x: Any, *args: Any, **kwargs: Any):
        """`keras.Model.predict`, after checking the data (`(x, y)` for conditional
        models)."""
        x, y = self._normalize_input(x, None, "x")
        if y is not None:
            x = (x, y)
        return super().predict(x, *args, **kwargs)

    def predict_step(self, data: Any) -> Any:
        x, labels = self.split_batch(data)
        return self((x, labels) if self.conditional else x, training=False)


def _structure(batch: Any) -> str:
    if isinstance(batch, dict):
        return f"dicts with keys {sorted(batch)}"
    return "nested " + type(batch).__name__ + "s"
