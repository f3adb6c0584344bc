"""`StyleGAN`: a StyleGAN2 (Karras et al., 2020) without progressive growing.

Mathematical Details

A mapping network `f` takes codes `z ~ N(0, I)` to intermediate latents `w = f(z)`; a
synthesis network `g` turns one style `w_i` per layer (`num_ws` of them) and per-pixel
noise into an image through modulated, demodulated convolutions (`networks/stylegan.py`).
Each `train_step` takes one update of the residual discriminator `D` and one of `f` and
`g` with the non-saturating loss (Goodfellow et al., 2014):

```none
d_loss = softplus(D(G(z))) + softplus(-D(x))   [+ r1_interval * r1_weight / 2 * |grad_x D(x)|^2]
g_loss = softplus(-D(G(z)))                    [+ pl_interval * pl_weight * (|J_w^T y|_2 - a)^2]
```

- *Style mixing* (section 3.1 of StyleGAN): with probability `style_mixing_prob` a batch
  uses `w_1 = f(z_1)` for the layers before a uniform crossover layer and `w_2 = f(z_2)`
  after it.
- *Lazy regularisation* (StyleGAN2, section 3.1): the R1 penalty (Mescheder et al., 2018)
  is added on steps where `step % r1_interval == 0` and the path-length penalty on steps
  where `step % pl_interval == 0`, each multiplied by its interval so that its average
  strength is unchanged. The choice is a `tf.cond` on the optimizer's step, so the
  skipped steps cost nothing (0.86x the step time of computing the penalties every step
  and weighting them by 0 or 1, `lazy_regularization`). Each penalty shares the
  optimizer step of its network's main loss (the official code takes a separate one),
  so Adam's settings are corrected for it only by `default_optimizers`' paper rule.
- *Path-length regularisation* (section 3.2): `y ~ N(0, I) / sqrt(H W)` in image space,
  `J_w^T y` by one backward pass to the styles on `batch / 2` examples, and `a` a running
  mean of the lengths with decay `pl_decay`, kept in the variable `path_length_mean`
  (saved with the model). The penalty of a step measures the lengths against `a` as it
  was before that step's update.
- *Truncation* (StyleGAN, section 5.2): `w' = w_avg + psi (w - w_avg)`, with `w_avg` a
  running mean of `f(z)` over training (decay 0.995, the variable `w_avg`).
- *EMA*: `sample`, `generate`, `mapping` and `synthesize` use an exponential moving
  average of the generator's weights (decay `ema_decay`).

Images of any square size are accepted: the networks work at the next power of two
(`resolution`) and the model pads the discriminator's inputs and crops the generated
images in the middle, so a 28x28 MNIST digit trains a 32x32 network and samples are
28x28.

`latent_space` sets the space the latent tools see: with `"w"` (the default),
`sample_latent` returns `w = f(z)` codes and `generate(w)` synthesises them, so
`SampleGrid`, `LatentTraversal`, `LatentInterpolation`, the widgets and
`perceptual_path_length` all work in W; with `"z"` they work in Z.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_genmodels import losses as kgl
from keras_genmodels.models.adversarial import Adversarial, discriminate_pair
from keras_genmodels.models.base import GenerativeModel
from keras_genmodels.models.cross_replica import cross_replica_sum
from keras_genmodels.models.random_streams import Stream
from keras_genmodels.models.style_regularization import StyleRegularization
from keras_genmodels.models.style_space import StyleSpace
from keras_genmodels.models.tanh_range import TanhRange
from keras_genmodels.networks import stylegan as sgn
from keras_genmodels.penalties import r1_penalty
from keras_genmodels.validation import (
    check_choice,
    check_non_negative,
    check_positive_int,
)

#: The spaces the latent tools can work in.
LATENT_SPACES = ("w", "z")
#: Adam of StyleGAN2 (config F), before the lazy-regularisation correction.
PAPER_ADAM = {"learning_rate": 2e-3, "beta_1": 0.0, "beta_2": 0.99, "epsilon": 1e-8}
#: Decay of the running mean `w_avg` (the official code's `w_avg_beta`).
W_AVG_DECAY = 0.995
#: Path-length regularisation runs on `batch // PL_BATCH_SHRINK` examples (as the paper).
PL_BATCH_SHRINK = 2
#: The networks a user may give, in the order they are assigned.
_NETWORKS = ("discriminator", "mapping_network", "synthesis_network")


@keras.saving.register_keras_serializable(package="keras_genmodels")
class StyleGAN(StyleSpace, StyleRegularization, Adversarial, TanhRange, GenerativeModel):
    """A StyleGAN2 with mixing, truncation, lazy R1 and path-length regularisation, EMA.

    Reported metrics: `d_loss` and `g_loss` (the non-saturating losses, without the
    penalties), `d_real` and `d_fake` (the mean logits of real and generated images), and
    `r1_penalty` and `pl_penalty`, averaged over the steps that computed them (in
    `evaluate`, `r1_penalty` is computed on every batch and `pl_penalty` is not).

    Example:

    ```python
    (x_train, _), _ = kg.datasets.load("mnist10k")      # 28x28: trained at 32x32
    stylegan = kg.StyleGAN(latent_dim=64)
    stylegan.compile()                  # Adam(2e-3, betas (0, 0.99)), lazily corrected
    stylegan.fit(x_train, epochs=1, batch_size=32)
    images = stylegan.sample(16, seed=0, truncation=0.7)     # (16, 28, 28, 1) in [0, 1]
    ```

    Args:
        latent_dim: size of `z`, >= 1. Defaults to 64.
        w_dim: size of `w`; `None` for `latent_dim`.
        resolution: the networks' resolution, a power of two >= 4; `None` for the
            smallest one that holds the data.
        channels: the widest feature maps of both networks. Defaults to 64.
        mapping_layers: dense layers of the mapping network. Defaults to 2 (the paper
            has 8; StyleGAN2-ADA uses 2 for CIFAR-10, and at this scale deeper ones
            train slower at a learning-rate multiplier of 0.01 for no gain).
        mapping_lr_multiplier: the mapping network's learning-rate multiplier.
            Defaults to 0.01.
        style_mixing_prob: probability of style mixing per batch, in [0, 1]. Defaults
            to 0.9.
        r1_weight: `gamma` of R1, >= 0 (0 turns it off); `None` for StyleGAN2-ADA's
            heuristic `0.0002 * resolution^2 / minibatch`, with the global minibatch of
            each step.
        r1_interval: steps between R1 penalties (lazy regularisation). Defaults to 16.
        pl_weight: weight of the path-length penalty, >= 0 (0 turns it off). Defaults
            to 2.
        pl_interval: steps between path-length penalties. Defaults to 4.
        pl_decay: decay of the running mean path length. Defaults to 0.01.
        ema_decay: decay of the generator's EMA, in (0, 1), or `None` (sampling then uses
            the trained weights). Defaults to 0.999.
        truncation_psi: the default `truncation` of `sample`. Defaults to 1 (none).
        latent_space: `"w"` or `"z"`, the space of `sample_latent`/`generate` (see
            above). Defaults to `"w"`.
        mbstd_group_size: group size of the discriminator's minibatch standard deviation;
            under `tf.distribute`, N replicas train exactly like one device when every
            replica's batch is a multiple of it. Defaults to 4.
        mapping_network: a `keras.Model` from `z` to `w`, or `None` for the default.
        synthesis_network: a `keras.Model` from `[styles (n, num_ws, w_dim), noise]` to
            images in [-1, 1] at `resolution`, or `None`.
        discriminator: a `keras.Model` from images at `resolution` to one logit, or `None`.
        prior: `tfd.Distribution` of the codes `z`; `None` for the standard normal.
        seed: base seed of the training noise.
        data_shape: shape of one example `(H, H, C)`, to build the networks at once.
        **kwargs: `keras.Model` arguments (`name`).
    """

    optimizer_family = "StyleGAN"
    network_arguments = _NETWORKS
    # files of 0.2, when StyleGAN was a GAN: the moving averages are copies of the
    # networks (rebuilt, then loaded from the weights) and `clusters` was always off
    legacy_config_keys = ("clusters", "ema_mapping_network", "ema_synthesis_network")

    def __init__(
        self,
        latent_dim: int = 64,
        w_dim: int | None = None,
        resolution: int | None = None,
        channels: int = 64,
        mapping_layers: int = 2,
        mapping_lr_multiplier: float = 0.01,
        style_mixing_prob: float = 0.9,
        r1_weight: float | None = None,
        r1_interval: int = 16,
        pl_weight: float = 2.0,
        pl_interval: int = 4,
        pl_decay: float = 0.01,
        ema_decay: float | None = 0.999,
        truncation_psi: float = 1.0,
        latent_space: str = "w",
        mbstd_group_size: int = 4,
        mapping_network: keras.Model | None = None,
        synthesis_network: keras.Model | None = None,
        discriminator: keras.Model | None = None,
        prior: Any = None,
        seed: int | None = None,
        data_shape: tuple[int, ...] | None = None,
        **kwargs: Any,
    ):
        if kwargs.get("num_classes") is not None:
            raise ValueError("StyleGAN is unconditional: it takes no `num_classes`, got "
                             f"num_classes={kwargs['num_classes']!r}.")
        kwargs.pop("num_classes", None)
        super().__init__(latent_dim, prior=prior, seed=seed, data_shape=data_shape, **kwargs)
        self.w_dim = check_positive_int(latent_dim if w_dim is None else w_dim, "w_dim")
        self.resolution = None if resolution is None else sgn.check_resolution(resolution)
        self.channels = check_positive_int(channels, "channels")
        self.mapping_layers = check_positive_int(mapping_layers, "mapping_layers")
        self.mapping_lr_multiplier = check_non_negative(mapping_lr_multiplier,
                                                        "mapping_lr_multiplier")
        if self.mapping_lr_multiplier == 0.0:
            raise ValueError("`mapping_lr_multiplier` must be > 0, got 0.")
        self.style_mixing_prob = _check_probability(style_mixing_prob, "style_mixing_prob")
        self.r1_gamma = None if r1_weight is None else check_non_negative(r1_weight,
                                                                          "r1_weight")
        self.r1_interval = check_positive_int(r1_interval, "r1_interval")
        self.pl_weight = check_non_negative(pl_weight, "pl_weight")
        self.pl_interval = check_positive_int(pl_interval, "pl_interval")
        self.pl_decay = _check_probability(pl_decay, "pl_decay")
        if ema_decay is not None and not 0.0 < float(ema_decay) < 1.0:
            raise ValueError(f"`ema_decay` must be in (0, 1) or None, got {ema_decay!r}.")
        self.ema_decay = None if ema_decay is None else float(ema_decay)
        self.truncation_psi = float(truncation_psi)
        self.latent_space = check_choice(latent_space, "latent_space", LATENT_SPACES)
        self.mbstd_group_size = check_positive_int(mbstd_group_size, "mbstd_group_size")
        # assigned in one fixed order when the networks are built, so that the model's
        # layers (and the paths of their weights in a `.keras` file) are in the same order
        # whether the model is new or loaded
        for key in (*_NETWORKS, "ema_mapping_network", "ema_synthesis_network"):
            setattr(self, key, None)
        object.__setattr__(self, "_given_networks", {
            key: n for key, n in zip(_NETWORKS, (discriminator, mapping_network, synthesis_network),
                              strict=True)})
        self.w_avg = keras.Variable(np.zeros(self.w_dim, np.float32), trainable=False,
                                    aggregation="only_first_replica", name="w_avg")
        self.path_length_mean = keras.Variable(0.0, trainable=False,
                                               aggregation="only_first_replica",
                                               name="path_length_mean")
        self.create_trackers()
        self.finish_init()

    def metric_names(self) -> tuple[str, ...]:
        return ("d_loss", "g_loss", "d_real", "d_fake", "r1_penalty", "pl_penalty")

    # ------------------------------------------------------------------ networks
    @property
    def r1_weight(self) -> float | None:
        """`gamma` of R1 as given; `None`: StyleGAN2-ADA's heuristic, computed per batch
        (`r1_gamma_of`)."""
        return self.r1_gamma

    def build_networks(self, data_shape: tuple[int, ...]) -> None:
        if len(data_shape) != 3 or data_shape[0] != data_shape[1]:
            raise ValueError(f"StyleGAN needs square images (H, H, C), got examples of shape "
                             f"{tuple(data_shape)}.")
        size = max(int(data_shape[0]), sgn.MIN_RESOLUTION)
        needed = 1 << (size - 1).bit_length()
        if self.resolution is None:
            self.resolution = needed
        elif self.resolution < data_shape[0]:
            raise ValueError(f"`resolution`={self.resolution} is smaller than the images "
                             f"({data_shape[0]}x{data_shape[1]}); use {needed} or more.")
        channels = int(data_shape[2])
        given = self._given_networks

        def network(key, build):
            return build() if given[key] is None else given[key]

        self.discriminator = network("discriminator", lambda: sgn.build_stylegan_discriminator(
            (self.resolution, self.resolution, channels), self.channels,
            self.mbstd_group_size))
        self.mapping_network = network("mapping_network", lambda: sgn.build_mapping_network(
            self.latent_dim, self.w_dim, self.mapping_layers, self.mapping_lr_multiplier))
        self.synthesis_network = network("synthesis_network", lambda: (
            sgn.build_synthesis_network(self.resolution, channels, self.w_dim, self.channels)))
        if self.ema_decay is not None:
            self.ema_mapping_network = self.moving_average_copy(self.mapping_network)
            self.ema_synthesis_network = self.moving_average_copy(self.synthesis_network)

    def optimizer_variables(self) -> dict[str, list]:
        return {"g_optimizer": self.mapping_network.trainable_variables
                + self.synthesis_network.trainable_variables,
                "d_optimizer": self.discriminator.trainable_variables}

    def default_optimizers(self) -> dict[str, keras.optimizers.Optimizer]:
        """StyleGAN2's Adam for both networks, with the paper's correction for lazy
        regularisation where that network has a lazy penalty: `lr * c`, `beta_2 ** c`,
        `c = interval / (interval + 1)` (`c = 1` when the penalty is off)."""
        from keras_genmodels.models import defaults

        row = defaults.OPTIMIZER_DEFAULTS.get(self.optimizer_family, {}).get("image", {})
        base = dict(row["*"][1]) if "*" in row else dict(PAPER_ADAM)
        optimizers = {}
        for slot, interval, lazy in (("g_optimizer", self.pl_interval, self.pl_weight > 0),
                                     ("d_optimizer", self.r1_interval, self.r1_enabled)):
            c = interval / (interval + 1.0) if lazy else 1.0
            optimizers[slot] = keras.optimizers.Adam(**{
                **base, "learning_rate": base["learning_rate"] * c,
                "beta_1": base.get("beta_1", 0.0) ** c, "beta_2": base["beta_2"] ** c})
        return optimizers

    def call(self, inputs: Any, training: bool = False) -> tf.Tensor:
        """Scores images in [0, 1] with the discriminator."""
        return self.discriminate(self.pad(self.to_internal(inputs)), None, training)

    def discriminate(self, x: tf.Tensor, labels: Any, training: bool) -> tf.Tensor:
        """The discriminator's logits `(batch,)` for images at `resolution` in [-1, 1]
        (`labels` are ignored: StyleGAN is unconditional)."""
        return tf.reshape(tf.cast(self.discriminator(x, training=training), tf.float32), [-1])

    def unpack_batch(self, data: Any) -> tf.Tensor:
        """The real images of a batch, in [-1, 1] and padded to `resolution`."""
        x, _ = self.split_batch(data)
        return self.pad(self.to_internal(x))

    # ------------------------------------------------------------------ training
    def fake_images(self, ws, noise) -> tf.Tensor:
        return self.pad(self.crop(self.synthesize_internal(ws, noise, training=True)))

    def discriminator_loss(self, real, fake, training: bool,
                           apply_r1: tf.Tensor | None = None) -> dict[str, tf.Tensor]:
        """The discriminator's objective and what it is made of: `d_loss` (the
        non-saturating loss), `d_real`, `d_fake` and `r1_penalty` (computed where
        `apply_r1`, a boolean tensor; `None`: always), and `objective`, `d_loss` plus the
        penalty at its lazy weight `r1_interval * r1_weight / 2` in training
        (`r1_weight / 2` in evaluation)."""
        d_real, d_fake = discriminate_pair(self.discriminate, real, fake, None, training)
        d_loss = kgl.minimax_discriminator_loss(d_real, d_fake)
        gamma = self.r1_gamma_of(tf.shape(real)[0]) if self.r1_enabled else 0.0
        r1 = tf.constant(0.0)
        if self.r1_enabled:
            def penalty():
                return r1_penalty(lambda v: self.discriminate(v, None, training), real)
            r1 = penalty() if apply_r1 is None else self.lazily(apply_r1, penalty, r1)
        if apply_r1 is None:
            apply_r1 = tf.constant(self.r1_enabled)
        interval = self.r1_interval if training else 1
        return {"d_loss": d_loss, "d_real": tf.reduce_mean(d_real),
                "d_fake": tf.reduce_mean(d_fake), "r1_penalty": (r1, apply_r1),
                "objective": d_loss + (0.5 * gamma * interval) * r1}

    def discriminator_update(self, real) -> dict[str, tf.Tensor]:
        n = tf.shape(real)[0]
        ws = self.mixed_styles(n, Stream.DISCRIMINATOR_LATENT, 0)
        fake = self.fake_images(ws, self.synthesis_noise(n, Stream.SYNTHESIS_NOISE, 0))
        apply_r1 = self.lazy_step(self.r1_interval) if self.r1_enabled else tf.constant(False)
        with tf.GradientTape() as tape:
            terms = self.discriminator_loss(real, fake, training=True, apply_r1=apply_r1)
            scaled = self.scaled_loss(self.d_optimizer, terms.pop("objective"))
        self.apply(self.d_optimizer, scaled, tape, self.optimizer_variables()["d_optimizer"])
        return terms

    def generator_loss(self, batch_size: Any, apply_pl: tf.Tensor) -> dict[str, Any]:
        """The generator's objective and what it is made of: `g_loss` (non-saturating),
        `pl_penalty` (computed where `apply_pl`), `objective = g_loss + pl_interval *
        pl_weight * pl_penalty`, and for the running means the styles `ws`, the sum of
        the path lengths `length_sum` and their count `pl_n`."""
        noise = self.synthesis_noise(batch_size, Stream.SYNTHESIS_NOISE, 1)
        ws = self.mixed_styles(batch_size, Stream.GENERATOR_LATENT, 1)
        g_loss = kgl.non_saturating_generator_loss(
            self.discriminate(self.fake_images(ws, noise), None, True))
        pl_penalty = length_sum = tf.constant(0.0)
        pl_n = tf.maximum(batch_size // PL_BATCH_SHRINK, 1)
        if self.pl_weight:
            pl_inputs = self.path_length_inputs(pl_n)
            pl_penalty, length_sum = self.lazily(
                apply_pl, lambda: self.path_length(*pl_inputs), (pl_penalty, length_sum))
        return {"g_loss": g_loss, "pl_penalty": (pl_penalty, apply_pl),
                "objective": g_loss + (self.pl_weight * self.pl_interval) * pl_penalty,
                "ws": ws, "length_sum": length_sum, "pl_n": pl_n}

    def generator_update(self, batch_size) -> dict[str, tf.Tensor]:
        apply_pl = self.lazy_step(self.pl_interval) if self.pl_weight else tf.constant(False)
        with tf.GradientTape() as tape:
            terms = self.generator_loss(batch_size, apply_pl)
            scaled = self.scaled_loss(self.optimizer, terms.pop("objective"))
        self.apply(self.optimizer, scaled, tape, self.optimizer_variables()["g_optimizer"])
        ws, length_sum, pl_n = terms.pop("ws"), terms.pop("length_sum"), terms.pop("pl_n")
        if self.pl_weight:
            mean = cross_replica_sum(length_sum) / cross_replica_sum(tf.cast(pl_n, tf.float32))
            updated = self.path_length_mean + self.pl_decay * (mean - self.path_length_mean)
            self.path_length_mean.assign(tf.where(apply_pl, updated, self.path_length_mean))
        w_mean = cross_replica_sum(tf.reduce_sum(ws[:, 0], 0)) / cross_replica_sum(
            tf.cast(batch_size, tf.float32))
        self.w_avg.assign(w_mean + W_AVG_DECAY * (self.w_avg - w_mean))
        self.update_ema()
        return terms

    def update_ema(self) -> None:
        if self.ema_decay is not None:
            self.update_moving_average(
                ((self.ema_mapping_network, self.mapping_network),
                 (self.ema_synthesis_network, self.synthesis_network)), self.ema_decay)

    def train_step(self, data: Any) -> dict[str, tf.Tensor]:
        real = self.unpack_batch(data)
        terms = self.discriminator_update(real)
        terms.update(self.generator_update(tf.shape(real)[0]))
        return self.update_metrics(terms)

    def test_step(self, data: Any) -> dict[str, tf.Tensor]:
        self.count_eval_batch()
        real = self.unpack_batch(data)
        n = tf.shape(real)[0]
        z = self.prior_sample(n, Stream.EVAL_LATENT)
        noise = self.synthesis_noise(n, Stream.EVAL_SYNTHESIS_NOISE)
        fake = self.pad(self.crop(self.synthesize_internal(self.map_latent(z), noise)))
        terms = self.discriminator_loss(real, fake, training=False)
        del terms["objective"]
        terms["g_loss"] = kgl.non_saturating_generator_loss(self.discriminate(fake, None, False))
        return self.update_metrics(terms)

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("num_classes", None)
        config.update(ema_decay=self.ema_decay,
            w_dim=self.w_dim, resolution=self.resolution, channels=self.channels,
            mapping_layers=self.mapping_layers,
            mapping_lr_multiplier=self.mapping_lr_multiplier,
            style_mixing_prob=self.style_mixing_prob, r1_weight=self.r1_gamma,
            r1_interval=self.r1_interval, pl_weight=self.pl_weight,
            pl_interval=self.pl_interval, pl_decay=self.pl_decay,
            truncation_psi=self.truncation_psi, latent_space=self.latent_space,
            mbstd_group_size=self.mbstd_group_size,
            mapping_network=self.serialize_network(self.mapping_network),
            synthesis_network=self.serialize_network(self.synthesis_network),
            discriminator=self.serialize_network(self.discriminator),
        )
        return config


def _check_probability(value: Any, name: str) -> float:
    value = check_non_negative(value, name)
    if value > 1.0:
        raise ValueError(f"`{name}` must be in [0, 1], got {value}.")
    return value
