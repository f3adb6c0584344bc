"""kg.callbacks.BackupAndRestore: mid-epoch resume, Keras-compatible files, chief only.

The SIGKILL-and-restart runs are in tests/scale/test_fault_tolerance.py; these run in
this process, interrupting `fit` with an exception from a callback.
"""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

import keras_genmodels as kg

N, BATCH, EPOCHS = 64, 8, 2  # 8 batches per epoch


class Interrupt(keras.callbacks.Callback):
    """Raises at the end of batch `batch` of epoch `epoch`, like a crash."""

    def __init__(self, epoch: int, batch: int):
        super().__init__()
        self.at, self.epoch = (epoch, batch), -1

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise KeyboardInterrupt("interrupted")


class StepCounter(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.trained = 0

    def on_train_batch_end(self, batch, logs=None):
        self.trained = int(self.model.optimizer.iterations.numpy())


def data() -> np.ndarray:
    return np.random.default_rng(0).uniform(size=(N, 28, 28, 1)).astype("float32")


@pytest.fixture
def make_vae(callback_helpers):
    """Builds the same tiny VAE (weights included) every time it is called."""
    initial = []

    def make(steps_per_execution: int = 1) -> kg.VAE:
        keras.utils.set_random_seed(0)
        model = callback_helpers.tiny_vae()
        model.compile(optimizer=keras.optimizers.Adam(5e-3),
                      steps_per_execution=steps_per_execution)
        model.build((None, 28, 28, 1))
        if initial:
            model.set_weights(initial[0])
        else:
            initial.append(model.get_weights())
        return model

    return make


def fit(model, callbacks):
    model.fit(data(), epochs=EPOCHS, batch_size=BATCH, shuffle=False, verbose=0,
              callbacks=callbacks)


def assert_same_state(a: kg.VAE, b: kg.VAE) -> None:
    for x, y in zip(a.weights + a.optimizer.variables, b.weights + b.optimizer.variables,
                    strict=True):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("steps_per_execution", [1, 2])
def test_interrupted_mid_epoch_resumes_where_it_stopped(make_vae, tmp_path,
                                                        steps_per_execution):
    uninterrupted = make_vae(steps_per_execution)
    fit(uninterrupted, [])
    backup_dir = tmp_path / "backup"

    crashed = make_vae(steps_per_execution)
    with pytest.raises(KeyboardInterrupt):
        fit(crashed, [kg.callbacks.BackupAndRestore(backup_dir, save_freq=2),
                      Interrupt(1, 6 if steps_per_execution == 1 else 5)])
    metadata = json.loads((backup_dir / "training_metadata.json").read_text())
    assert metadata["epoch"] == 1 and metadata["batches_done"] == 6

    resumed, counter = make_vae(steps_per_execution), StepCounter()
    fit(resumed, [kg.callbacks.BackupAndRestore(backup_dir, save_freq=2), counter])
    assert counter.trained == EPOCHS * N // BATCH  # 16 steps, not 16 + 6 (Keras: 22)
    assert_same_state(resumed, uninterrupted)
    assert not backup_dir.exists()  # removed once training ended


def test_keras_backups_restore_and_epoch_backups_skip_nothing(make_vae, tmp_path):
    backup_dir = tmp_path / "backup"
    crashed = make_vae()
    with pytest.raises(KeyboardInterrupt):
        fit(crashed, [keras.callbacks.BackupAndRestore(backup_dir), Interrupt(1, 3)])
    assert "batches_done" not in json.loads(
        (backup_dir / "training_metadata.json").read_text())
    resumed, counter = make_vae(), StepCounter()
    fit(resumed, [kg.callbacks.BackupAndRestore(backup_dir, delete_checkpoint=False),
                  counter])
    assert counter.trained == EPOCHS * N // BATCH
    metadata = json.loads((backup_dir / "training_metadata.json").read_text())
    assert metadata == {"epoch": EPOCHS, "batch": 0, "batches_done": 0}


def test_only_the_chief_writes_the_backup(make_vae, tmp_path, monkeypatch):
    config = {"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]},
              "task": {"type": "worker", "index": 1}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))
    callback = kg.callbacks.BackupAndRestore(tmp_path / "backup", save_freq=2,
                                             delete_checkpoint=False)
    fit(make_vae(), [callback])
    assert not (tmp_path / "backup").exists()
    assert callback._scratch_dir is None  # its private folder is gone too


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"backup_dir": 3}, TypeError, "`backup_dir` must be a path"),
    ({"backup_dir": "b", "save_freq": 0}, ValueError, "`save_freq` must be 'epoch' or a "
                                                      "positive integer.*got 0"),
    ({"backup_dir": "b", "save_freq": "batch"}, ValueError, "got 'batch'"),
])
def test_checks_its_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        kg.callbacks.BackupAndRestore(**kwargs)
