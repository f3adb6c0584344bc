"""SampleGrid, ReconstructionGrid and what every picture callback shares."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import keras_genmodels as kg
from keras_genmodels.chief import is_chief


def assert_changes(series):
    """The first and the last logged picture differ: the model trained in between."""
    assert len(series) >= 2
    assert not np.array_equal(series[0][1], series[-1][1])


# ------------------------------------------------------------------------ SampleGrid
def test_sample_grid_logs_every_epoch_with_grid_size(vae_run, callback_helpers):
    series = vae_run.images["samples"]
    assert [step for step, _ in series] == [0, 1, 2]
    for _, image in series:
        assert image.shape == (*callback_helpers.grid_size(10, math.ceil(math.sqrt(10))), 1)
    assert_changes(series)


def test_sample_grid_writes_png_copies(vae_run):
    names = sorted(p.name for p in (vae_run.log_dir / "png").iterdir())
    assert names == [f"samples_epoch000{i}.png" for i in range(3)]


def test_sample_grid_decodes_the_same_codes_every_time(vae_run):
    callback = vae_run.callbacks.samples
    first = callback.make_image()
    np.testing.assert_array_equal(first, callback.make_image())
    z, labels, _ = callback.fixed_codes()
    np.testing.assert_array_equal(z, vae_run.model.sample_latent(10, seed=0).numpy())
    assert labels is None


def test_sample_grid_on_a_gan(gan_run, callback_helpers):
    series = gan_run.images["samples"]
    assert [step for step, _ in series] == [0, 1, 2]
    assert series[0][1].shape == (*callback_helpers.grid_size(9, 3), 1)
    assert_changes(series)


def test_sample_grid_conditional_has_one_row_per_class(cvae_run, callback_helpers):
    series = cvae_run.images["samples"]
    per_class = math.ceil(12 / 3)
    for _, image in series:
        assert image.shape == (*callback_helpers.grid_size(3 * per_class, per_class), 1)
    z, labels, per_row = cvae_run.callbacks.samples.fixed_codes()
    assert per_row == per_class
    np.testing.assert_array_equal(labels, np.repeat([0, 1, 2], per_class))
    np.testing.assert_array_equal(z[:per_class], z[per_class : 2 * per_class])
    assert_changes(series)


# ---------------------------------------------------------------- ReconstructionGrid
def test_reconstruction_grid_pairs_inputs_and_reconstructions(vae_run, callback_helpers):
    series = vae_run.images["reconstructions"]
    columns = 2 * int(math.sqrt(6))
    assert series[0][1].shape == (*callback_helpers.grid_size(12, columns), 1)
    assert_changes(series)
    # Column 0 of row 0 is x_ref[0] itself (to 8 bits), column 1 its reconstruction.
    first = series[-1][1][2:30, 2:30, 0]
    np.testing.assert_allclose(first / 255.0, vae_run.x_ref[0, ..., 0], atol=1 / 255)
    second = series[-1][1][2:30, 32:60, 0] / 255.0
    np.testing.assert_allclose(second, vae_run.model.reconstruct(vae_run.x_ref[:1])[0, ..., 0],
                               atol=1.5 / 255)


def test_reconstruction_grid_conditional(cvae_run, callback_helpers):
    series = cvae_run.images["reconstructions"]
    assert series[0][1].shape == (*callback_helpers.grid_size(8, 4), 1)
    assert_changes(series)


def test_reconstruction_grid_on_a_gan_raises_when_fit_starts(tmp_path, callback_helpers):
    gan = callback_helpers.tiny_gan()
    x = callback_helpers.images(8)
    callback = kg.callbacks.ReconstructionGrid(tmp_path / "logs", x[:4])
    with pytest.raises(TypeError, match="ReconstructionGrid needs a model with `encode`"):
        gan.fit(x, epochs=1, batch_size=8, verbose=0, callbacks=[callback])
    assert gan.optimizer.iterations.numpy() == 0
    assert list((tmp_path / "logs").iterdir()) == []  # created when built, nothing written


def test_reconstruction_grid_conditional_needs_labels(tmp_path, cvae_run):
    callback = kg.callbacks.ReconstructionGrid(tmp_path, cvae_run.x[:4])
    with pytest.raises(ValueError, match="`labels`"):
        callback.set_model(cvae_run.model)


# ------------------------------------------------------------------- shared behaviour
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(num_samples=0), ValueError, "num_samples"),
        (dict(num_samples=2.5), TypeError, "num_samples"),
        (dict(every_n_epochs=0), ValueError, "every_n_epochs"),
        (dict(seed=-1), ValueError, "seed"),
        (dict(tag=""), ValueError, "tag"),
    ],
)
def test_sample_grid_argument_errors(tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        kg.callbacks.SampleGrid(tmp_path, **kwargs)


@pytest.mark.parametrize(
    ("x_ref", "error", "match"),
    [
        (np.zeros((28, 28, 1), "float32"), ValueError, "x_ref.*rank"),
        (np.full((2, 28, 28, 1), 2.0, "float32"), ValueError, r"x_ref.*\[0, 1\]"),
        (np.zeros((2, 28, 28, 1), "uint8"), ValueError, "x_ref.*uint8"),
        ("images", TypeError, "x_ref"),
    ],
)
def test_reconstruction_grid_argument_errors(tmp_path, x_ref, error, match):
    with pytest.raises(error, match=match):
        kg.callbacks.ReconstructionGrid(tmp_path, x_ref)


def drive(callback, model, epochs: int = 2):
    """Runs a callback through the hooks `fit` calls, without training."""
    callback.set_model(model)
    callback.on_train_begin()
    for epoch in range(epochs):
        callback.on_epoch_end(epoch)
    callback.on_train_end()


def test_writer_is_reused_and_closed(tmp_path, vae_run):
    callback = kg.callbacks.SampleGrid(tmp_path, num_samples=4)
    callback.set_model(vae_run.model)
    callback.on_train_begin()
    writer = callback._writer
    callback.on_epoch_end(0)
    assert callback._writer is writer
    callback.on_train_end()
    assert callback._writer is None
    assert len(list(tmp_path.glob("events.out.tfevents.*"))) == 1


def test_every_n_epochs_logs_the_last_epoch_too(tmp_path, vae_run, callback_helpers):
    drive(kg.callbacks.SampleGrid(tmp_path, num_samples=4, every_n_epochs=2), vae_run.model,
          epochs=5)
    steps = [step for step, _ in callback_helpers.read_images(tmp_path)["samples"]]
    assert steps == [0, 2, 4, 5]


WORKER_1 = {"cluster": {"worker": ["localhost:1", "localhost:2"]},
            "task": {"type": "worker", "index": 1}}
WORKER_0_WITH_CHIEF = {"cluster": {"chief": ["localhost:0"], "worker": ["localhost:1"]},
                       "task": {"type": "worker", "index": 0}}


def test_is_chief(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert is_chief()
    monkeypatch.setenv("TF_CONFIG", json.dumps(WORKER_1))
    assert not is_chief()
    monkeypatch.setenv("TF_CONFIG", json.dumps(WORKER_0_WITH_CHIEF))
    assert not is_chief()
    monkeypatch.setenv("TF_CONFIG", json.dumps({**WORKER_1, "task": {"type": "worker",
                                                                     "index": 0}}))
    assert is_chief()


@pytest.mark.parametrize("tf_config", [WORKER_1, WORKER_0_WITH_CHIEF])
def test_non_chief_workers_write_nothing(tmp_path, monkeypatch, vae_run, tf_config):
    monkeypatch.setenv("TF_CONFIG", json.dumps(tf_config))
    x = vae_run.x
    log_dir = tmp_path / "runs"
    callbacks = [
        kg.callbacks.SampleGrid(log_dir, num_samples=4, png_dir=log_dir / "png"),
        kg.callbacks.ReconstructionGrid(log_dir, x[:2]),
        kg.callbacks.LatentTraversal(log_dir, x_ref=x[:4]),
        kg.callbacks.LatentInterpolation(log_dir, (x[:2], x[2:4])),
        kg.callbacks.EmbeddingProjector(log_dir, x[:8], labels=np.arange(8),
                                        every_n_epochs=1),
    ]
    for callback in callbacks:
        drive(callback, vae_run.model)
    assert not log_dir.exists()
