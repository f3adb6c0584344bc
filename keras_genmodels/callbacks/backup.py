"""`keras.callbacks.BackupAndRestore` that also resumes in the middle of an epoch.

Keras' callback with `save_freq=N` batches backs up the weights and optimizers every N
batches, but on restart it restores only the epoch number: the interrupted epoch is then
trained again from its first batch, on weights that have already seen part of it. With
long epochs (a GPU run whose epoch is an hour) that is both lost time and a different
model. `kg.callbacks.BackupAndRestore` records how many batches of the epoch the backup
holds and, on restart, skips exactly those batches of the resumed epoch (they are read
from the data, not trained on), so the run continues where it was killed: with the same
data order (`shuffle=False`, or a pipeline whose order does not depend on the process)
and op determinism it ends with exactly the weights of an uninterrupted run.

Example:

```python
import keras_genmodels as kg
backup = kg.callbacks.BackupAndRestore("runs/wgan/backup", save_freq=500)
wgan.fit(dataset, epochs=50, callbacks=[backup])   # kill it, start it again: it resumes
```
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import keras

from keras_genmodels.chief import check_log_dir, is_chief

#: Key added to Keras' `training_metadata.json`: batches of `epoch` the backup holds.
BATCHES_DONE = "batches_done"


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """Backs training up and restores it after an interruption, mid-epoch included.

    A drop-in for `keras.callbacks.BackupAndRestore` (same arguments, same files, so a
    backup written by either restores with either). With `save_freq=N` batches, a run
    restarted from a mid-epoch backup skips the batches of that epoch that the backup
    already trained on, instead of training on them again. The epoch's logged metrics
    then average only the batches trained after the restart.

    Under `MultiWorkerMirroredStrategy` every worker restores from `backup_dir` (which
    must be on storage they share) but only the chief writes it; the others write into
    a temporary folder of their own, removed when training ends.

    Example:

    ```python
    vae.fit(x, epochs=10, shuffle=False,
            callbacks=[kg.callbacks.BackupAndRestore("runs/vae/backup", save_freq=100)])
    ```

    Args:
        backup_dir: folder of the backup (`latest.weights.h5`, `training_metadata.json`).
        save_freq: `"epoch"`, or back up every this many batches.
        double_checkpoint: also keep the previous backup, used when the latest is corrupt.
        delete_checkpoint: remove the backup when training ends normally.

    Raises:
        TypeError / ValueError: `backup_dir` is not a path, is a file, or (on the chief)
            cannot be created or written (checked now, see `check_log_dir`); or
            `save_freq` is neither `"epoch"` nor a positive integer.
    """

    def __init__(self, backup_dir: str | os.PathLike, save_freq: str | int = "epoch",
                 double_checkpoint: bool = False, delete_checkpoint: bool = True) -> None:
        check_log_dir(backup_dir, "backup_dir")
        if save_freq != "epoch" and (isinstance(save_freq, bool)
                                     or not isinstance(save_freq, int) or save_freq < 1):
            raise ValueError("`save_freq` must be 'epoch' or a positive integer (batches), "
                             f"got {save_freq!r}.")
        super().__init__(str(backup_dir), save_freq=save_freq,
                         double_checkpoint=double_checkpoint,
                         delete_checkpoint=delete_checkpoint)
        self._saving_on_batch = False
        self._scratch_dir: str | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        super().on_train_begin(logs)  # restores weights, optimizers and the epoch
        batches = self._restored_batches_done()
        if batches:
            _skip_first_batches(self.model, batches)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._saving_on_batch = True
        try:
            super().on_train_batch_end(batch, logs)
        finally:
            self._saving_on_batch = False

    def on_train_end(self, logs: dict | None = None) -> None:
        with self._own_folder():
            super().on_train_end(logs)  # removes the backup if `delete_checkpoint`
        if self._scratch_dir is not None:
            shutil.rmtree(self._scratch_dir, ignore_errors=True)
            self._scratch_dir = None

    def _save_model(self) -> None:
        with self._own_folder():
            super()._save_model()
            # Keras records the epoch and the index of the last batch seen (0 after an
            # epoch ended); a restart needs how many batches of `epoch` the weights hold.
            with open(self._training_metadata_path) as f:
                metadata = json.load(f)
            metadata[BATCHES_DONE] = self._last_batch_seen + 1 if self._saving_on_batch else 0
            with open(self._training_metadata_path, "w") as f:
                json.dump(metadata, f)

    def _restored_batches_done(self) -> int:
        if not os.path.exists(self._training_metadata_path):
            return 0
        with open(self._training_metadata_path) as f:
            return int(json.load(f).get(BATCHES_DONE, 0))

    @contextmanager
    def _own_folder(self) -> Iterator[None]:
        """Points the backup's paths at a private folder on a worker that is not the chief."""
        if is_chief():
            yield
            return
        if self._scratch_dir is None:
            self._scratch_dir = tempfile.mkdtemp(prefix="kg_backup_worker_")
        names = ("backup_dir", "_weights_path", "_training_metadata_path",
                 "_prev_weights_path", "_prev_training_metadata_path")
        shared = {name: getattr(self, name) for name in names}
        for name, path in shared.items():
            setattr(self, name, path.replace(shared["backup_dir"], self._scratch_dir, 1))
        try:
            yield
        finally:
            for name, path in shared.items():
                setattr(self, name, path)


def _skip_first_batches(model: keras.Model, batches: int) -> None:
    """Makes the model's next `batches` train steps read their batch and not train.

    `fit` builds `model.train_function` before `on_train_begin` and calls it once per
    step (with `steps_per_execution` batches each); it is wrapped until the batches are
    skipped, then put back.
    """
    train_function = model.train_function
    per_call = max(1, int(getattr(model, "steps_per_execution", 1) or 1))
    remaining = [batches]

    def skipping(iterator: Any) -> Any:
        if remaining[0] <= 0:
            model.train_function = train_function
            return train_function(iterator)
        for _ in range(min(per_call, remaining[0])):
            next(iterator)
        remaining[0] -= per_call
        if remaining[0] <= 0:
            model.train_function = train_function
        return model.get_metrics_result()

    model.train_function = skipping
