"""Training speed and test NLL: `keras_genmodels.VAE` against a plain keras.io-style VAE.

Both models use the same encoder and decoder (`build_conv_encoder` / `build_conv_decoder`
with the arguments `default_vae_networks` uses), the same initial weights, data, batch
size, epochs, optimizer (Adam 1e-3) and `jit_compile` setting. They differ only in the
training step:

- ours: `kg.VAE(latent_dim, likelihood="bernoulli")`, TFP posterior/likelihood, analytic
  KL via `tfd.kl_divergence`, stateless seeds keyed by the optimizer step;
- plain: the keras.io `examples/generative/vae.py` recipe: a `Sampling` layer with
  `keras.random.normal` and a `SeedGenerator`, an encoder returning
  `(z_mean, z_log_var, z)`, binary cross-entropy summed over pixels plus the closed-form
  KL, `keras.metrics.Mean` trackers. (The decoder outputs logits here, so the BCE uses
  `from_logits=True`; the encoder's `2 * latent_dim` outputs are read as
  `[z_mean, z_log_var]` where ours reads `[mean, softplus^-1(std)]`.)

The first epoch (tracing, graph building) is not timed. The remaining epochs are run
one `fit` call at a time, alternating which model goes first, so that load from other
processes falls on both alike. Samples/second is timed from `on_epoch_begin` to
`on_epoch_end`. After training, the test NLL of each is the IWAE bound with K samples
(`kg.metrics.importance_weighted_nll` for ours, the same formula written out for plain).
Last, `--step-reps` single train steps of each model on one fixed batch are timed with
calls alternating between the models; their median speed ratio is the steadiest number on
a shared, noisy machine (epoch times there can vary by +-25%).

Usage:

    python benchmarks/vae_speed.py        # on the mnist10k digits shipped in the package
    python benchmarks/vae_speed.py --data path/to/mnist.npz --epochs 5 --json out.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

import keras_genmodels as kg
from keras_genmodels.datasets import load_image_dataset
from keras_genmodels.networks import build_conv_decoder, build_conv_encoder


# --------------------------------------------------------------------------- plain VAE
class Sampling(layers.Layer):
    """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit (keras.io)."""

    def __init__(self, seed: int = 1337, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = ops.shape(z_mean)[0]
        dim = ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


def build_plain_encoder(conv_encoder: keras.Model, latent_dim: int, seed: int) -> keras.Model:
    """Wraps the shared conv encoder so that it returns `[z_mean, z_log_var, z]`."""
    inputs = keras.Input(shape=conv_encoder.input_shape[1:])
    params = conv_encoder(inputs)
    # float32 as Keras' mixed-precision guide keeps a model's outputs (under a mixed
    # policy keras.io's lines give bfloat16 codes whose KL cannot be added to the float32
    # reconstruction loss); under float32 nothing changes
    z_mean = layers.Lambda(lambda p: p[:, :latent_dim], name="z_mean", dtype="float32")(params)
    z_log_var = layers.Lambda(lambda p: p[:, latent_dim:], name="z_log_var",
                              dtype="float32")(params)
    z = Sampling(seed, name="sampling", dtype="float32")([z_mean, z_log_var])
    return keras.Model(inputs, [z_mean, z_log_var, z], name="plain_encoder")


class PlainVAE(keras.Model):
    """The keras.io VAE (examples/generative/vae.py), with a logits decoder."""

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def call(self, inputs):
        z_mean, _, _ = self.encoder(inputs)
        return ops.sigmoid(self.decoder(z_mean))

    def train_step(self, data):
        with tf.GradientTape() as tape:
            z_mean, z_log_var, z = self.encoder(data)
            logits = self.decoder(z)
            reconstruction_loss = ops.mean(
                ops.sum(
                    keras.losses.binary_crossentropy(data, logits, from_logits=True),
                    axis=(1, 2),
                )
            )
            kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
            kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
            total_loss = reconstruction_loss + kl_loss
        grads = tape.gradient(total_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=False))
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {m.name: m.result() for m in self.metrics}


def plain_iwae_nll(
    model: PlainVAE,
    x: np.ndarray,
    latent_dim: int,
    num_samples: int,
    batch_size: int = 64,
    seed: int = 0,
) -> float:
    """`-L_K` in nats per example for the plain model, the formula of `kg.metrics`:

        L_K(x) = logsumexp_k [log p(x|z_k) + log N(z_k; 0, I) - log q(z_k|x)] - log K,

    with `z_k = z_mean + exp(z_log_var / 2) * eps_k` and `log p(x|z)` the negative
    binary cross-entropy with logits summed over pixels.
    """
    conv_encoder = model.encoder.get_layer("encoder")
    log_2pi = math.log(2.0 * math.pi)

    @tf.function
    def bound(xb, step):
        params = conv_encoder(xb)
        z_mean, z_log_var = params[:, :latent_dim], params[:, latent_dim:]
        batch = tf.shape(xb)[0]
        eps = tf.random.stateless_normal([num_samples, batch, latent_dim], seed=[seed, step])
        z = z_mean[None] + tf.exp(0.5 * z_log_var)[None] * eps
        logits = model.decoder(tf.reshape(z, [-1, latent_dim]))
        x_rep = tf.reshape(tf.tile(xb[None], [num_samples, 1, 1, 1, 1]), tf.shape(logits))
        log_px = -tf.reduce_sum(
            tf.nn.sigmoid_cross_entropy_with_logits(labels=x_rep, logits=logits), axis=[1, 2, 3]
        )
        log_px = tf.reshape(log_px, [num_samples, batch])
        log_pz = -0.5 * tf.reduce_sum(tf.square(z) + log_2pi, axis=-1)
        log_qz = -0.5 * tf.reduce_sum(tf.square(eps) + z_log_var[None] + log_2pi, axis=-1)
        log_w = log_px + log_pz - log_qz
        return tf.reduce_logsumexp(log_w, axis=0) - math.log(num_samples)

    per_example = [
        -bound(tf.constant(x[s : s + batch_size]), s).numpy() for s in range(0, len(x), batch_size)
    ]
    return float(np.concatenate(per_example).mean())


def build_vae(implementation: str, data_shape, latent_dim: int, seed: int) -> keras.Model:
    """`kg.VAE` ("ours") or `PlainVAE` ("plain"), networks seeded with `seed` so that two
    calls give identical initial weights (also used by `run_all.py`)."""
    keras.utils.set_random_seed(seed)
    if implementation == "ours":
        # the twin's precision, Keras' global policy: this benchmark compares training
        # steps at one precision (benchmarks/precision_speed.py compares the defaults)
        return kg.VAE(latent_dim, likelihood="bernoulli", seed=seed, data_shape=data_shape,
                      precision=keras.config.dtype_policy().name)
    # The arguments default_vae_networks passes for images (params_per_dim=1, unconditional).
    encoder = build_conv_encoder(data_shape, 2 * latent_dim)
    decoder = build_conv_decoder(latent_dim, data_shape)
    return PlainVAE(build_plain_encoder(encoder, latent_dim, seed), decoder)


# -------------------------------------------------------------------------- harness
class EpochTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.times: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)
        self.last_logs = dict(logs or {})


def paired_step_times(models: dict, x: np.ndarray, reps: int):
    """Median ms of one `train_step` per model on a fixed batch, calls alternating
    ours/plain/plain/ours/... so that background load hits both alike; also returns the
    median over pairs of `time(plain) / time(ours)` (a speed ratio, > 1: ours faster)."""
    x = tf.constant(x)
    steps = {
        name: tf.function(m.train_step, jit_compile=bool(m.jit_compile))
        for name, m in models.items()
    }
    for step in steps.values():
        for _ in range(2):
            tf.nest.map_structure(lambda t: t.numpy(), step(x))
    times = {name: [] for name in steps}
    for i in range(reps):
        for name in list(steps) if i % 2 == 0 else list(steps)[::-1]:
            start = time.perf_counter()
            tf.nest.map_structure(lambda t: t.numpy(), steps[name](x))
            times[name].append(1000 * (time.perf_counter() - start))
    ratio = float(np.median(np.array(times["plain"]) / np.array(times["ours"])))
    return {name: float(np.median(t)) for name, t in times.items()}, ratio


def parse_jit(value: str):
    return {"auto": "auto", "true": True, "false": False}[value]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        default=None,
        help="MNIST-layout .npz (x_train, y_train, x_test, y_test); default: the mnist10k "
        "digits shipped in the package.",
    )
    parser.add_argument("--latent-dim", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=3, help="including the untimed first")
    parser.add_argument("--jit-compile", choices=["auto", "true", "false"], default="auto")
    parser.add_argument("--iwae-samples", type=int, default=64)
    parser.add_argument("--test-limit", type=int, default=1000)
    parser.add_argument("--train-limit", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--step-reps",
        type=int,
        default=30,
        help="after the NLL, time this many single train steps of each model on one fixed "
        "batch, alternating ours/plain call by call (0 to skip)",
    )
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args(argv)
    if args.data is None:
        from keras_genmodels.datasets import packaged_path

        args.data = str(packaged_path("mnist10k"))
    if args.epochs < 2:
        parser.error("--epochs must be >= 2 (the first epoch is not timed)")

    (x_train, _), (x_test, _) = load_image_dataset("mnist", path=args.data)
    x_train = x_train[: args.train_limit]
    x_test = x_test[: args.test_limit]
    data_shape = x_train.shape[1:]
    latent = args.latent_dim
    jit = parse_jit(args.jit_compile)

    ours = build_vae("ours", data_shape, latent, args.seed)
    plain = build_vae("plain", data_shape, latent, args.seed)
    ours_weights = ours.encoder.weights + ours.decoder.weights
    for a, b in zip(ours_weights, plain.encoder.weights + plain.decoder.weights, strict=True):
        if a.shape != b.shape or not np.allclose(a.numpy(), b.numpy()):
            raise RuntimeError("the two models' networks differ")

    models = {"ours": ours, "plain": plain}
    timers = {name: EpochTimer() for name in models}
    for model in models.values():
        model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit)

    fit_kwargs = dict(batch_size=args.batch_size, verbose=0, shuffle=True)
    warmup = {}
    for name, model in models.items():  # epoch 1: tracing + first epoch, untimed
        start = time.perf_counter()
        model.fit(x_train, epochs=1, callbacks=[timers[name]], **fit_kwargs)
        warmup[name] = time.perf_counter() - start
    for epoch in range(1, args.epochs):  # alternate who goes first
        order = list(models) if epoch % 2 else list(models)[::-1]
        for name in order:
            models[name].fit(
                x_train,
                initial_epoch=epoch,
                epochs=epoch + 1,
                callbacks=[timers[name]],
                **fit_kwargs,
            )

    steps = math.ceil(len(x_train) / args.batch_size)
    results = {}
    for name, model in models.items():
        timed = timers[name].times[1:]
        results[name] = {
            "samples_per_s": len(x_train) * len(timed) / sum(timed),
            "best_epoch_samples_per_s": len(x_train) / min(timed),
            "ms_per_step": 1000 * sum(timed) / (len(timed) * steps),
            "epoch_s": timers[name].times,
            "first_fit_s": warmup[name],
            "jit_compile_resolved": bool(model.jit_compile),
            "final_logs": {k: float(v) for k, v in timers[name].last_logs.items()},
        }

    start = time.perf_counter()
    ours_nll = kg.metrics.importance_weighted_nll(
        ours, x_test, num_samples=args.iwae_samples, seed=args.seed
    )["nll"]
    results["ours"]["nll_eval_s"] = time.perf_counter() - start
    start = time.perf_counter()
    plain_nll = plain_iwae_nll(plain, x_test, latent, args.iwae_samples, seed=args.seed)
    results["plain"]["nll_eval_s"] = time.perf_counter() - start
    results["ours"]["test_nll"] = ours_nll
    results["plain"]["test_nll"] = plain_nll

    step_ratio = None
    if args.step_reps > 0:
        step_ms, step_ratio = paired_step_times(models, x_train[: args.batch_size], args.step_reps)
        for name in models:
            results[name]["paired_step_ms_median"] = step_ms[name]

    report = {
        "config": {
            **{k: v for k, v in vars(args).items() if k != "json"},
            "n_train": len(x_train),
            "n_test": len(x_test),
            "steps_per_epoch": steps,
            "timed_epochs": args.epochs - 1,
        },
        "environment": {
            "python": sys.version.split()[0],
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "keras_genmodels": kg.__version__,
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "gpus": len(tf.config.list_physical_devices("GPU")),
        },
        "results": results,
        "ratio_ours_over_plain": results["ours"]["samples_per_s"]
        / results["plain"]["samples_per_s"],
        "paired_step_speed_ratio_ours_over_plain": step_ratio,
    }

    print(
        f"\nVAE speed: n_train={len(x_train)} batch={args.batch_size} epochs={args.epochs} "
        f"(timed {args.epochs - 1}) latent={latent} jit_compile={args.jit_compile!r} "
        f"K={args.iwae_samples} n_test={len(x_test)}"
    )
    header = (
        f"{'model':<6} {'jit':>5} {'samples/s':>10} {'best ep/s':>10} {'ms/step':>8} "
        f"{'1st fit s':>9} {'test NLL':>9} {'NLL eval s':>10} {'step ms':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        print(
            f"{name:<6} {str(r['jit_compile_resolved']):>5} {r['samples_per_s']:>10.0f} "
            f"{r['best_epoch_samples_per_s']:>10.0f} {r['ms_per_step']:>8.1f} "
            f"{r['first_fit_s']:>9.1f} {r['test_nll']:>9.2f} {r['nll_eval_s']:>10.1f} "
            f"{r.get('paired_step_ms_median', float('nan')):>8.1f}"
        )
    print(f"ratio ours/plain (samples/s, fit epochs): {report['ratio_ours_over_plain']:.3f}")
    if step_ratio is not None:
        print(
            f"ratio ours/plain (speed, paired single train steps x{args.step_reps}): "
            f"{step_ratio:.3f}"
        )

    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
    return report


if __name__ == "__main__":
    main()
