"""NaNGuard: names the loss that diverged, stops, and keeps checkpoints finite."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_genmodels as kg
from keras_genmodels.callbacks.guard import NaNGuard

SHAPE = (8, 8, 1)
LATENT = 4
STEPS_PER_EPOCH = 4  # 64 examples, batch 16


def tiny_gan() -> kg.GAN:
    keras.utils.set_random_seed(0)
    generator = keras.Sequential([keras.Input((LATENT,)), keras.layers.Dense(16, "relu"),
                                  keras.layers.Dense(64, "tanh"), keras.layers.Reshape(SHAPE)])
    discriminator = keras.Sequential([keras.Input(SHAPE), keras.layers.Flatten(),
                                      keras.layers.Dense(16, "relu"), keras.layers.Dense(1)])
    gan = kg.GAN(LATENT, generator=generator, discriminator=discriminator, seed=0,
                 data_shape=SHAPE)
    gan.compile()
    return gan


def data() -> np.ndarray:
    return np.random.default_rng(0).uniform(size=(64, *SHAPE)).astype("float32")


def state(model: kg.GAN) -> dict[str, np.ndarray]:
    """Every weight and every variable of both optimizers, as numpy arrays."""
    arrays = {f"w{i}": np.array(v) for i, v in enumerate(model.weights)}
    for name, optimizer in (("g", model.optimizer), ("d", model.d_optimizer)):
        arrays.update({f"{name}{i}": np.array(v) for i, v in enumerate(optimizer.variables)})
    return arrays


def assert_same_finite_state(actual: dict, expected: dict) -> None:
    assert actual.keys() == expected.keys()
    for key, value in actual.items():
        assert np.all(np.isfinite(value)), key
        np.testing.assert_array_equal(value, expected[key], err_msg=key)


def loaded(path) -> dict[str, np.ndarray]:
    model = tiny_gan()
    model.load_weights(path)
    return state(model)


class Poison(keras.callbacks.Callback):
    """Writes a non-finite value into `variable()` at (epoch, batch), recording the
    model's state just before: at the batch's start (a NaN loss follows) or its end
    (the losses stay finite, only the weights are not)."""

    def __init__(self, variable, epoch: int, batch: int, at: str = "begin", value=np.nan):
        super().__init__()
        self.variable, self.at, self.value = variable, at, value
        self.when, self.epoch, self.before = (epoch, batch), -1, None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def poison(self, batch: int, at: str) -> None:
        if (self.epoch, batch) != self.when or at != self.at:
            return
        self.before = state(self.model)
        variable = self.variable(self.model)
        values = np.array(variable)
        values.flat[0] = self.value
        variable.assign(values)

    def on_train_batch_begin(self, batch, logs=None):
        self.poison(batch, "begin")

    def on_train_batch_end(self, batch, logs=None):
        self.poison(batch, "end")


def critic_kernel(model):
    return model.discriminator.layers[-1].kernel


def test_names_the_loss_that_diverged_and_keeps_checkpoints_finite(tmp_path, capsys):
    model = tiny_gan()
    poison = Poison(critic_kernel, epoch=1, batch=2)
    guard = NaNGuard()
    history = model.fit(data(), epochs=3, batch_size=16, shuffle=False, verbose=0, callbacks=[
        # saves at the end of each epoch, also at the end of the one that diverged
        keras.callbacks.ModelCheckpoint(tmp_path / "epoch.weights.h5", save_weights_only=True),
        poison,
        guard,
        # listed after the guard: it saves on the diverged batch too, after the restore
        keras.callbacks.BackupAndRestore(tmp_path / "backup", save_freq=1,
                                         delete_checkpoint=False),
    ])

    assert guard.diverged["metric"] == "d_loss"
    assert {"d_loss", "g_loss"} <= set(guard.diverged["metrics"])
    assert np.isnan(guard.diverged["value"])
    assert (guard.diverged["epoch"], guard.diverged["batch"]) == (1, 2)
    assert "`d_loss` became nan at epoch 1, batch 2" in capsys.readouterr().out
    assert model.stop_training and len(history.history["d_loss"]) == 2
    # the model, and both checkpoints, hold the state of the end of batch 1 of epoch 1
    assert_same_finite_state(state(model), poison.before)
    assert_same_finite_state(loaded(tmp_path / "epoch.weights.h5"), poison.before)
    assert_same_finite_state(loaded(tmp_path / "backup" / "latest.weights.h5"), poison.before)


def test_catches_non_finite_optimizer_state_while_losses_are_finite(tmp_path):
    model = tiny_gan()
    # the d_optimizer's last variable (a velocity) becomes inf after batch 1's update
    poison = Poison(lambda m: m.d_optimizer.variables[-1], epoch=0, batch=1, at="end",
                    value=np.inf)
    guard = NaNGuard(verbose=0)
    model.fit(data(), epochs=2, batch_size=16, shuffle=False, verbose=0,
              callbacks=[poison, guard])
    assert guard.diverged["metric"] is None and guard.diverged["metrics"] == []
    assert guard.diverged["variable"] == model.d_optimizer.variables[-1].path
    assert (guard.diverged["epoch"], guard.diverged["batch"]) == (0, 1)
    # rolled back to the end of batch 0: one step of each optimizer
    assert int(model.optimizer.iterations) == int(model.d_optimizer.iterations) == 1
    assert all(np.all(np.isfinite(v)) for v in state(model).values())


def test_raise_error_keeps_backup_and_restore_state(tmp_path):
    model = tiny_gan()
    poison = Poison(critic_kernel, epoch=0, batch=3)
    backup = tmp_path / "backup"
    with pytest.raises(RuntimeError, match="`d_loss` became nan at epoch 0, batch 3"):
        model.fit(data(), epochs=2, batch_size=16, shuffle=False, verbose=0, callbacks=[
            poison, NaNGuard(raise_error=True, verbose=0),
            keras.callbacks.BackupAndRestore(backup, save_freq=1),
        ])
    # no on_train_end: the backup of the end of batch 2 survives, ready to resume from
    assert_same_finite_state(loaded(backup / "latest.weights.h5"), poison.before)


def guard_on(model, **kwargs) -> NaNGuard:
    guard = NaNGuard(check_weights=False, verbose=0, **kwargs)
    guard.set_model(model)
    guard.on_train_begin()
    guard.on_epoch_begin(4)
    return guard


def test_reports_which_of_several_losses_diverged():
    model = tiny_gan()
    guard = guard_on(model)
    guard.on_train_batch_end(0, {"d_loss": 0.5, "g_loss": 0.7})
    assert guard.diverged is None and not model.stop_training
    guard.on_train_batch_end(1, {"d_loss": 0.4, "g_loss": float("inf"), "d_real": 0.1})
    assert guard.diverged == {"metric": "g_loss", "metrics": ["g_loss"], "value": np.inf,
                              "variable": None, "epoch": 4, "batch": 1}
    assert model.stop_training


def test_monitor_checks_only_the_named_metrics():
    model = tiny_gan()
    guard = guard_on(model, monitor="d_loss")
    guard.on_train_batch_end(0, {"d_loss": 0.5, "g_loss": float("nan")})
    assert guard.diverged is None and not model.stop_training
    with pytest.raises(ValueError, match=r"\['loss'\].*does not report"):
        guard_on(model, monitor=["loss"]).on_train_batch_end(0, {"d_loss": 0.5})


@pytest.mark.parametrize("monitor", ["", [], [""], 3])
def test_rejects_bad_monitor(monitor):
    with pytest.raises(ValueError, match="`monitor`"):
        NaNGuard(monitor=monitor)
