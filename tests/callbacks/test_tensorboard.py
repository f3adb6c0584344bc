"""kg.callbacks.TensorBoard: Keras' scalars, without per-batch growth, on the chief only."""

from __future__ import annotations

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow.summary as tf_summary  # the module Keras' TensorBoard callback calls
from tensorboard.backend.event_processing import event_accumulator

import keras_genmodels as kg

EPOCHS, BATCH, N = 2, 16, 64  # 4 steps per epoch


def read_scalars(folder) -> dict[str, list[tuple[int, float]]]:
    accumulator = event_accumulator.EventAccumulator(str(folder),
                                                     size_guidance={"tensors": 0})
    accumulator.Reload()
    return {tag: [(e.step, float(tf.make_ndarray(e.tensor_proto)))
                  for e in accumulator.Tensors(tag)]
            for tag in accumulator.Tags()["tensors"]}


@pytest.fixture
def fit(callback_helpers):
    """Trains a tiny VAE 2 epochs with one callback; returns the model and its history."""
    return lambda callback, validation=False: train(callback_helpers, callback, validation)


def train(helpers, callback, validation):
    keras.utils.set_random_seed(0)
    model = helpers.tiny_vae()
    x = helpers.images(N)
    history = model.fit(x, epochs=EPOCHS, batch_size=BATCH, verbose=0, callbacks=[callback],
                        validation_data=(x[:16],) if validation else None)
    return model, history.history


@pytest.fixture
def scalar_calls(monkeypatch):
    """Records the `(name, data, step)` of every `tf.summary.scalar` call."""
    calls = []
    original = tf_summary.scalar

    def recording(name, data, step=None, description=None):
        calls.append((name, data, step))
        return original(name, data, step=step, description=description)

    monkeypatch.setattr(tf_summary, "scalar", recording)
    return calls


def test_writes_keras_epoch_scalars_that_match_the_history(fit, tmp_path):
    _, history = fit(kg.callbacks.TensorBoard(tmp_path), validation=True)
    train, validation = read_scalars(tmp_path / "train"), read_scalars(tmp_path / "validation")
    for name in ("loss", "kl", "reconstruction"):
        steps, values = zip(*train[f"epoch_{name}"], strict=True)
        assert steps == (0, 1)
        np.testing.assert_allclose(values, history[name], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in validation["epoch_loss"]], history["val_loss"],
                               rtol=1e-6)
    assert "epoch_learning_rate" in train


def test_batch_scalars_every_n_steps(fit, tmp_path):
    fit(kg.callbacks.TensorBoard(tmp_path, update_freq=2))
    steps = [step for step, _ in read_scalars(tmp_path / "train")["batch_loss"]]
    assert steps == [2, 4, 6, 8]


def test_hands_tensorflow_no_python_numbers(fit, tmp_path, scalar_calls):
    """TensorFlow caches every distinct Python int/float it converts: memory would grow."""
    fit(kg.callbacks.TensorBoard(tmp_path, update_freq=1))
    assert len(scalar_calls) > 8 * 3  # every batch and every epoch, several metrics
    for name, data, step in scalar_calls:
        assert not isinstance(data, (int, float)), (name, data)
        assert not isinstance(step, (int, float)), (name, step)


def test_epoch_updates_make_no_per_batch_summary_calls(fit, tmp_path, scalar_calls):
    _, history = fit(kg.callbacks.TensorBoard(tmp_path))  # update_freq="epoch"
    assert {name for name, _, _ in scalar_calls} == {f"epoch_{k}" for k in history} | {
        "epoch_learning_rate"}
    assert len(scalar_calls) == EPOCHS * (len(history) + 1)


def test_keras_callback_makes_the_calls_this_one_avoids(fit, tmp_path, scalar_calls):
    """The reason for the class: Keras' own callback logs Python numbers every batch."""
    fit(keras.callbacks.TensorBoard(tmp_path))
    batch_calls = [(data, step) for name, data, step in scalar_calls
                   if name.startswith("batch_")]
    assert len(batch_calls) >= EPOCHS * N // BATCH
    assert all(isinstance(step, int) for _, step in batch_calls)


def test_only_the_chief_writes(fit, tmp_path, monkeypatch):
    config = {"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]},
              "task": {"type": "worker", "index": 1}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))
    callback = kg.callbacks.TensorBoard(tmp_path / "logs", update_freq=1)
    scratch = []
    original = callback.set_model

    def remember(model):
        original(model)
        scratch.append(callback._scratch_dir)

    callback.set_model = remember
    fit(callback)
    assert not (tmp_path / "logs").exists()
    assert scratch and scratch[0] and not os.path.exists(scratch[0])  # removed at the end


def test_checks_log_dir(fit, tmp_path):
    with pytest.raises(TypeError, match="`log_dir` must be a path"):
        kg.callbacks.TensorBoard(3)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="exists and is not a folder"):
        kg.callbacks.TensorBoard(tmp_path / "file")


def test_histogram_steps_are_numpy_too(fit, tmp_path, monkeypatch):
    steps = []
    original = tf_summary.histogram

    def recording(name, data, step=None, **kwargs):
        steps.append(step)
        return original(name, data, step=step, **kwargs)

    monkeypatch.setattr(tf_summary, "histogram", recording)
    fit(kg.callbacks.TensorBoard(tmp_path, histogram_freq=1))
    assert steps and not any(isinstance(step, (int, float)) for step in steps)
    assert sorted({int(step) for step in steps}) == list(range(EPOCHS))
