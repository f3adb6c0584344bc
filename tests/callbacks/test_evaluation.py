"""GenerativeMetrics: scores reach `logs` (EarlyStopping, ModelCheckpoint, History see them),
TensorBoard scalars read back, the schedule holds, and the numbers are the metrics'."""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator

import keras_genmodels as kg


@pytest.fixture(scope="module")
def ring():
    (x, _), (x_test, _) = kg.datasets.load("ring8", num_train=1024, num_test=512)
    return x, x_test


def _model():
    model = kg.GAN(latent_dim=4, seed=0)
    model.compile()
    return model


def test_scores_reach_logs_history_and_checkpoints(ring, tmp_path):
    x, x_test = ring
    callback = kg.callbacks.GenerativeMetrics(x_test, metrics=("fid", "precision_recall"),
                                              num_samples=256, log_dir=tmp_path / "tb")
    checkpoint = keras.callbacks.ModelCheckpoint(tmp_path / "best.keras", monitor="fid",
                                                 mode="min", save_best_only=True)
    stop = keras.callbacks.EarlyStopping(monitor="fid", mode="min", patience=5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = _model().fit(x, epochs=3, batch_size=256, verbose=0,
                               callbacks=[callback, checkpoint, stop])
    # EarlyStopping and ModelCheckpoint warn when their monitor is missing from `logs`
    assert not [w for w in caught if "fid" in str(w.message)], [str(w.message) for w in caught]
    for key in ("fid", "precision", "recall"):
        assert len(history.history[key]) == 3
        assert np.all(np.isfinite(history.history[key]))
    assert [entry["epoch"] for entry in callback.history] == [0, 1, 2]
    assert (tmp_path / "best.keras").is_file()
    events = event_accumulator.EventAccumulator(str(tmp_path / "tb" / "metrics"),
                                                size_guidance={"tensors": 0})
    events.Reload()
    fids = [float(tf.make_ndarray(event.tensor_proto)) for event in events.Tensors("fid")]
    np.testing.assert_allclose(fids, history.history["fid"], rtol=1e-5)


def test_measure_is_the_frechet_distance_of_the_samples(ring):
    x, x_test = ring
    model = _model()
    model.fit(x, epochs=1, batch_size=256, verbose=0)
    callback = kg.callbacks.GenerativeMetrics(x_test, metrics=("fid", "sliced_wasserstein"),
                                              num_samples=300, seed=3)
    callback.set_model(model)
    samples = model.sample(300, seed=3)
    expected = kg.metrics.frechet_distance(x_test.astype(np.float64), samples.astype(np.float64))
    results = callback.measure()
    assert results["fid"] == pytest.approx(expected, rel=1e-6)
    assert results["sliced_wasserstein"] > 0
    assert callback.measure() == results  # the same codes every time


def test_every_n_epochs_and_the_last_epoch(ring):
    x, x_test = ring
    callback = kg.callbacks.GenerativeMetrics(x_test, every_n_epochs=2, num_samples=128)
    _model().fit(x[:512], epochs=3, batch_size=256, verbose=0, callbacks=[callback])
    assert [entry["epoch"] for entry in callback.history] == [1, 2]


@pytest.mark.parametrize("kwargs, message", [
    ({"metrics": ("fid", "sharpness")}, "`metrics` has unknown metric 'sharpness'"),
    ({"metrics": ()}, "`metrics`"),
    ({"num_samples": 1}, "`num_samples`"),
    ({"every_n_epochs": 0}, "`every_n_epochs`"),
])
def test_bad_arguments_fail_when_built(ring, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        kg.callbacks.GenerativeMetrics(ring[1], **kwargs)


def test_an_unwritable_log_dir_fails_when_built(ring, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ValueError, match="`log_dir`"):
        kg.callbacks.GenerativeMetrics(ring[1], log_dir=blocker / "tb")
