"""`GenerativeModel`: what every model family of the package shares.

A family (VAE, GAN, ...) subclasses it and writes a one-screen `train_step`; the base
class supplies the rest so every family has it from its first commit:

- a latent prior and `sample(n, seed=..., labels=...)`;
- input checks at the boundary, once per `fit`/`evaluate`/`predict` call, and building
  default networks from the shape of the first data seen (`models/inputs.py`);
- `compile()` with one optimizer per network, per-family defaults chosen by the kind of
  data (`models/optimizer_slots.py`, `models/defaults.py`), and a compile config that
  survives `.keras` saving;
- replica-aware loss scaling (`scale_for_replicas`) for `tf.distribute`, and the layer
  losses of each network (`network_losses`);
- named random streams for stateless random ops keyed by (seed, stream, step, index), so
  a resumed run repeats an uninterrupted one and N replicas draw the noise of one device
  (`models/random_streams.py`);
- config plumbing for sub-networks and the prior.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_genmodels import distributions as kgd
from keras_genmodels.collectives import isolate_collectives
from keras_genmodels.interpolation import interpolate_latents
from keras_genmodels.models.data_defaults import DataDefaults, data_kind_of
from keras_genmodels.models.inputs import InputChecks
from keras_genmodels.models.model_precision import ModelPrecision
from keras_genmodels.models.optimizer_slots import OptimizerSlots
from keras_genmodels.models.random_streams import RandomStreams
from keras_genmodels.models.serving import Serving
from keras_genmodels.precision import policy_scope
from keras_genmodels.validation import as_numpy, check_conditions, check_positive_int


class GenerativeModel(DataDefaults, InputChecks, ModelPrecision, OptimizerSlots, RandomStreams,
                      Serving, keras.Model):
    """Base class of the package's generative models (a `keras.Model`).

    Subclasses implement `build_networks(data_shape)`, `generate(z, labels)` (latent
    codes to data in the public range) and their `train_step`/`test_step`.

    Example:

    ```python
    class MyModel(GenerativeModel):
        def build_networks(self, data_shape): ...
        def generate(self, z, labels=None): ...
    ```

    Args:
        latent_dim: size of the latent code, an integer >= 1.
        num_classes: number of classes for a conditional model, or `None`.
        prior: a `tfp.distributions.Distribution` over `(latent_dim,)` codes; `None` gives
            the standard normal.
        seed: integer base seed of the training noise; `None` draws one at construction
            (it is stored in the config, so a reloaded model draws the same noise).
        data_shape: shape of one example (no batch axis); given, the networks are built
            at once, otherwise from the first data that `fit` sees.
        precision: `"auto"` (the default), `"float32"`, `"mixed_bfloat16"` or
            `"mixed_float16"`: the dtype policy of the model and of the networks it
            builds (networks you pass keep theirs). `"auto"` follows a mixed global
            policy you set, else takes bfloat16 where the hardware computes it natively
            and the family is measured to lose no quality in it, else float32
            (`keras_genmodels.precision`); `model.precision` says what it resolved to.
            The config keeps `"auto"`, resolved again where the model is loaded. Keras'
            global policy is never changed.
        **kwargs: passed to `keras.Model` (e.g. `name`).
    """

    def __init__(
        self,
        latent_dim: int,
        num_classes: int | None = None,
        prior: Any = None,
        seed: int | None = None,
        data_shape: tuple[int, ...] | None = None,
        precision: str = "auto",
        **kwargs: Any,
    ):
        super().__init__(dtype=self.precision_policy(precision, kwargs.pop("dtype", None),
                                                     data_shape), **kwargs)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.num_classes = None if num_classes is None else check_positive_int(
            num_classes, "num_classes", minimum=2
        )
        self._custom_prior = prior is not None
        self.prior = kgd.check_prior(prior, self.latent_dim)
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        self.seed = check_positive_int(seed, "seed", minimum=0)
        self.data_shape: tuple[int, ...] | None = None
        self._initial_data_shape = None if data_shape is None else tuple(data_shape)
        self._defaults_kind: str | None = None
        self.create_eval_counter()

    def finish_init(self) -> None:
        """Called by subclasses at the end of `__init__`: builds the networks now when
        `data_shape` was given (always the case for a model restored from a config)."""
        if self._initial_data_shape is not None:
            self.build((None, *self._initial_data_shape))

    # ----------------------------------------------------------------- subclass hooks
    def build_networks(self, data_shape: tuple[int, ...]) -> None:
        """Creates the sub-networks for examples of shape `data_shape` (no batch axis)."""
        raise NotImplementedError

    def generate(self, z: tf.Tensor, labels: tf.Tensor | None = None) -> tf.Tensor:
        """Maps latent codes `(n, latent_dim)` to data `(n, *data_shape)` in [0, 1]."""
        raise NotImplementedError

    @property
    def conditional(self) -> bool:
        return self.num_classes is not None

    @property
    def requires_unit_interval(self) -> bool:
        """Whether data must lie in [0, 1]; images always must."""
        return True

    @property
    def data_kind(self) -> str | None:
        """`"image"` (rank-3 examples), `"vector"` (rank 1), or `None` before building."""
        return None if self.data_shape is None else data_kind_of(self.data_shape)

    # ------------------------------------------------------------------------ building
    def build(self, input_shape: Any = None) -> None:
        if self.data_shape is None:
            shape = input_shape[0] if self.conditional and _is_nested(input_shape) else input_shape
            self.data_shape = tuple(int(d) for d in shape[1:])
            self.resolve_auto_arguments(self.data_shape)
            self.settle_precision(self.data_shape)
            missing = [n for n in self.network_arguments if getattr(self, n, None) is None]
            with policy_scope(self.precision):  # the networks take the model's policy
                self.build_networks(self.data_shape)
            self.record_built_networks(missing)
        self.built = True
        if self.compiled and self._defaults_kind not in (None, self.data_kind):
            # `compile()` ran before the data was seen: take the defaults of this data
            self.compile_optimizers(self._requested_optimizers, **self._compile_kwargs)
        self.build_optimizers()

    def build_from_data(self, x: np.ndarray) -> None:
        """Builds the networks for data like `x` (a batch), if not built yet, in the
        model's strategy (`fit` may run outside the scope the model was made in)."""
        if not self.built or self.data_shape is None:
            with self.distribute_strategy.scope():
                self.build((None, *x.shape[1:]))

    # ------------------------------------------------- the strategy's collective ops
    # Every Keras entry point (`fit`, `evaluate`, `predict`, the `*_on_batch` methods)
    # makes its step function here before TensorFlow traces or runs a collective op.
    def make_train_function(self, force: bool = False):
        isolate_collectives(self.distribute_strategy)
        return super().make_train_function(force)

    def make_test_function(self, force: bool = False):
        isolate_collectives(self.distribute_strategy)
        return super().make_test_function(force)

    def make_predict_function(self, force: bool = False):
        isolate_collectives(self.distribute_strategy)
        return super().make_predict_function(force)

    # --------------------------------------------------------------- training helpers
    @staticmethod
    def scale_for_replicas(loss: tf.Tensor) -> tf.Tensor:
        """Divides a per-replica mean loss by the number of replicas in sync.

        Gradients are summed across replicas, so this makes one step on N replicas
        equal to one step on a single device with the same global batch.
        """
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        return loss / tf.cast(replicas, loss.dtype) if replicas > 1 else loss

    @staticmethod
    def network_losses(*networks: keras.layers.Layer | None) -> tf.Tensor:
        """The sum of the layer losses of `networks` (weight regularizers, activity
        regularizers, `add_loss`), float32; 0 when there are none.

        Read it right after the network's forward pass of the step: Keras clears a
        network's activity losses whenever the network is called again.
        """
        losses = [tf.cast(loss, tf.float32) for net in networks if net is not None
                  for loss in net.losses]
        return tf.add_n(losses) if losses else tf.constant(0.0, tf.float32)

    def scaled_loss(self, optimizer: keras.optimizers.Optimizer, loss: tf.Tensor) -> tf.Tensor:
        """The loss to differentiate: replica-scaled, then loss-scaled for mixed precision.
        Call it inside the `GradientTape` so the scaling is recorded."""
        return optimizer.scale_loss(self.scale_for_replicas(loss))

    def one_hot(self, labels: tf.Tensor, depth: int | None = None) -> tf.Tensor:
        """One-hot float encoding of integer labels `(batch,)` for conditional networks,
        `depth` wide (default `num_classes`; a self-conditioned GAN passes its clusters);
        rows `(batch, depth)` (one-hot or soft labels) are taken as they are."""
        depth = depth or self.num_classes
        labels = tf.convert_to_tensor(labels)
        if labels.shape.rank == 2 and labels.shape[-1] == depth and depth > 1:
            return tf.cast(labels, self.compute_dtype)
        labels = tf.reshape(tf.cast(labels, tf.int32), [-1])
        return tf.one_hot(labels, depth, dtype=self.compute_dtype)

    def with_condition(self, x: tf.Tensor, labels: tf.Tensor, depth: int | None = None
                       ) -> tf.Tensor:
        """`x` with the one-hot `labels` appended: as features of codes and vectors, as
        constant channels of images `(batch, H, W, C)`."""
        one_hot = tf.cast(self.one_hot(labels, depth), x.dtype)
        if len(x.shape) == 4:
            one_hot = tf.tile(one_hot[:, None, None, :], [1, tf.shape(x)[1], tf.shape(x)[2], 1])
        return tf.concat([x, one_hot], axis=-1)

    @staticmethod
    def apply(optimizer, scaled_loss: tf.Tensor, tape: tf.GradientTape, variables) -> None:
        """Applies the gradients of `scaled_loss` (from `tape`) to `variables`."""
        gradients = tape.gradient(scaled_loss, variables)
        optimizer.apply_gradients(zip(gradients, variables, strict=True))

    def update_metrics(self, terms: dict[str, Any]) -> dict[str, tf.Tensor]:
        """Updates every metric named in `terms` with its value; returns the step's logs.

        A value `(value, computed)` is a term computed on some steps only (a lazy
        penalty): it counts where `computed` is true, so its metric averages those steps.
        """
        for metric in self.metrics:
            if metric.name in terms:
                value = terms[metric.name]
                if isinstance(value, tuple):
                    value, computed = value
                    metric.update_state(value, sample_weight=tf.cast(computed, tf.float32))
                else:
                    metric.update_state(value)
        return self.result_dict()

    def result_dict(self) -> dict[str, tf.Tensor]:
        """The step's logs: every metric's current result."""
        results = {m.name: m.result() for m in self.metrics}
        if _in_multi_worker_mode(tf.distribute.get_strategy()):
            # Keras 3 reduces per-replica logs under MultiWorkerMirroredStrategy with
            # strategy.reduce("MEAN", v, axis=0), which fails on scalars
            # (tensorflow/tensorflow#72388): give each a length-1 axis to reduce over.
            results = {name: tf.reshape(value, [1]) for name, value in results.items()}
        return results

    # --------------------------------------------------------------- public sampling
    def sample_latent(self, n: int, seed: int | None = None) -> tf.Tensor:
        """Draws `n` codes from the prior; the same `seed` gives the same codes."""
        n = check_positive_int(n, "n")
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        seed = check_positive_int(seed, "seed", minimum=0)
        return tf.cast(self.prior.sample(n, seed=tf.constant([seed, 0], tf.int32)), tf.float32)

    def sample(
        self, n: int, seed: int | None = None, labels: Any = None, batch_size: int = 256
    ) -> np.ndarray:
        """Generates `n` examples: float32 in [0, 1], NHWC for images.

        Args:
            n: number of examples.
            seed: integer seed; the same seed gives the same examples.
            labels: class labels `(n,)` (or one label for all), required by conditional
                models and ignored by others.
            batch_size: examples decoded per batch.

        Returns:
            A numpy array of shape `(n, *data_shape)`.
        """
        self.require_built("sample")
        z = self.sample_latent(n, seed)
        labels = self._check_sample_labels(labels, int(z.shape[0]))
        return self.generate_batched(z, labels, batch_size)

    def generate_batched(
        self, z: Any, labels: np.ndarray | None = None, batch_size: int = 256
    ) -> np.ndarray:
        """Runs `generate` over `z` in batches and returns a numpy array."""
        z = tf.convert_to_tensor(as_numpy(z), tf.float32)
        outputs = []
        for start in range(0, int(z.shape[0]), batch_size):
            batch_labels = None if labels is None else labels[start : start + batch_size]
            outputs.append(self.generate(z[start : start + batch_size], batch_labels))
        return np.concatenate([np.asarray(o, np.float32) for o in outputs], axis=0)

    def reconstruct(self, x: Any, labels: Any = None, batch_size: int = 256) -> np.ndarray:
        """Decodes the posterior means of `x`: float32, same shape as `x`.

        Only models with an encoder (`encode`) can reconstruct; others raise `TypeError`.
        """
        z = self._encoder_of("reconstruct")(x, labels).mean()
        labels = None if labels is None else as_numpy(labels)
        return self.generate_batched(z, self._check_sample_labels(labels, int(z.shape[0])),
                                     batch_size)

    def interpolate(
        self, x_a: Any, x_b: Any, steps: int = 8, method: str = "linear", labels: Any = None
    ) -> np.ndarray:
        """Decodes a path between the posterior means of `x_a` and `x_b`.

        Args:
            x_a: one example or a batch.
            x_b: the same shape as `x_a`.
            steps: points on each path, both ends included (>= 2).
            method: `"linear"` or `"slerp"`.
            labels: labels of the pairs (conditional models).

        Only models with an encoder (`encode`) can interpolate between data; others raise
        `TypeError` (interpolate their codes with `interpolate_latents` and `generate`).

        Returns:
            `(steps, *data_shape)` for single examples, `(batch, steps, *data_shape)` for
            batches.
        """
        encode = self._encoder_of("interpolate")
        self.require_built("interpolate")
        single = np.ndim(as_numpy(x_a)) == len(self.data_shape)
        x_a, x_b = (as_numpy(v)[None] if single else v for v in (x_a, x_b))
        if labels is not None and np.ndim(as_numpy(labels)) == 0:
            labels = np.full([len(x_a)], int(as_numpy(labels)))
        z_a = encode(x_a, labels).mean()
        z_b = encode(x_b, labels).mean()
        path = interpolate_latents(z_a, z_b, steps, method)
        batch = path.shape[0]
        path_labels = None if labels is None else np.repeat(as_numpy(labels), steps)
        path_labels = self._check_sample_labels(path_labels, batch * steps)
        images = self.generate_batched(path.reshape(batch * steps, -1), path_labels)
        images = images.reshape((batch, steps, *images.shape[1:]))
        return images[0] if single else images

    def _encoder_of(self, method: str):
        encode = getattr(self, "encode", None)
        if encode is None:
            raise TypeError(
                f"{type(self).__name__} has no encoder, so it cannot `{method}()` data; "
                "use a VAE-family model."
            )
        return encode

    @property
    def images(self) -> bool:
        """Whether the model's data are images (rank 3 per example)."""
        return self.data_kind == "image"

    def _check_sample_labels(self, labels: Any, n: int) -> np.ndarray | None:
        if not self.conditional:
            return None
        if labels is not None and np.ndim(as_numpy(labels)) == 0:
            labels = np.full([n], int(as_numpy(labels)))
        return check_conditions(labels, self.num_classes, "labels", batch_size=n)

    def require_built(self, method: str) -> None:
        """Raises `ValueError` naming `method` when the networks are not built yet (the
        check of every public method that needs them, in the package and outside it).

        Example:

        ```python
        kg.VAE(2).require_built("sample")   # ValueError: `sample()` needs a built model
        ```
        """
        if self.data_shape is None:
            raise ValueError(
                f"`{method}()` needs a built model: call `fit` first, or `build((None, "
                "*data_shape))` when the networks were not given."
            )

    # ------------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("dtype", None)  # `precision` says it, "auto" resolved where loaded
        config.update(
            **self.precision_config(),
            latent_dim=self.latent_dim,
            num_classes=self.num_classes,
            seed=self.seed,
            data_shape=self.data_shape,
            prior=kgd.serialize_distribution(self.prior) if self._custom_prior else None,
            **self.auto_arguments_config(),
        )
        return config

    #: The constructor's arguments that are networks (or layers), saved in the config
    #: with `serialize_network`; `from_config` deserialises them.
    network_arguments: tuple[str, ...] = ()
    #: Keys that configs saved by earlier versions hold and the constructor no longer
    #: takes (state the model now rebuilds from its other arguments); `from_config`
    #: drops them, so those files still load.
    legacy_config_keys: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> GenerativeModel:
        """The model of a `get_config()` dict: its networks and its prior deserialised.

        Example:

        ```python
        clone = kg.GAN.from_config(gan.get_config())   # same networks, fresh weights
        ```
        """
        config = cls.precision_on_load({key: value for key, value in config.items()
                                        if key not in cls.legacy_config_keys})
        for key in cls.network_arguments:
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        if isinstance(config.get("prior"), dict):
            config["prior"] = kgd.deserialize_distribution(config["prior"])
        # built after the "auto" arguments learn what they resolved to when saved
        data_shape = config.pop("data_shape", None)
        resolved = config.pop("data_defaults", None) or {}
        model = super().from_config(config)
        model.restore_auto_arguments(resolved)
        if data_shape is not None:
            model._initial_data_shape = tuple(data_shape)
            model.finish_init()
        return model

    @staticmethod
    def serialize_network(network: keras.Model | None) -> dict[str, Any] | None:
        return None if network is None else keras.saving.serialize_keras_object(network)


def required_classes(num_classes: int | None, family: str) -> int:
    """`num_classes` of a conditional family, which must be given (checked by the base)."""
    if num_classes is None:
        raise ValueError(f"`num_classes` is required for {family} (an integer >= 2).")
    return num_classes


def _in_multi_worker_mode(strategy: Any) -> bool:
    """Keras' own test for its multi-worker reduction path (trainer.py)."""
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and (
        strategy.extended._in_multi_worker_mode()
    )


def _is_nested(shape: Any) -> bool:
    return isinstance(shape, (list, tuple)) and len(shape) > 0 and isinstance(
        shape[0], (list, tuple)
    )
