"""Variational autoencoders trained on the ELBO: `VAE` and `ConditionalVAE`.

Mathematical Details

For an example `x` (and label `y` for the conditional model) the evidence lower bound is

    ELBO(x) = E_{q(z|x)}[log p(x|z)] - KL(q(z|x) || p(z))  <=  log p(x)

(Kingma & Welling, 2014). Training minimises

    loss = reconstruction + beta * w_t * KL_fb

where `reconstruction = -log p(x|z)` with one reparameterised sample `z ~ q(z|x)`,
`beta` is the beta-VAE weight (Higgins et al., 2017), `w_t = min(1, t / T)` the linear
KL warm-up over `T = kl_warmup_steps` optimizer steps (Bowman et al., 2016; Sonderby et
al., 2016) and `KL_fb = sum_j max(lambda, E_batch[KL_j])` the free-bits KL with
`lambda = free_bits` nats per latent dimension (Kingma et al., 2016). With `beta=1`, no
warm-up and no free bits, `loss` is exactly the negative ELBO. All terms are in nats per
example (summed over data dimensions, averaged over the batch).
"""

from __future__ import annotations

import warnings
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_genmodels import distributions as kgd
from keras_genmodels.models.base import GenerativeModel, required_classes
from keras_genmodels.models.cross_replica import cross_replica_sum
from keras_genmodels.models.random_streams import Stream
from keras_genmodels.networks import default_vae_networks
from keras_genmodels.validation import as_numpy, check_non_negative


@keras.saving.register_keras_serializable(package="keras_genmodels")
class VAE(GenerativeModel):
    """A variational autoencoder with TFP posterior, prior and likelihood.

    The encoder maps a batch of data to `2 * latent_dim` numbers (posterior mean and
    pre-softplus scale); the decoder maps codes to the likelihood's parameters. Without
    networks, sensible defaults (convolutional for 28/32/64-pixel images, MLPs for
    vectors) are built from the shape of the first data `fit` sees.

    Reported metrics (nats per example): `loss` (the training objective), `reconstruction`
    (`-log p(x|z)`), `kl` (`KL(q(z|x) || p(z))`) and `elbo`.

    Example:

    ```python
    import keras_genmodels as kg

    (x_train, _), (x_test, _) = kg.datasets.load("shapes")
    vae = kg.VAE(latent_dim=10, likelihood="bernoulli", beta=4.0)
    vae.compile()
    vae.fit(x_train, epochs=5, batch_size=128, validation_data=(x_test,))
    posterior = vae.encode(x_test[:8])        # tfd.Distribution over codes
    images = vae.sample(16, seed=0)          # float32 in [0, 1]
    ```

    Args:
        latent_dim: size of the latent code, >= 1.
        encoder: a `keras.Model` from data to `2 * latent_dim` outputs, or `None`.
        decoder: a `keras.Model` from codes to `data_shape[:-1] + (channels * k,)`
            likelihood parameters (`k = likelihood.params_per_dim`), or `None`.
        likelihood: `"auto"` (the default), `"bernoulli"`, `"continuous_bernoulli"`,
            `"gaussian"`, `"discretized_logistic"`, a config dict or a `Likelihood`.
            `"auto"` takes the data's row of `models.defaults.LIKELIHOOD_DEFAULTS` when the
            networks are built: Bernoulli for images (in [0, 1]), a Gaussian with a learned
            scale for vectors (which may take any value).
        likelihood_scale: the Gaussian likelihood's fixed scale, or `"learned"`; with
            `likelihood="auto"`, the scale of the vectors' Gaussian.
        beta: weight of the KL term (beta-VAE), >= 0.
        kl_warmup_steps: optimizer steps over which the KL weight rises linearly from 0
            to `beta`; 0 disables the warm-up. `"auto"` (the default) takes the data's
            row of `models.defaults.KL_WARMUP_DEFAULTS` when the networks are built: none
            for images, 400 steps for vectors (without it the posterior of a VAE on 2-D
            mixtures collapses).
        free_bits: nats per latent dimension below which the KL is not penalised.
        prior: a `tfd.Distribution` over codes; `None` for the standard normal.
        seed: base seed of the training noise.
        data_shape: shape of one example, to build the networks at construction.
        **kwargs: passed to `keras.Model`.
    """

    network_arguments = ("encoder", "decoder")

    def __init__(
        self,
        latent_dim: int,
        encoder: keras.Model | None = None,
        decoder: keras.Model | None = None,
        likelihood: str | dict | kgd.Likelihood = "auto",
        likelihood_scale: float | str | None = None,
        beta: float = 1.0,
        kl_warmup_steps: int | str = "auto",
        free_bits: float = 0.0,
        prior: Any = None,
        seed: int | None = None,
        data_shape: tuple[int, ...] | None = None,
        num_classes: int | None = None,
        **kwargs: Any,
    ):
        super().__init__(
            latent_dim, num_classes=num_classes, prior=prior, seed=seed, data_shape=data_shape,
            **kwargs,
        )
        self.likelihood_scale = likelihood_scale
        options = {} if likelihood_scale is None else {"scale": likelihood_scale}
        self.auto_argument("likelihood", likelihood,
                           lambda value: kgd.get_likelihood(value, **options))
        self.beta = check_non_negative(beta, "beta")
        self.auto_argument("kl_warmup_steps", kl_warmup_steps, lambda value: int(
            check_non_negative(value, "kl_warmup_steps")))
        self.free_bits = check_non_negative(free_bits, "free_bits")
        if self.free_bits and not kgd.factorises(self.prior):
            raise ValueError(
                f"`free_bits={free_bits}` needs a prior that factorises over the latent "
                f"dimensions (`tfd.Independent` of one-dimensional distributions), got "
                f"{type(self.prior).__name__}; use `free_bits=0` with this prior.")
        self.encoder = encoder
        self.decoder = decoder
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")
        self.elbo_tracker = keras.metrics.Mean(name="elbo")
        self.finish_init()

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return [self.loss_tracker, self.reconstruction_tracker, self.kl_tracker, self.elbo_tracker]

    @property
    def requires_unit_interval(self) -> bool:
        # "auto" before the data are seen: images are checked anyway, vectors get a Gaussian
        return self.likelihood is not None and self.likelihood.requires_unit_interval

    def default_of(self, name: str, data_kind: str) -> Any:
        value = super().default_of(name, data_kind)
        if name == "likelihood" and self.likelihood_scale is not None:
            if value["name"] != "gaussian":
                raise ValueError(
                    f"`likelihood_scale={self.likelihood_scale!r}` is the scale of a Gaussian "
                    f"likelihood, and likelihood=\"auto\" is {value['name']} for "
                    f"{data_kind}s: pass likelihood=\"gaussian\".")
            value = {**value, "scale": self.likelihood_scale}
        return value

    def build_networks(self, data_shape: tuple[int, ...]) -> None:
        if self.encoder is None or self.decoder is None:
            encoder, decoder = default_vae_networks(
                data_shape,
                self.latent_dim,
                params_per_dim=self.likelihood.params_per_dim,
                conditional_dim=self.num_classes or 0,
            )
            self.encoder = self.encoder or encoder
            self.decoder = self.decoder or decoder
        self._check_decoder_outputs(data_shape)

    def _check_decoder_outputs(self, data_shape: tuple[int, ...]) -> None:
        """A decoder of one's own must give the likelihood's parameters for every value."""
        outputs = getattr(self.decoder, "outputs", None)
        if not outputs or outputs[0].shape[-1] is None:
            return
        needed = int(data_shape[-1]) * self.likelihood.params_per_dim
        if int(outputs[0].shape[-1]) != needed:
            raise ValueError(
                f"`decoder` gives {int(outputs[0].shape[-1])} values per position; the "
                f"{self.likelihood.name} likelihood ({self.likelihood.get_config()}) needs "
                f"{self.likelihood.params_per_dim} per value, {needed} for examples of shape "
                f"{tuple(data_shape)}. Pass a `likelihood` that fits the decoder (e.g. "
                "likelihood=\"bernoulli\", or \"gaussian\" with a fixed likelihood_scale, "
                "for one value per feature), or a decoder with that many outputs.")

    # ------------------------------------------------------------------ the model
    def encoder_inputs(self, x: tf.Tensor, labels: tf.Tensor | None) -> tf.Tensor:
        """What the encoder sees: `x`, plus one-hot label channels when conditional."""
        return x

    def decoder_inputs(self, z: tf.Tensor, labels: tf.Tensor | None) -> tf.Tensor:
        """What the decoder sees: `z`, plus the one-hot label when conditional."""
        return z

    def posterior(self, x: tf.Tensor, labels: tf.Tensor | None = None, training: bool = False):
        return kgd.diagonal_gaussian_posterior(
            self.encoder(self.encoder_inputs(x, labels), training=training)
        )

    def decoder_params(self, z: tf.Tensor, labels: tf.Tensor | None = None, training=False):
        return self.decoder(self.decoder_inputs(z, labels), training=training)

    def call(self, inputs: Any, training: bool = False) -> tf.Tensor:
        """Reconstructs `inputs` (the decoder mean at the posterior mean)."""
        x, labels = self.split_inputs(inputs)
        z = self.posterior(x, labels, training).mean()
        return self.likelihood.mean(self.decoder_params(z, labels, training))

    def split_inputs(self, inputs: Any) -> tuple[tf.Tensor, tf.Tensor | None]:
        return inputs, None

    def current_kl_weight(self) -> tf.Tensor:
        """The current weight `beta * w_t` of the KL term (warm-up included)."""
        if not self.kl_warmup_steps or self.optimizer is None:
            return tf.constant(self.beta, tf.float32)
        step = tf.cast(self.optimizer.iterations, tf.float32)
        return self.beta * tf.minimum(1.0, step / float(self.kl_warmup_steps))

    def kl_weight(self) -> tf.Tensor:
        """Deprecated: `current_kl_weight()` (in `VAEGAN`, `kl_weight` is a number, the
        KL's weight in the encoder's loss)."""
        warnings.warn("`VAE.kl_weight()` is deprecated; use `VAE.current_kl_weight()`.",
                      DeprecationWarning, stacklevel=2)
        return self.current_kl_weight()

    def compute_elbo_terms(
        self, x: tf.Tensor, labels: tf.Tensor | None, training: bool
    ) -> dict[str, tf.Tensor]:
        """Returns `loss`, `reconstruction`, `kl` and `elbo` for a batch (batch means).

        `loss` is the training objective, with the layer losses of the encoder and the
        decoder (regularizers, `add_loss`); `training` also picks the noise stream.
        """
        posterior = self.posterior(x, labels, training)
        z = self.posterior_sample(posterior,
                                  Stream.POSTERIOR if training else Stream.EVAL_POSTERIOR)
        params = self.decoder_params(z, labels, training)
        layer_losses = self.network_losses(self.encoder, self.decoder)
        reconstruction = -tf.reduce_mean(self.likelihood.log_prob(params, x))
        kl = tf.reduce_mean(kgd.kl_divergence(posterior, self.prior, z))
        loss = reconstruction + self.current_kl_weight() * self.free_bits_kl(posterior, kl, z)
        return {"loss": loss + layer_losses, "reconstruction": reconstruction, "kl": kl,
                "elbo": -(reconstruction + kl)}

    def free_bits_kl(self, posterior, kl: tf.Tensor, z: tf.Tensor) -> tf.Tensor:
        """The KL term with free bits: `sum_j max(free_bits, E_batch[KL_j])`.

        `E_batch` is the mean over the global batch: under N replicas its value comes from
        an all-reduce and its gradient from this replica's examples, so N replicas train
        like one device. `KL_j` is analytic when TFP knows the pair, else the Monte Carlo
        estimate `log q_j(z_j) - log p_j(z_j)` with the posterior sample `z`.
        """
        if self.free_bits == 0.0:
            return kl
        per_dim = kgd.kl_per_dimension(posterior, self.prior, z)
        local_sum = tf.reduce_sum(per_dim, axis=0)
        count = tf.cast(tf.shape(per_dim)[0], per_dim.dtype)
        local_mean = local_sum / count
        totals = cross_replica_sum(tf.stop_gradient(tf.concat([local_sum, count[None]], 0)))
        global_mean = totals[:-1] / totals[-1]
        active = global_mean > self.free_bits
        # value: the global mean where active; gradient: this replica's share of it
        clamped = tf.where(active, local_mean + tf.stop_gradient(global_mean - local_mean),
                           tf.cast(self.free_bits, per_dim.dtype))
        return tf.reduce_sum(clamped)

    def unpack_batch(self, data: Any) -> tuple[tf.Tensor, tf.Tensor | None]:
        x, labels = self.split_batch(data)
        return tf.cast(x, tf.float32), labels

    def train_step(self, data: Any) -> dict[str, tf.Tensor]:
        x, labels = self.unpack_batch(data)
        with tf.GradientTape() as tape:
            terms = self.compute_elbo_terms(x, labels, training=True)
            loss = self.scaled_loss(self.optimizer, terms["loss"])
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_variables, strict=True))
        return self.update_metrics(terms)

    def test_step(self, data: Any) -> dict[str, tf.Tensor]:
        self.count_eval_batch()
        x, labels = self.unpack_batch(data)
        return self.update_metrics(self.compute_elbo_terms(x, labels, training=False))

    # ------------------------------------------------------------- public methods
    def encode(self, x: Any, labels: Any = None):
        """Returns the posterior `q(z | x)` as a `tfd.Distribution` (batch shape `(n,)`)."""
        self.require_built("encode")
        x, labels = self.check_data(x, labels)
        return self.posterior(tf.constant(x), self._label_tensor(labels))

    def decode(self, z: Any, labels: Any = None):
        """Returns the likelihood `p(x | z)` as a `tfd.Distribution` (batch shape `(n,)`)."""
        self.require_built("decode")
        z = self._check_latent(z)
        labels = self._check_sample_labels(labels, int(z.shape[0]))
        return self.likelihood.distribution(self.decoder_params(z, self._label_tensor(labels)))

    def generate(self, z: tf.Tensor, labels: Any = None) -> tf.Tensor:
        return self.likelihood.mean(self.decoder_params(z, self._label_tensor(labels)))

    def _check_latent(self, z: Any) -> tf.Tensor:
        z = as_numpy(z).astype(np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"`z` must have shape (n, {self.latent_dim}), got {z.shape}.")
        return tf.constant(z)

    def _label_tensor(self, labels: Any) -> tf.Tensor | None:
        return None if labels is None or not self.conditional else tf.constant(labels)

    # ------------------------------------------------------------------- config
    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            encoder=self.serialize_network(self.encoder),
            decoder=self.serialize_network(self.decoder),
            likelihood="auto" if self.given_auto("likelihood") else self.likelihood.get_config(),
            likelihood_scale=self.likelihood_scale,
            beta=self.beta,
            free_bits=self.free_bits,
        )
        return config


@keras.saving.register_keras_serializable(package="keras_genmodels")
class ConditionalVAE(VAE):
    """A VAE conditioned on class labels (Sohn et al., 2015): `q(z | x, y)`, `p(x | z, y)`.

    The one-hot label is appended to the image as constant channels (or to vectors as
    features) for the encoder, and to the code for the decoder. Train on `(x, y)`;
    `sample(n, labels=...)` generates examples of the requested classes.

    Example:

    ```python
    cvae = kg.ConditionalVAE(latent_dim=8, num_classes=10)
    cvae.compile()
    cvae.fit(x_train, y_train, epochs=5, batch_size=128)
    sevens = cvae.sample(16, labels=7, seed=0)
    ```

    Args:
        latent_dim: size of the latent code.
        num_classes: number of classes, >= 2.
        **kwargs: the `VAE` arguments.
    """

    def __init__(self, latent_dim: int, num_classes: int | None = None, **kwargs: Any):
        super().__init__(latent_dim, num_classes=required_classes(num_classes, "ConditionalVAE"),
                         **kwargs)

    def encoder_inputs(self, x, labels):
        return self.with_condition(x, labels)

    def decoder_inputs(self, z, labels):
        return self.with_condition(z, labels)

    def split_inputs(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError("ConditionalVAE expects inputs `[x, labels]`.")
        return inputs[0], inputs[1]

