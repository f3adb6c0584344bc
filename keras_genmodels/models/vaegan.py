"""The VAE-GAN hybrid: `VAEGAN` (Larsen et al., 2016).

Mathematical Details

"Autoencoding beyond pixels using a learned similarity metric" (Larsen, Sonderby,
Larochelle & Winther, 2016) trains a VAE whose reconstruction error is measured in the
feature space of a GAN discriminator instead of pixel space. With an encoder
`q(z|x) = N(mu(x), diag(sigma(x)^2))`, a decoder `Dec` (the GAN's generator) and a
discriminator `Dis` whose hidden features are `Dis_l`, every step draws

    z ~ q(z|x),  x~ = Dec(z)        (reconstructions)
    z_p ~ p(z),  x_p = Dec(z_p)     (samples from the prior)

and computes (batch means, nats or squared feature units per example)

    L_prior = KL(q(z|x) || p(z))
    L_llike = 0.5 * sum_l (Dis_l(x) - Dis_l(x~))^2          (a unit-variance Gaussian
                                                             -log p(Dis_l(x) | z) + const)
    d_loss  = E[-log D(x)] + 0.5 * (E[-log(1 - D(x~))] + E[-log(1 - D(x_p))])
    L_GAN_g = 0.5 * (E[-log D(x~)] + E[-log D(x_p)])         (non-saturating)

with `D = sigmoid(logit)`. The three networks take one step each on their own loss
(the paper's Algorithm 1, all gradients from the same forward pass):

    encoder:        encoder_loss = kl_weight * L_prior + L_llike
    decoder:        g_loss       = gamma * L_llike + L_GAN_g     (gamma = reconstruction_weight)
    discriminator:  d_loss

The discriminator never sees `L_llike`, so it learns features only from the GAN game;
`gamma` trades the decoder's faithfulness to `x` against fooling the discriminator.
Images are mapped from [0, 1] to the decoder's tanh range [-1, 1] inside the model.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_genmodels import distributions as kgd
from keras_genmodels import losses as kgl
from keras_genmodels.models.base import GenerativeModel
from keras_genmodels.models.clusters import SelfConditioned
from keras_genmodels.models.random_streams import Stream
from keras_genmodels.models.tanh_range import TanhRange
from keras_genmodels.networks import (
    build_conv_encoder,
    build_dcgan_discriminator,
    build_dcgan_generator,
    build_mlp,
    build_mlp_discriminator,
    build_mlp_generator,
)
from keras_genmodels.validation import check_non_negative

#: The loss each optimizer slot minimises, over the variables of its own network.
_SLOT_LOSSES = {"decoder_optimizer": "g_loss", "encoder_optimizer": "encoder_loss",
                "d_optimizer": "d_loss"}


@keras.saving.register_keras_serializable(package="keras_genmodels")
class VAEGAN(SelfConditioned, TanhRange, GenerativeModel):
    """A VAE whose reconstruction error is measured by a GAN discriminator's features.

    Three networks, three optimizers: the encoder maps data to `2 * latent_dim` numbers
    (mean and pre-softplus scale of a diagonal Gaussian posterior), the decoder maps codes
    to data in the internal range (tanh's [-1, 1] for images) and doubles as the GAN's
    generator, and the discriminator maps data to `[logit, features]`. Without networks,
    defaults are built from the shape of the first data `fit` sees: for 28/32/64-pixel
    images a convolutional encoder, a DCGAN generator and a DCGAN discriminator
    (`build_dcgan_discriminator(..., return_features=True)`); for vectors, MLPs.

    Reported metrics: `d_loss`, `g_loss` (the decoder's loss), `encoder_loss`, `kl`
    (`L_prior`) and `feature_reconstruction` (`L_llike`), see the module docstring.

    Example:

    ```python
    import keras_genmodels as kg

    (x_train, _), (x_test, _) = kg.datasets.load("shapes")
    vaegan = kg.VAEGAN(latent_dim=32)
    vaegan.compile()                  # images: Adam(2e-4, beta_1=0.5) for each network
    vaegan.fit(x_train, epochs=10, batch_size=64)
    posterior = vaegan.encode(x_test[:8])       # tfd.Distribution over codes
    images = vaegan.reconstruct(x_test[:8])     # float32 in [0, 1]
    samples = vaegan.sample(16, seed=0)
    ```

    Args:
        latent_dim: size of the latent code, >= 1.
        encoder: a `keras.Model` from data to `2 * latent_dim` outputs, or `None`.
        decoder: a `keras.Model` from codes to data in the internal range (tanh output
            for images), or `None`.
        discriminator: a `keras.Model` from data (internal range) to `[logit, features]`,
            e.g. `build_dcgan_discriminator(shape, return_features=True)`, or `None`.
        reconstruction_weight: `gamma`, the weight of `L_llike` in the decoder's loss,
            >= 0. Default 1e-2 (a package choice: the summed feature error is large,
            hundreds of units for the default discriminator; tune it per data set).
        kl_weight: weight of `L_prior` in the encoder's loss, >= 0. Default 1.
        prior: a `tfd.Distribution` over codes; `None` for the standard normal.
        seed: base seed of the training noise.
        data_shape: shape of one example, to build the networks at construction.
        clusters: self-conditioning on vector data, as in `GAN`: the decoder and the
            discriminator take the one-hot k-means cluster of each example (a
            reconstruction and the prior samples of a batch take the clusters of its data;
            `generate(z)` draws one by a hash of `z`, independent of it as in training).
            An int >= 2, `None` (off) or `"auto"` (the default): 50 for vectors with the
            default decoder, discriminator and prior, off otherwise. The encoder does not
            see the cluster.
        **kwargs: passed to `keras.Model`.
    """

    optimizer_slots = ("decoder_optimizer", "encoder_optimizer", "d_optimizer")
    optimizer_family = "VAEGAN"
    network_arguments = ("encoder", "decoder", "discriminator")

    def __init__(
        self,
        latent_dim: int,
        encoder: keras.Model | None = None,
        decoder: keras.Model | None = None,
        discriminator: keras.Model | None = None,
        reconstruction_weight: float = 1e-2,
        kl_weight: float = 1.0,
        prior: Any = None,
        seed: int | None = None,
        data_shape: tuple[int, ...] | None = None,
        clusters: int | str | None = "auto",
        **kwargs: Any,
    ):
        super().__init__(latent_dim, prior=prior, seed=seed, data_shape=data_shape, **kwargs)
        self.init_clusters(clusters,
                           user_networks=decoder is not None or discriminator is not None)
        self.reconstruction_weight = check_non_negative(
            reconstruction_weight, "reconstruction_weight")
        self.kl_weight = check_non_negative(kl_weight, "kl_weight")
        self.encoder = encoder
        self.decoder = decoder
        self.discriminator = discriminator
        self.trackers = {name: keras.metrics.Mean(name=name) for name in (
            "d_loss", "g_loss", "encoder_loss", "kl", "feature_reconstruction")}
        self.finish_init()

    # ------------------------------------------------------------------ structure
    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return list(self.trackers.values())

    def optimizer_variables(self) -> dict[str, list]:
        return {
            "decoder_optimizer": self.decoder.trainable_variables,
            "encoder_optimizer": self.encoder.trainable_variables,
            "d_optimizer": self.discriminator.trainable_variables,
        }

    @property
    def decoder_optimizer(self) -> keras.optimizers.Optimizer:
        """The decoder's optimizer (it is also `model.optimizer`; its step keys the noise)."""
        return self.optimizer

    def compile(
        self,
        decoder_optimizer: Any = None,
        encoder_optimizer: Any = None,
        d_optimizer: Any = None,
        **kwargs: Any,
    ) -> None:
        """Configures training with one optimizer per network.

        Args:
            decoder_optimizer: the decoder's (generator's) optimizer; `None` for the
                family default (`Adam(2e-4, beta_1=0.5)` for images, `Adam(1e-3,
                beta_1=0.5)` for vectors; see `models/defaults.py`).
            encoder_optimizer: the encoder's optimizer; `None` for the same default.
            d_optimizer: the discriminator's optimizer; `None` for the same default.
            **kwargs: other `keras.Model.compile` arguments (`jit_compile`, ...).
        """
        self.compile_optimizers({"decoder_optimizer": decoder_optimizer,
                                 "encoder_optimizer": encoder_optimizer,
                                 "d_optimizer": d_optimizer}, **kwargs)

    @property
    def requires_unit_interval(self) -> bool:
        return False  # images (rank 4) are always checked; vectors may take any value

    def build_networks(self, data_shape: tuple[int, ...]) -> None:
        self.build_clusters(data_shape)
        images = len(data_shape) == 3
        condition = self.clusters or 0
        if self.encoder is None:
            self.encoder = build_conv_encoder(data_shape, 2 * self.latent_dim) if images \
                else build_mlp(data_shape[0], 2 * self.latent_dim, name="encoder")
        if self.decoder is None:
            self.decoder = build_dcgan_generator(self.latent_dim, data_shape, name="decoder") \
                if images else build_mlp_generator(self.latent_dim + condition, data_shape[0],
                                                   name="decoder")
        if self.discriminator is None:
            self.discriminator = build_dcgan_discriminator(data_shape, return_features=True) \
                if images else build_mlp_discriminator(data_shape[0] + condition,
                                                       return_features=True)
        outputs = getattr(self.discriminator, "outputs", None)
        if outputs is not None and len(outputs) != 2:
            raise ValueError(
                f"`discriminator` must return `[logit, features]`, got {len(outputs)} "
                "output(s): build it with `build_dcgan_discriminator(..., "
                "return_features=True)` or `build_mlp_discriminator(..., return_features=True)`."
            )

    # ------------------------------------------------------------------ the model
    def posterior(self, x: tf.Tensor, labels: Any = None, training: bool = False):
        """`q(z | x)` for data `x` in the internal range (`labels` are ignored: the encoder
        sees no cluster), as `VAE.posterior`."""
        return kgd.diagonal_gaussian_posterior(self.encoder(x, training=training))

    def discriminator_inputs(self, x: tf.Tensor, clusters: Any = None) -> tf.Tensor:
        """What the discriminator network takes for data `x` in the internal range: `x`,
        with the one-hot clusters appended when self-conditioned (`None`: the nearest)."""
        if self.data_clusters is None:
            return x
        if clusters is None:
            clusters = self.data_clusters.nearest(x)
        return self.with_condition(x, clusters, self.clusters)

    def decoder_inputs(self, z: tf.Tensor, clusters: Any = None) -> tf.Tensor:
        """What the decoder takes for codes `z`: `z`, with the one-hot clusters appended
        when self-conditioned (`None`: drawn by a hash of `z`)."""
        if self.data_clusters is None:
            return z
        if clusters is None:
            clusters = self.clusters_of_codes(z)
        return self.with_condition(z, clusters, self.clusters)

    def discriminate(self, x: tf.Tensor, labels: Any = None,
                     training: bool = False) -> tf.Tensor:
        """The discriminator's logits `(batch,)`, float32, for data `x` in the internal
        range, as `GAN.discriminate` (`labels`: the clusters when self-conditioned; `None`,
        the nearest)."""
        return self.discriminator_outputs(x, labels, training)[0]

    def discriminator_outputs(self, x: tf.Tensor, clusters: Any = None,
                              training: bool = False) -> tuple[tf.Tensor, tf.Tensor]:
        """The discriminator's logits `(batch,)` and flat features `(batch, d)`, float32."""
        logits, features = self.discriminator(self.discriminator_inputs(x, clusters),
                                              training=training)
        batch = tf.shape(x)[0]
        return (tf.reshape(tf.cast(logits, tf.float32), [-1]),
                tf.reshape(tf.cast(features, tf.float32), [batch, -1]))

    def decoder_output(self, z: tf.Tensor, clusters: Any = None,
                       training: bool = False) -> tf.Tensor:
        """The decoder's output (internal range) for codes `z` (and clusters, see
        `decoder_inputs`)."""
        return self.decoder(self.decoder_inputs(z, clusters), training=training)

    def call(self, inputs: Any, training: bool = False) -> tf.Tensor:
        """Reconstructs `inputs` (public range): the decoder at the posterior mean (and,
        self-conditioned, at the cluster of each input)."""
        x = self.to_internal(tf.cast(inputs, tf.float32))
        z = self.posterior(x, training=training).mean()
        clusters = None if self.data_clusters is None else self.data_clusters.nearest(x)
        return self.to_public(self.decoder_output(z, clusters, training=training))

    def generate(self, z: tf.Tensor, labels: Any = None) -> tf.Tensor:
        return self.to_public(self.decoder_output(z))

    def reconstruct(self, x: Any, labels: Any = None, batch_size: int = 256) -> np.ndarray:
        """Decodes the posterior means of `x` (at the cluster of each example when
        self-conditioned): float32, same shape as `x`."""
        if self.data_clusters is None:
            return super().reconstruct(x, labels, batch_size)
        self.require_built("reconstruct")
        x, _ = self.check_data(x)
        return np.concatenate([np.asarray(self(tf.constant(x[start:start + batch_size])))
                               for start in range(0, len(x), batch_size)], axis=0)

    # --------------------------------------------------------------- training
    def unpack_batch(self, data: Any) -> tf.Tensor:
        x, _ = self.split_batch(data)
        return self.to_internal(tf.cast(x, tf.float32))

    def compute_terms(self, x: tf.Tensor, training: bool,
                      clusters: tf.Tensor | None = None) -> dict[str, tf.Tensor]:
        """Every loss of the module docstring for a batch `x` in the internal range, each
        network's loss with that network's layer losses (regularizers, `add_loss`);
        `training` also picks the noise streams. Self-conditioned, `clusters` are those of
        `x`, taken by its reconstructions and by the prior samples alike."""
        posterior = self.posterior(x, training=training)
        z = self.posterior_sample(posterior,
                                  Stream.POSTERIOR if training else Stream.EVAL_POSTERIOR)
        z_p = tf.cast(self.prior_sample(tf.shape(x)[0],
                                        Stream.PRIOR if training else Stream.EVAL_PRIOR), z.dtype)
        # one decoder pass and one discriminator pass over the stacked batches
        twice = None if clusters is None else tf.concat([clusters, clusters], 0)
        x_tilde, x_p = tf.split(self.decoder_output(tf.concat([z, z_p], 0), twice, training),
                                2)
        logits, features = self.discriminator_outputs(
            tf.concat([x, tf.cast(x_tilde, x.dtype), tf.cast(x_p, x.dtype)], 0),
            None if clusters is None else tf.concat([clusters, twice], 0), training)
        layer_losses = {name: self.network_losses(net) for name, net in (
            ("encoder", self.encoder), ("decoder", self.decoder),
            ("discriminator", self.discriminator))}
        real_logits, tilde_logits, prior_logits = tf.split(logits, 3)
        real_features, tilde_features, _ = tf.split(features, 3)
        fake_logits = tf.concat([tilde_logits, prior_logits], 0)  # mean = average of both
        kl = tf.reduce_mean(kgd.kl_divergence(posterior, self.prior, z))
        llike = self.feature_reconstruction(real_features, tilde_features)
        return {
            "d_loss": kgl.minimax_discriminator_loss(real_logits, fake_logits)
            + layer_losses["discriminator"],
            "g_loss": self.reconstruction_weight * llike
            + kgl.non_saturating_generator_loss(fake_logits) + layer_losses["decoder"],
            "encoder_loss": self.kl_weight * kl + llike + layer_losses["encoder"],
            "kl": kl,
            "feature_reconstruction": llike,
        }

    @staticmethod
    def feature_reconstruction(real_features: tf.Tensor, fake_features: tf.Tensor) -> tf.Tensor:
        """`L_llike = 0.5 * sum_l (Dis_l(x) - Dis_l(x~))^2`, averaged over the batch."""
        return 0.5 * tf.reduce_mean(
            tf.reduce_sum(tf.square(real_features - fake_features), axis=-1))

    def train_step(self, data: Any) -> dict[str, tf.Tensor]:
        x = self.unpack_batch(data)
        clusters = None if self.data_clusters is None else self.update_clusters(x)
        variables = self.optimizer_variables()
        with tf.GradientTape(persistent=True) as tape:
            terms = self.compute_terms(x, training=True, clusters=clusters)
            losses = {slot: self.scaled_loss(self.slot_optimizer(slot), terms[name])
                      for slot, name in _SLOT_LOSSES.items()}
        # every gradient comes from the same forward pass, before any network moves
        gradients = {slot: tape.gradient(loss, variables[slot]) for slot, loss in losses.items()}
        del tape
        for slot, slot_gradients in gradients.items():
            self.slot_optimizer(slot).apply_gradients(
                zip(slot_gradients, variables[slot], strict=True))
        return self.update_metrics(terms)

    def test_step(self, data: Any) -> dict[str, tf.Tensor]:
        self.count_eval_batch()
        x = self.unpack_batch(data)
        clusters = None if self.data_clusters is None else self.data_clusters.nearest(x)
        return self.update_metrics(self.compute_terms(x, training=False, clusters=clusters))

    def slot_optimizer(self, slot: str) -> keras.optimizers.Optimizer:
        return self.optimizer if slot == self.optimizer_slots[0] else getattr(self, slot)

    # ------------------------------------------------------------- public methods
    def encode(self, x: Any, labels: Any = None):
        """Returns the posterior `q(z | x)` as a `tfd.Distribution` (batch shape `(n,)`).

        Args:
            x: a batch of data in the public range (images float32 in [0, 1], NHWC).
            labels: ignored (the model is unconditional).
        """
        self.require_built("encode")
        x, _ = self.check_data(x)
        return self.posterior(self.to_internal(tf.constant(x)))

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("num_classes", None)
        config.update(
            encoder=self.serialize_network(self.encoder),
            decoder=self.serialize_network(self.decoder),
            discriminator=self.serialize_network(self.discriminator),
            reconstruction_weight=self.reconstruction_weight,
            kl_weight=self.kl_weight,
        )
        return config
