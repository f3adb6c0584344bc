"""Image plumbing shared by callbacks, widgets and the CLI: grids, PNG bytes, ranges.

Images cross the keras_genmodels API as float32 NHWC in [0, 1]; this module turns a batch
of them into one grid image, into 8-bit pixels and into PNG bytes, with numpy and Pillow
only (no TensorFlow), and converts between [0, 1] and the [-1, 1] range of a tanh output.

Example:

```python
import numpy as np
from keras_genmodels.images import make_grid, save_png

images = np.random.uniform(size=(16, 28, 28, 1)).astype("float32")
grid = make_grid(images, nrow=4)          # (4 * 28 + 5 * 2, 4 * 28 + 5 * 2, 1)
save_png(grid, "runs/samples.png")
```
"""

from __future__ import annotations

import io
import math
import os
import pathlib
from typing import Any

import numpy as np
from PIL import Image

from keras_genmodels.validation import as_numpy, check_positive_int

__all__ = [
    "from_tanh_range",
    "make_grid",
    "save_png",
    "to_png",
    "to_tanh_range",
    "to_uint8",
]


def _as_float_array(value: Any, name: str) -> np.ndarray:
    """Returns `value` as a float32 array, refusing non-numeric, integer and NaN data."""
    array = as_numpy(value)
    if array.dtype == np.bool_:
        array = array.astype(np.float32)
    if not np.issubdtype(array.dtype, np.floating):
        hint = " Convert with `x.astype('float32') / 255.0`." if array.dtype == np.uint8 else ""
        raise TypeError(
            f"`{name}` must be a float array with values in [0, 1], got dtype {array.dtype}.{hint}"
        )
    array = array.astype(np.float32, copy=False)
    if np.isnan(array).any():
        raise ValueError(f"`{name}` contains {int(np.isnan(array).sum())} NaN value(s).")
    return array


def _check_channels(channels: int, name: str, shape: tuple[int, ...]) -> None:
    if channels not in (1, 3):
        raise ValueError(
            f"`{name}` must have 1 (grayscale) or 3 (RGB) channels on its last axis, "
            f"got shape {shape}."
        )


def make_grid(
    images: Any,
    nrow: int | None = None,
    padding: int = 2,
    pad_value: float = 1.0,
) -> np.ndarray:
    """Tiles a batch of images into one image, row by row, with padding between them.

    Image `i` lands in row `i // nrow` and column `i % nrow`; its top-left pixel is at
    `(padding + row * (H + padding), padding + col * (W + padding))`. Cells left over in
    the last row hold `pad_value`. Values outside [0, 1] are clipped.

    Example:

    ```python
    grid = make_grid(np.zeros((10, 28, 28, 3), "float32"), nrow=5, padding=2)
    grid.shape   # (2 * 28 + 3 * 2, 5 * 28 + 6 * 2, 3) == (62, 152, 3)
    ```

    Args:
        images: float array `(N, H, W, C)` with `C` in {1, 3}, or `(N, H, W)` grayscale,
            values in [0, 1].
        nrow: int, images per row. Defaults to `ceil(sqrt(N))`.
        padding: int >= 0, pixels between images and around the border. Defaults to 2.
        pad_value: float in [0, 1], value of the padding. Defaults to 1.0 (white).

    Returns:
        A float32 array of shape `(rows * H + (rows + 1) * padding,
        cols * W + (cols + 1) * padding, C)`, with `cols = min(nrow, N)` and
        `rows = ceil(N / nrow)`.
    """
    array = _as_float_array(images, "images")
    if array.ndim == 3:
        array = array[..., np.newaxis]
    if array.ndim != 4:
        raise ValueError(
            f"`images` must have shape (N, H, W, C) or (N, H, W), got shape {array.shape}."
        )
    count, height, width, channels = array.shape
    _check_channels(channels, "images", array.shape)
    if count == 0 or height == 0 or width == 0:
        raise ValueError(f"`images` is empty (shape {array.shape}).")
    nrow = math.ceil(math.sqrt(count)) if nrow is None else check_positive_int(nrow, "nrow")
    padding = check_positive_int(padding, "padding", minimum=0)
    if isinstance(pad_value, bool) or not isinstance(pad_value, (int, float, np.number)):
        raise TypeError(f"`pad_value` must be a number in [0, 1], got {pad_value!r}.")
    if not 0.0 <= float(pad_value) <= 1.0:
        raise ValueError(f"`pad_value` must be in [0, 1], got {pad_value}.")

    cols = min(nrow, count)
    rows = math.ceil(count / nrow)
    grid = np.full(
        (rows * height + (rows + 1) * padding, cols * width + (cols + 1) * padding, channels),
        float(pad_value),
        dtype=np.float32,
    )
    for index, image in enumerate(np.clip(array, 0.0, 1.0)):
        top = padding + (index // nrow) * (height + padding)
        left = padding + (index % nrow) * (width + padding)
        grid[top : top + height, left : left + width] = image
    return grid


def to_uint8(image: Any) -> np.ndarray:
    """Converts float pixels in [0, 1] to uint8 in [0, 255], rounding to the nearest value.

    Values outside [0, 1] are clipped, so `to_uint8(x / 255.0)` gives back `x` for any
    uint8 array `x`. The shape is kept.

    Example:

    ```python
    to_uint8(np.array([0.0, 0.5, 1.0, 1.7]))   # array([  0, 128, 255, 255], dtype=uint8)
    ```

    Args:
        image: float array of any shape with values in [0, 1].

    Returns:
        A uint8 array of the same shape.
    """
    array = _as_float_array(image, "image")
    return np.round(np.clip(array, 0.0, 1.0) * 255.0).astype(np.uint8)


def to_png(image: Any) -> bytes:
    """Encodes one float image in [0, 1] as PNG bytes (8-bit grayscale or RGB).

    Example:

    ```python
    png = to_png(make_grid(images))
    PIL.Image.open(io.BytesIO(png)).size   # (width, height)
    ```

    Args:
        image: float array `(H, W, C)` with `C` in {1, 3}, or `(H, W)` grayscale, values
            in [0, 1] (outside values are clipped).

    Returns:
        The PNG file's bytes.
    """
    pixels = to_uint8(image)
    if pixels.ndim == 2:
        pixels = pixels[..., np.newaxis]
    if pixels.ndim != 3:
        raise ValueError(
            f"`image` must have shape (H, W, C) or (H, W), got shape {pixels.shape}; "
            "tile a batch into one image with `make_grid` first."
        )
    _check_channels(pixels.shape[-1], "image", pixels.shape)
    if pixels.shape[0] == 0 or pixels.shape[1] == 0:
        raise ValueError(f"`image` is empty (shape {pixels.shape}).")
    picture = Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def save_png(image: Any, path: str | os.PathLike[str]) -> pathlib.Path:
    """Writes one float image in [0, 1] to a PNG file, creating parent directories.

    Example:

    ```python
    save_png(make_grid(images), "runs/vae/samples/epoch_001.png")
    ```

    Args:
        image: float array `(H, W, C)` with `C` in {1, 3}, or `(H, W)`, values in [0, 1].
        path: destination file path.

    Returns:
        The path written, as a `pathlib.Path`.
    """
    data = to_png(image)
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _as_arithmetic(x: Any) -> Any:
    # Tensors (TF, Keras symbolic) and numpy float arrays go through untouched so the
    # conversion can sit inside a model's graph; Python numbers and lists become numpy.
    if isinstance(x, (int, float, list, tuple)):
        return np.asarray(x, dtype=np.float32)
    if isinstance(x, np.ndarray) and not np.issubdtype(x.dtype, np.floating):
        return x.astype(np.float32)
    return x


def from_tanh_range(x: Any) -> Any:
    """Maps values from [-1, 1] (a tanh output) to [0, 1]: `(x + 1) / 2`.

    No clipping is applied, so gradients pass unchanged when `x` is a tensor.

    Example:

    ```python
    from_tanh_range(np.array([-1.0, 0.0, 1.0]))   # array([0. , 0.5, 1. ])
    ```

    Args:
        x: a numpy array, tensor or number.

    Returns:
        `(x + 1) / 2`, of the same kind as `x` (numpy for Python numbers and lists).
    """
    return (_as_arithmetic(x) + 1.0) * 0.5


def to_tanh_range(x: Any) -> Any:
    """Maps values from [0, 1] to [-1, 1] (a tanh output's range): `2 * x - 1`.

    Example:

    ```python
    to_tanh_range(np.array([0.0, 0.5, 1.0]))   # array([-1.,  0.,  1.])
    ```

    Args:
        x: a numpy array, tensor or number.

    Returns:
        `2 * x - 1`, of the same kind as `x` (numpy for Python numbers and lists).
    """
    return _as_arithmetic(x) * 2.0 - 1.0
