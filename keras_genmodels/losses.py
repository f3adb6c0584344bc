"""Adversarial losses as pure functions of logits and critics.

Every loss takes the discriminator's raw outputs (logits, or a critic's scores) of shape
`(batch,)` or `(batch, 1)`, computes in float32 whatever the input dtype (so a
`mixed_float16` network's outputs are safe), and returns the scalar mean over the batch.
The cross-entropy losses are written with `softplus` / `sigmoid_cross_entropy_with_logits`
and never with `log(sigmoid(.))`, so they stay finite for logits of any size. All of them
are plain TensorFlow ops: they run eagerly, inside a compiled `train_step`, and under XLA.

The discriminator's penalties (`gradient_penalty`, `r1_penalty`) live in
`keras_genmodels.penalties` and are exported here too.

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

import tensorflow as tf

from keras_genmodels.penalties import gradient_penalty, r1_penalty
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
