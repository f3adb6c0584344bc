"""Training speed: `kg.GAN` / `kg.WGANGP` against plain keras.io-style GANs.

Two pairs are timed in one run, each on the same data, batch size, epochs, discriminator
(critic) steps, optimizer settings and `jit_compile`, with identical networks
(`build_dcgan_generator(latent_dim, data_shape)` and `build_dcgan_discriminator(data_shape)`,
the arguments `default_gan_networks` uses for an unconditional image model) holding the
same initial weights:

1. `gan`: `kg.GAN(latent_dim, generator=G, discriminator=D)` (non-saturating loss,
   `discriminator_steps=1`, `compile()` defaults: Adam(2e-4, beta_1=0.5) for both) against
   the keras.io `examples/generative/dcgan_overriding_train_step.py` GAN: a subclassed
   `keras.Model` with `compile(d_optimizer, g_optimizer, loss_fn)`, latent codes from
   `keras.random.normal` and a `SeedGenerator`, generated and real images concatenated
   into one discriminator batch with noisy labels, then a generator update on
   "misleading" labels, with the same Adam(2e-4, beta_1=0.5) optimizers.
2. `wgan_gp`: `kg.WGANGP(latent_dim, critic_steps, gradient_penalty_weight=10)` against the
   keras.io `examples/generative/wgan_gp.py` WGAN: a `d_steps` loop in `train_step`, a
   `gradient_penalty` method on real/fake interpolates, then a generator update. Both use
   keras.io's Adam(2e-4, beta_1=0.5, beta_2=0.9) for both networks.

Per step both sides of a pair do the same work: every discriminator/critic update sees
`batch` real and `batch` generated images, every generator update `batch` generated ones.
Where the plain models leave keras.io's code they do so only to keep that work identical
or the comparison fair:

- the networks are called with `training=True` (keras.io's DCGAN calls them without it;
  under Keras 3 a custom `train_step` then runs batch normalization in inference mode,
  which our generator, unlike keras.io's, contains);
- keras.io's DCGAN already trains D on one concatenated batch of `2 * batch` (batch fake
  + batch real, the same images ours feeds D in two calls), so that is kept as is;
- the WGAN-GP interpolation weight is `U[0, 1]` per example (keras.io draws it from a
  normal, keras-io issue 415) and the gradient norm is `sqrt(sum g^2 + 1e-12)`
  (keras-io issue 624), as in `kg.losses.gradient_penalty`;
- `compile` forwards `jit_compile` (and other kwargs) to `keras.Model.compile`;
- the loss metrics are `keras.metrics.Mean` trackers like those of keras.io's Keras 3
  DCGAN (its WGAN-GP returns the last losses; ours report four/six means);
- the plain models get images already scaled to the tanh range [-1, 1] (keras.io scales
  in its data preprocessing), ours get [0, 1] and scale them inside `train_step`.

The first epoch (tracing, graph building) is not timed. The remaining epochs are run one
`fit` call at a time, alternating which model of the pair goes first, so that load from
other processes falls on both alike; samples/second counts real images consumed per
second from `on_epoch_begin` to `on_epoch_end`. Last, `--step-reps` single train steps of
each model on one fixed batch are timed with calls alternating between the two models;
the median of the per-pair speed ratios is the steadiest number on a shared machine.

Usage:

    python benchmarks/gan_speed.py        # on the mnist10k digits shipped in the package
    python benchmarks/gan_speed.py --data path/to/mnist.npz --models gan --json out.json
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
from keras import ops
from vae_speed import EpochTimer  # one epoch timer for every benchmark (same folder)

import keras_genmodels as kg
from keras_genmodels.datasets import load_image_dataset
from keras_genmodels.models.gan import GAN
from keras_genmodels.models.wgan import WGANGP
from keras_genmodels.networks import build_dcgan_discriminator, build_dcgan_generator


# --------------------------------------------------------------------------- plain GAN
class PlainGAN(keras.Model):
    """The keras.io DCGAN (examples/generative/dcgan_overriding_train_step.py)."""

    def __init__(self, discriminator, generator, latent_dim, seed=1337):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(seed)

    def compile(self, d_optimizer, g_optimizer, loss_fn, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn
        self.d_loss_metric = keras.metrics.Mean(name="d_loss")
        self.g_loss_metric = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_metric, self.g_loss_metric]

    def call(self, inputs, training=False):
        return self.discriminator(inputs, training=training)

    def train_step(self, real_images):
        # Sample random points in the latent space
        batch_size = ops.shape(real_images)[0]
        random_latent_vectors = keras.random.normal(
            shape=(batch_size, self.latent_dim), seed=self.seed_generator
        )
        # Decode them to fake images
        generated_images = self.generator(random_latent_vectors, training=True)
        # Combine them with real images
        combined_images = ops.concatenate([generated_images, real_images], axis=0)
        # Assemble labels discriminating real from fake images
        labels = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0)
        # Add random noise to the labels - important trick!
        labels += 0.05 * keras.random.uniform(ops.shape(labels), seed=self.seed_generator)

        # Train the discriminator
        with tf.GradientTape() as tape:
            predictions = self.discriminator(combined_images, training=True)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(
            zip(grads, self.discriminator.trainable_weights, strict=True)
        )

        # Sample random points in the latent space
        random_latent_vectors = keras.random.normal(
            shape=(batch_size, self.latent_dim), seed=self.seed_generator
        )
        # Assemble labels that say "all real images"
        misleading_labels = ops.zeros((batch_size, 1))

        # Train the generator (note that we should *not* update the weights
        # of the discriminator)!
        with tf.GradientTape() as tape:
            predictions = self.discriminator(
                self.generator(random_latent_vectors, training=True), training=True
            )
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights, strict=True))

        # Update metrics
        self.d_loss_metric.update_state(d_loss)
        self.g_loss_metric.update_state(g_loss)
        return {"d_loss": self.d_loss_metric.result(), "g_loss": self.g_loss_metric.result()}


# ---------------------------------------------------------------------- plain WGAN-GP
def discriminator_loss(real_img, fake_img):
    real_loss = tf.reduce_mean(real_img)
    fake_loss = tf.reduce_mean(fake_img)
    return fake_loss - real_loss


def generator_loss(fake_img):
    return -tf.reduce_mean(fake_img)


class PlainWGAN(keras.Model):
    """The keras.io WGAN-GP (examples/generative/wgan_gp.py), with the two known bugs
    fixed (uniform interpolation weight, epsilon inside the norm's square root)."""

    def __init__(
        self, discriminator, generator, latent_dim, discriminator_extra_steps=3, gp_weight=10.0
    ):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_steps = discriminator_extra_steps
        self.gp_weight = gp_weight

    def compile(self, d_optimizer, g_optimizer, d_loss_fn, g_loss_fn, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.d_loss_fn = d_loss_fn
        self.g_loss_fn = g_loss_fn
        self.d_loss_metric = keras.metrics.Mean(name="d_loss")
        self.g_loss_metric = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_metric, self.g_loss_metric]

    def call(self, inputs, training=False):
        return self.discriminator(inputs, training=training)

    def gradient_penalty(self, batch_size, real_images, fake_images):
        """Calculates the gradient penalty on interpolated images."""
        # get the interpolated image
        alpha = tf.random.uniform([batch_size, 1, 1, 1], 0.0, 1.0)
        diff = fake_images - real_images
        interpolated = real_images + alpha * diff

        with tf.GradientTape() as gp_tape:
            gp_tape.watch(interpolated)
            # 1. Get the discriminator output for this interpolated image.
            pred = self.discriminator(interpolated, training=True)

        # 2. Calculate the gradients w.r.t to this interpolated image.
        grads = gp_tape.gradient(pred, [interpolated])[0]
        # 3. Calculate the norm of the gradients
        norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
        gp = tf.reduce_mean((norm - 1.0) ** 2)
        return gp

    def train_step(self, real_images):
        if isinstance(real_images, tuple):
            real_images = real_images[0]
        batch_size = tf.shape(real_images)[0]

        for _ in range(self.d_steps):
            random_latent_vectors = tf.random.normal(shape=(batch_size, self.latent_dim))
            with tf.GradientTape() as tape:
                fake_images = self.generator(random_latent_vectors, training=True)
                fake_logits = self.discriminator(fake_images, training=True)
                real_logits = self.discriminator(real_images, training=True)
                d_cost = self.d_loss_fn(real_img=real_logits, fake_img=fake_logits)
                gp = self.gradient_penalty(batch_size, real_images, fake_images)
                d_loss = d_cost + gp * self.gp_weight
            d_gradient = tape.gradient(d_loss, self.discriminator.trainable_variables)
            self.d_optimizer.apply_gradients(
                zip(d_gradient, self.discriminator.trainable_variables, strict=True)
            )

        random_latent_vectors = tf.random.normal(shape=(batch_size, self.latent_dim))
        with tf.GradientTape() as tape:
            generated_images = self.generator(random_latent_vectors, training=True)
            gen_img_logits = self.discriminator(generated_images, training=True)
            g_loss = self.g_loss_fn(gen_img_logits)
        gen_gradient = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(
            zip(gen_gradient, self.generator.trainable_variables, strict=True)
        )

        self.d_loss_metric.update_state(d_loss)
        self.g_loss_metric.update_state(g_loss)
        return {"d_loss": self.d_loss_metric.result(), "g_loss": self.g_loss_metric.result()}


# -------------------------------------------------------------------------- harness
def paired_step_times(models: dict, batches: dict, reps: int):
    """Median ms of one `train_step` per model on a fixed batch, calls alternating
    ours/plain/plain/ours/... so that background load hits both alike; also returns the
    median over pairs of `time(plain) / time(ours)` (a speed ratio, > 1: ours faster)."""
    steps = {
        name: tf.function(m.train_step, jit_compile=bool(m.jit_compile))
        for name, m in models.items()
    }
    batches = {name: tf.constant(b) for name, b in batches.items()}
    for name, step in steps.items():
        for _ in range(2):
            tf.nest.map_structure(lambda t: t.numpy(), step(batches[name]))
    times = {name: [] for name in steps}
    for i in range(reps):
        for name in list(steps) if i % 2 == 0 else list(steps)[::-1]:
            start = time.perf_counter()
            tf.nest.map_structure(lambda t: t.numpy(), steps[name](batches[name]))
            times[name].append(1000 * (time.perf_counter() - start))
    ratio = float(np.median(np.array(times["plain"]) / np.array(times["ours"])))
    return {name: float(np.median(t)) for name, t in times.items()}, ratio


def dcgan_networks(data_shape, latent_dim, seed):
    """(generator, discriminator) seeded with `seed`: two calls give identical weights."""
    keras.utils.set_random_seed(seed)
    # The arguments default_gan_networks passes for unconditional images.
    return (
        build_dcgan_generator(latent_dim, data_shape),
        build_dcgan_discriminator(data_shape, spectral_normalization=False),
    )


def same_networks(data_shape, latent_dim, seed):
    """Two copies of (generator, discriminator) with identical initial weights."""
    pairs = [dcgan_networks(data_shape, latent_dim, seed) for _ in range(2)]
    (g1, d1), (g2, d2) = pairs
    for a, b in zip(g1.weights + d1.weights, g2.weights + d2.weights, strict=True):
        if a.shape != b.shape or not np.array_equal(a.numpy(), b.numpy()):
            raise RuntimeError("the two models' networks differ")
    return pairs


def build_gan(
    family: str,
    implementation: str,
    generator: keras.Model,
    discriminator: keras.Model,
    latent_dim: int,
    seed: int,
    jit,
    critic_steps: int = 3,
    gp_weight: float = 10.0,
) -> keras.Model:
    """One compiled model of a pair: `family` "gan" or "wgan_gp", `implementation` "ours"
    or "plain", around the given networks (also used by `run_all.py`)."""
    if family == "gan":
        if implementation == "ours":
            ours = GAN(  # the twin's precision (precision_speed.py compares the defaults)
                latent_dim=latent_dim, generator=generator, discriminator=discriminator,
                seed=seed, precision=keras.config.dtype_policy().name
            )
            ours.compile(jit_compile=jit)  # defaults: Adam(2e-4, beta_1=0.5) for G and D
            return ours
        plain = PlainGAN(
            discriminator=discriminator, generator=generator, latent_dim=latent_dim, seed=seed
        )
        plain.compile(
            d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
            jit_compile=jit,
        )
        return plain
    if implementation == "ours":
        ours = WGANGP(
            latent_dim=latent_dim,
            critic_steps=critic_steps,
            gradient_penalty_weight=gp_weight,
            generator=generator,
            discriminator=discriminator,
            seed=seed,
            precision=keras.config.dtype_policy().name,
        )
        ours.compile(
            g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9),
            d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9),
            jit_compile=jit,
        )
        return ours
    plain = PlainWGAN(
        discriminator=discriminator,
        generator=generator,
        latent_dim=latent_dim,
        discriminator_extra_steps=critic_steps,
        gp_weight=gp_weight,
    )
    plain.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9),
        d_loss_fn=discriminator_loss,
        g_loss_fn=generator_loss,
        jit_compile=jit,
    )
    return plain


def build_pair(family: str, args, data_shape, jit):
    (g1, d1), (g2, d2) = same_networks(data_shape, args.latent_dim, args.seed)
    options = dict(
        latent_dim=args.latent_dim,
        seed=args.seed,
        jit=jit,
        critic_steps=args.critic_steps,
        gp_weight=args.gp_weight,
    )
    ours = build_gan(family, "ours", g1, d1, **options)
    plain = build_gan(family, "plain", g2, d2, **options)
    steps = 1 if family == "gan" else args.critic_steps
    return {"ours": ours, "plain": plain}, steps


def run_family(family: str, args, x_public: np.ndarray, jit) -> dict:
    data = {"ours": x_public, "plain": x_public * 2.0 - 1.0}  # plain: tanh range up front
    models, d_steps = build_pair(family, args, x_public.shape[1:], jit)
    timers = {name: EpochTimer() for name in models}
    fit_kwargs = dict(batch_size=args.batch_size, verbose=0, shuffle=True)
    warmup = {}
    for name, model in models.items():  # epoch 1: tracing + first epoch, untimed
        start = time.perf_counter()
        model.fit(data[name], epochs=1, callbacks=[timers[name]], **fit_kwargs)
        warmup[name] = time.perf_counter() - start
    for epoch in range(1, args.epochs):  # alternate who goes first
        order = list(models) if epoch % 2 else list(models)[::-1]
        for name in order:
            models[name].fit(
                data[name],
                initial_epoch=epoch,
                epochs=epoch + 1,
                callbacks=[timers[name]],
                **fit_kwargs,
            )

    n = len(x_public)
    steps = math.ceil(n / args.batch_size)
    results = {}
    for name, model in models.items():
        timed = timers[name].times[1:]
        results[name] = {
            "samples_per_s": n * len(timed) / sum(timed),
            "best_epoch_samples_per_s": n / min(timed),
            "ms_per_step": 1000 * sum(timed) / (len(timed) * steps),
            "epoch_s": timers[name].times,
            "first_fit_s": warmup[name],
            "jit_compile_resolved": bool(model.jit_compile),
            "final_logs": {k: float(v) for k, v in timers[name].last_logs.items()},
        }
    if results["ours"]["jit_compile_resolved"] != results["plain"]["jit_compile_resolved"]:
        raise RuntimeError("the two models ran with different jit_compile settings")

    step_ratio = None
    reps = args.step_reps if family == "gan" else args.wgan_step_reps
    if reps > 0:
        batches = {name: data[name][: args.batch_size] for name in models}
        step_ms, step_ratio = paired_step_times(models, batches, reps)
        for name in models:
            results[name]["paired_step_ms_median"] = step_ms[name]
    return {
        "discriminator_steps": d_steps,
        "results": results,
        "ratio_ours_over_plain": results["ours"]["samples_per_s"]
        / results["plain"]["samples_per_s"],
        "paired_step_speed_ratio_ours_over_plain": step_ratio,
        "paired_step_reps": reps,
    }


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
    parser.add_argument("--models", choices=["gan", "wgan_gp", "both"], default="both")
    parser.add_argument("--latent-dim", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--train-limit", type=int, default=2048, help="training images used (0: all)"
    )
    parser.add_argument("--epochs", type=int, default=3, help="including the untimed first")
    parser.add_argument("--critic-steps", type=int, default=3, help="WGAN-GP critic steps")
    parser.add_argument("--gp-weight", type=float, default=10.0)
    parser.add_argument("--jit-compile", choices=["auto", "true", "false"], default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--step-reps",
        type=int,
        default=30,
        help="paired single train steps of the GANs (0 to skip)",
    )
    parser.add_argument(
        "--wgan-step-reps",
        type=int,
        default=10,
        help="paired single train steps of the WGAN-GPs (0 to skip)",
    )
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args(argv)
    if args.data is None:
        from keras_genmodels.datasets import packaged_path

        args.data = str(packaged_path("mnist10k"))
    if args.epochs < 2:
        parser.error("--epochs must be >= 2 (the first epoch is not timed)")

    (x_train, _), _ = load_image_dataset("mnist", path=args.data)
    if args.train_limit:
        x_train = x_train[: args.train_limit]
    jit = parse_jit(args.jit_compile)
    families = ["gan", "wgan_gp"] if args.models == "both" else [args.models]
    report = {
        "config": {
            **{k: v for k, v in vars(args).items() if k != "json"},
            "n_train": len(x_train),
            "steps_per_epoch": math.ceil(len(x_train) / args.batch_size),
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
    }
    for family in families:
        report[family] = run_family(family, args, x_train, jit)

    print(
        f"\nGAN speed: n_train={len(x_train)} batch={args.batch_size} epochs={args.epochs} "
        f"(timed {args.epochs - 1}) latent={args.latent_dim} "
        f"jit_compile={args.jit_compile!r}"
    )
    header = (
        f"{'family':<8} {'model':<6} {'D steps':>7} {'jit':>5} {'samples/s':>10} "
        f"{'best ep/s':>10} {'ms/step':>8} {'1st fit s':>9} {'step ms':>8}"
    )
    print(header)
    print("-" * len(header))
    for family in families:
        for name, r in report[family]["results"].items():
            print(
                f"{family:<8} {name:<6} {report[family]['discriminator_steps']:>7} "
                f"{str(r['jit_compile_resolved']):>5} {r['samples_per_s']:>10.1f} "
                f"{r['best_epoch_samples_per_s']:>10.1f} {r['ms_per_step']:>8.1f} "
                f"{r['first_fit_s']:>9.1f} {r.get('paired_step_ms_median', float('nan')):>8.1f}"
            )
    for family in families:
        f = report[family]
        ratio = f["ratio_ours_over_plain"]
        line = f"{family}: ratio ours/plain (samples/s, fit epochs): {ratio:.3f}"
        if f["paired_step_speed_ratio_ours_over_plain"] is not None:
            line += (
                f"; paired single steps x{f['paired_step_reps']}: "
                f"{f['paired_step_speed_ratio_ours_over_plain']:.3f}"
            )
        print(line)

    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
    return report


if __name__ == "__main__":
    main()
