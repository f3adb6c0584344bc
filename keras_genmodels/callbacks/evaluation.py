"""`GenerativeMetrics`: FID, KID, precision/recall... of a model's samples while it trains.

Losses of generative models say little about the samples (a GAN's losses hover whatever its
quality; a VAE's ELBO keeps improving after its samples stop). This callback measures the
samples themselves: every `every_n_epochs` epochs it draws `num_samples` examples with a fixed
seed, extracts their features, and scores them against a reference set whose features were
extracted once. The results go into the epoch's `logs`, so `EarlyStopping`,
`ModelCheckpoint(monitor="fid", mode="min")`, `History` and the progress bar see them (place
`GenerativeMetrics` before the callbacks that read them), and, with `log_dir`, into
TensorBoard scalars under `log_dir/metrics`.

Under a multi-worker strategy every worker computes the same numbers (the sampling seed is
fixed), so callbacks that act on them agree; only the chief writes to TensorBoard.

Example:

```python
metrics = kg.callbacks.GenerativeMetrics(x_test, metrics=("fid", "precision_recall"),
                                         extractor="mnist10k", log_dir="runs/gan")
gan.fit(x_train, epochs=20, callbacks=[
    metrics,
    keras.callbacks.ModelCheckpoint("best.keras", monitor="fid", mode="min",
                                    save_best_only=True),
])
```
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_genmodels.chief import check_log_dir, is_chief
from keras_genmodels.metrics.suite import MetricSuite, check_metric_names
from keras_genmodels.validation import check_positive_int

__all__ = ["GenerativeMetrics"]


class GenerativeMetrics(keras.callbacks.Callback):
    """Scores the model's samples against a reference set every few epochs.

    Example:

    ```python
    callback = kg.callbacks.GenerativeMetrics(x_test, metrics=("fid", "kid"),
                                              extractor="mnist10k", every_n_epochs=5)
    vae.fit(x_train, epochs=50, callbacks=[callback])
    callback.history   # [{'epoch': 4, 'seconds': 31.2, 'fid': 18.7, 'kid': 0.02, ...}, ...]
    ```

    Args:
        reference: the real examples to compare with: an array or a `tf.data.Dataset`
            (images float32 in [0, 1], NHWC; vectors `(n, d)`).
        metrics: names of `kg.metrics.MetricSuite`: `"fid"`, `"kid"`, `"precision_recall"`,
            `"density_coverage"`, `"sliced_wasserstein"` (or `"precision"`, `"recall"`,
            `"density"`, `"coverage"`). Default `("fid",)`.
        extractor: the feature space (see `kg.metrics.resolve_extractor`): `None` compares
            the raw data (vectors), `"mnist10k"` / `"shapes"` the shipped domain
            classifiers, `"inception"` InceptionV3, or a path / `FeatureExtractor`.
        every_n_epochs: int >= 1, measure after every this many epochs (and always after
            the last one when `fit` reaches it). Default 1.
        num_samples: int >= 2, generated examples per measurement. Default 1000.
        num_reference: how many reference examples to use (`None`: all). Default `None`.
        seed: sampling seed; the same seed is used at every measurement, so two epochs
            are compared on the same latent codes. Default 0.
        log_dir: folder for TensorBoard scalars (`log_dir/metrics`, one tag per result);
            `None` writes nothing. Checked when the callback is built.
        batch_size: examples per sampling and feature-extraction batch. Default 256.

    Attributes:
        history: one dict per measurement: `epoch` (0-based), `seconds` since the start
            of training, and every result.

    Raises:
        TypeError / ValueError: an unknown metric name, bad counts or an unwritable
            `log_dir`, when the callback is built.
    """

    def __init__(
        self,
        reference: Any,
        metrics: Sequence[str] = ("fid",),
        extractor: Any = None,
        every_n_epochs: int = 1,
        num_samples: int = 1000,
        num_reference: int | None = None,
        seed: int = 0,
        log_dir: str | os.PathLike | None = None,
        batch_size: int = 256,
    ) -> None:
        super().__init__()
        check_metric_names(metrics)
        self.every_n_epochs = check_positive_int(every_n_epochs, "every_n_epochs")
        self.num_samples = check_positive_int(num_samples, "num_samples", minimum=2)
        self.seed = check_positive_int(seed, "seed", minimum=0)
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.log_dir = None if log_dir is None else check_log_dir(log_dir)
        self.suite = MetricSuite(reference, metrics, extractor, num_reference, self.batch_size)
        self.history: list[dict[str, float]] = []
        self._writer = None
        self._started = time.perf_counter()

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if (epoch + 1) % self.every_n_epochs and not self._is_last_epoch(epoch):
            return
        results = self.measure()
        self.history.append({"epoch": epoch, "seconds": time.perf_counter() - self._started,
                             **results})
        if logs is not None:
            logs.update(results)
        self._write(results, epoch)

    def measure(self) -> dict[str, float]:
        """Scores `num_samples` fresh samples of the model now; returns the results."""
        return self.suite(self.model, num_samples=self.num_samples, seed=self.seed)

    def _is_last_epoch(self, epoch: int) -> bool:
        epochs = (self.params or {}).get("epochs")
        return epochs is not None and epoch + 1 == epochs

    def _write(self, results: dict[str, float], epoch: int) -> None:
        if self.log_dir is None or not is_chief():
            return
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(str(self.log_dir / "metrics"))
        with self._writer.as_default():
            for key, value in results.items():
                tf.summary.scalar(key, np.float32(value), step=np.int64(epoch))
        self._writer.flush()

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
