"""The discriminator's penalties as pure functions of a critic and its inputs.

Both take the discriminator (a Keras layer or model, or any callable from a batch to raw
scores) and return a float32 scalar, differentiable with respect to the discriminator's
weights, so a `train_step` adds them to the discriminator's loss under its tape:

- `gradient_penalty`: WGAN-GP's two-sided penalty on random interpolates of real and
  generated examples (Gulrajani et al., 2017);
- `r1_penalty`: the squared gradient norm on real examples (Mescheder et al., 2018).

The gradient norm takes a small epsilon inside the square root, so its derivative stays
finite where a gradient is exactly zero (keras-io issue 624).

Example:

```python
penalty = gradient_penalty(critic, real, fake, epsilon=tf.random.uniform([n]))
d_loss = wasserstein_critic_loss(critic(real), critic(fake)) + 10.0 * penalty
```
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import tensorflow as tf

__all__ = ["gradient_penalty", "r1_penalty"]

TensorLike = Any

# Keeps the derivative of sqrt finite when a gradient is exactly zero (keras-io issue 624).
_NORM_EPSILON = 1e-12


def _float32(x: TensorLike) -> tf.Tensor:
    return tf.cast(tf.convert_to_tensor(x), tf.float32)


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
