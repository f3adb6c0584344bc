"""Callbacks that log a model's samples and reconstructions as images.

`SampleGrid` decodes a fixed batch of latent codes after every `every_n_epochs` epochs,
so grids from different epochs show the same codes and can be compared; a conditional
model gets one row per class. `ReconstructionGrid` shows reference inputs beside their
reconstructions. Both write a `tf.summary.image` to `log_dir` (TensorBoard's Images tab)
and optionally PNG files, from the chief worker only.

What every picture callback shares lives in `image_logger.py` (`ImageLogger`, imported
here too); the other pictures live in `latent.py`, `projector.py`, `style_mixing.py` and
`translation.py`.

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

import math
import os
from typing import Any

import numpy as np

from keras_genmodels.callbacks.image_logger import ImageLogger
from keras_genmodels.images import make_grid
from keras_genmodels.model_checks import check_model_labels, check_model_methods
from keras_genmodels.validation import as_numpy, check_images, check_positive_int

# `ImageLogger` is public as `kg.callbacks.ImageLogger`, and was first imported from here.
__all__ = ["ImageLogger", "ReconstructionGrid", "SampleGrid"]


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
