"""The original idx files of MNIST-style datasets, as a system package installs them.

MNIST and Fashion-MNIST were published as four gzipped idx files (a big-endian header of
a magic number and the dimensions, then the uint8 data). Debian's `dataset-fashion-mnist`
package (Expat licence) installs Fashion-MNIST's four files under
`/usr/share/datasets/fashion-mnist/`, so `kg.datasets.load("fashion_mnist")` reads them
there, offline, before asking Keras to download; any folder with the four files can be
given as `path=`.

Example:

```python
from keras_genmodels.datasets.idx import read_idx_folder, system_folder

folder = system_folder("fashion_mnist")   # Path('/usr/share/datasets/fashion-mnist') or None
x_train, y_train, x_test, y_test = read_idx_folder(folder)
x_train.shape, x_train.dtype              # ((60000, 28, 28), dtype('uint8'))
```
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

#: The four files of a dataset, in the order `x_train, y_train, x_test, y_test`.
IDX_FILES: tuple[str, ...] = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
#: Where system packages install a dataset's idx files, searched in order.
SYSTEM_FOLDERS: dict[str, tuple[str, ...]] = {
    "fashion_mnist": ("/usr/share/datasets/fashion-mnist",),
}
# idx magic numbers: 0x00000801 unsigned bytes, 1 dimension (labels); 0x00000803, 3 (images).
_MAGIC = {1: 2049, 3: 2051}


def idx_file(folder: str | os.PathLike, stem: str) -> Path | None:
    """`folder/stem.gz` or `folder/stem` (uncompressed), whichever exists, else None."""
    for candidate in (Path(folder) / f"{stem}.gz", Path(folder) / stem):
        if candidate.is_file():
            return candidate
    return None


def system_folder(name: str) -> Path | None:
    """The first folder of `SYSTEM_FOLDERS[name]` holding all four idx files, or None.

    Example:

    ```python
    system_folder("fashion_mnist")   # after `apt-get install dataset-fashion-mnist`
    ```
    """
    for folder in SYSTEM_FOLDERS.get(name, ()):
        if all(idx_file(folder, stem) is not None for stem in IDX_FILES):
            return Path(folder)
    return None


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """One idx file (gzipped or not) as a uint8 array of the shape its header gives.

    Raises:
        ValueError: if the file is not an idx file of unsigned bytes, or is truncated.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError) as error:
        raise ValueError(f"{str(path)!r} could not be read as an idx file ({error}).") from error
    if len(data) < 4:
        raise ValueError(f"{str(path)!r} is {len(data)} bytes, too short for an idx header.")
    magic = int.from_bytes(data[:4], "big")
    ndim = magic & 0xFF
    if _MAGIC.get(ndim) != magic:
        raise ValueError(
            f"{str(path)!r} has the magic number {magic:#010x}; expected {_MAGIC[1]:#010x} "
            f"(labels) or {_MAGIC[3]:#010x} (images), the idx files of MNIST."
        )
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(data) != expected:
        raise ValueError(
            f"{str(path)!r} holds {len(data)} bytes; its header {shape} asks for {expected}."
        )
    return np.frombuffer(data, np.uint8, offset=header).reshape(shape)


def read_idx_folder(folder: str | os.PathLike) -> tuple[np.ndarray, ...]:
    """`(x_train, y_train, x_test, y_test)` uint8 arrays from a folder's four idx files.

    Raises:
        FileNotFoundError: if a file is missing (the message names it).
        ValueError: if a file is not a valid idx file.
    """
    arrays = []
    for stem in IDX_FILES:
        path = idx_file(folder, stem)
        if path is None:
            raise FileNotFoundError(
                f"`path` {str(folder)!r} has no {stem}.gz (or {stem}); a folder of idx "
                f"files needs {', '.join(s + '.gz' for s in IDX_FILES)}."
            )
        arrays.append(read_idx(path))
    return tuple(arrays)
