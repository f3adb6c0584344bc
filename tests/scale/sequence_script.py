"""Trains a sequence of the package's models in one process on 2 logical CPU replicas.

Run as a subprocess (the logical devices must be configured before TensorFlow starts):

    python sequence_script.py

A notebook user trains one model, then another, in the same process. Each MirroredStrategy
numbers its collective ops from the same keys, and TensorFlow's collective runtime (one
per process) remembers each key's shapes, so without `kg.collectives.isolate_collectives`
the second model's first all-reduce fails with "Shape mismatch in the collective
instance 100" (hardening issue, item 1). The sequence mixes conv VAEs, GANs with the
default DCGAN networks (synchronized batch norm), a conditional VAE and a VAE-GAN:

- "own": each model under a new MirroredStrategy, as in the issue (`compile()` in the
  scope, the networks built by `fit` from the data), with a OneDeviceStrategy model and
  a model outside any strategy in between, then the first model again (fit, evaluate,
  predict) after all the others;
- "shared": a VAE, a WGAN-GP and a VAE-GAN under one MirroredStrategy, built at
  construction (`data_shape`).

Prints one line `RESULT {...}`: per run, whether `fit` finished, the logged losses and how
far the weights moved, or the error.
"""

import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_genmodels.distribute import logical_cpu_devices  # noqa: E402

DEVICES = logical_cpu_devices(2)

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_genmodels as kg  # noqa: E402

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(size=(16, 28, 28, 1)).astype("float32")  # one step of 16 (8 a replica)
LABELS = (np.arange(16) % 3).astype("int32")
SHAPE = (28, 28, 1)

#: name -> (class, options, data): default networks for 28x28x1 images.
MODELS = {
    "VAE": ("VAE", {}, (IMAGES,)),
    "WGANGP": ("WGANGP", {"critic_steps": 1}, (IMAGES,)),
    "GAN": ("GAN", {}, (IMAGES,)),
    "ConditionalVAE": ("ConditionalVAE", {"num_classes": 3}, (IMAGES, LABELS)),
    "VAEGAN": ("VAEGAN", {}, (IMAGES,)),
}
#: (label, model, strategy): "mirrored" a new MirroredStrategy, "shared" the same one for
#: every run, "one_device" a OneDeviceStrategy, "none" no strategy.
OWN = [
    ("VAE", "VAE", "mirrored"),
    ("WGANGP", "WGANGP", "mirrored"),
    ("GAN", "GAN", "mirrored"),
    ("VAE (one device)", "VAE", "one_device"),
    ("GAN (no strategy)", "GAN", "none"),
    ("ConditionalVAE", "ConditionalVAE", "mirrored"),
    ("VAEGAN", "VAEGAN", "mirrored"),
]
#: a VAE, an adversarial model and a hybrid share one strategy; every model was already
#: run under a strategy of its own above
SHARED = [(name, name, "shared") for name in ("VAE", "WGANGP", "VAEGAN")]


def make_strategy(kind: str, shared: tf.distribute.Strategy) -> tf.distribute.Strategy:
    if kind == "mirrored":
        return tf.distribute.MirroredStrategy(DEVICES)
    if kind == "one_device":
        return tf.distribute.OneDeviceStrategy(DEVICES[0])
    if kind == "shared":
        return shared
    return tf.distribute.get_strategy()


def weight_change(before: list, after: list) -> float:
    return max(float(np.max(np.abs(a - b))) for a, b in zip(after, before, strict=True))


def describe(error: Exception) -> str:
    """The error's type and message; TensorFlow's long messages keep their last lines,
    where the collective runtime says what went wrong."""
    message = f"{type(error).__name__}: {error}"
    return message if len(message) < 1500 else message[:300] + " ... " + message[-1200:]


def fit(model: kg.models.GenerativeModel, data: tuple) -> dict:
    started = time.monotonic()
    before = []  # the weights once `fit` has built the networks
    record = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: before.extend(model.get_weights()))
    history = model.fit(*data, batch_size=16, epochs=1, shuffle=False, verbose=0,
                        callbacks=[record])
    return {
        "ok": True,
        "losses": {k: [float(v) for v in vs] for k, vs in history.history.items()},
        "moved": weight_change(before, model.get_weights()),
        "seconds": round(time.monotonic() - started, 1),
    }


def run(name: str, strategy: tf.distribute.Strategy, build_at_once: bool) -> tuple[dict, object]:
    kind, options, data = MODELS[name]
    shape = {"data_shape": SHAPE} if build_at_once else {}
    keras.utils.set_random_seed(0)
    try:
        with strategy.scope():
            model = getattr(kg, kind)(4, seed=1, **options, **shape)
            model.compile()
        return fit(model, data), model
    except Exception as error:  # reported, so that the test names the failing run
        return {"ok": False, "error": describe(error)}, None


def main() -> None:
    results = {}
    shared = tf.distribute.MirroredStrategy(DEVICES)
    first = None
    for mode, runs in (("own", OWN), ("shared", SHARED)):
        for label, name, kind in runs:
            report, model = run(name, make_strategy(kind, shared), mode == "shared")
            results[f"{mode}: {label}"] = report
            first = first or model
    # The first model again, after every other strategy has run its collectives.
    try:
        again = fit(first, MODELS["VAE"][2])
        logs = first.evaluate(IMAGES, batch_size=16, verbose=0, return_dict=True)
        again["evaluate"] = {k: float(np.ravel(v)[0]) for k, v in logs.items()}
        predictions = first.predict(IMAGES, batch_size=16, verbose=0)
        again["predict_shapes"] = [list(np.shape(p)) for p in
                                   (predictions if isinstance(predictions, (list, tuple))
                                    else [predictions])]
    except Exception as error:
        again = {"ok": False, "error": describe(error)}
    results["own: VAE again"] = again
    print("RESULT " + json.dumps(results))


if __name__ == "__main__":
    main()
