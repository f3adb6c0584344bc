"""On 2 logical CPU replicas: draws noise and seeds k-means clusters with ragged batches,
trains a WGAN-GP with fresh critic minibatches on 1 and 2 replicas, trains a GAN compiled
in a strategy scope before its data was seen, and a VAE then a DCGAN with `train_on_batch`,
each under a strategy of its own; prints the results as JSON.

Run as a subprocess: the logical devices must be configured before TensorFlow starts.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2
)

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_genmodels as kg  # noqa: E402
from keras_genmodels.models.clusters import DataClusters  # noqa: E402
from keras_genmodels.models.random_streams import Stream  # noqa: E402
from keras_genmodels.networks import build_mlp_discriminator, build_mlp_generator  # noqa: E402


def ragged_noise():
    """Replica 0 holds 3 examples and replica 1 holds 2, as in a ragged last batch."""
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with mirrored.scope():
        model = kg.VAE(4, seed=3, data_shape=(2,))
        model.compile()

    def draw(sizes):
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group
        size = tf.gather(sizes, replica)
        return model.replica_noise(
            lambda n, seed: tf.random.stateless_normal([n, 4], seed), size, Stream.POSTERIOR)

    per_replica = mirrored.experimental_local_results(
        mirrored.run(tf.function(draw), args=(tf.constant([3, 2]),)))
    single = kg.VAE(4, seed=3, data_shape=(2,))
    single.compile()
    whole = single.replica_noise(
        lambda n, seed: tf.random.stateless_normal([n, 4], seed), 5, Stream.POSTERIOR)
    return [p.numpy().tolist() for p in per_replica], whole.numpy().tolist()


def fresh_wgangp_gap():
    points = np.random.default_rng(0).normal(size=(32, 2)).astype("float32")
    weights = None
    results = []
    for strategy in (tf.distribute.OneDeviceStrategy("/cpu:0"),
                     tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])):
        keras.utils.set_random_seed(0)
        with strategy.scope():
            model = kg.WGANGP(4, generator=build_mlp_generator(4, 2, hidden_units=(16,)),
                              discriminator=build_mlp_discriminator(2, hidden_units=(16,)),
                              critic_steps=2, real_batches="fresh", seed=1)
            model.build((None, 2))
            if weights is not None:
                model.set_weights(weights)
            weights = model.get_weights()
            model.compile(**{slot: keras.optimizers.SGD(0.05) for slot in model.optimizer_slots})
        model.fit(points, batch_size=16, epochs=1, shuffle=False, verbose=0)
        results.append(model.get_weights())
    moved = max(float(np.max(np.abs(a - b))) for a, b in zip(results[0], weights, strict=True))
    gap = max(float(np.max(np.abs(a - b))) for a, b in zip(*results, strict=True))
    return {"moved": moved, "gap": gap}


def deferred_defaults():
    """`compile()` in the scope before any data; `fit` on vectors outside it."""
    with tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]).scope():
        model = kg.GAN(4, seed=0)
        model.compile()
    points = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    history = model.fit(points, batch_size=32, epochs=2, verbose=0)
    expected = kg.models.defaults.OPTIMIZER_DEFAULTS["GAN"]["vector"]["*"]
    return {"optimizer": [type(model.optimizer).__name__,
                          float(model.optimizer.learning_rate.numpy())],
            "expected": [expected[0], expected[1]["learning_rate"]],
            "steps": int(model.optimizer.iterations.numpy()),
            "d_loss": [float(v) for v in history.history["d_loss"]]}


def on_batch():
    """`train_on_batch`/`test_on_batch` of a VAE, then of a DCGAN (synchronized batch
    norm), each under a strategy of its own, as in the issue's notebook but without `fit`."""
    images = np.random.default_rng(0).uniform(size=(8, 28, 28, 1)).astype("float32")
    logs = {}
    for name in ("VAE", "GAN"):
        with tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]).scope():
            model = getattr(kg, name)(4, data_shape=(28, 28, 1), seed=0)
            model.compile()
        for key, value in model.train_on_batch(images, return_dict=True).items():
            logs[f"{name}_{key}"] = float(value)
        for key, value in model.test_on_batch(images, return_dict=True).items():
            logs[f"{name}_test_{key}"] = float(value)
    return logs


def ragged_clusters():
    """A self-conditioned GAN's first cluster update with 3 rows on replica 0 and 2 on
    replica 1 (a ragged batch), against one device's on the 5 rows: the same centres."""
    rows = np.random.default_rng(0).normal(size=(5, 2)).astype("float32")
    seed = tf.constant([0, 1])
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with mirrored.scope():
        replicated = DataClusters(3)
        replicated.build((None, 2))

    def step():
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group
        part = tf.cond(replica == 0, lambda: rows[:3], lambda: rows[3:5])
        return replicated.update(part, seed)

    mirrored.run(tf.function(step))
    single = DataClusters(3)
    single.build((None, 2))
    tf.function(lambda: single.update(rows, seed))()
    return [np.asarray(replicated.centers).tolist(), np.asarray(single.centers).tolist()]


if __name__ == "__main__":
    per_replica, whole = ragged_noise()
    print("RESULT " + json.dumps({"per_replica": per_replica, "whole": whole,
                                  "clusters": ragged_clusters(),
                                  "fresh": fresh_wgangp_gap(),
                                  "deferred": deferred_defaults(),
                                  "on_batch": on_batch()}))
