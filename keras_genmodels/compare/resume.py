"""`RunStore`: a comparison that stops (a crash, a killed job) resumes where it was.

`kg.compare(..., resume="runs/cmp-state")` writes each model and seed, once trained and
measured, to one file of that folder (its numbers, FID curve, losses, pictures and
mixture samples), and on a later call with the same arguments and data reads it back
instead of training again. The folder keeps a fingerprint of what decides the numbers
(models, seeds' settings, budgets, data); a call that differs is refused rather than
mixing runs of two comparisons.

Example:

```python
store = RunStore("runs/cmp-state", {"models": ["VAE"], "budget": "90 s", ...})
state = store.load("VAE", 0)        # None until VAE seed 0 is saved
store.save("VAE", 0, {"run": ..., "pictures": ..., "mixtures": ...})
```
"""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["RunStore", "data_fingerprint"]


def data_fingerprint(*arrays: np.ndarray | None) -> str:
    """A SHA-256 of the arrays' shapes, dtypes and bytes (`None` counts as absent)."""
    digest = hashlib.sha256()
    for array in arrays:
        if array is None:
            digest.update(b"none")
            continue
        array = np.ascontiguousarray(array)
        digest.update(f"{array.shape}{array.dtype}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


class RunStore:
    """One pickle per (model, seed) in `folder`, under the fingerprint `key`.

    Args:
        folder: where the runs are kept (created if missing).
        key: what decides the numbers, JSON-serialisable; must equal the folder's.
    """

    def __init__(self, folder: str | Path, key: dict[str, Any]) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        key_file = self.folder / "comparison.json"
        text = json.dumps(key, sort_keys=True, default=str)
        if key_file.exists():
            stored = json.loads(key_file.read_text())
            if stored != json.loads(text):
                changed = sorted(k for k in set(stored) | set(key)
                                 if stored.get(k) != json.loads(text).get(k))
                raise ValueError(f"`resume` folder {str(self.folder)!r} holds runs of another "
                                 f"comparison (differs in {', '.join(changed)}); use a new "
                                 "folder or delete it.")
        else:
            key_file.write_text(text)

    def _path(self, name: str, seed: int) -> Path:
        slug = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
        return self.folder / f"{slug}_seed{seed}.pkl"

    def load(self, name: str, seed: int) -> dict[str, Any] | None:
        """The saved state of model `name`, seed `seed`, or `None`."""
        path = self._path(name, seed)
        if not path.exists():
            return None
        with path.open("rb") as file:
            return pickle.load(file)

    def save(self, name: str, seed: int, state: dict[str, Any]) -> None:
        """Saves a run's state (written to a temporary file, then renamed: a crash while
        writing leaves no half file)."""
        path = self._path(name, seed)
        partial = path.with_suffix(".partial")
        with partial.open("wb") as file:
            pickle.dump(state, file)
        partial.replace(path)
