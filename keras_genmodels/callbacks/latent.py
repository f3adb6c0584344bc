"""Callbacks that draw paths through a model's latent space: traversals and interpolations.

`LatentTraversal` shows one row per latent dimension, sweeping that dimension across
`value_range` while the others stay at a reference code; for VAEs the rows are the most
informative dimensions, ordered by their average KL. `LatentInterpolation` shows one row
per pair of endpoints, moving linearly or along a great circle (slerp) between two data
points (through `encode`) or two latent codes. Both log a `tf.summary.image` after every
`every_n_epochs` epochs, from the chief worker only, and talk to the model only through
its public methods (`sample_latent`, `generate_batched`, `encode`), so they work for
every family: VAE, GAN, WGAN, VAE-GAN and the conditional models.

Example:

```python
import keras_genmodels as kg

vae.fit(x_train, epochs=10, callbacks=[
    kg.callbacks.LatentTraversal("runs/vae", x_ref=x_test[:64]),
    kg.callbacks.LatentInterpolation("runs/vae", pairs=(x_test[:4], x_test[4:8])),
])
```
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from keras_genmodels import distributions as kgd
from keras_genmodels.callbacks.image_logger import ImageLogger
from keras_genmodels.images import make_grid
from keras_genmodels.interpolation import INTERPOLATION_METHODS, interpolate_latents
from keras_genmodels.latent_codes import code_origin, code_size
from keras_genmodels.model_checks import check_model_labels, check_model_methods
from keras_genmodels.validation import (
    as_numpy,
    check_choice,
    check_images,
    check_non_negative,
    check_positive_int,
)

__all__ = ["LatentInterpolation", "LatentTraversal"]


def _check_code(z: Any, name: str) -> np.ndarray:
    """Returns one latent code `(latent_dim,)` given as `(d,)` or `(1, d)`."""
    array = check_images(z, name, min_rank=1, max_rank=2, unit_range=False)
    if array.ndim == 2:
        if array.shape[0] != 1:
            raise ValueError(f"`{name}` must be one code of shape (latent_dim,) or "
                             f"(1, latent_dim), got shape {array.shape}.")
        array = array[0]
    return array


def _check_latent_dim(array: np.ndarray, model: Any, name: str) -> None:
    if array.shape[-1] != code_size(model):
        raise ValueError(f"`{name}` has codes of size {array.shape[-1]}, but the model's "
                         f"latent_dim is {code_size(model)}.")


def rank_by_kl(kl: np.ndarray, min_kl: float) -> tuple[list[int], list[int]]:
    """Orders latent dimensions by their average KL (nats, most informative first) and
    keeps the active ones (KL >= `min_kl`; the most informative one if none is).

    Example:

    ```python
    rank_by_kl(np.array([0.001, 2.3, 0.4]), min_kl=0.01)   # ([1, 2, 0], [1, 2])
    ```
    """
    order = [int(d) for d in np.argsort(-np.asarray(kl), kind="stable")]
    return order, [d for d in order if kl[d] >= min_kl] or order[:1]


def _posterior_means(model: Any, x: np.ndarray, labels: Any, batch_size: int = 256):
    """Encodes `x` in batches; returns `(means (n, d), kl per dimension (n, d) or None)`."""
    means, kls = [], []
    for start in range(0, len(x), batch_size):
        batch_labels = None if labels is None else labels[start : start + batch_size]
        posterior = model.encode(x[start : start + batch_size], batch_labels)
        means.append(as_numpy(posterior.mean()))
        kl = kgd.kl_per_dimension(posterior, model.prior)
        kls.append(None if kl is None else as_numpy(kl))
    kl = None if any(k is None for k in kls) else np.concatenate(kls)
    return np.concatenate(means).astype(np.float32), kl


class LatentTraversal(ImageLogger):
    """Logs one row per latent dimension, sweeping it from a reference code.

    Row `i` decodes `steps` codes equal to the reference code except in dimension
    `dims[i]`, which runs evenly over `value_range`. The reference code is `z_ref` if
    given, else the posterior mean of `x_ref[0]` (through `model.encode`), else zeros.

    Which dimensions: `dims` if given. Otherwise, for a model that can `encode` given
    `x_ref`, the dimensions ordered by their KL from the prior averaged over `x_ref`
    (`kgd.kl_per_dimension(model.encode(x_ref), model.prior)`, most informative first),
    skipping inactive ones (average KL < `min_kl` nats; if none is active the single
    highest one is kept, so the picture is never empty). For GANs, or without `x_ref`,
    or when the prior does not factorise per dimension, the first dimensions in order.
    At most `max_dims` rows either way. The dimensions are re-chosen at every log (a
    VAE's active units change while it trains); `last_dims` holds the latest choice, and
    a text summary `{tag}/dims` lists it with each dimension's KL.

    Conditional models need `label`, used for every row (and for encoding `x_ref`).

    Example:

    ```python
    vae.fit(x_train, epochs=10,
            callbacks=[kg.callbacks.LatentTraversal("runs/vae", x_ref=x_test[:64])])
    gan.fit(x_train, epochs=10, callbacks=[kg.callbacks.LatentTraversal("runs/gan")])
    ```

    Args:
        log_dir: folder of the TensorBoard event files.
        x_ref: optional reference images `(n, H, W, C)` (or one image `(H, W, C)`) in
            [0, 1], for the reference code and the KL ordering; needs `model.encode`.
        z_ref: optional reference code `(latent_dim,)`; takes precedence over `x_ref`
            for the reference code (`x_ref` still orders the dimensions).
        dims: optional sequence of dimension indices, one row each, in order.
        value_range: `(low, high)` with `low < high`, the values swept. Defaults to
            `(-3, 3)`.
        steps: int >= 2, images per row. Defaults to 9.
        max_dims: int >= 1, the most rows when `dims` is not given. Defaults to 16.
        min_kl: float >= 0, nats below which a VAE dimension counts as inactive.
            Defaults to 0.01.
        label: int class of every row, required by conditional models.
        every_n_epochs: int, log after every n-th epoch. Defaults to 1.
        png_dir: optional folder for PNG copies of each grid.
        tag: the image's name in TensorBoard. Defaults to `"latent_traversal"`.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike,
        x_ref: Any = None,
        z_ref: Any = None,
        dims: Sequence[int] | None = None,
        value_range: tuple[float, float] = (-3.0, 3.0),
        steps: int = 9,
        max_dims: int = 16,
        min_kl: float = 0.01,
        label: int | None = None,
        every_n_epochs: int = 1,
        png_dir: str | os.PathLike | None = None,
        tag: str = "latent_traversal",
    ):
        super().__init__(log_dir, tag, every_n_epochs, png_dir)
        self.x_ref = None
        if x_ref is not None:
            x_ref = check_images(x_ref, "x_ref", min_rank=3, max_rank=4)
            self.x_ref = x_ref[None] if x_ref.ndim == 3 else x_ref
        self.z_ref = None if z_ref is None else _check_code(z_ref, "z_ref")
        self.dims = None if dims is None else self._check_dims(dims)
        self.value_range = self._check_value_range(value_range)
        self.steps = check_positive_int(steps, "steps", minimum=2)
        self.max_dims = check_positive_int(max_dims, "max_dims")
        self.min_kl = check_non_negative(min_kl, "min_kl")
        if label is not None and (isinstance(label, bool) or np.ndim(as_numpy(label)) != 0
                                  or not np.issubdtype(as_numpy(label).dtype, np.integer)):
            raise TypeError(f"`label` must be one integer class, got {label!r}.")
        self.label = None if label is None else int(label)
        self.last_dims: list[int] = []
        self._kl: np.ndarray | None = None
        self._values = np.linspace(*self.value_range, self.steps, dtype=np.float32)

    @staticmethod
    def _check_dims(dims: Any) -> list[int]:
        if isinstance(dims, (str, bytes)) or not isinstance(dims, (Sequence, np.ndarray)):
            raise TypeError(f"`dims` must be a sequence of latent dimension indices, got "
                            f"{dims!r}.")
        dims = [check_positive_int(d, "dims", minimum=0) for d in dims]
        if not dims:
            raise ValueError("`dims` must name at least one latent dimension, got [].")
        if len(set(dims)) != len(dims):
            raise ValueError(f"`dims` must not repeat a dimension, got {dims}.")
        return dims

    @staticmethod
    def _check_value_range(value_range: Any) -> tuple[float, float]:
        if not isinstance(value_range, (tuple, list, np.ndarray)) or len(value_range) != 2:
            raise TypeError(f"`value_range` must be a pair (low, high), got {value_range!r}.")
        for v in value_range:
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise TypeError(f"`value_range` must hold two numbers, got {value_range!r}.")
            if not np.isfinite(v):
                raise ValueError(f"`value_range` must be finite, got {tuple(value_range)}.")
        low, high = value_range
        if not low < high:
            raise ValueError(f"`value_range` must be increasing (low < high), got "
                             f"{tuple(value_range)}.")
        return float(low), float(high)

    def check_model(self, model: Any) -> None:
        super().check_model(model)
        if self.x_ref is not None:
            check_model_methods("LatentTraversal with `x_ref`", model, ("encode",))
        if getattr(model, "conditional", False):
            check_model_labels("LatentTraversal", model, self.label, "label", 1)
        latent_dim = code_size(model)
        if self.z_ref is not None:
            _check_latent_dim(self.z_ref, model, "z_ref")
        if self.dims is not None and max(self.dims) >= latent_dim:
            raise ValueError(f"`dims` must hold indices in [0, {latent_dim - 1}] "
                             f"(latent_dim={latent_dim}), got {self.dims}.")

    def reference_and_dims(self) -> tuple[np.ndarray, list[int], np.ndarray | None]:
        """The reference code, the dimensions to draw and their average KL (or None)."""
        model = self.model
        latent_dim = code_size(model)
        reference = self.z_ref if self.z_ref is not None else code_origin(model)
        kl = None
        if self.x_ref is not None:
            labels = None if self.label is None else np.full(len(self.x_ref), self.label)
            means, kl_per_example = _posterior_means(model, self.x_ref, labels)
            if self.z_ref is None:
                reference = means[0]
            kl = None if kl_per_example is None else kl_per_example.mean(axis=0)
        if self.dims is not None:
            dims = self.dims
        elif kl is not None:
            dims = rank_by_kl(kl, self.min_kl)[1][: self.max_dims]
        else:
            dims = list(range(min(latent_dim, self.max_dims)))
        return reference, dims, kl

    def make_image(self) -> np.ndarray:
        reference, dims, kl = self.reference_and_dims()
        self.last_dims = dims
        z = np.tile(reference.astype(np.float32), (len(dims), self.steps, 1))
        for row, dim in enumerate(dims):
            z[row, :, dim] = self._values
        z = z.reshape(len(dims) * self.steps, -1)
        labels = None
        if self.model.conditional:
            labels = np.full(len(z), self.label, np.int32)
        self._kl = kl
        return make_grid(self.model.generate_batched(z, labels), nrow=self.steps)

    def log(self, step: int) -> None:
        super().log(step)
        if self._last_logged != step:
            return
        kl = self._kl
        rows = [f"row {i}: dim {d}" + ("" if kl is None else f" (KL {kl[d]:.3f} nats)")
                for i, d in enumerate(self.last_dims)]
        with self.writer.as_default():
            tf.summary.text(f"{self.tag}/dims", "\n\n".join(rows), step=step)
        self._writer.flush()


class LatentInterpolation(ImageLogger):
    """Logs one row per pair of endpoints, moving between them in latent space.

    `pairs = (a, b)` holds `n` start and `n` end points of the same shape. Images
    (`(n, H, W, C)` in [0, 1], or one image `(H, W, C)`) are encoded with `model.encode`
    at every log (the path follows the encoder as it trains) and their posterior means
    joined; latent codes (`(n, latent_dim)`, told apart by their rank) are joined
    directly, which works for every family, GANs included. Paths come from
    `keras_genmodels.interpolation.interpolate_latents` and are decoded with
    `model.generate_batched`; the grid is `n` rows of `steps` images, both ends
    included.

    Conditional models need `labels`: one int for every row or `(n,)`, one per row.

    Example:

    ```python
    gan.fit(x_train, epochs=10, callbacks=[kg.callbacks.LatentInterpolation(
        "runs/gan", pairs=(np.random.normal(size=(4, 64)), np.random.normal(size=(4, 64))))])
    ```

    Args:
        log_dir: folder of the TensorBoard event files.
        pairs: a tuple `(a, b)` of images or latent codes, see above.
        steps: int >= 2, images per row. Defaults to 8.
        method: `"slerp"` (spherical, keeps codes at the prior's typical norm) or
            `"linear"`. Defaults to `"slerp"`.
        labels: class labels of the rows, required by conditional models.
        every_n_epochs: int, log after every n-th epoch. Defaults to 1.
        png_dir: optional folder for PNG copies of each grid.
        tag: the image's name in TensorBoard. Defaults to `"latent_interpolation"`.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike,
        pairs: tuple[Any, Any],
        steps: int = 8,
        method: str = "slerp",
        labels: Any = None,
        every_n_epochs: int = 1,
        png_dir: str | os.PathLike | None = None,
        tag: str = "latent_interpolation",
    ):
        super().__init__(log_dir, tag, every_n_epochs, png_dir)
        self.steps = check_positive_int(steps, "steps", minimum=2)
        self.method = check_choice(method, "method", INTERPOLATION_METHODS)
        self.a, self.b, self.latent = self._check_pairs(pairs)
        self.labels = labels
        self._labels = None
        self._path: np.ndarray | None = None

    @staticmethod
    def _check_pairs(pairs: Any) -> tuple[np.ndarray, np.ndarray, bool]:
        if not isinstance(pairs, (tuple, list)) or len(pairs) != 2:
            raise TypeError("`pairs` must be a tuple (a, b) of two arrays: images "
                            "(n, H, W, C) or latent codes (n, latent_dim), got "
                            f"{type(pairs).__name__}"
                            + (f" of length {len(pairs)}." if hasattr(pairs, '__len__') else "."))
        a_rank = np.ndim(as_numpy(pairs[0])) if pairs[0] is not None else 0
        latent = a_rank == 2
        ends = []
        for value, name in zip(pairs, ("pairs[0]", "pairs[1]"), strict=True):
            if latent:
                ends.append(check_images(value, name, min_rank=2, max_rank=2, unit_range=False))
            else:
                array = check_images(value, name, min_rank=3, max_rank=4)
                ends.append(array[None] if array.ndim == 3 else array)
        if ends[0].shape != ends[1].shape:
            raise ValueError(f"`pairs` must hold two arrays of the same shape, got "
                             f"{ends[0].shape} and {ends[1].shape}.")
        return ends[0], ends[1], latent

    def check_model(self, model: Any) -> None:
        super().check_model(model)
        if self.latent:
            _check_latent_dim(self.a, model, "pairs")
        else:
            check_model_methods("LatentInterpolation with image pairs", model, ("encode",))
        self._labels = check_model_labels("LatentInterpolation", model, self.labels, "labels",
                                          len(self.a))
        self._path = None

    def path(self) -> np.ndarray:
        """The codes to decode, `(n * steps, latent_dim)` (cached for latent pairs)."""
        if self._path is not None:
            return self._path
        if self.latent:
            z_a, z_b = self.a, self.b
        else:
            # One encoder call for both ends: half the per-call overhead.
            labels = None if self._labels is None else np.concatenate([self._labels] * 2)
            means, _ = _posterior_means(self.model, np.concatenate([self.a, self.b]), labels)
            z_a, z_b = np.split(means, 2)
        path = interpolate_latents(z_a, z_b, self.steps, self.method)
        path = path.reshape(len(z_a) * self.steps, -1)
        if self.latent:
            self._path = path
        return path

    def make_image(self) -> np.ndarray:
        labels = None if self._labels is None else np.repeat(self._labels, self.steps)
        return make_grid(self.model.generate_batched(self.path(), labels), nrow=self.steps)

