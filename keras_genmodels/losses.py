"""Adversarial losses and penalties as pure functions of logits and critics.

Every loss takes the discriminator's raw outputs (logits, or a critic's scores) of shape
`(batch,)` or `(batch, 1)`, computes in float32 whatever the input dtype (so a
`mixed_float16` network's outputs are safe), and returns the scalar mean over the batch.
The cross-entropy losses are written with `softplus` / `sigmoid_cross_entropy_with_logits`
and never with `log(sigmoid(.))`, so they stay finite for logits of any size. All of them
are plain TensorFlow ops: they run eagerly, inside a compiled `train_step`, and under XLA.

A GAN picks its pair of losses by name:

```python
d_loss_fn, g_loss_fn = get_adversarial_loss("hinge")
d_loss = d_loss_fn(real_logits, fake_logits)
g_loss = g_loss_fn(fake_logits)
```
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import tensorflow as tf

from keras_genmodels.validation import check_choice

__all__ = [
    "ADVERSARIAL_LOSSES",
    "get_adversarial_loss",
    "gradient_penalty",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_generator_loss",
    "r1_penalty",
    "wasserstein_critic_loss",
    "wasserstein_generator_loss",
]

TensorLike = Any
DiscriminatorLoss = Callable[[TensorLike, TensorLike], tf.Tensor]
GeneratorLoss = Callable[[TensorLike], tf.Tensor]

# Keeps the derivative of sqrt finite when a gradient is exactly zero (keras-io issue 624).
_NORM_EPSILON = 1e-12


def _float32(x: TensorLike) -> tf.Tensor:
    return tf.cast(tf.convert_to_tensor(x), tf.float32)


def minimax_discriminator_loss(
    real_logits: TensorLike, fake_logits: TensorLike, label_smoothing: float = 0.0
) -> tf.Tensor:
    """The discriminator's cross-entropy loss of the original GAN.

    The discriminator is a binary classifier of real against generated data; this is its
    binary cross-entropy. The non-saturating GAN trains its discriminator with the same
    loss, so `"non_saturating"` in `ADVERSARIAL_LOSSES` pairs it with
    `non_saturating_generator_loss`.

    #### Mathematical Details

    With `D(x) = sigmoid(l(x))` for logits `l` and a real-data target `t = 1 - s`
    (one-sided label smoothing `s`, Salimans et al. 2016; `s = 0` gives the plain loss):

    ```none
    loss = -E_x[t log D(x) + (1 - t) log(1 - D(x))] - E_z[log(1 - D(G(z)))]
         =  E_x[softplus(l) - t l] + E_z[softplus(l(G(z)))]
    ```

    Goodfellow et al. (2014), "Generative Adversarial Nets", eq. 1.

    Example:

    >>> minimax_discriminator_loss([2.0, -1.0], [-3.0, 0.5])  # doctest: +SKIP
    <tf.Tensor: shape=(), dtype=float32, numpy=1.2...>

    Args:
        real_logits: the discriminator's logits on real data, shape `(batch,)` or
            `(batch, 1)`.
        fake_logits: the discriminator's logits on generated data, same shape rules.
        label_smoothing: `s` in `[0, 1)`; the real-data target becomes `1 - s`. Default 0.

    Returns:
        A float32 scalar: the sum of the two batch means.
    """
    real_logits, fake_logits = _float32(real_logits), _float32(fake_logits)
    real_targets = tf.fill(tf.shape(real_logits), 1.0 - tf.cast(label_smoothing, tf.float32))
    real_loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=real_targets, logits=real_logits)
    fake_loss = tf.nn.softplus(fake_logits)
    return tf.reduce_mean(real_loss) + tf.reduce_mean(fake_loss)


def minimax_generator_loss(fake_logits: TensorLike) -> tf.Tensor:
    """The generator's loss of the original (saturating) minimax GAN.

    The generator minimises the discriminator's log-probability of calling its samples
    fake. Its gradient vanishes when the discriminator rejects the samples confidently,
    which is why `non_saturating_generator_loss` is used in practice; this one is here
    for experiments that reproduce the original game.

    #### Mathematical Details

    ```none
    loss = E_z[log(1 - D(G(z)))] = -E_z[softplus(l(G(z)))]
    ```

    Goodfellow et al. (2014), "Generative Adversarial Nets", eq. 1.

    Example:

    >>> minimax_generator_loss([2.0, -1.0])  # doctest: +SKIP
    <tf.Tensor: shape=(), dtype=float32, numpy=-1.2...>

    Args:
        fake_logits: the discriminator's logits on generated data, shape `(batch,)` or
            `(batch, 1)`.

    Returns:
        A float32 scalar (always <= 0).
    """
    return -tf.reduce_mean(tf.nn.softplus(_float32(fake_logits)))


def non_saturating_generator_loss(fake_logits: TensorLike) -> tf.Tensor:
    """The generator's non-saturating GAN loss.

    Instead of minimising the probability of being caught, the generator maximises the
    probability of being taken for real; same fixed point, strong gradients early in
    training. Pair it with `minimax_discriminator_loss`.

    #### Mathematical Details

    ```none
    loss = -E_z[log D(G(z))] = E_z[softplus(-l(G(z)))]
    ```

    Goodfellow et al. (2014), "Generative Adversarial Nets", section 3.

    Example:

    >>> non_saturating_generator_loss([2.0, -1.0])  # doctest: +SKIP
    <tf.Tensor: shape=(), dtype=float32, numpy=0.72...>

    Args:
        fake_logits: the discriminator's logits on generated data, shape `(batch,)` or
            `(batch, 1)`.

    Returns:
        A float32 scalar (always >= 0).
    """
    return tf.reduce_mean(tf.nn.softplus(-_float32(fake_logits)))


def hinge_discriminator_loss(real_logits: TensorLike, fake_logits: TensorLike) -> tf.Tensor:
    """The discriminator's hinge loss (SNGAN, SAGAN, BigGAN).

    #### Mathematical Details

    ```none
    loss = E_x[relu(1 - D(x))] + E_z[relu(1 + D(G(z)))]
    ```

    Lim & Ye (2017), "Geometric GAN"; Miyato et al. (2018), "Spectral Normalization for
    Generative Adversarial Networks".

    Example:

    >>> hinge_discriminator_loss([2.0, -1.0], [-3.0, 0.5])  # doctest: +SKIP
    <tf.Tensor: shape=(), dtype=float32, numpy=1.75>

    Args:
        real_logits: the discriminator's raw outputs on real data, shape `(batch,)` or
            `(batch, 1)`.
        fake_logits: the discriminator's raw outputs on generated data.

    Returns:
        A float32 scalar: the sum of the two batch means.
    """
    real_logits, fake_logits = _float32(real_logits), _float32(fake_logits)
    return tf.reduce_mean(tf.nn.relu(1.0 - real_logits)) + tf.reduce_mean(
        tf.nn.relu(1.0 + fake_logits)
    )


def hinge_generator_loss(fake_logits: TensorLike) -> tf.Tensor:
    """The generator's loss of the hinge GAN.

    #### Mathematical Details

    ```none
    loss = -E_z[D(G(z))]
    ```

    Lim & Ye (2017), "Geometric GAN"; Miyato et al. (2018), "Spectral Normalization for
    Generative Adversarial Networks".

    Example:

    >>> hinge_generator_loss([2.0, -1.0])  # doctest: +SKIP
    <tf.Tensor: shape=(), dtype=float32, numpy=-0.5>

    Args:
        fake_logits: the discriminator's raw outputs on generated data, shape `(batch,)`
            or `(batch, 1)`.

    Returns:
        A float32 scalar.
    """
    return -tf.reduce_mean(_float32(fake_logits))


def least_squares_discriminator_loss(real_logits: TensorLike, fake_logits: TensorLike) -> tf.Tensor:
    """The discriminator's least-squares GAN loss.

    #### Mathematical Details

    With targets `a = 0` (fake) and `b = 1` (real) on the discriminator's raw outputs:

    ```none
    loss = 0.5 E_x[(D(x) - 1)^2] + 0.5 E_z[D(G(z))^2]
    ```

    Mao et al. (2017), "Least Squares Generative Adversarial Networks", eq. 2 with
    `a = 0, b = 1, c = 1`.

    Example:

    >>> least_squares_discriminator_loss([2.0, -1.0], [-3.0, 0.5])  # doctest: +SKIP
    <tf.Tensor: shape=(), dtype=float32, numpy=3.5625>

    Args:
        real_logits: the discriminator's raw outputs on real data, shape `(batch,)` or
            `(batch, 1)`.
        fake_logits: the discriminator's raw outputs on generated data.

    Returns:
        A float32 scalar.
    """
    real_logits, fake_logits = _float32(real_logits), _float32(fake_logits)
    return 0.5 * tf.reduce_mean(tf.square(real_logits - 1.0)) + 0.5 * tf.reduce_mean(
        tf.square(fake_logits)
    )


def least_squares_generator_loss(fake_logits: TensorLike) -> tf.Tensor:
    """The generator's least-squares GAN loss.

    #### Mathematical Details

    ```none
    loss = 0.5 E_z[(D(G(z)) - 1)^2]
    ```

    Mao et al. (2017), "Least Squares Generative Adversarial Networks", eq. 2 with
    `c = 1`.

    Example:

    >>> least_squares_generator_loss([2.0, -1.0])  # doctest: +SKIP
    <tf.Tensor: shape=(), dtype=float32, numpy=1.25>

    Args:
        fake_logits: the discriminator's raw outputs on generated data, shape `(batch,)`
            or `(batch, 1)`.

    Returns:
        A float32 scalar.
    """
    return 0.5 * tf.reduce_mean(tf.square(_float32(fake_logits) - 1.0))


def wasserstein_critic_loss(real_scores: TensorLike, fake_scores: TensorLike) -> tf.Tensor:
    """The critic's Wasserstein GAN loss.

    The critic estimates the Wasserstein-1 distance through the Kantorovich-Rubinstein
    duality; it must be kept (close to) 1-Lipschitz, by weight clipping (WGAN) or by
    `gradient_penalty` (WGAN-GP).

    #### Mathematical Details

    ```none
    loss = E_z[f(G(z))] - E_x[f(x)]
    ```

    Arjovsky et al. (2017), "Wasserstein Generative Adversarial Networks", eq. 3.

    Example:

    >>> wasserstein_critic_loss([2.0, -1.0], [-3.0, 0.5])  # doctest: +SKIP
    <tf.Tensor: shape=(), dtype=float32, numpy=-1.75>

    Args:
        real_scores: the critic's outputs on real data, shape `(batch,)` or `(batch, 1)`.
        fake_scores: the critic's outputs on generated data.

    Returns:
        A float32 scalar: minus the critic's estimate of the distance.
    """
    return tf.reduce_mean(_float32(fake_scores)) - tf.reduce_mean(_float32(real_scores))


def wasserstein_generator_loss(fake_scores: TensorLike) -> tf.Tensor:
    """The generator's Wasserstein GAN loss.

    #### Mathematical Details

    ```none
    loss = -E_z[f(G(z))]
    ```

    Arjovsky et al. (2017), "Wasserstein Generative Adversarial Networks", algorithm 1.

    Example:

    >>> wasserstein_generator_loss([2.0, -1.0])  # doctest: +SKIP
    <tf.Tensor: shape=(), dtype=float32, numpy=-0.5>

    Args:
        fake_scores: the critic's outputs on generated data, shape `(batch,)` or
            `(batch, 1)`.

    Returns:
        A float32 scalar.
    """
    return -tf.reduce_mean(_float32(fake_scores))


ADVERSARIAL_LOSSES: dict[str, tuple[DiscriminatorLoss, GeneratorLoss]] = {
    "minimax": (minimax_discriminator_loss, minimax_generator_loss),
    "non_saturating": (minimax_discriminator_loss, non_saturating_generator_loss),
    "hinge": (hinge_discriminator_loss, hinge_generator_loss),
    "least_squares": (least_squares_discriminator_loss, least_squares_generator_loss),
    "wasserstein": (wasserstein_critic_loss, wasserstein_generator_loss),
}


def get_adversarial_loss(name: str) -> tuple[DiscriminatorLoss, GeneratorLoss]:
    """Returns the `(discriminator_loss, generator_loss)` pair registered under `name`.

    Example:

    >>> d_loss_fn, g_loss_fn = get_adversarial_loss("hinge")
    >>> d_loss_fn is hinge_discriminator_loss
    True

    Args:
        name: one of `"minimax"`, `"non_saturating"`, `"hinge"`, `"least_squares"`,
            `"wasserstein"` (the keys of `ADVERSARIAL_LOSSES`).

    Returns:
        A tuple `(d_loss_fn, g_loss_fn)`: `d_loss_fn(real_logits, fake_logits)` and
        `g_loss_fn(fake_logits)`, each returning a float32 scalar.

    Raises:
        ValueError: if `name` is not a registered loss; the message lists the valid names.
    """
    check_choice(name, "loss", ADVERSARIAL_LOSSES)
    return ADVERSARIAL_LOSSES[name]


def _call(network: Callable[..., Any], x: tf.Tensor, training: bool) -> tf.Tensor:
    # Plain callables (a lambda, a tf.function) need not accept `training`.
    if isinstance(network, keras.layers.Layer):
        return network(x, training=training)
    return network(x)


def _check_same_shape(real: tf.Tensor, fake: tf.Tensor) -> None:
    if not real.shape.is_compatible_with(fake.shape):
        raise ValueError(
            f"`real` and `fake` must have the same shape, got {real.shape} and {fake.shape}."
        )


def gradient_penalty(
    critic: Callable[..., Any],
    real: TensorLike,
    fake: TensorLike,
    seed: TensorLike | None = None,
    target_norm: float = 1.0,
    training: bool = True,
    epsilon: TensorLike | None = None,
) -> tf.Tensor:
    """The WGAN-GP gradient penalty: pushes the critic's gradient norm towards 1.

    The penalty is evaluated at random points on the straight lines between real and
    generated examples, where the optimal critic has gradients of norm exactly 1. The
    caller multiplies it by the penalty weight (`lambda = 10` in the paper) and adds it to
    `wasserstein_critic_loss`. Differentiating it with respect to the critic's weights
    needs second derivatives; all Keras layers provide them.

    #### Mathematical Details

    ```none
    eps_i ~ U[0, 1]  (one per example, broadcast over the example's axes)
    x_hat_i = eps_i x_i + (1 - eps_i) x~_i
    penalty = E_i[(||grad_x f(x_hat_i)||_2 - k)^2],   k = target_norm
    ```

    The norm is computed as `sqrt(sum(g^2) + 1e-12)` over all non-batch axes, so the
    penalty's own gradient is finite when a gradient is exactly zero (keras-io issue 624).

    Gulrajani et al. (2017), "Improved Training of Wasserstein GANs", algorithm 1.

    Example:

    >>> critic = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
    ...                            keras.layers.Dense(1)])
    >>> real = tf.random.uniform((8, 28, 28, 1))
    >>> fake = tf.random.uniform((8, 28, 28, 1))
    >>> gp = gradient_penalty(critic, real, fake, seed=tf.constant([0, 1]))
    >>> gp.shape
    TensorShape([])

    Args:
        critic: a callable (usually a `keras.Model`) mapping a batch to scores of shape
            `(batch,)` or `(batch, 1)`. Keras layers are called with `training=training`.
        real: real examples, shape `(batch, ...)`: images `(batch, H, W, C)` or vectors
            `(batch, D)`.
        fake: generated examples, same shape as `real`.
        seed: a shape-`[2]` integer tensor for `tf.random.stateless_uniform`; key it by
            the step (and replica) so that resumed runs repeat exactly.
        target_norm: the gradient norm `k` the penalty pulls towards. Default 1.
        training: passed to a Keras `critic`. Default True.
        epsilon: the interpolation weights `(batch,)` in [0, 1], drawn by the caller
            (e.g. one slice of a global draw per replica); given, `seed` is not used.

    Returns:
        A float32 scalar.
    """
    real, fake = _float32(real), _float32(fake)
    _check_same_shape(real, fake)
    shape = tf.shape(real)
    eps_shape = tf.concat([shape[:1], tf.ones_like(shape[1:])], axis=0)
    if epsilon is not None:
        eps = tf.reshape(_float32(epsilon), eps_shape)
    elif seed is not None:
        eps = tf.random.stateless_uniform(eps_shape, seed=seed, dtype=tf.float32)
    else:
        raise ValueError("`gradient_penalty` needs `seed` or `epsilon`.")
    interpolates = eps * real + (1.0 - eps) * fake
    with tf.GradientTape() as tape:
        tape.watch(interpolates)
        scores = _float32(_call(critic, interpolates, training))
    grads = tape.gradient(scores, interpolates)
    grads = tf.reshape(grads, [shape[0], -1])
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=1) + _NORM_EPSILON)
    return tf.reduce_mean(tf.square(norms - tf.cast(target_norm, tf.float32)))


def r1_penalty(
    discriminator: Callable[..., Any], real: TensorLike, training: bool = True
) -> tf.Tensor:
    """The R1 penalty: the squared gradient norm of the discriminator on real data.

    Penalising the gradient on real data only makes the GAN game locally convergent. The
    caller multiplies it by `gamma / 2` and adds it to the discriminator's loss (every
    step, or every few steps with a correspondingly larger weight, "lazy regularisation").

    #### Mathematical Details

    ```none
    penalty = E_x[||grad_x D(x)||_2^2]        (the loss term is gamma / 2 * penalty)
    ```

    where `D` is the discriminator's logit. No square root is taken, so the penalty is
    smooth everywhere.

    Mescheder et al. (2018), "Which Training Methods for GANs do actually Converge?", eq. 9.

    Example:

    >>> disc = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> penalty = r1_penalty(disc, tf.random.normal((16, 2)))
    >>> d_loss_extra = 10.0 / 2 * penalty

    Args:
        discriminator: a callable (usually a `keras.Model`) mapping a batch to logits of
            shape `(batch,)` or `(batch, 1)`. Keras layers get `training=training`.
        real: real examples, shape `(batch, ...)`.
        training: passed to a Keras `discriminator`. Default True.

    Returns:
        A float32 scalar.
    """
    real = _float32(real)
    with tf.GradientTape() as tape:
        tape.watch(real)
        logits = _float32(_call(discriminator, real, training))
    grads = tape.gradient(logits, real)
    grads = tf.reshape(grads, [tf.shape(real)[0], -1])
    return tf.reduce_mean(tf.reduce_sum(tf.square(grads), axis=1))
