"""Argument checks shared by the network builders.

The convolutional builders halve (or double) the image side with stride-2 layers, two
levels for 28 and 32 pixel images and three for 64 pixel images, so every such network
meets a small square feature map of side 7 or 8 in its middle. These checks turn a shape
that cannot work into an error naming the argument, before Keras builds any layer.

Example:

```python
from keras_genmodels.networks.shape_checks import check_image_shape

check_image_shape((28, 28, 1), "input_shape")   # (28, 28, 1)
check_image_shape((30, 30, 1), "input_shape")   # ValueError naming `input_shape`
```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

SUPPORTED_IMAGE_SIZES: tuple[int, ...] = (28, 32, 64)


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_image_shape(shape: Any, name: str) -> tuple[int, int, int]:
    """Returns `shape` as `(H, W, C)` after checking the builders support it.

    Args:
        shape: an image shape without the batch axis, `(H, W, C)`, with `H == W` in
            `SUPPORTED_IMAGE_SIZES` and `C >= 1`.
        name: the argument's name, used in error messages.

    Returns:
        The shape as a tuple of three Python ints.
    """
    if not isinstance(shape, Sequence) or isinstance(shape, str):
        raise TypeError(f"`{name}` must be a tuple (height, width, channels), got {shape!r}.")
    if len(shape) != 3 or not all(_is_int(d) for d in shape):
        raise ValueError(
            f"`{name}` must be a tuple of three ints (height, width, channels), got {tuple(shape)}."
        )
    height, width, channels = (int(d) for d in shape)
    if height != width:
        raise ValueError(
            f"`{name}` must describe square images (height == width), got {tuple(shape)}."
        )
    if height not in SUPPORTED_IMAGE_SIZES:
        raise ValueError(
            f"`{name}` has image size {height}x{width}, got {tuple(shape)}; supported sizes are "
            f"{', '.join(str(s) for s in SUPPORTED_IMAGE_SIZES)} pixels (square, any channels)."
        )
    if channels < 1:
        raise ValueError(f"`{name}` must have at least one channel, got {tuple(shape)}.")
    return height, width, channels


def check_units(values: Any, name: str, length: int | None = None) -> tuple[int, ...]:
    """Returns `values` as a tuple of positive ints (layer widths or filter counts).

    Args:
        values: a sequence of positive ints.
        name: the argument's name, used in error messages.
        length: if given, the exact number of entries required.

    Returns:
        The values as a tuple of Python ints.
    """
    if not isinstance(values, Sequence) or isinstance(values, str):
        raise TypeError(f"`{name}` must be a sequence of positive ints, got {values!r}.")
    if length is not None and len(values) != length:
        raise ValueError(f"`{name}` must hold exactly {length} positive ints, got {tuple(values)}.")
    if not all(_is_int(v) and v >= 1 for v in values):
        raise ValueError(f"`{name}` must hold positive ints, got {tuple(values)}.")
    return tuple(int(v) for v in values)


def bottleneck_size(image_size: int) -> int:
    """Side of the smallest feature map: 7 for 28 px, 8 for 32 and 64 px."""
    return image_size // (8 if image_size == 64 else 4)


def downsampling_filters(filters: tuple[int, int], image_size: int) -> tuple[int, ...]:
    """Filters of each stride-2 level going down; 64 px adds a level of `2 * filters[-1]`."""
    return filters + ((2 * filters[-1],) if image_size == 64 else ())


def upsampling_filters(filters: tuple[int, int], image_size: int) -> tuple[int, ...]:
    """Filters of each stride-2 level going up; 64 px adds a level of `2 * filters[0]` first."""
    return ((2 * filters[0],) if image_size == 64 else ()) + filters
