"""One worker of the two-process MultiWorkerMirroredStrategy test (test_multi_worker.py).

Run by `keras_genmodels.distribute.launch_local_workers` with a `TF_CONFIG` each:

    python multi_worker_script.py LOG_DIR RESULTS_JSON

Trains a tiny VAE for 2 epochs on 64 random images (global batch 16), validating on 32
of them (so `test_step` runs distributed too), with the usual
multi-worker pattern: every worker runs the same `fit`; the package's `SampleGrid` is
given to every worker (it writes from the chief only), Keras' `TensorBoard` (which writes
on every worker) to the chief only, and only the chief saves the model. Each worker then
writes its bookkeeping for the test (optimizer steps, a weight checksum) to RESULTS_JSON,
which is not part of the training's logs.
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

# Two workers share this machine's cores: keep each one's thread pools small. The
# strategy must exist before any op runs (it configures the collective ops).
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(2)
strategy = tf.distribute.MultiWorkerMirroredStrategy()

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_genmodels as kg  # noqa: E402
from keras_genmodels.distribute import is_chief  # noqa: E402
from keras_genmodels.networks import build_conv_decoder, build_conv_encoder  # noqa: E402

NUM_EXAMPLES, GLOBAL_BATCH, EPOCHS, LATENT_DIM = 64, 16, 2, 2


def weight_checksum(model: keras.Model) -> tuple[str, float]:
    """sha256 of every weight's bytes (in a fixed order), and their float64 sum."""
    digest = hashlib.sha256()
    total = 0.0
    for variable in model.weights:
        value = np.ascontiguousarray(keras.ops.convert_to_numpy(variable))
        digest.update(variable.path.encode() + value.tobytes())
        total += float(np.sum(value, dtype=np.float64))
    return digest.hexdigest(), total


def main(log_dir: Path, results_path: Path) -> None:
    task = json.loads(os.environ["TF_CONFIG"])["task"]
    # Different initial weights on each worker: the strategy must broadcast worker 0's.
    keras.utils.set_random_seed(1000 + task["index"])
    x = np.random.default_rng(0).uniform(size=(NUM_EXAMPLES, 28, 28, 1)).astype("float32")
    started = time.monotonic()
    with strategy.scope():
        encoder = build_conv_encoder((28, 28, 1), 2 * LATENT_DIM, filters=(4, 8), dense_units=16)
        decoder = build_conv_decoder(LATENT_DIM, (28, 28, 1), filters=(8, 4), dense_units=16)
        vae = kg.VAE(LATENT_DIM, encoder=encoder, decoder=decoder, seed=0,
                     data_shape=(28, 28, 1))
        vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    # Given to every worker: these callbacks write on the chief only.
    callbacks = [kg.callbacks.SampleGrid(log_dir / "images", num_samples=4,
                                         png_dir=log_dir / "png"),
                 kg.callbacks.TensorBoard(log_dir / "tensorboard"),
                 kg.callbacks.BackupAndRestore(log_dir / "backup", save_freq=3,
                                               delete_checkpoint=False)]
    history = vae.fit(x, epochs=EPOCHS, batch_size=GLOBAL_BATCH, shuffle=False,
                      validation_data=(x[:32],), callbacks=callbacks, verbose=2)
    fitted = time.monotonic()
    if is_chief():
        vae.save(log_dir / "vae.keras")
    sha, total = weight_checksum(vae)
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps({
        "task": task,
        "is_chief": is_chief(),
        "num_replicas_in_sync": strategy.num_replicas_in_sync,
        "iterations": int(vae.optimizer.iterations.numpy()),
        "expected_iterations": EPOCHS * NUM_EXAMPLES // GLOBAL_BATCH,
        "weights_sha256": sha,
        "weights_sum": total,
        "loss": [float(v) for v in history.history["loss"]],
        "val_loss": [float(v) for v in history.history["val_loss"]],
        "seconds": {"startup": started - START, "fit": fitted - started,
                    "total": time.monotonic() - START},
    }))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
