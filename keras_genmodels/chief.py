"""Which process of a training run writes, and a check that it can write where asked.

Under multi-worker training every worker runs the same callbacks, but only one process,
the chief, should write logs, pictures and backups. `is_chief` tells which one this is
(from `TF_CONFIG`); `check_log_dir` is what the writing callbacks call when they are
built, so that a folder that cannot be written fails before training starts.

Example:

```python
from keras_genmodels.chief import check_log_dir, is_chief

if is_chief():
    print("this process writes")
log_dir = check_log_dir("runs/vae/images")   # created and probed on the chief
```
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["check_log_dir", "is_chief"]


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
