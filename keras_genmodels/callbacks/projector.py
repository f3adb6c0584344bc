"""`EmbeddingProjector`: a model's latent codes of some data, for TensorBoard's projector.

At the end of training (and optionally every `every_n_epochs` epochs) the callback
encodes `x` with `model.encode` and writes, into `log_dir`, what TensorBoard's
Projector tab reads:

- a checkpoint (`tf.train.Checkpoint`, one kept) holding a `tf.Variable` `embedding` of
  shape `(n, latent_dim)`, the posterior means;
- `projector_config.pbtxt` (`tensorboard.plugins.projector.visualize_embeddings`), naming
  that tensor, its metadata and its sprite;
- `sprite.png`: the images of `x` tiled row by row in a square grid of
  `ceil(sqrt(n))` by `ceil(sqrt(n))` cells without padding (empty cells black), with
  `sprite.single_image_dim` set to the image size;
- `metadata.tsv`: one line per point with its label (one column, no header), or a
  header line and one column per entry when `labels` is a dict.

It also writes a short text summary, so that `log_dir` is a TensorBoard run even when
nothing else logs there. Only the chief worker writes.

Example:

```python
vae.fit(x_train, epochs=10, callbacks=[
    kg.callbacks.EmbeddingProjector("runs/vae", x_test[:1000], labels=y_test[:1000])])
# tensorboard --logdir runs/vae  ->  Projector tab: 3-D PCA / t-SNE / UMAP of the codes
```
"""

from __future__ import annotations

import math
import os
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from tensorboard.plugins import projector

from keras_genmodels.chief import check_log_dir, is_chief
from keras_genmodels.images import make_grid, save_png
from keras_genmodels.model_checks import check_model_labels, check_model_methods
from keras_genmodels.validation import as_numpy, check_images, check_positive_int

__all__ = ["EmbeddingProjector"]

#: TensorBoard's projector refuses sprites larger than this many pixels per side.
MAX_SPRITE_SIZE = 8192
#: The checkpoint key of the embedding variable saved as `tf.train.Checkpoint(embedding=v)`.
TENSOR_NAME = "embedding/.ATTRIBUTES/VARIABLE_VALUE"


def _clean(value: Any) -> str:
    # Tabs and newlines would break the TSV's columns and rows.
    return str(value).replace("\t", " ").replace("\n", " ").replace("\r", " ")


class EmbeddingProjector(keras.callbacks.Callback):
    """Writes the encoder means of `x` for TensorBoard's embedding projector.

    Needs a model that can `encode` (VAE, ConditionalVAE, VAEGAN); a model that cannot
    raises `TypeError` when `fit` starts, before any training step. The sprite and the
    metadata are written once; the embedding is re-encoded at each write, with one
    checkpoint kept, so the files do not pile up. See the module docstring for the
    files.

    Example:

    ```python
    projector = kg.callbacks.EmbeddingProjector("runs/vae", x_test[:500], y_test[:500])
    vae.fit(x_train, epochs=5, callbacks=[projector])
    ```

    Args:
        log_dir: folder of the TensorBoard run (the projector files go in it).
        x: images `(n, H, W, C)` in [0, 1] to embed.
        labels: optional metadata: a sequence of `n` labels (one column, no header), or
            a dict `{column name: sequence of n values}` (a header line, one column per
            key). Conditional models need class labels `(n,)` here (a sequence, or the
            dict's `label_column`), which are also passed to `encode`.
        every_n_epochs: int or `None`: also write after every n-th epoch. Defaults to
            `None` (only at the end of training).
        sprite: bool, whether to write the sprite image. Defaults to True.
        batch_size: int, images encoded per call. Defaults to 256.
        label_column: the dict key holding class labels for conditional models.
            Defaults to `"label"`.
        tag: the embedding's name in the projector. Defaults to `"embedding"`.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike,
        x: Any,
        labels: Any = None,
        every_n_epochs: int | None = None,
        sprite: bool = True,
        batch_size: int = 256,
        label_column: str = "label",
        tag: str = "embedding",
    ):
        super().__init__()
        self.log_dir = check_log_dir(log_dir)
        self.x = check_images(x, "x", min_rank=4, max_rank=4)
        self.every_n_epochs = None if every_n_epochs is None else check_positive_int(
            every_n_epochs, "every_n_epochs")
        if not isinstance(sprite, bool):
            raise TypeError(f"`sprite` must be True or False, got {sprite!r}.")
        self.sprite = sprite
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.label_column = label_column
        if not isinstance(tag, str) or not tag:
            raise ValueError(f"`tag` must be a non-empty string, got {tag!r}.")
        self.tag = tag
        self.columns = self._check_labels(labels, len(self.x))
        self.labels = labels
        n, height, width = self.x.shape[:3]
        self.sprite_cells = math.ceil(math.sqrt(n))
        if sprite and self.sprite_cells * max(height, width) > MAX_SPRITE_SIZE:
            raise ValueError(
                f"`x` holds {n} images of {height}x{width}: their sprite would be "
                f"{self.sprite_cells * height}x{self.sprite_cells * width} pixels, more than "
                f"TensorBoard's {MAX_SPRITE_SIZE}. Pass fewer images or `sprite=False`."
            )
        self._class_labels = None
        self._variable: tf.Variable | None = None
        self._manager: tf.train.CheckpointManager | None = None
        self._static_written = False
        self._epochs_done = 0
        self._last_written: int | None = None

    @staticmethod
    def _check_labels(labels: Any, n: int) -> dict[str, np.ndarray] | None:
        if labels is None:
            return None
        columns = labels if isinstance(labels, dict) else {"label": labels}
        if not columns:
            raise ValueError("`labels` must not be an empty dict.")
        checked = {}
        for name, values in columns.items():
            array = as_numpy(values)
            if array.ndim == 2 and array.shape[1] == 1:
                array = array[:, 0]
            if array.ndim != 1 or len(array) != n:
                raise ValueError(f"`labels` column {name!r} must hold {n} values (one per "
                                 f"image of `x`), got shape {array.shape}.")
            checked[_clean(name)] = array
        return checked

    def set_model(self, model):
        check_model_methods("EmbeddingProjector", model, ("encode",))
        class_labels = None
        if getattr(model, "conditional", False) and self.columns is not None:
            key = "label" if not isinstance(self.labels, dict) else self.label_column
            class_labels = self.columns.get(key)
        self._class_labels = check_model_labels("EmbeddingProjector", model, class_labels,
                                                "labels", len(self.x))
        super().set_model(model)

    # ----------------------------------------------------------------- schedule
    def on_train_begin(self, logs=None):
        self._epochs_done = 0
        self._last_written = None

    def on_epoch_end(self, epoch, logs=None):
        self._epochs_done = epoch + 1
        if self.every_n_epochs and (epoch + 1) % self.every_n_epochs == 0:
            self.write(epoch + 1)

    def on_train_end(self, logs=None):
        if self._last_written != self._epochs_done:
            self.write(self._epochs_done)
        self._variable = None
        self._manager = None

    # ------------------------------------------------------------------ writing
    def embeddings(self) -> np.ndarray:
        """The posterior means of `x`, `(n, latent_dim)` float32."""
        means = []
        for start in range(0, len(self.x), self.batch_size):
            labels = None if self._class_labels is None else \
                self._class_labels[start : start + self.batch_size]
            means.append(as_numpy(self.model.encode(self.x[start : start + self.batch_size],
                                                    labels).mean()))
        return np.concatenate(means).astype(np.float32)

    def sprite_image(self) -> np.ndarray:
        """The square sprite: `x` tiled `ceil(sqrt(n))` per row, no padding."""
        cells, (_, height, width, channels) = self.sprite_cells, self.x.shape
        sprite = np.zeros((cells * height, cells * width, channels), np.float32)
        grid = make_grid(self.x, nrow=cells, padding=0, pad_value=0.0)
        sprite[: grid.shape[0], : grid.shape[1]] = grid
        return sprite

    def write(self, step: int) -> None:
        """Writes the embedding after `step` epochs (and, once, the sprite and metadata)."""
        if not is_chief():
            return
        embeddings = self.embeddings()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if self._variable is None or tuple(self._variable.shape) != embeddings.shape:
            self._variable = tf.Variable(embeddings, trainable=False, name=self.tag)
            self._manager = tf.train.CheckpointManager(
                tf.train.Checkpoint(embedding=self._variable), str(self.log_dir),
                max_to_keep=1, checkpoint_name=f"{self.tag}.ckpt")
        else:
            self._variable.assign(embeddings)
        self._manager.save(checkpoint_number=step)
        if not self._static_written:
            self._write_static_files()
            self._static_written = True
        self._last_written = step

    def _write_static_files(self) -> None:
        config = projector.ProjectorConfig()
        embedding = config.embeddings.add()
        embedding.tensor_name = TENSOR_NAME
        if self.columns is not None:
            embedding.metadata_path = "metadata.tsv"
            with open(self.log_dir / "metadata.tsv", "w", encoding="utf-8") as file:
                names = list(self.columns)
                if len(names) > 1:
                    file.write("\t".join(names) + "\n")
                for row in zip(*self.columns.values(), strict=True):
                    file.write("\t".join(_clean(v) for v in row) + "\n")
        if self.sprite:
            save_png(self.sprite_image(), self.log_dir / "sprite.png")
            embedding.sprite.image_path = "sprite.png"
            embedding.sprite.single_image_dim.extend([self.x.shape[2], self.x.shape[1]])
        projector.visualize_embeddings(str(self.log_dir), config)
        writer = tf.summary.create_file_writer(str(self.log_dir))
        with writer.as_default():
            tf.summary.text(f"{self.tag}/projector",
                            f"{len(self.x)} points; open the Projector tab.", step=0)
        writer.close()
