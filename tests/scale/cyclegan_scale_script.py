"""CycleGAN at scale, run as a subprocess by `test_cyclegan_scale.py`. Two modes:

`replicas`: one training step on 1 device and one on 2 logical CPU replicas from the same
initial weights, same global batch, plain SGD; prints each weight's gap between the two
(every weight, the image pools included) and how far it moved, as JSON on a `RESULT `
line. The logical devices must be configured before TensorFlow starts, hence the process.

`resume '[job, ...]'`: trains the jobs one after the other, each a dict with `out` (an
`.npz` of every weight and optimizer variable at the end), `backup_dir`, and optionally
`kill_at` `[epoch, batch]`, where the process kills itself with SIGKILL; training uses
`kg.callbacks.BackupAndRestore(save_freq=3)` (a mid-epoch backup every 3 batches) under
`enable_op_determinism`, `compile()`'s defaults (so the learning-rate decay and the pools'
random draws are exercised) on 128 images per domain, batch 16, 3 epochs, shuffled.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

if sys.argv[1] == "replicas":
    tf.config.set_logical_device_configuration(
        tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402
import numpy as np  # noqa: E402
from resume_worker import SelfKill  # noqa: E402  (this script's folder is on sys.path)

import keras_genmodels as kg  # noqa: E402
from keras_genmodels.networks.cyclegan import (  # noqa: E402
    build_patchgan_discriminator,
    build_resnet_generator,
)

SHAPE = (16, 16, 1)


def tiny_cyclegan(**options) -> kg.CycleGAN:
    """The real building blocks (instance norm, reflection padding, PatchGAN), tiny."""
    generators = [build_resnet_generator(SHAPE, filters=4, downsamplings=1, residual_blocks=1,
                                         name=name) for name in ("g_ab", "g_ba")]
    discriminators = [build_patchgan_discriminator(SHAPE, filters=4, layers=1, name=name)
                      for name in ("d_a", "d_b")]
    return kg.CycleGAN(*generators, *discriminators, seed=1, data_shape=SHAPE, **options)


def domains(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return (rng.uniform(size=(n, *SHAPE)).astype("float32"),
            rng.uniform(size=(n, *SHAPE)).astype("float32") ** 2)


def replicas(**options) -> None:
    a, b = domains(16)  # one global batch: one step
    runs = {}
    initial = None
    for name, strategy in (("one", tf.distribute.OneDeviceStrategy("/cpu:0")),
                           ("two", tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))):
        keras.utils.set_random_seed(0)
        with strategy.scope():
            # a pool of 6 fills with the first 6 images of the global batch of 16; each
            # of the other 10 then swaps with a stored one or not
            model = tiny_cyclegan(**{"pool_size": 6, **options})
            if initial is not None:
                model.set_weights(initial)
            initial = model.get_weights()
            # plain SGD: Adam would hide gradients that are N times too large
            model.compile(g_optimizer=keras.optimizers.SGD(0.1),
                          d_optimizer=keras.optimizers.SGD(0.1))
        model.fit(x=(a, b), batch_size=16, epochs=1, shuffle=False, verbose=0)
        runs[name] = model.get_weights()
        paths = [f"{i}:{v.path}" for i, v in enumerate(model.weights)]
    gaps = {path: float(np.max(np.abs(x - y)))
            for path, x, y in zip(paths, runs["one"], runs["two"], strict=True)}
    moved = {path: float(np.max(np.abs(x - y)))
             for path, x, y in zip(paths, runs["one"], initial, strict=True)}
    print("RESULT " + json.dumps({"gaps": gaps, "moved": moved}))


def resume(out: str, backup_dir: str, kill_at: list[int] | None = None) -> None:
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    a, b = domains(128)
    model = tiny_cyclegan(pool_size=10)
    model.compile()
    callbacks = [kg.callbacks.BackupAndRestore(backup_dir, save_freq=3)]
    if kill_at is not None:
        callbacks.append(SelfKill(*kill_at))
    model.fit(x=(a, b), epochs=3, batch_size=16, verbose=0, callbacks=callbacks)
    arrays = {f"weight/{i}/{v.path}": np.asarray(v) for i, v in enumerate(model.weights)}
    for slot in model.optimizer_slots:
        for j, variable in enumerate(getattr(model, slot).variables):
            arrays[f"{slot}/{j}/{variable.path}"] = np.asarray(variable)
    np.savez(out, initial_epoch=model._initial_epoch or 0,
             learning_rate=float(model.optimizer.learning_rate), **arrays)


def main() -> None:
    if sys.argv[1] == "replicas":
        replicas(**json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}"))
        return
    tf.config.experimental.enable_op_determinism()
    for job in json.loads(sys.argv[2]):
        resume(**job)


if __name__ == "__main__":
    main()
