"""`keras.callbacks.TensorBoard` made safe for long and multi-worker runs.

Keras' callback has two problems in the runs this package is for:

- **Memory grows with every batch.** It calls `tf.summary.scalar(name, value,
  step=batch)` for every metric after every batch, even with `update_freq="epoch"` (where
  nothing is recorded), and TensorFlow keeps every distinct Python number it converts to
  an eager tensor: about 0.75 KiB per batch and metric, never freed (a 10,000-step VAE
  run grew by 5.6% with it, by 0.4% without it; see `benchmarks/memory_soak.py`).
- **Every worker writes.** Under `MultiWorkerMirroredStrategy` each worker writes its own
  event files into the same folder.

`kg.callbacks.TensorBoard` takes the same arguments and writes the same summaries, but
hands TensorFlow numpy scalars (which are not cached), skips the per-batch calls that
`update_freq="epoch"` would not record, and lets only the chief write (the other workers
write into a temporary folder that is removed when training ends).

Example:

```python
import keras_genmodels as kg
vae.fit(x, epochs=10, callbacks=[kg.callbacks.TensorBoard("runs/vae", update_freq=50)])
```
"""

from __future__ import annotations

import os
import shutil
import tempfile
from numbers import Number
from typing import Any

import keras
import numpy as np

from keras_genmodels.chief import check_log_dir, is_chief


class TensorBoard(keras.callbacks.TensorBoard):
    """`keras.callbacks.TensorBoard` that does not grow memory and writes on the chief only.

    Accepts every argument of `keras.callbacks.TensorBoard` and writes the same event files
    (`log_dir/train`, `log_dir/validation`).

    Example:

    ```python
    callback = kg.callbacks.TensorBoard("runs/gan", update_freq="epoch")
    gan.fit(x, epochs=20, callbacks=[callback, kg.callbacks.SampleGrid("runs/gan")])
    ```

    Args:
        log_dir: folder of the event files; the chief creates it and checks that it can
            write there when the callback is built (see `check_log_dir`).
        **kwargs: the other arguments of `keras.callbacks.TensorBoard` (`histogram_freq`,
            `write_graph`, `write_images`, `write_steps_per_second`, `update_freq`,
            `profile_batch`, `embeddings_freq`, `embeddings_metadata`).

    Raises:
        TypeError / ValueError: `log_dir` is not a path, or is a file, or (on the chief)
            cannot be created or written.
    """

    def __init__(self, log_dir: str | os.PathLike = "logs", **kwargs: Any) -> None:
        check_log_dir(log_dir)
        super().__init__(log_dir=log_dir, **kwargs)
        self._summary_module = _NumpySummary()
        self._global_test_batch = np.int64(0)
        self._scratch_dir: str | None = None

    def set_model(self, model: keras.Model) -> None:
        if is_chief():
            super().set_model(model)
            return
        if self._scratch_dir is None:
            self._scratch_dir = tempfile.mkdtemp(prefix="kg_tensorboard_worker_")
        log_dir, self.log_dir = self.log_dir, self._scratch_dir
        try:
            super().set_model(model)
        finally:
            self.log_dir = log_dir

    def on_train_begin(self, logs: dict | None = None) -> None:
        super().on_train_begin(logs)
        # Incremented with `+= 1` every batch and used as the summary step: as a numpy
        # integer it stays one (a Python int would be cached by TensorFlow at every step).
        self._global_train_batch = np.int64(self._global_train_batch)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.update_freq == "epoch":
            logs = None  # no writer is active between epochs: nothing would be recorded
        super().on_train_batch_end(batch, logs)

    def on_train_end(self, logs: dict | None = None) -> None:
        super().on_train_end(logs)
        if self._scratch_dir is not None:
            shutil.rmtree(self._scratch_dir, ignore_errors=True)
            self._scratch_dir = None


class _NumpySummary:
    """`tf.summary` that hands TensorFlow numbers as numpy scalars.

    TensorFlow caches the eager tensor of every distinct Python `int` and `float` it
    converts, so logging them forever grows memory; numpy scalars convert without the
    cache. Every function's `step` (scalars, histograms, images, traces) becomes an
    `int64`, and a scalar's value a `float32`.
    """

    def __init__(self) -> None:
        import tensorflow.summary  # the module Keras' callback uses

        self._summary = tensorflow.summary

    def __getattr__(self, name: str) -> Any:
        function = getattr(self._summary, name)
        if not callable(function):
            return function

        def with_numpy_step(*args: Any, **kwargs: Any) -> Any:
            if "step" in kwargs:
                kwargs["step"] = _as_numpy(kwargs["step"], np.int64)
            return function(*args, **kwargs)

        return with_numpy_step

    def scalar(self, name: str, data: Any, step: Any = None, description: str | None = None):
        return self._summary.scalar(name, _as_numpy(data, np.float32), step=_as_numpy(
            step, np.int64), description=description)


def _as_numpy(value: Any, dtype: type) -> Any:
    """A Python number as a numpy scalar of `dtype`; anything else unchanged."""
    if isinstance(value, Number) and not isinstance(value, (bool, np.generic)):
        return dtype(value)
    return value
