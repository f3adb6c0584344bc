"""The data the `keras-genmodels` command's `--dataset`, `--data-path` and `--limit` name.

`keras-genmodels train` and `keras-genmodels compare` take their data the same way: a
dataset name of `load` (the embedded ones generated from `--seed`), or a path to a `.npz`
file in Keras' layout (`x_train`, `y_train`, `x_test`, `y_test`; three channels read as
CIFAR-10, else as MNIST), optionally cut to its first `--limit` examples. Errors name the
command's flags, since that is what the user typed.

Example:

```python
from keras_genmodels.datasets.command_line import load_for_command

(x_train, y_train), (x_test, y_test) = load_for_command("shapes", None, seed=0, limit=512)
(x_train, y_train), _ = load_for_command("data/mnist.npz", None, seed=0)
```
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from keras_genmodels.datasets import available, load

__all__ = ["EMBEDDED", "MIN_LIMIT", "load_for_command"]

#: The datasets generated in memory from a seed (`--data-path` does not apply to them).
EMBEDDED = ("shapes", "ring8", "grid25")
#: Interpolation pictures take pairs from the first 8 test examples.
MIN_LIMIT = 8


def load_for_command(
    dataset: str, data_path: str | None, seed: int, limit: int | None = None
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Returns `((x_train, y_train), (x_test, y_test))` for a name or a `.npz` path.

    Args:
        dataset: the `--dataset` flag: a name of `available()` or a path to a `.npz`
            file in Keras' layout (any value ending in `.npz` or holding a path
            separator is read as a path).
        data_path: the `--data-path` flag: a local `.npz` for the image datasets that
            Keras would download (mnist, fashion_mnist, cifar10), or None.
        seed: the `--seed` flag, seed of the embedded datasets.
        limit: the `--limit` flag: keep only the first `limit` (>= `MIN_LIMIT`) examples
            of each split; None keeps all.

    Returns:
        `((x_train, y_train), (x_test, y_test))`.

    Raises:
        ValueError: if `limit` is below `MIN_LIMIT`, `data_path` is given for an
            embedded dataset, or `load` refuses the name or file.
        FileNotFoundError: if `dataset` looks like a path but is not a file.
    """
    if limit is not None and (isinstance(limit, bool) or limit < MIN_LIMIT):
        raise ValueError(f"`--limit` must be an integer >= {MIN_LIMIT}, got {limit!r}.")
    if dataset.endswith(".npz") or os.path.sep in dataset:
        if not Path(dataset).is_file():
            raise FileNotFoundError(f"`--dataset` {dataset!r} is not a file; expected a name "
                                    f"({', '.join(available())}) or a .npz path.")
        with np.load(dataset) as archive:
            name = "cifar10" if archive["x_train"].shape[-1] == 3 else "mnist"
        data = load(name, path=dataset)
    elif dataset in EMBEDDED:
        if data_path is not None:
            raise ValueError(f"`--data-path` is only for image datasets, not {dataset!r}.")
        data = load(dataset, seed=seed)
    else:
        data = load(dataset, path=data_path)
    if limit is None:
        return data
    (x_train, y_train), (x_test, y_test) = data
    return (x_train[:limit], y_train[:limit]), (x_test[:limit], y_test[:limit])
