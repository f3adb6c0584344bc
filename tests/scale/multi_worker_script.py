"""One worker of the two-process MultiWorkerMirroredStrategy test (test_multi_worker.py).

Run by `keras_genmodels.distribute.launch_local_workers` with a `TF_CONFIG` each:

    python multi_worker_script.py LOG_DIR RESULTS_JSON

Trains a tiny VAE for 2 epochs on 64 random images (global batch 16), validating on 32
of them (so `test_step` runs distributed too), with the usual
multi-worker pattern: every worker runs the same `fit`; the package's callbacks are
given to every worker (they write from the chief only), and only the chief saves the
model. Each worker then writes its bookkeeping for the test (optimizer steps, a weight
checksum) to RESULTS_JSON, and its initial (broadcast) and final weights next to it
(RESULTS_JSON with the suffix `.npz`), none of it part of the training's logs.

The same training on one device, in a single process, for comparison:

    python multi_worker_script.py --one-device WORKER_NPZ OUT_NPZ

starts from the initial weights in a worker's WORKER_NPZ and writes its final weights to
OUT_NPZ. Plain SGD: Adam would hide gradients that are N times too large.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
START = time.monotonic()

import tensorflow as tf  # noqa: E402

ONE_DEVICE = sys.argv[1:2] == ["--one-device"]
# Two workers share this machine's cores: keep each one's thread pools small (the
# one-device run too, for the same arithmetic). The strategy must exist before any op
# runs (it configures the collective ops).
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(2)
strategy = tf.distribute.get_strategy() if ONE_DEVICE else (
    tf.distribute.MultiWorkerMirroredStrategy())

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_genmodels as kg  # noqa: E402
from keras_genmodels.collectives import isolate_collectives  # noqa: E402
from keras_genmodels.distribute import is_chief  # noqa: E402
from keras_genmodels.networks import build_conv_decoder, build_conv_encoder  # noqa: E402

NUM_EXAMPLES, GLOBAL_BATCH, EPOCHS, LATENT_DIM = 64, 16, 2, 2
LEARNING_RATE = 0.01


def weight_checksum(model: keras.Model) -> tuple[str, float]:
    """sha256 of every weight's bytes (in a fixed order), and their float64 sum."""
    digest = hashlib.sha256()
    total = 0.0
    for variable in model.weights:
        value = np.ascontiguousarray(keras.ops.convert_to_numpy(variable))
        digest.update(variable.path.encode() + value.tobytes())
        total += float(np.sum(value, dtype=np.float64))
    return digest.hexdigest(), total


def data() -> np.ndarray:
    return np.random.default_rng(0).uniform(size=(NUM_EXAMPLES, 28, 28, 1)).astype("float32")


def make_vae() -> kg.VAE:
    """The tiny VAE, compiled, under the process's strategy."""
    with strategy.scope():
        encoder = build_conv_encoder((28, 28, 1), 2 * LATENT_DIM, filters=(4, 8), dense_units=16)
        decoder = build_conv_decoder(LATENT_DIM, (28, 28, 1), filters=(8, 4), dense_units=16)
        vae = kg.VAE(LATENT_DIM, encoder=encoder, decoder=decoder, seed=0,
                     data_shape=(28, 28, 1))
        vae.compile(optimizer=keras.optimizers.SGD(LEARNING_RATE))
    return vae


def fit(vae: kg.VAE, x: np.ndarray, callbacks: list) -> keras.callbacks.History:
    return vae.fit(x, epochs=EPOCHS, batch_size=GLOBAL_BATCH, shuffle=False,
                   validation_data=(x[:32],), callbacks=callbacks, verbose=2)


def save_weights(path: Path, **weights: list[np.ndarray]) -> None:
    np.savez(path, **{f"{name}_{i:04d}": value for name, values in weights.items()
                      for i, value in enumerate(values)})


def load_weights(path: Path, name: str) -> list[np.ndarray]:
    with np.load(path) as stored:
        return [stored[key] for key in sorted(stored.files) if key.startswith(f"{name}_")]


def main(log_dir: Path, results_path: Path) -> None:
    task = json.loads(os.environ["TF_CONFIG"])["task"]
    # Different initial weights on each worker: the strategy must broadcast worker 0's.
    keras.utils.set_random_seed(1000 + task["index"])
    x = data()
    started = time.monotonic()
    vae = make_vae()
    initial = vae.get_weights()
    # Given to every worker: these callbacks write on the chief only.
    callbacks = [kg.callbacks.SampleGrid(log_dir / "images", num_samples=4,
                                         png_dir=log_dir / "png"),
                 kg.callbacks.TensorBoard(log_dir / "tensorboard"),
                 kg.callbacks.BackupAndRestore(log_dir / "backup", save_freq=3,
                                               delete_checkpoint=False)]
    history = fit(vae, x, callbacks)
    fitted = time.monotonic()
    if is_chief():
        vae.save(log_dir / "vae.keras")
    sha, total = weight_checksum(vae)
    results_path.parent.mkdir(parents=True, exist_ok=True)
    save_weights(results_path.with_suffix(".npz"), initial=initial, final=vae.get_weights())
    results_path.write_text(json.dumps({
        "task": task,
        "is_chief": is_chief(),
        "num_replicas_in_sync": strategy.num_replicas_in_sync,
        "isolated": isolate_collectives(strategy),
        "iterations": int(vae.optimizer.iterations.numpy()),
        "expected_iterations": EPOCHS * NUM_EXAMPLES // GLOBAL_BATCH,
        "weights_sha256": sha,
        "weights_sum": total,
        "loss": [float(v) for v in history.history["loss"]],
        "val_loss": [float(v) for v in history.history["val_loss"]],
        "seconds": {"startup": started - START, "fit": fitted - started,
                    "total": time.monotonic() - START},
    }))


def one_device(worker_weights: Path, out: Path) -> None:
    """The workers' training on one device, from their broadcast initial weights."""
    vae = make_vae()
    vae.set_weights(load_weights(worker_weights, "initial"))
    history = fit(vae, data(), [])
    save_weights(out, final=vae.get_weights())
    print("RESULT " + json.dumps({"loss": history.history["loss"],
                                  "iterations": int(vae.optimizer.iterations.numpy())}))


if __name__ == "__main__":
    if ONE_DEVICE:
        one_device(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        main(Path(sys.argv[1]), Path(sys.argv[2]))
