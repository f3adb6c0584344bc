"""Generative adversarial networks: `GAN` and `ConditionalGAN`.

Mathematical Details

A generator `G` maps codes `z ~ p(z)` to data and a discriminator `D` scores data
(Goodfellow et al., 2014). Each `train_step` takes `discriminator_steps` updates of `D`
on `d_loss(D(x), D(G(z)))`, then one update of `G` on `g_loss(D(G(z)))`, with the pair of
losses chosen by name from `keras_genmodels.losses` (non-saturating by default). Images
are mapped from [0, 1] to the generator's tanh range [-1, 1] inside the model.

Stabilisers, all off by default: one-sided label smoothing (Salimans et al., 2016),
instance noise (Sonderby et al., 2017), an R1 penalty (Mescheder et al., 2018), spectral
normalisation in the default discriminator (Miyato et al., 2018) and an exponential
moving average of the generator's weights used for sampling (Yazici et al., 2019), which
is on (decay 0.99) for vector data unless `ema_decay` is given.

Self-conditioning (Liu et al., 2020), on by default for vector data (`clusters`): the
unconditional GAN conditions both networks on k-means clusters of the data that it learns
while training, which keeps it from dropping modes as a conditional GAN keeps its classes.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from keras_genmodels import losses as kgl
from keras_genmodels.models.adversarial import Adversarial, discriminate_pair
from keras_genmodels.models.base import GenerativeModel, required_classes
from keras_genmodels.models.clusters import SelfConditioned
from keras_genmodels.models.random_streams import Stream
from keras_genmodels.models.tanh_range import TanhRange
from keras_genmodels.networks import (
    default_gan_networks,
)
from keras_genmodels.penalties import r1_penalty
from keras_genmodels.validation import check_choice, check_non_negative, check_positive_int

#: How the discriminator updates of one step take their real examples.
REAL_BATCHES = ("reuse", "fresh")


@keras.saving.register_keras_serializable(package="keras_genmodels")
class GAN(SelfConditioned, Adversarial, TanhRange, GenerativeModel):
    """A GAN with alternating discriminator and generator updates in one `train_step`.

    Reported metrics: `d_loss`, `g_loss`, and `d_real` / `d_fake`, the mean raw
    discriminator output (logit or critic value) on real and generated batches.

    Example:

    ```python
    import keras_genmodels as kg

    (x_train, _), _ = kg.datasets.load("ring8")
    gan = kg.GAN(latent_dim=8)
    gan.compile()                       # vectors: Adam(2e-3, beta_1=0.5) for both networks
    gan.fit(x_train, epochs=40, batch_size=256)
    points = gan.sample(1000, seed=0)
    ```

    Args:
        latent_dim: size of the latent code, >= 1.
        generator: a `keras.Model` from codes (plus one-hot labels when conditional) to
            data in the internal range (tanh for images), or `None` for the default.
        discriminator: a `keras.Model` from data to one logit, or `None`.
        loss: `"non_saturating"`, `"minimax"`, `"hinge"`, `"least_squares"` or
            `"wasserstein"`.
        discriminator_steps: discriminator updates per generator update, >= 1.
        real_batches: with several discriminator updates per step, `"reuse"` gives
            each update the whole `fit` batch (keras.io's WGAN-GP does this); `"fresh"`
            deals the batch into `discriminator_steps` disjoint minibatches (every k-th
            example), one per update, so each update sees new real data as in Algorithm 1
            of Arjovsky et al. (2017) and Gulrajani et al. (2017); the generator update then
            uses a minibatch of that size too. With `"fresh"`, pass
            `batch_size = discriminator_steps * m` for minibatches of `m`.
        label_smoothing: one-sided smoothing of the real target (cross-entropy losses).
        instance_noise: standard deviation of Gaussian noise added to the
            discriminator's inputs, real and generated.
        r1_weight: weight `gamma` of the R1 penalty `gamma / 2 * E|grad D(x)|^2`.
        spectral_normalization: spectral normalisation in the default discriminator.
        ema_decay: decay of an exponential moving average of the generator's weights,
            used by `sample`/`generate`; `None` disables it. `"auto"` (the default) takes
            the data's row of `models.defaults.EMA_DECAY_DEFAULTS` when the networks are
            built: none for images (as in the papers), 0.99 for vectors, warmed up as
            `min(0.99, (1 + t) / (10 + t))` at generator step `t` so that short runs
            are not pulled back to the initial weights.
        num_classes: classes of a conditional model (see `ConditionalGAN`).
        projection_discriminator: for conditional models, condition the discriminator by
            projection (Miyato & Koyama, 2018) instead of label channels.
        prior: `tfd.Distribution` of the codes; `None` for the standard normal.
        seed: base seed of the training noise.
        data_shape: shape of one example, to build the networks at construction.
        clusters: self-conditioning (Liu et al., 2020) of an unconditional GAN on vector
            data: the model learns `clusters` k-means clusters of the data during `fit`
            (`models.clusters.DataClusters`, saved with the model), both networks take the
            one-hot cluster of each example as a conditional GAN takes its label, and a
            sample's cluster is drawn in proportion to the clusters' shares of the data,
            independently of its code as in training, by a hash of the code
            (`models.clusters.code_hash`, so `generate(z)` stays a function of `z`). An
            int >= 2, `None` (off), or `"auto"` (the default): 50 for vectors
            when the networks are the defaults and the prior the standard normal
            (`models.defaults.CLUSTERS_DEFAULTS`; it took `grid25` from 12-20 of the 25
            modes to 24-25 in 40 epochs), off for images, for conditional models and for
            your own networks. Networks of your own with an int take `latent_dim +
            clusters` inputs (generator) and `features + clusters` (discriminator).
        **kwargs: passed to `keras.Model`.
    """

    optimizer_family = "GAN"
    network_arguments = ("generator", "discriminator")
    # 0.2 saved the moving average and the class embedding, which `build_networks` makes
    legacy_config_keys = ("ema_generator", "embedding")

    def __init__(
        self,
        latent_dim: int,
        generator: keras.Model | None = None,
        discriminator: keras.Model | None = None,
        loss: str = "non_saturating",
        discriminator_steps: int = 1,
        real_batches: str = "reuse",
        label_smoothing: float = 0.0,
        instance_noise: float = 0.0,
        r1_weight: float = 0.0,
        spectral_normalization: bool = False,
        ema_decay: float | str | None = "auto",
        num_classes: int | None = None,
        projection_discriminator: bool = False,
        prior: Any = None,
        seed: int | None = None,
        data_shape: tuple[int, ...] | None = None,
        clusters: int | str | None = "auto",
        **kwargs: Any,
    ):
        super().__init__(latent_dim, num_classes=num_classes, prior=prior, seed=seed,
                         data_shape=data_shape, **kwargs)
        self.loss_name = loss
        self.d_loss_fn, self.g_loss_fn = kgl.get_adversarial_loss(loss)
        self.discriminator_steps = check_positive_int(discriminator_steps, "discriminator_steps")
        self.real_batches = check_choice(real_batches, "real_batches", REAL_BATCHES)
        self.label_smoothing = check_non_negative(label_smoothing, "label_smoothing")
        if self.label_smoothing >= 1.0:
            raise ValueError(f"`label_smoothing` must be in [0, 1), got {label_smoothing}.")
        self.instance_noise = check_non_negative(instance_noise, "instance_noise")
        self.r1_weight = check_non_negative(r1_weight, "r1_weight")
        self.spectral_normalization = bool(spectral_normalization)
        self.auto_argument("ema_decay", ema_decay, check_ema_decay)
        self.projection_discriminator = bool(projection_discriminator)
        if self.projection_discriminator and not self.conditional:
            raise ValueError("`projection_discriminator=True` needs `num_classes`.")
        self.generator = generator
        self.discriminator = discriminator
        self.ema_generator: keras.Model | None = None  # made with the networks
        self.embedding: keras.layers.Layer | None = None
        self.init_clusters(clusters,
                           user_networks=generator is not None or discriminator is not None)
        self.create_trackers()
        self.finish_init()

    # ------------------------------------------------------------------ structure
    def metric_names(self) -> tuple[str, ...]:
        names = ("d_loss", "g_loss", "d_real", "d_fake")
        if self.loss_name == "wasserstein":
            names += ("wasserstein",)
        return names + (("r1_penalty",) if self.r1_weight else ())

    def optimizer_variables(self) -> dict[str, list]:
        d_variables = list(self.discriminator.trainable_variables)
        if self.embedding is not None:
            d_variables += self.embedding.trainable_variables
        return {"g_optimizer": self.generator.trainable_variables, "d_optimizer": d_variables}

    @property
    def requires_unit_interval(self) -> bool:
        return False  # images (rank 4) are always checked; vectors may take any value

    def build_networks(self, data_shape: tuple[int, ...]) -> None:
        self.build_clusters(data_shape)
        if self.generator is None or self.discriminator is None:
            generator, discriminator = default_gan_networks(
                data_shape, self.latent_dim, conditional_dim=self.condition_dim,
                spectral_normalization=self.spectral_normalization,
                projection=self.projection_discriminator)
            self.generator = self.generator or generator
            self.discriminator = self.discriminator or discriminator
        if self.projection_discriminator and self.embedding is None:
            feature_dim = int(self.discriminator.outputs[-1].shape[-1])
            self.embedding = keras.layers.Embedding(self.num_classes, feature_dim,
                                                    name="class_embedding")
            self.embedding.build((None,))
        if self.ema_decay is not None and self.ema_generator is None:
            self.ema_generator = self.moving_average_copy(self.generator)

    # ------------------------------------------------------------------ the model
    @property
    def condition_dim(self) -> int:
        """The size of the one-hot condition the networks take beside codes and data:
        `num_classes` (conditional), `clusters` (self-conditioned) or 0."""
        return self.num_classes or self.clusters or 0

    def generator_inputs(self, z: tf.Tensor, labels: tf.Tensor | None) -> tf.Tensor:
        """What the generator takes for codes `z`: `z`, with the one-hot labels appended
        (conditional) or the one-hot clusters (self-conditioned; `labels=None` draws
        them from the clusters' shares of the data, by a hash of `z`)."""
        if not self.condition_dim:
            return z
        if self.clusters is not None and labels is None:
            labels = self.clusters_of_codes(z)
        return self.with_condition(z, labels, self.condition_dim)

    def discriminator_inputs(self, x: tf.Tensor, labels: tf.Tensor | None) -> tf.Tensor:
        """What the discriminator network takes for data `x` in the internal range: `x`
        itself, or, for a conditional model without a projection discriminator, `x` with
        the one-hot labels appended as channels (images) or features (vectors); for a
        self-conditioned model, the one-hot clusters (`labels=None`: the nearest centres).

        Example:

        ```python
        cgan = kg.ConditionalGAN(8, num_classes=3, data_shape=(28, 28, 1))
        cgan.discriminator_inputs(tf.zeros((2, 28, 28, 1)), [0, 2]).shape  # (2, 28, 28, 4)
        ```
        """
        if self.clusters is not None:  # self-conditioned: the cluster of each example
            if labels is None:
                labels = self.data_clusters.nearest(x)
        elif not self.conditional or self.projection_discriminator:
            return x
        elif labels is None:
            raise ValueError("`labels` are required: this conditional discriminator takes "
                             f"{self.num_classes} one-hot label channels, got None.")
        return self.with_condition(x, labels, self.condition_dim)

    def discriminate(self, x: tf.Tensor, labels: tf.Tensor | None, training: bool) -> tf.Tensor:
        """The discriminator's raw output `(batch,)` for data in the internal range."""
        outputs = self.discriminator(self.discriminator_inputs(x, labels), training=training)
        if self.projection_discriminator:
            logits, features = outputs
            # soft label rows project onto their mixture of class embeddings
            embedded = tf.matmul(self.one_hot(labels, self.num_classes),
                                 tf.cast(self.embedding.embeddings, self.compute_dtype))
            projection = tf.reduce_sum(tf.cast(embedded, tf.float32)
                                       * tf.cast(features, tf.float32), axis=-1)
            return tf.reshape(tf.cast(logits, tf.float32), [-1]) + projection
        if isinstance(outputs, (list, tuple)):
            outputs = outputs[0]
        return tf.reshape(tf.cast(outputs, tf.float32), [-1])

    def call(self, inputs: Any, training: bool = False) -> tf.Tensor:
        """Scores data in [0, 1] with the discriminator (`[x, labels]` when conditional)."""
        x, labels = (inputs[0], inputs[1]) if self.conditional else (inputs, None)
        return self.discriminate(self.to_internal(tf.cast(x, tf.float32)), labels, training)

    def generate(self, z: tf.Tensor, labels: Any = None) -> tf.Tensor:
        generator = self.ema_generator if self.ema_generator is not None else self.generator
        labels = None if labels is None else tf.constant(labels)
        return self.to_public(generator(self.generator_inputs(z, labels), training=False))

    def draw_latent(self, batch_size: tf.Tensor, stream: Stream, index: int = 0) -> tf.Tensor:
        return self.prior_sample(batch_size, stream, index)

    def add_instance_noise(self, x: tf.Tensor, stream: Stream, index: int) -> tf.Tensor:
        if self.instance_noise == 0.0:
            return x
        shape = tf.shape(x)
        noise = self.replica_noise(
            lambda n, seed: tf.random.stateless_normal(tf.concat([[n], shape[1:]], 0), seed,
                                                       dtype=x.dtype), shape[0], stream, index)
        return x + self.instance_noise * noise

    # --------------------------------------------------------------- training
    def unpack_batch(self, data: Any) -> tuple[tf.Tensor, tf.Tensor | None]:
        x, labels = self.split_batch(data)
        return self.to_internal(tf.cast(x, tf.float32)), labels

    def real_minibatches(self, real, labels) -> list[tuple[tf.Tensor, tf.Tensor | None]]:
        """The real examples of each discriminator update (see `real_batches`)."""
        k = self.discriminator_steps
        if self.real_batches == "reuse" or k == 1:
            return [(real, labels)] * k
        n = tf.shape(real)[0]
        minibatches = []
        for i in range(k):
            # every k-th example from the i-th; a batch smaller than k repeats examples
            # rather than leave an update without data
            index = tf.range(i, tf.maximum(n, k), k) % n
            minibatches.append((tf.gather(real, index),
                                None if labels is None else tf.gather(labels, index)))
        return minibatches

    def penalties(self, real, fake, labels, step: int, training: bool
                  ) -> dict[str, tuple[float, tf.Tensor]]:
        """The discriminator's penalties, name -> `(weight in d_loss, value)`: here R1,
        `gamma / 2 * E|grad D(x)|^2` on the real batch (WGAN-GP adds its own)."""
        if not self.r1_weight:
            return {}
        penalty = r1_penalty(lambda v: self.discriminate(v, labels, training), real)
        return {"r1_penalty": (0.5 * self.r1_weight, penalty)}

    def discriminator_loss(self, real, fake, labels, step: int = 0,
                           training: bool = True) -> dict[str, tf.Tensor]:
        """`d_loss`, whole, and what it is made of, for real and generated batches in the
        internal range: the adversarial loss (label-smoothed for the cross-entropy
        losses), the discriminator's layer losses and every penalty at its weight, with
        `d_real`, `d_fake`, each penalty and, for the Wasserstein loss, the critic's
        estimate `wasserstein`. `evaluate` reports the same loss (`training=False`:
        without instance noise, and with the evaluation noise streams)."""
        if training:
            real = self.add_instance_noise(real, Stream.INSTANCE_NOISE_REAL, step)
            fake = self.add_instance_noise(fake, Stream.INSTANCE_NOISE_FAKE, step)
        d_real, d_fake = discriminate_pair(self.discriminate, real, fake, labels, training)
        d_loss = self.network_losses(self.discriminator, self.embedding)
        if self.label_smoothing and self.loss_name in ("minimax", "non_saturating"):
            d_loss += self.d_loss_fn(d_real, d_fake, label_smoothing=self.label_smoothing)
        else:
            d_loss += self.d_loss_fn(d_real, d_fake)
        terms = {"d_real": tf.reduce_mean(d_real), "d_fake": tf.reduce_mean(d_fake)}
        if self.loss_name == "wasserstein":
            terms["wasserstein"] = terms["d_real"] - terms["d_fake"]
        for name, (weight, value) in self.penalties(real, fake, labels, step, training).items():
            terms[name] = value
            d_loss += weight * value
        return {"d_loss": d_loss, **terms}

    def generator_loss(self, fake, labels, training: bool = True) -> tf.Tensor:
        """`g_loss`, whole: the adversarial loss of generated examples `fake` (internal
        range) and the generator's layer losses of the pass that made them."""
        return (self.g_loss_fn(self.discriminate(fake, labels, training=training))
                + self.network_losses(self.generator))

    def discriminator_update(self, real, labels, step: int) -> dict[str, tf.Tensor]:
        z = self.draw_latent(tf.shape(real)[0], Stream.DISCRIMINATOR_LATENT, step)
        fake = self.generator(self.generator_inputs(z, labels), training=True)
        with tf.GradientTape() as tape:
            terms = self.discriminator_loss(real, fake, labels, step)
            scaled = self.scaled_loss(self.d_optimizer, terms["d_loss"])
        self.apply(self.d_optimizer, scaled, tape, self.optimizer_variables()["d_optimizer"])
        return terms

    def generator_update(self, real, labels) -> tf.Tensor:
        z = self.draw_latent(tf.shape(real)[0], Stream.GENERATOR_LATENT)
        with tf.GradientTape() as tape:
            fake = self.generator(self.generator_inputs(z, labels), training=True)
            g_loss = self.generator_loss(fake, labels)
            scaled = self.scaled_loss(self.optimizer, g_loss)
        self.apply(self.optimizer, scaled, tape, self.generator.trainable_variables)
        self.update_ema()
        return g_loss

    def update_ema(self) -> None:
        if self.ema_generator is None:
            return
        decay = self.ema_decay
        if self.given_auto("ema_decay"):
            # the data's default warms up like tf.train.ExponentialMovingAverage with
            # num_updates, so that a short run is not pulled back to the initial weights
            step = tf.cast(self.optimizer.iterations, tf.float32)
            decay = tf.minimum(decay, (1.0 + step) / (10.0 + step))
        self.update_moving_average([(self.ema_generator, self.generator)], decay)

    def train_step(self, data: Any) -> dict[str, tf.Tensor]:
        real, labels = self.unpack_batch(data)
        if self.data_clusters is not None:  # self-conditioned: learn and take the clusters
            labels = self.update_clusters(real)
        minibatches = self.real_minibatches(real, labels)
        for step, (real_step, labels_step) in enumerate(minibatches):
            terms = self.discriminator_update(real_step, labels_step, step)
        terms["g_loss"] = self.generator_update(*minibatches[-1])
        return self.update_metrics(terms)

    def test_step(self, data: Any) -> dict[str, tf.Tensor]:
        self.count_eval_batch()
        real, labels = self.unpack_batch(data)
        if self.data_clusters is not None:
            labels = self.data_clusters.nearest(real)
        z = self.draw_latent(tf.shape(real)[0], Stream.EVAL_LATENT)
        fake = self.generator(self.generator_inputs(z, labels), training=False)
        terms = self.discriminator_loss(real, fake, labels, training=False)
        terms["g_loss"] = self.generator_loss(fake, labels, training=False)
        return self.update_metrics(terms)

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            generator=self.serialize_network(self.generator),
            discriminator=self.serialize_network(self.discriminator),
            loss=self.loss_name,
            discriminator_steps=self.discriminator_steps,
            real_batches=self.real_batches,
            label_smoothing=self.label_smoothing,
            instance_noise=self.instance_noise,
            r1_weight=self.r1_weight,
            spectral_normalization=self.spectral_normalization,
            projection_discriminator=self.projection_discriminator,
        )
        return config


@keras.saving.register_keras_serializable(package="keras_genmodels")
class ConditionalGAN(GAN):
    """A class-conditional GAN (Mirza & Osindero, 2014; projection: Miyato & Koyama, 2018).

    The generator sees the one-hot label beside the code; the discriminator sees it as
    extra input channels, or, with `projection_discriminator=True`, through an inner
    product of a class embedding with its features. Train on `(x, y)`.

    Example:

    ```python
    cgan = kg.ConditionalGAN(latent_dim=32, num_classes=10)
    cgan.compile()
    cgan.fit(x_train, y_train, epochs=10, batch_size=64)
    sevens = cgan.sample(16, labels=7, seed=0)
    ```

    Args:
        latent_dim: size of the latent code.
        num_classes: number of classes, >= 2.
        **kwargs: the `GAN` arguments.
    """

    def __init__(self, latent_dim: int, num_classes: int | None = None, **kwargs: Any):
        super().__init__(latent_dim, num_classes=required_classes(num_classes, "ConditionalGAN"),
                         **kwargs)


def check_ema_decay(value: Any) -> float | None:
    """`ema_decay` as a float in (0, 1), or `None` (no moving average)."""
    if value is None:
        return None
    if isinstance(value, str) or not 0.0 < float(value) < 1.0:
        raise ValueError(f"`ema_decay` must be in (0, 1), None or \"auto\", got {value!r}.")
    return float(value)
