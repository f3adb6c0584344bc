"""The base of every picture callback: `ImageLogger`, and `write_image_summary`.

`ImageLogger` holds what the picture callbacks (`SampleGrid`, `ReconstructionGrid`,
`LatentTraversal`, `StyleMixingGrid`, `TranslationGrid`, ...) share: the schedule (before
training, every `every_n_epochs` epochs, and the last epoch), one summary writer, PNG
copies, and writing from the chief worker only. A subclass says only how to draw its
grid and which models it can draw.

Example:

```python
import keras_genmodels as kg

class FirstSamples(kg.callbacks.ImageLogger):
    def make_image(self):
        return kg.images.make_grid(self.model.sample(16, seed=0), nrow=4)

vae.fit(x_train, epochs=5, callbacks=[FirstSamples("runs/vae", tag="first_samples")])
```
"""

from __future__ import annotations

import os
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from tensorboard.plugins.image import metadata as image_metadata

from keras_genmodels.chief import check_log_dir, is_chief
from keras_genmodels.images import to_png
from keras_genmodels.model_checks import check_model_methods
from keras_genmodels.validation import check_positive_int

__all__ = ["ImageLogger", "write_image_summary"]


class ImageLogger(keras.callbacks.Callback):
    """Base of the picture callbacks: a schedule, one summary writer and PNG output.

    Subclasses implement `make_image() -> np.ndarray` (one `(H, W, C)` grid in [0, 1])
    and may override `check_model(model)`, which runs in `set_model`, i.e. when `fit`
    starts and before any training step, to refuse models they cannot draw.

    The grid is logged before training (step 0) and after every `every_n_epochs`-th
    epoch (step = epochs completed); the last epoch is always logged. Only the chief
    writes (see `is_chief`); one writer is opened on the first write and closed when
    training ends.

    Args:
        log_dir: folder of the TensorBoard event files; on the chief it is created, and
            checked writable, when the callback is built (see `check_log_dir`).
        tag: the image's name in TensorBoard.
        every_n_epochs: log after every n-th epoch (and before training starts).
        png_dir: if given, each grid is also saved as `png_dir/{tag}_epoch{N:04d}.png`
            (checked like `log_dir`).
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
        if not isinstance(tag, str) or not tag:
            raise ValueError(f"`tag` must be a non-empty string, got {tag!r}.")
        self.tag = tag
        self._writer = None
        self._epochs_done = 0
        self._last_logged: int | None = None

    def check_model(self, model: Any) -> None:
        """Raises `TypeError`/`ValueError` if this callback cannot draw `model`."""
        check_model_methods(type(self).__name__, model, ("sample_latent", "generate_batched"))

    def set_model(self, model):
        self.check_model(model)
        super().set_model(model)

    def make_image(self) -> np.ndarray:
        raise NotImplementedError

    def on_train_begin(self, logs=None):
        shape = getattr(self.model, "data_shape", None)
        if shape is not None and len(shape) != 3:
            raise ValueError(
                f"{type(self).__name__} draws images, but the model's data has shape "
                f"{tuple(shape)} per example (images are (H, W, C))."
            )
        self._epochs_done = 0
        self._last_logged = None
        self.log(0)

    def on_epoch_end(self, epoch, logs=None):
        self._epochs_done = epoch + 1
        if (epoch + 1) % self.every_n_epochs == 0:
            self.log(epoch + 1)

    def on_train_end(self, logs=None):
        if self._epochs_done and self._last_logged != self._epochs_done:
            self.log(self._epochs_done)
        self.close()

    def close(self) -> None:
        """Closes the summary writer (a later `log` opens a new one)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    @property
    def writer(self):
        """The summary writer of `log_dir`, opened on first use (chief only)."""
        if self._writer is None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            self._writer = tf.summary.create_file_writer(str(self.log_dir))
        return self._writer

    def log(self, step: int) -> None:
        """Writes the current grid at `step` (epochs completed); a no-op off the chief."""
        if not is_chief():
            return
        image = self.make_image()
        png = to_png(image)
        write_image_summary(self.writer, self.tag, png, image.shape, step)
        self._last_logged = step
        if self.png_dir is not None:
            self.png_dir.mkdir(parents=True, exist_ok=True)
            (self.png_dir / f"{self.tag}_epoch{step:04d}.png").write_bytes(png)


def write_image_summary(writer, tag: str, png: bytes, shape: tuple[int, ...], step: int):
    """Writes PNG bytes as the summary `tf.summary.image(tag, ...)` would, and flushes.

    The PNG is encoded once with Pillow (for the event file and the PNG copy alike);
    `tf.summary.image` would re-encode it with eager TensorFlow ops, which costs more
    than a small model's decoding of the grid.
    """
    tensor = tf.constant([str(shape[1]).encode(), str(shape[0]).encode(), png])
    with writer.as_default():
        tf.summary.write(tag, tensor, step=step,
                         metadata=image_metadata.create_summary_metadata(
                             display_name=None, description=None))
    writer.flush()
