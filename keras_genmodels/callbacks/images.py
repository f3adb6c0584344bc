"""Callbacks that log a model's samples and reconstructions as images.

`SampleGrid` decodes a fixed batch of latent codes after every `every_n_epochs` epochs,
so grids from different epochs show the same codes and can be compared; a conditional
model gets one row per class. `ReconstructionGrid` shows reference inputs beside their
reconstructions. Both write a `tf.summary.image` to `log_dir` (TensorBoard's Images tab)
and optionally PNG files, from the chief worker only.

This module also holds what every picture callback shares (`ImageLogger`, `is_chief`,
`check_log_dir`); the other pictures live in `latent.py` and `projector.py`.

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
import tempfile
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from tensorboard.plugins.image import metadata as image_metadata

from keras_genmodels.images import make_grid, to_png
from keras_genmodels.validation import as_numpy, check_images, check_labels, check_positive_int

__all__ = ["ImageLogger", "ReconstructionGrid", "SampleGrid", "check_log_dir", "code_origin",
           "code_size", "is_chief"]


def is_chief() -> bool:
    """Whether this process is the one that writes logs under multi-worker training.

    Reads `TF_CONFIG`: without one (single process), or as the `chief`, or as worker 0
    of a cluster that has no chief, the process writes; every other task does not.
    """
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
    """Returns `log_dir` as a Path after making sure this process can write there.

    Callbacks call it when they are built, so that a bad folder fails before training
    rather than at the end of the first epoch. On the chief (the process that writes,
    see `is_chief`) the folder is created, with its parents, and a probe file is written
    into it and removed: that is the only reliable test (permission bits say nothing to
    root, nor about read-only or virtual file systems such as `/proc`). The folder is left
    in place, empty, for the callback's first write.

    Other workers of a multi-worker run never write there (the picture callbacks skip
    writing, `TensorBoard` and `BackupAndRestore` write into a private temporary folder),
    and the folder may live on the chief's storage, so they create nothing: they only
    check that no file stands where the folder or one of its parents should be.

    Example:

    ```python
    path = check_log_dir("runs/vae/images")   # creates runs/vae/images (on the chief)
    check_log_dir("/proc/none/dir")           # ValueError: `log_dir` ... cannot be created
    ```

    Args:
        log_dir: the folder, a `str` or `os.PathLike`.
        name: the argument's name, used in error messages.

    Returns:
        `log_dir` as a `pathlib.Path`.

    Raises:
        TypeError: if `log_dir` is not a path.
        ValueError: if it is empty, is (or lies under) a file, or, on the chief, cannot
            be created or written.
    """
    if not isinstance(log_dir, (str, os.PathLike)):
        raise TypeError(f"`{name}` must be a path (str or os.PathLike), got "
                        f"{type(log_dir).__name__} {log_dir!r}.")
    if str(log_dir) == "":
        raise ValueError(f"`{name}` must be a non-empty path, got ''.")
    path = Path(log_dir)
    if path.exists() and not path.is_dir():
        raise ValueError(f"`{name}` {str(path)!r} exists and is not a folder; expected a "
                         "folder to write into.")
    existing = path.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"`{name}` {str(path)!r} cannot be created: {str(existing)!r} is a "
                         "file; expected a folder to write into.")
    if not is_chief():
        return path
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"`{name}` {str(path)!r} cannot be created ({error.strerror or error}); "
                         "expected a folder this process can create and write into.") from error
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".kg-write-probe-"):
            pass
    except OSError as error:
        raise ValueError(f"`{name}` {str(path)!r} is not writable ({error.strerror or error}); "
                         "expected a folder this process can write into.") from error
    return path


def check_model_methods(callback: str, model: Any, methods: tuple[str, ...]) -> None:
    """Raises `TypeError` when `model` lacks one of the public `methods` a callback uses."""
    missing = [m for m in methods if not callable(getattr(model, m, None))]
    if missing:
        raise TypeError(
            f"{callback} needs a model with {', '.join(f'`{m}`' for m in missing)}; "
            f"{type(model).__name__} has none (it cannot {missing[0]}). Use it with a "
            "model that can, e.g. kg.VAE, kg.ConditionalVAE or kg.VAEGAN."
        )


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


def code_size(model: Any) -> int:
    """Size of the codes `model.sample_latent` returns and `model.generate_batched` takes:
    the model's `code_dim` if it has one (a StyleGAN working in W space: `w_dim`), else
    its `latent_dim`."""
    return int(getattr(model, "code_dim", None) or model.latent_dim)


def code_origin(model: Any) -> np.ndarray:
    """The code the latent tools start from: the model's `latent_origin()` if it has one
    (a StyleGAN in W space: the average `w`), else zeros, `(code_size(model),)` float32."""
    origin = getattr(model, "latent_origin", None)
    if callable(origin):
        return np.asarray(origin(), np.float32).reshape([code_size(model)])
    return np.zeros(code_size(model), np.float32)


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


class SampleGrid(ImageLogger):
    """Logs a grid of samples decoded from a fixed batch of latent codes.

    The codes are drawn once from the model's prior with `seed`, so every epoch decodes
    the same codes and grids from different epochs can be compared. An unconditional
    model gives a square-ish grid of `num_samples` images (`ceil(sqrt(n))` per row); a
    conditional model gives one row per class, each row decoding the same
    `ceil(num_samples / num_classes)` codes with that class's label.

    Example:

    ```python
    gan.fit(x_train, epochs=50, callbacks=[kg.callbacks.SampleGrid("runs/gan")])
    ```

    Args:
        log_dir: folder of the TensorBoard event files.
        num_samples: int, samples in the grid; for conditional models, samples per class
            row is `ceil(num_samples / num_classes)`. Defaults to 64.
        every_n_epochs: int, log after every n-th epoch. Defaults to 1.
        seed: int >= 0, seed of the fixed latent codes. Defaults to 0.
        png_dir: optional folder for PNG copies of each grid.
        tag: the image's name in TensorBoard. Defaults to `"samples"`.
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
        self._codes: tuple[np.ndarray, np.ndarray | None, int] | None = None

    def set_model(self, model):
        super().set_model(model)
        self._codes = None

    def fixed_codes(self) -> tuple[np.ndarray, np.ndarray | None, int]:
        """The fixed `(z, labels, images_per_row)` decoded at every log (drawn once)."""
        if self._codes is None:
            model = self.model
            if model.conditional:
                per_class = math.ceil(self.num_samples / model.num_classes)
                z = np.tile(as_numpy(model.sample_latent(per_class, self.seed)),
                            (model.num_classes, 1))
                labels = np.repeat(np.arange(model.num_classes, dtype=np.int32), per_class)
                self._codes = (z, labels, per_class)
            else:
                z = as_numpy(model.sample_latent(self.num_samples, self.seed))
                self._codes = (z, None, math.ceil(math.sqrt(self.num_samples)))
        return self._codes

    def make_image(self) -> np.ndarray:
        z, labels, per_row = self.fixed_codes()
        return make_grid(self.model.generate_batched(z, labels), nrow=per_row)


class ReconstructionGrid(ImageLogger):
    """Logs reference inputs beside their reconstructions (pairs of columns).

    Each reference image is followed by `model.reconstruct` of it, pairs laid out
    `max(1, int(sqrt(n)))` per row. Only models that can reconstruct (VAE,
    ConditionalVAE, VAEGAN, ...) are accepted: since the model is not known when the
    callback is built, a model without `reconstruct` (a GAN) raises `TypeError` when
    `fit` starts, before any training step.

    Example:

    ```python
    vae.fit(x_train, epochs=10,
            callbacks=[kg.callbacks.ReconstructionGrid("runs/vae", x_test[:16])])
    ```

    Args:
        log_dir: folder of the TensorBoard event files.
        x_ref: reference images `(n, H, W, C)`, float in [0, 1].
        labels: their class labels `(n,)` (or one int for all), required by conditional
            models and ignored by others.
        every_n_epochs: int, log after every n-th epoch. Defaults to 1.
        png_dir: optional folder for PNG copies of each grid.
        tag: the image's name in TensorBoard. Defaults to `"reconstructions"`.
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
        if labels is not None and np.ndim(as_numpy(labels)) > 0 and (
            len(as_numpy(labels)) != len(self.x_ref)
        ):
            raise ValueError(f"`labels` has {len(as_numpy(labels))} entries for "
                             f"{len(self.x_ref)} images in `x_ref`.")
        self.labels = labels
        self._labels = None

    def check_model(self, model: Any) -> None:
        check_model_methods("ReconstructionGrid", model, ("encode", "reconstruct"))
        self._labels = check_model_labels("ReconstructionGrid", model, self.labels, "labels",
                                          len(self.x_ref))

    def make_image(self) -> np.ndarray:
        reconstructions = self.model.reconstruct(self.x_ref, self._labels)
        pairs = np.stack([self.x_ref, reconstructions], axis=1).reshape(
            (-1, *self.x_ref.shape[1:])
        )
        columns = 2 * max(1, int(math.sqrt(len(self.x_ref))))
        return make_grid(pairs, nrow=columns)
