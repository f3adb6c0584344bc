"""Wasserstein GANs: `WGAN` (weight clipping) and `WGANGP` (gradient penalty).

Mathematical Details

The critic `f` estimates the Wasserstein-1 distance
`W(P_r, P_g) = sup_{|f|_L <= 1} E_{P_r}[f(x)] - E_{P_g}[f(x)]` (Arjovsky et al., 2017);
it takes `critic_steps` updates on `E[f(G(z))] - E[f(x)]` per generator update on
`-E[f(G(z))]`. `WGAN` keeps `f` Lipschitz by clipping every critic weight to
`[-clip_value, clip_value]` after each update. `WGANGP` (Gulrajani et al., 2017) adds
`lambda * E[(|grad f(x_hat)|_2 - 1)^2]` on random interpolates `x_hat` of real and
generated examples instead. Both report `wasserstein`, the critic's estimate
`E[f(x)] - E[f(G(z))]` (higher means the critic separates them better).
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from keras_genmodels.models.gan import GAN
from keras_genmodels.models.random_streams import Stream
from keras_genmodels.penalties import gradient_penalty
from keras_genmodels.validation import check_non_negative, check_positive_int


class _Wasserstein(GAN):
    """What the two Wasserstein GANs share: the loss, `critic_steps`, the estimate."""

    def __init__(self, latent_dim: int, critic_steps: int = 5, real_batches: str = "reuse",
                 **kwargs: Any):
        kwargs.pop("loss", None)
        kwargs.pop("discriminator_steps", None)
        critic_steps = check_positive_int(critic_steps, "critic_steps")
        super().__init__(latent_dim, loss="wasserstein", discriminator_steps=critic_steps,
                         real_batches=real_batches, **kwargs)

    @property
    def critic_steps(self) -> int:
        return self.discriminator_steps

    def get_config(self):
        config = super().get_config()
        config["critic_steps"] = self.critic_steps
        return config


@keras.saving.register_keras_serializable(package="keras_genmodels")
class WGAN(_Wasserstein):
    """A Wasserstein GAN with weight clipping (Arjovsky et al., 2017).

    Example:

    ```python
    wgan = kg.WGAN(latent_dim=8, clip_value=0.01)
    wgan.compile()                      # images: RMSprop(5e-5), as in the paper
    wgan.fit(x_train, epochs=20, batch_size=64)
    ```

    Args:
        latent_dim: size of the latent code.
        critic_steps: critic updates per generator update, >= 1.
        real_batches: `"reuse"` (default) or `"fresh"`, see `WGANGP`.
        clip_value: every critic weight is clipped to `[-clip_value, clip_value]`, > 0.
            `"auto"` (the default) takes the data's row of
            `models.defaults.CLIP_VALUE_DEFAULTS` when the networks are built: the
            paper's 0.01 for images, 0.05 for vectors.
        **kwargs: the `GAN` arguments (networks, `num_classes`, `ema_decay`, ...).
    """

    optimizer_family = "WGAN"

    def __init__(self, latent_dim: int, critic_steps: int = 5,
                 clip_value: float | str = "auto", **kwargs: Any):
        self.auto_argument("clip_value", clip_value, _check_clip_value)
        super().__init__(latent_dim, critic_steps=critic_steps, **kwargs)

    def discriminator_update(self, real, labels, step):
        terms = super().discriminator_update(real, labels, step)
        for weight in self.optimizer_variables()["d_optimizer"]:
            weight.assign(tf.clip_by_value(weight, -self.clip_value, self.clip_value))
        return terms



@keras.saving.register_keras_serializable(package="keras_genmodels")
class WGANGP(_Wasserstein):
    """A Wasserstein GAN with gradient penalty (Gulrajani et al., 2017).

    The default critic has no batch normalisation, which the penalty forbids.

    Example:

    ```python
    gan = kg.WGANGP(latent_dim=64, critic_steps=5, gradient_penalty_weight=10.0)
    gan.compile()                       # Adam(1e-4, beta_1=0.0, beta_2=0.9), as in the paper
    gan.fit(x_train, epochs=50, batch_size=64)
    ```

    Args:
        latent_dim: size of the latent code.
        critic_steps: critic updates per generator update, >= 1.
        real_batches: `"reuse"` (the default, as keras.io's WGAN-GP): every critic update
            of a step sees the whole `fit` batch; `"fresh"`: the batch is dealt into
            `critic_steps` disjoint minibatches, one per update, as in Algorithm 1 of the
            paper (pass `batch_size = critic_steps * m` for minibatches of `m`; the
            generator update then uses `m` codes). "reuse" stays the default because
            `batch_size` then keeps its meaning (examples per critic update) and, at equal
            epochs, it covered more `ring8` modes (5/8 against 2/8 at 40 epochs); at equal
            compute "fresh" gave sharper mnist10k digits (classifier-feature Frechet
            distance 35 against 43, `benchmarks/critic_batches.py`), so prefer it when
            the budget is compute rather than epochs.
        gradient_penalty_weight: `lambda`, >= 0. `"auto"` (the default) takes the data's
            row of `models.defaults.PENALTY_WEIGHT_DEFAULTS` when the networks are built:
            the paper's 10 for images, 1 for vectors.
        **kwargs: the `GAN` arguments (networks, `num_classes`, `ema_decay`, ...).
    """

    optimizer_family = "WGANGP"

    def __init__(self, latent_dim: int, critic_steps: int = 5,
                 gradient_penalty_weight: float | str = "auto", **kwargs: Any):
        self.auto_argument("gradient_penalty_weight", gradient_penalty_weight,
                           lambda v: check_non_negative(v, "gradient_penalty_weight"))
        super().__init__(latent_dim, critic_steps=critic_steps, **kwargs)

    def metric_names(self):
        return super().metric_names() + ("gradient_penalty",)

    def penalties(self, real, fake, labels, step, training):
        """R1 where `r1_weight` is given, and the gradient penalty
        `lambda * E[(|grad f(x_hat)|_2 - 1)^2]` on interpolates of `real` and `fake` with
        weights `epsilon ~ U[0, 1]` per example."""
        stream = Stream.PENALTY_INTERPOLATION if training else Stream.EVAL_PENALTY_INTERPOLATION
        epsilon = self.replica_noise(
            lambda n, seed: tf.random.stateless_uniform([n], seed), tf.shape(real)[0],
            stream, step)
        penalty = gradient_penalty(
            lambda v: self.discriminate(v, labels, training=training), real, fake,
            epsilon=epsilon)
        return {**super().penalties(real, fake, labels, step, training),
                "gradient_penalty": (self.gradient_penalty_weight, penalty)}


def _check_clip_value(value: Any) -> float:
    value = check_non_negative(value, "clip_value")
    if value == 0.0:
        raise ValueError("`clip_value` must be > 0, got 0.")
    return value
