"""Callbacks that log a model's samples and reconstructions as images.

`SampleGrid` decodes a fixed batch of latent codes after every `every_n_epochs` epochs,
so grids from different epochs show the same codes and can be compared; a conditional
model gets one row per class. `ReconstructionGrid` shows reference inputs beside their
reconstructions. Both write a `tf.summary.image` to `log_dir` (TensorBoard's Images tab)
and optionally PNG files, from the chief worker only.

Example:

```python
import keras_genmodels as kg

vae.fit(x_train, epochs=10, callbacks=[
    kg.callbacks.SampleGrid("runs/vae", num_samples=64, png_dir="runs/vae/png"),
    kg.callbacks.ReconstructionGrid("runs/vae", x_test[:16]),
])
```
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_genmodels.images import make_grid, save_png
from keras_genmodels.validation import check_images, check_positive_int


def is_chief() -> bool:
    """Whether this process is the one that writes logs under multi-worker training."""
    config = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
    task = config.get("task", {})
    if not task:
        return True
    if task.get("type") == "chief":
        return True
    return task.get("type") == "worker" and int(task.get("index", 0)) == 0 and (
        "chief" not in config.get("cluster", {})
    )


def check_log_dir(log_dir: Any, name: str = "log_dir") -> Path:
    """Returns `log_dir` as a Path after checking it can be created and written."""
    if not isinstance(log_dir, (str, os.PathLike)):
        raise TypeError(f"`{name}` must be a path, got {type(log_dir).__name__}.")
    path = Path(log_dir)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"`{name}` {str(path)!r} cannot be created: {error}.") from None
    if not os.access(path, os.W_OK):
        raise ValueError(f"`{name}` {str(path)!r} is not writable.")
    return path


class ImageLogger(keras.callbacks.Callback):
    """Base of the image callbacks: a schedule, a summary writer and PNG output.

    Subclasses implement `make_image() -> np.ndarray` (one `(H, W, C)` grid).

    Args:
        log_dir: folder of the TensorBoard event files.
        tag: the image's name in TensorBoard.
        every_n_epochs: log after every n-th epoch (and before training starts).
        png_dir: if given, each grid is also saved as `png_dir/{tag}_epoch{N:04d}.png`.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike,
        tag: str,
        every_n_epochs: int = 1,
        png_dir: str | os.PathLike | None = None,
    ):
        super().__init__()
        self.log_dir = check_log_dir(log_dir)
        self.png_dir = None if png_dir is None else check_log_dir(png_dir, "png_dir")
        self.every_n_epochs = check_positive_int(every_n_epochs, "every_n_epochs")
        self.tag = tag
        self._writer = None

    def make_image(self) -> np.ndarray:
        raise NotImplementedError

    def on_train_begin(self, logs=None):
        self.log(0)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs == 0:
            self.log(epoch + 1)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def log(self, step: int) -> None:
        """Writes the current grid at `step` (epochs completed)."""
        if not is_chief():
            return
        image = self.make_image()
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(str(self.log_dir))
        with self._writer.as_default():
            tf.summary.image(self.tag, image[None], step=step)
        self._writer.flush()
        if self.png_dir is not None:
            save_png(image, self.png_dir / f"{self.tag}_epoch{step:04d}.png")


class SampleGrid(ImageLogger):
    """Logs a grid of samples decoded from a fixed batch of latent codes.

    Example:

    ```python
    gan.fit(x_train, epochs=50, callbacks=[kg.callbacks.SampleGrid("runs/gan")])
    ```

    Args:
        log_dir: folder of the TensorBoard event files.
        num_samples: samples in the grid; for conditional models, samples per class
            row is `ceil(num_samples / num_classes)`.
        every_n_epochs: log after every n-th epoch.
        seed: seed of the fixed latent codes.
        png_dir: optional folder for PNG copies of each grid.
        tag: the image's name in TensorBoard.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike,
        num_samples: int = 64,
        every_n_epochs: int = 1,
        seed: int = 0,
        png_dir: str | os.PathLike | None = None,
        tag: str = "samples",
    ):
        super().__init__(log_dir, tag, every_n_epochs, png_dir)
        self.num_samples = check_positive_int(num_samples, "num_samples")
        self.seed = check_positive_int(seed, "seed", minimum=0)

    def make_image(self) -> np.ndarray:
        model = self.model
        if model.conditional:
            per_class = math.ceil(self.num_samples / model.num_classes)
            labels = np.repeat(np.arange(model.num_classes), per_class)
            z = np.tile(model.sample_latent(per_class, self.seed).numpy(),
                        (model.num_classes, 1))
            images = model.generate_batched(z, labels)
            return make_grid(images, nrow=per_class)
        return make_grid(model.sample(self.num_samples, seed=self.seed))


class ReconstructionGrid(ImageLogger):
    """Logs reference inputs beside their reconstructions (pairs of columns).

    Args:
        log_dir: folder of the TensorBoard event files.
        x_ref: reference images `(n, H, W, C)` in [0, 1].
        labels: their labels, for conditional models.
        every_n_epochs: log after every n-th epoch.
        png_dir: optional folder for PNG copies of each grid.
        tag: the image's name in TensorBoard.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike,
        x_ref: Any,
        labels: Any = None,
        every_n_epochs: int = 1,
        png_dir: str | os.PathLike | None = None,
        tag: str = "reconstructions",
    ):
        super().__init__(log_dir, tag, every_n_epochs, png_dir)
        self.x_ref = check_images(x_ref, "x_ref", min_rank=4, max_rank=4)
        self.labels = labels

    def set_model(self, model):
        if not hasattr(model, "reconstruct"):
            raise TypeError(
                f"ReconstructionGrid needs a model with `reconstruct`; "
                f"{type(model).__name__} has none."
            )
        super().set_model(model)

    def make_image(self) -> np.ndarray:
        reconstructions = self.model.reconstruct(self.x_ref, self.labels)
        pairs = np.stack([self.x_ref, reconstructions], axis=1).reshape(
            (-1, *self.x_ref.shape[1:])
        )
        columns = 2 * max(1, int(math.sqrt(len(self.x_ref))))
        return make_grid(pairs, nrow=columns)
