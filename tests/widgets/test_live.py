"""LiveTraining: refreshes during `fit`, flat memory over thousands of batches, a final PNG."""

from __future__ import annotations

import gc
import io
import tracemalloc

import keras
import numpy as np
import pytest
from PIL import Image

import keras_genmodels as kg
from keras_genmodels.networks import build_mlp
from keras_genmodels.widgets import LiveTraining
from keras_genmodels.widgets import live as live_module


def tiny_vector_vae(steps_per_execution: int = 1) -> kg.VAE:
    """Two 8-unit MLPs on 16-d vectors: a training step costs well under a millisecond."""
    model = kg.VAE(2, encoder=build_mlp(16, 4, (8,)), decoder=build_mlp(2, 16, (8,)), seed=0,
                   data_shape=(16,), likelihood="bernoulli")  # one decoder output per feature
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  steps_per_execution=steps_per_execution)
    return model


def vectors(n: int) -> np.ndarray:
    return np.random.default_rng(0).uniform(size=(n, 16)).astype("float32")


class MemoryProbe(keras.callbacks.Callback):
    """Starts tracemalloc after `start` batches and reads it after `stop` batches."""

    def __init__(self, live: LiveTraining, start: int, stop: int):
        super().__init__()
        self.live, self.start, self.stop = live, start, stop
        self.lengths: dict[int, dict[str, int]] = {}

    def on_train_batch_end(self, batch, logs=None):
        step = batch + 1
        if step not in (self.start, self.stop):
            return
        self.lengths[step] = self.live.history.lengths()
        if step == self.start:
            gc.collect()
            tracemalloc.start()
            self.baseline = tracemalloc.get_traced_memory()[0]
        elif step == self.stop:
            gc.collect()
            self.current, self.peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()


def test_memory_stays_flat_over_2000_batches():
    # Keras spends milliseconds of Python per `fit` step on a busy machine: running 10
    # steps per call keeps 2,000 batches within seconds (callbacks then see every 10th).
    live = LiveTraining(every_n_batches=500, num_samples=4, max_points=16)
    probe = MemoryProbe(live, start=500, stop=2000)
    model = tiny_vector_vae(steps_per_execution=10)
    model.fit(vectors(16_000), epochs=1, batch_size=8, verbose=0, callbacks=[live, probe])
    assert live.step == 2000
    # before training, every 500 batches, at the epoch's end and at the end of training
    assert live.sample_updates == live.curve_updates + 1 == 1 + 4 + 1 + 1
    # 200 points per metric went in, at most 16 are kept whatever the batch count
    assert set(live.history.names()) == {"loss", "reconstruction", "kl", "elbo"}
    assert all(0 < n <= 16 for n in probe.lengths[2000].values())
    # what remains is matplotlib warming up (tick artists, text caches), not a leak: over
    # 8,000 batches it levels off below 0.3 MiB
    growth = probe.current - probe.baseline
    assert growth < 1024 * 1024, f"Python memory grew by {growth / 1024:.0f} KiB"
    assert probe.peak - probe.baseline < 16 * 1024 * 1024


def test_a_batch_between_refreshes_keeps_no_memory():
    live = LiveTraining(every_n_batches=10_000, max_points=64)
    live.set_model(tiny_vector_vae())
    logs = {"loss": 1.0, "reconstruction": 0.5, "kl": 0.5, "elbo": -1.0}
    live.on_epoch_begin(0)
    for batch in range(500):
        live.on_train_batch_end(batch, logs)
    gc.collect()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        for batch in range(500, 2000):
            live.on_train_batch_end(batch, {k: v + batch for k, v in logs.items()})
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    assert live.step == 2000 and max(live.history.lengths().values()) <= 64
    # a full history of 4 metrics holds ~25 KiB; kept per batch, 1,500 batches would
    # hold ~600 KiB
    assert growth < 64 * 1024, f"1,500 batches kept {growth} bytes"


def test_refreshes_during_fit_and_leaves_a_static_png(monkeypatch):
    shown, updates = [], []

    class Handle:
        def update(self, obj):
            updates.append(obj)

    def display(obj, display_id=False):
        shown.append(obj)
        return Handle()

    monkeypatch.setattr(live_module, "in_kernel", lambda: True)
    monkeypatch.setattr("IPython.display.display", display)
    live = LiveTraining(every_n_batches=5, num_samples=9)
    images = []

    class Watch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            images.append(bytes(live.samples_image.value))

    model = tiny_vector_vae()
    x = vectors(160)
    model.fit(x, epochs=2, batch_size=16, verbose=0, validation_data=(x[:32],),
              callbacks=[live, Watch()])
    assert live.step == 20
    # one grid before training, one per 5 batches, one per epoch end and one at the end
    assert live.sample_updates == 1 + 4 + 2 + 1
    assert len(set(images)) > 2  # the picture changed while fit ran
    assert shown == [live.widget]
    assert len(updates) == 1 and updates[0].data == live.final_png
    steps, values = live.history.series()["val_loss"]
    assert list(steps) == [10, 20] and len(values) == 2
    final = Image.open(io.BytesIO(live.final_png))
    curves = Image.open(io.BytesIO(bytes(live.curves_image.value)))
    assert final.width > curves.width and final.height >= curves.height


def test_outside_a_kernel_nothing_is_displayed(vae):
    x = np.random.default_rng(0).uniform(size=(16, 28, 28, 1)).astype("float32")
    model = type(vae).from_config(vae.get_config())
    model.compile()
    live = LiveTraining(every_n_batches=1, num_samples=4)
    model.fit(x, epochs=1, batch_size=8, verbose=0, callbacks=[live])
    assert live._handle is None and live.final_png.startswith(b"\x89PNG")
    assert live.samples.shape == (4, 28, 28, 1)


def test_a_conditional_model_samples_the_classes_in_turn(cvae):
    live = LiveTraining(num_samples=6)
    live.set_model(cvae)
    _, labels = live.fixed_codes()
    np.testing.assert_array_equal(labels, [0, 1, 2, 0, 1, 2])
    live = LiveTraining(num_samples=2, labels=[2, 2])
    live.set_model(cvae)
    np.testing.assert_array_equal(live.fixed_codes()[1], [2, 2])


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="`every_n_batches` must be an integer >= 1, got 0"):
        LiveTraining(every_n_batches=0)
    with pytest.raises(TypeError, match="`num_samples` must be an integer >= 1, got '4'"):
        LiveTraining(num_samples="4")
    with pytest.raises(ValueError, match="`max_points` must be an integer >= 2, got 1"):
        LiveTraining(max_points=1)
    with pytest.raises(TypeError, match="`display` must be True or False"):
        LiveTraining(display="yes")
    with pytest.raises(TypeError, match="LiveTraining needs a model with `sample_latent`"):
        LiveTraining().set_model(keras.Sequential([keras.layers.Dense(1)]))
