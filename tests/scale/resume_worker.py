"""Trains a tiny model with `keras.callbacks.BackupAndRestore`; run as a subprocess.

`tests/scale/test_fault_tolerance.py` starts it three ways: uninterrupted, killed with
SIGKILL at a given (epoch, batch) by the `SelfKill` callback below (so the kill lands
mid-epoch, after a backup exists), and restarted with the same backup folder. Every run
builds the same model from the same seeds on 256 random uniform 8x8 images (fixed numpy
seed, batch 32, `shuffle=False`) under `enable_op_determinism`, and a finished run
writes every model weight and every variable of every optimizer slot to an `.npz`, plus
`initial_epoch`, the epoch `BackupAndRestore` resumed from (0 for a fresh start).

Several runs can share one process (each after `keras.backend.clear_session()` and
`keras.utils.set_random_seed(0)`), which saves the import of TensorFlow. Usage:

    python resume_worker.py '[{"model_name": "vae", "out": "vae.npz",
                               "backup_dir": "backup", "save_freq": "epoch",
                               "kill_at": [1, 4]}, ...]'

with `model_name` `"vae"`, `"vae_bf16"` (`precision="mixed_bfloat16"`), `"wgangp"` or
`"stylegan"`, `save_freq` `"epoch"` or a number of batches,
`kill_at` `[epoch, batch]` (optional) and `callback` `"keras"` (default:
`keras.callbacks.BackupAndRestore`) or `"kg"` (`kg.callbacks.BackupAndRestore`).
"""

from __future__ import annotations

import json
import os
import signal
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_genmodels as kg  # noqa: E402

IMAGE_SHAPE = (8, 8, 1)
LATENT_DIM = 4


class SelfKill(keras.callbacks.Callback):
    """Sends SIGKILL to its own process at the end of batch `batch` of epoch `epoch`."""

    def __init__(self, epoch: int, batch: int):
        super().__init__()
        self.epoch, self.batch, self.current = epoch, batch, -1

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.current, batch) == (self.epoch, self.batch):
            os.kill(os.getpid(), signal.SIGKILL)


def tiny_vae(precision: str = "float32") -> kg.VAE:
    # networks made in the model's precision, the last layers float32 (as the package's)
    with kg.precision.policy_scope(precision):
        encoder = keras.Sequential([keras.Input(IMAGE_SHAPE), keras.layers.Flatten(),
                                    keras.layers.Dense(16, activation="relu"),
                                    keras.layers.Dense(2 * LATENT_DIM, dtype="float32")])
        decoder = keras.Sequential([keras.Input((LATENT_DIM,)),
                                    keras.layers.Dense(16, activation="relu"),
                                    keras.layers.Dense(int(np.prod(IMAGE_SHAPE)),
                                                       dtype="float32"),
                                    keras.layers.Reshape(IMAGE_SHAPE, dtype="float32")])
    model = kg.VAE(LATENT_DIM, encoder=encoder, decoder=decoder, seed=1,
                   data_shape=IMAGE_SHAPE, precision=precision)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    return model


def tiny_wgangp() -> kg.WGANGP:
    generator = keras.Sequential([keras.Input((LATENT_DIM,)),
                                  keras.layers.Dense(16, activation="relu"),
                                  keras.layers.Dense(int(np.prod(IMAGE_SHAPE)),
                                                     activation="tanh"),
                                  keras.layers.Reshape(IMAGE_SHAPE)])
    critic = keras.Sequential([keras.Input(IMAGE_SHAPE), keras.layers.Flatten(),
                               keras.layers.Dense(16, activation="relu"),
                               keras.layers.Dense(1)])
    model = kg.WGANGP(LATENT_DIM, critic_steps=2, generator=generator,
                      discriminator=critic, seed=1, data_shape=IMAGE_SHAPE)
    # different learning rates, so a swapped or missing optimizer state would show
    model.compile(g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                  d_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5))
    return model


def tiny_stylegan() -> kg.StyleGAN:
    # both lazy regularisers fire within the run (R1 every 8 steps, path length every 2),
    # with style mixing, per-layer noise and the generator's EMA: every random stream
    model = kg.StyleGAN(LATENT_DIM, channels=4, mapping_layers=1, r1_weight=1.0,
                        r1_interval=8, pl_interval=2, ema_decay=0.9, seed=1,
                        data_shape=IMAGE_SHAPE)
    model.compile()
    return model


def optimizer_state(model: keras.Model) -> dict[str, np.ndarray]:
    """Every variable of every optimizer slot, keyed by slot and position."""
    state = {}
    for i, slot in enumerate(model.optimizer_slots):
        optimizer = model.optimizer if i == 0 else getattr(model, slot)
        for j, variable in enumerate(optimizer.variables):
            state[f"{slot}/{j}/{variable.path}"] = np.asarray(variable)
    return state


def train(model_name: str, out: str, backup_dir: str, save_freq: str | int = "epoch",
          kill_at: tuple[int, int] | None = None, epochs: int = 3,
          callback: str = "keras") -> None:
    """One training run from scratch (or from the backup in `backup_dir`)."""
    keras.backend.clear_session()  # the same layer names and seeds for every run
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).uniform(size=(256, *IMAGE_SHAPE)).astype("float32")
    model = {"vae": tiny_vae, "vae_bf16": lambda: tiny_vae("mixed_bfloat16"), "wgangp": tiny_wgangp,
             "stylegan": tiny_stylegan}[model_name]()
    backup = {"keras": keras.callbacks.BackupAndRestore,
              "kg": kg.callbacks.BackupAndRestore}[callback]
    callbacks = [backup(backup_dir, save_freq=save_freq)]
    if kill_at is not None:
        callbacks.append(SelfKill(*kill_at))
    model.fit(x, epochs=epochs, batch_size=32, shuffle=False, verbose=0, callbacks=callbacks)

    arrays = {f"weight/{i}/{v.path}": np.asarray(v) for i, v in enumerate(model.weights)}
    arrays.update(optimizer_state(model))
    np.savez(out, initial_epoch=model._initial_epoch or 0, **arrays)


def main() -> None:
    tf.config.experimental.enable_op_determinism()
    for job in json.loads(sys.argv[1]):
        train(**job)


if __name__ == "__main__":
    main()
