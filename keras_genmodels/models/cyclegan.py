"""`CycleGAN`: unpaired image-to-image translation between two domains.

Mathematical Details

Two generators `G: A -> B` and `F: B -> A` and two discriminators `D_A`, `D_B` (Zhu et al.,
2017, "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial Networks").
With least-squares adversarial losses (Mao et al., 2017) and images in [-1, 1]:

```none
g_loss = E_a[(D_B(G(a)) - 1)^2] + E_b[(D_A(F(b)) - 1)^2]                  (adversarial)
       + lambda * (E_a|F(G(a)) - a|_1 + E_b|G(F(b)) - b|_1)                 (cycle)
       + lambda * mu * (E_b|G(b) - b|_1 + E_a|F(a) - a|_1)                  (identity)
d_a_loss = 0.5 * (E_a[(D_A(a) - 1)^2] + E[D_A(F(b)_pool)^2])
d_b_loss = 0.5 * (E_b[(D_B(b) - 1)^2] + E[D_B(G(a)_pool)^2])
```

with `lambda = cycle_weight = 10` and `mu = identity_weight = 0.5` (the paper's values),
the discriminators' loss halved as in the paper, and `X_pool` the image history of
`ImagePool` (50 images per discriminator). Each `train_step` updates both generators
with one optimizer, then both discriminators with another, on the generated images of
that step passed through the pools. Adam(2e-4, beta_1=0.5) for both, with the rate held
for the first half of training and decayed linearly to 0 over the second (`LinearDecay`).
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_genmodels import losses as kgl
from keras_genmodels.models.adversarial import Adversarial
from keras_genmodels.models.base import GenerativeModel
from keras_genmodels.models.cross_replica import (
    cross_replica_rows,
    on_several_replicas,
    replica_offset,
)
from keras_genmodels.models.image_pool import ImagePool
from keras_genmodels.models.random_streams import Stream
from keras_genmodels.models.schedules import LinearDecay
from keras_genmodels.models.tanh_range import TanhRange
from keras_genmodels.networks.cyclegan import default_cyclegan_networks
from keras_genmodels.validation import (
    check_choice,
    check_images,
    check_non_negative,
    check_positive_int,
    check_shape_matches,
)

#: `translate`'s directions.
DIRECTIONS = ("a_to_b", "b_to_a")
_NETWORKS = ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")
_FORMS = ("a pair `(domain_a, domain_b)` of image arrays (of any lengths), or a "
          "tf.data.Dataset / keras.utils.PyDataset of `(batch_a, batch_b)` pairs")


@keras.saving.register_keras_serializable(package="keras_genmodels")
class CycleGAN(Adversarial, TanhRange, GenerativeModel):
    """Unpaired image-to-image translation with cycle consistency (Zhu et al., 2017).

    Trains on two sets of images that need not be paired: `fit(x=(domain_a, domain_b))`
    with arrays of any lengths (the shorter set is cycled to the longer's length, so an
    epoch sees every image of the longer set once; pairs are shuffled each epoch with
    `shuffle=True`), or a `tf.data.Dataset` of `(batch_a, batch_b)` pairs. Which image of
    A meets which of B in a batch does not matter: no loss term links them.

    Reported metrics: `g_loss` (the total generator loss), `d_a_loss`, `d_b_loss`,
    `cycle_loss` and `identity_loss` (the mean L1 errors summed over both directions,
    unweighted, in the [-1, 1] range).

    The learning rate of the default optimizers (`compile()` with none given) follows
    `LinearDecay`: with `decay_start` and `decay_steps` left `None`, each `fit` call keeps
    Adam's rate for the first half of its steps and decays it linearly to zero over the
    second half (the paper's 100 + 100 epochs); give both (in optimizer steps) to train
    across several `fit` calls, or `decay_steps=0` for a constant rate.

    There is no latent prior: `sample` raises `TypeError`; `predict(x)` and `model(x)`
    translate from A to B.

    Example:

    ```python
    import keras_genmodels as kg

    (a_train, b_train), (a_test, b_test) = kg.datasets.load("shapes_filled_outlined")
    model = kg.CycleGAN()
    model.compile()
    model.fit(x=(a_train, b_train[::-1]), epochs=2, batch_size=16)   # unpaired
    outlined = model.translate(a_test[:8], direction="a_to_b")
    ```

    Args:
        generator_ab: a `keras.Model` from A images to B images in [-1, 1] (tanh), or
            `None` for the default ResNet generator (`default_cyclegan_networks`).
        generator_ba: the same from B to A.
        discriminator_a: a `keras.Model` from A images to raw scores of any shape (a
            PatchGAN grid), or `None`.
        discriminator_b: the same for B images.
        cycle_weight: `lambda`, weight of the cycle-consistency loss. Paper: 10.
        identity_weight: `mu`, weight of the identity loss relative to `cycle_weight`
            (the loss is weighted `lambda * mu`). Paper: 0.5; 0 disables it.
        pool_size: generated images kept per discriminator (`ImagePool`); 0 shows the
            discriminators the latest images only. Paper: 50.
        learning_rate: Adam's rate for the default optimizers. Paper: 2e-4.
        decay_start: optimizer step at which the default optimizers' rate starts to
            decay, or `None` (see above).
        decay_steps: steps of the linear decay to 0, `None` (see above) or 0 (no decay).
        seed: base seed of the pools' random draws.
        data_shape: `(H, W, C)` of the images of both domains, to build at construction.
        **kwargs: passed to `keras.Model` (e.g. `name`).
    """

    optimizer_family = "GAN"
    network_arguments = _NETWORKS

    def __init__(
        self,
        generator_ab: keras.Model | None = None,
        generator_ba: keras.Model | None = None,
        discriminator_a: keras.Model | None = None,
        discriminator_b: keras.Model | None = None,
        cycle_weight: float = 10.0,
        identity_weight: float = 0.5,
        pool_size: int = 50,
        learning_rate: float = 2e-4,
        decay_start: int | None = None,
        decay_steps: int | None = None,
        seed: int | None = None,
        data_shape: tuple[int, ...] | None = None,
        **kwargs: Any,
    ):
        super().__init__(1, seed=seed, data_shape=data_shape, **kwargs)
        self.cycle_weight = check_non_negative(cycle_weight, "cycle_weight")
        self.identity_weight = check_non_negative(identity_weight, "identity_weight")
        self.pool_size = check_positive_int(pool_size, "pool_size", minimum=0)
        self.learning_rate = check_non_negative(learning_rate, "learning_rate")
        if self.learning_rate == 0.0:
            raise ValueError("`learning_rate` must be > 0, got 0.")
        if (decay_start is None) != (decay_steps is None):
            raise ValueError(
                "`decay_start` and `decay_steps` go together: give both (in optimizer "
                f"steps) or neither, got decay_start={decay_start!r}, "
                f"decay_steps={decay_steps!r}.")
        # checked by LinearDecay
        self.decay_start = LinearDecay(1.0, decay_start, decay_steps).decay_start
        self.decay_steps = None if decay_steps is None else int(decay_steps)
        networks = (generator_ab, generator_ba, discriminator_a, discriminator_b)
        for name, network in zip(_NETWORKS, networks, strict=True):
            setattr(self, name, network)
        self.pool_a = self.pool_b = None
        self.create_trackers()
        self.finish_init()

    # ------------------------------------------------------------------ structure
    def metric_names(self) -> tuple[str, ...]:
        return ("g_loss", "d_a_loss", "d_b_loss", "cycle_loss", "identity_loss")

    def build_networks(self, data_shape: tuple[int, ...]) -> None:
        if len(data_shape) != 3:
            raise ValueError(f"CycleGAN translates images (H, W, C); got examples of shape "
                             f"{tuple(data_shape)}.")
        if any(getattr(self, name) is None for name in _NETWORKS):
            defaults = default_cyclegan_networks(tuple(data_shape))
            for name, network in zip(_NETWORKS, defaults, strict=True):
                if getattr(self, name) is None:
                    setattr(self, name, network)
        if self.pool_size:
            self.pool_a = ImagePool(self.pool_size, data_shape, name="pool_a")
            self.pool_b = ImagePool(self.pool_size, data_shape, name="pool_b")

    def optimizer_variables(self) -> dict[str, list]:
        return {
            "g_optimizer": self.generator_ab.trainable_variables
            + self.generator_ba.trainable_variables,
            "d_optimizer": self.discriminator_a.trainable_variables
            + self.discriminator_b.trainable_variables,
        }

    def default_optimizers(self) -> dict[str, keras.optimizers.Optimizer]:
        """`compile()`'s optimizers: one for both generators (`g_optimizer`) and one for
        both discriminators (`d_optimizer`), each Adam(`learning_rate`, beta_1=0.5) with
        the `LinearDecay` schedule."""
        return {slot: keras.optimizers.Adam(
            LinearDecay(self.learning_rate, self.decay_start, self.decay_steps), beta_1=0.5)
            for slot in self.optimizer_slots}

    # ----------------------------------------------------------------- the model
    def call(self, inputs: Any, training: bool = False) -> tf.Tensor:
        """Translates images in [0, 1] from domain A to domain B (for `predict`)."""
        return self.to_public(self.generator_ab(self.to_internal(inputs), training=training))

    def translate(self, x: Any, direction: str = "a_to_b", batch_size: int = 256) -> np.ndarray:
        """Translates images from one domain to the other.

        Args:
            x: images `(n, H, W, C)`, float in [0, 1].
            direction: `"a_to_b"` (with `generator_ab`) or `"b_to_a"`.
            batch_size: images per batch.

        Returns:
            float32 numpy array of the shape of `x`, in [0, 1].
        """
        direction = check_choice(direction, "direction", DIRECTIONS)
        batch_size = check_positive_int(batch_size, "batch_size")
        self.require_built("translate")
        x = check_images(x, "x", min_rank=4, max_rank=4)
        check_shape_matches(x, self.data_shape, "x")
        generator = self.generator_ab if direction == "a_to_b" else self.generator_ba
        return np.concatenate([
            np.asarray(self.to_public(generator(self.to_internal(x[i:i + batch_size]),
                                                training=False)))
            for i in range(0, len(x), batch_size)])

    def sample(self, n: int, seed: int | None = None, labels: Any = None,
               batch_size: int = 256) -> np.ndarray:
        """CycleGAN has no latent prior to sample from: raises `TypeError`."""
        raise TypeError("CycleGAN translates images between two domains and has no latent "
                        "prior to sample from; use `translate(x, direction='a_to_b')`.")

    def sample_latent(self, n: int, seed: int | None = None) -> tf.Tensor:
        return self.sample(n, seed)

    def generate(self, z: tf.Tensor, labels: Any = None) -> tf.Tensor:
        return self.sample(0)

    # --------------------------------------------------------------- losses
    def generator_losses(self, real_a, real_b, training: bool) -> dict[str, tf.Tensor]:
        """The generators' loss terms and the generated batches (internal range)."""
        fake_b = tf.cast(self.generator_ab(real_a, training=training), tf.float32)
        fake_a = tf.cast(self.generator_ba(real_b, training=training), tf.float32)
        cycled_a = tf.cast(self.generator_ba(fake_b, training=training), tf.float32)
        cycled_b = tf.cast(self.generator_ab(fake_a, training=training), tf.float32)
        # the paper's generator loss is the mean squared error to 1, twice
        # `least_squares_generator_loss` (which halves it, as Mao et al. write it)
        adversarial = 2.0 * (
            kgl.least_squares_generator_loss(self.discriminator_b(fake_b, training=training))
            + kgl.least_squares_generator_loss(self.discriminator_a(fake_a, training=training)))
        cycle = _l1(cycled_a, real_a) + _l1(cycled_b, real_b)
        identity = tf.constant(0.0)
        if self.identity_weight:
            identity = (_l1(self.generator_ab(real_b, training=training), real_b)
                        + _l1(self.generator_ba(real_a, training=training), real_a))
        g_loss = (adversarial + self.cycle_weight * cycle
                  + self.cycle_weight * self.identity_weight * identity
                  + self.network_losses(self.generator_ab, self.generator_ba))
        return {"g_loss": g_loss, "cycle_loss": cycle, "identity_loss": identity,
                "fake_a": fake_a, "fake_b": fake_b}

    def discriminator_losses(self, real_a, real_b, fake_a, fake_b, training: bool):
        """`d_a_loss` and `d_b_loss`: the paper's halved least-squares losses."""
        d_a_loss = kgl.least_squares_discriminator_loss(
            self.discriminator_a(real_a, training=training),
            self.discriminator_a(fake_a, training=training))
        d_b_loss = kgl.least_squares_discriminator_loss(
            self.discriminator_b(real_b, training=training),
            self.discriminator_b(fake_b, training=training))
        layer_losses = self.network_losses(self.discriminator_a, self.discriminator_b)
        return {"d_a_loss": d_a_loss, "d_b_loss": d_b_loss, "layer_losses": layer_losses}

    # --------------------------------------------------------------- training
    def history_of(self, fake: tf.Tensor, pool: ImagePool | None, index: int) -> tf.Tensor:
        """The images the discriminator sees for this replica's generated batch `fake`.

        The pool is queried with the global batch (all replicas' batches gathered in
        replica order, the order of the batch on one device), with seeds keyed by the
        step: every replica computes the same update, so its one copy of the pool stays
        that of one device, and each replica keeps its own slice of the answer.
        """
        if pool is None:
            return fake
        fake = tf.stop_gradient(fake)
        accept_seed = self.noise_seed(Stream.POOL_SWAP, index)
        slot_seed = self.noise_seed(Stream.POOL_SLOT, index)
        if not on_several_replicas():
            return pool.query(fake, accept_seed, slot_seed)
        size = tf.shape(fake)[0]
        offset, _ = replica_offset(size)
        history = pool.query(cross_replica_rows(fake), accept_seed, slot_seed)
        return history[offset : offset + size]

    def unpack_domains(self, data: Any) -> tuple[tf.Tensor, tf.Tensor]:
        """`(real_a, real_b)` of a batch, in the networks' range [-1, 1]."""
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if y is None:
            x, y = x
        return self.to_internal(x), self.to_internal(y)

    def train_step(self, data: Any) -> dict[str, tf.Tensor]:
        real_a, real_b = self.unpack_domains(data)
        variables = self.optimizer_variables()
        with tf.GradientTape() as tape:
            terms = self.generator_losses(real_a, real_b, training=True)
            scaled = self.scaled_loss(self.optimizer, terms["g_loss"])
        self.apply(self.optimizer, scaled, tape, variables["g_optimizer"])
        fake_a = self.history_of(terms["fake_a"], self.pool_a, 0)
        fake_b = self.history_of(terms["fake_b"], self.pool_b, 1)
        with tf.GradientTape() as tape:
            d_terms = self.discriminator_losses(real_a, real_b, fake_a, fake_b, training=True)
            d_loss = d_terms["d_a_loss"] + d_terms["d_b_loss"] + d_terms["layer_losses"]
            scaled = self.scaled_loss(self.d_optimizer, d_loss)
        self.apply(self.d_optimizer, scaled, tape, variables["d_optimizer"])
        return self.update_metrics({**terms, **d_terms})

    def test_step(self, data: Any) -> dict[str, tf.Tensor]:
        self.count_eval_batch()
        real_a, real_b = self.unpack_domains(data)
        terms = self.generator_losses(real_a, real_b, training=False)
        d_terms = self.discriminator_losses(real_a, real_b, terms["fake_a"], terms["fake_b"],
                                            training=False)
        return self.update_metrics({**terms, **d_terms})

    # ------------------------------------------------------------ the data
    def _normalize_input(self, x: Any, y: Any, name: str) -> tuple[Any, Any]:
        """Checks a pair of domains (arrays or a dataset of pairs) and builds the networks;
        arrays of different lengths come back with the shorter one cycled."""
        if x is None:
            raise TypeError(f"`{name}` is required: {_FORMS}.")
        if isinstance(x, (tf.data.Dataset, keras.utils.PyDataset)):
            if y is not None:
                raise ValueError(f"`y` must be None when `{name}` is a {type(x).__name__}: "
                                 "it yields `(batch_a, batch_b)` pairs itself.")
            batch = self._first_batch(x, name)
            bx, by, _ = keras.utils.unpack_x_y_sample_weight(batch)
            if by is None and isinstance(bx, (tuple, list)) and len(bx) == 2:
                bx, by = bx
            if by is None or isinstance(bx, (dict, tuple, list)) or isinstance(
                    by, (dict, tuple, list)):
                raise TypeError(f"`{name}` must yield `(batch_a, batch_b)` pairs of image "
                                f"batches; its first element is {_describe(batch)}.")
            self._check_domains(bx, by, name)
            return x, None
        if y is None:
            if not isinstance(x, (tuple, list)) or len(x) != 2:
                raise TypeError(f"`{name}` must be {_FORMS}; got {_describe(x)}.")
            x, y = x
        a, b = self._check_domains(x, y, name)
        if len(a) != len(b):
            size = max(len(a), len(b))
            a, b = (v[np.arange(size) % len(v)] for v in (a, b))
        return (a, b), None

    def _check_domains(self, a: Any, b: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
        a = check_images(a, f"{name}[0] (domain A)", min_rank=4, max_rank=4)
        b = check_images(b, f"{name}[1] (domain B)", min_rank=4, max_rank=4)
        if a.shape[1:] != b.shape[1:]:
            raise ValueError(f"The domains of `{name}` must have images of one shape; got "
                             f"{a.shape[1:]} (A) and {b.shape[1:]} (B).")
        if self.data_shape is not None:
            check_shape_matches(a, self.data_shape, f"{name}[0] (domain A)")
        self.build_from_data(a)
        return a, b

    def _normalize_validation_data(self, validation_data: Any) -> Any:
        if validation_data is None:
            return None
        x, _ = self._normalize_input(validation_data, None, "validation_data")
        return x if isinstance(x, (tf.data.Dataset, keras.utils.PyDataset)) else (x,)

    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None,
            epochs: int = 1, **kwargs: Any):
        """`keras.Model.fit` on `x=(domain_a, domain_b)` (or `fit(domain_a, domain_b)`),
        or on a dataset of `(batch_a, batch_b)` pairs; see the class docstring."""
        x, y = self._normalize_input(x, y, "x")
        if kwargs.get("validation_data") is not None:
            kwargs["validation_data"] = self._normalize_validation_data(
                kwargs["validation_data"])
        self._schedule_decay(x, batch_size, epochs, kwargs)
        return keras.Model.fit(self, x, y, batch_size=batch_size, epochs=epochs, **kwargs)

    def predict(self, x: Any, *args: Any, **kwargs: Any):
        """Translates `x` (images of domain A) to domain B."""
        if not isinstance(x, (tf.data.Dataset, keras.utils.PyDataset)):
            x = check_images(x, "x", min_rank=4, max_rank=4)
            self.build_from_data(x)
            check_shape_matches(x, self.data_shape, "x")
        return keras.Model.predict(self, x, *args, **kwargs)

    def _schedule_decay(self, x: Any, batch_size: int | None, epochs: int, kwargs) -> None:
        """Spans the default optimizers' `LinearDecay` over this `fit` call's steps when
        `decay_start`/`decay_steps` were not given."""
        if self.decay_steps is not None or not self.compiled:
            return
        steps = kwargs.get("steps_per_epoch")
        if steps is None and isinstance(x, tuple):
            steps = math.ceil(len(x[0]) / (batch_size or 32))
        elif steps is None:
            cardinality = int(x.cardinality()) if isinstance(x, tf.data.Dataset) else len(x)
            steps = cardinality if cardinality > 0 else None
        if steps is None:
            return  # an endless dataset without steps_per_epoch: the rate stays constant
        total = (epochs - kwargs.get("initial_epoch", 0)) * steps
        start = int(self.optimizer.iterations.numpy()) + total // 2
        for optimizer in (self.optimizer, self.d_optimizer):
            schedule = _schedule_of(optimizer)
            if schedule is not None:
                schedule.set_decay(start, total - total // 2)

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        for key in ("latent_dim", "num_classes", "prior"):
            config.pop(key, None)
        config.update({name: self.serialize_network(getattr(self, name)) for name in _NETWORKS})
        config.update(
            cycle_weight=self.cycle_weight, identity_weight=self.identity_weight,
            pool_size=self.pool_size, learning_rate=self.learning_rate,
            decay_start=self.decay_start, decay_steps=self.decay_steps)
        return config


def _l1(x: tf.Tensor, target: tf.Tensor) -> tf.Tensor:
    return tf.reduce_mean(tf.abs(tf.cast(x, tf.float32) - tf.cast(target, tf.float32)))


def _schedule_of(optimizer: Any) -> LinearDecay | None:
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    schedule = getattr(optimizer, "_learning_rate", None)
    return schedule if isinstance(schedule, LinearDecay) else None


def _describe(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    shape = getattr(value, "shape", None)
    return f"{type(value).__name__}" + ("" if shape is None else f" of shape {tuple(shape)}")

