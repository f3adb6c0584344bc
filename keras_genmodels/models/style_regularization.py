"""Lazy R1 and path-length regularisation of `StyleGAN` (Karras et al., 2020).

A mixin of `keras_genmodels.models.stylegan.StyleGAN` (one concern per module); see that
module for the losses these penalties enter.

- *R1* (Mescheder et al., 2018): `gamma / 2 * E|grad_x D(x)|^2` on real images, with
  `gamma` given (`r1_weight`) or StyleGAN2-ADA's heuristic `0.0002 * resolution^2 /
  minibatch`, the global minibatch of the step.
- *Path length* (StyleGAN2, section 3.2): `E[(|J_w^T y|_2 - a)^2]` with
  `y ~ N(0, I) / sqrt(H W)` in image space and `a` the running mean of the lengths.
- *Lazy regularisation* (StyleGAN2, section 3.1): each penalty is computed on every
  `interval`-th step only, by `lazily`.

Example:

```python
apply = stylegan.lazy_step(stylegan.r1_interval)     # True on every 16th step
gamma = stylegan.r1_gamma_of(32)                     # 0.0002 * 32^2 / 32 at 32 px
```
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from keras_genmodels.models.cross_replica import replica_offset
from keras_genmodels.models.random_streams import Stream


class StyleRegularization:
    """Mixin of `StyleGAN`: the R1 weight, lazy steps and path-length regularisation."""

    @property
    def r1_enabled(self) -> bool:
        """Whether the R1 penalty is on (the heuristic, or a given `gamma > 0`)."""
        return self.r1_gamma is None or self.r1_gamma > 0.0

    def r1_gamma_of(self, batch_size: Any) -> Any:
        """`gamma` for a step on `batch_size` examples (the global minibatch under a
        strategy): the given `r1_weight`, or StyleGAN2-ADA's heuristic
        `0.0002 * resolution^2 / minibatch`."""
        if self.r1_gamma is not None:
            return self.r1_gamma
        _, total = replica_offset(batch_size)
        return 0.0002 * self.resolution**2 / tf.cast(total, tf.float32)

    #: How a lazy penalty is skipped: `"cond"` (a `tf.cond`: nothing is computed on the
    #: other steps) or `"mask"` (computed every step and multiplied by 0 or 1). Measured
    #: at 16 px, channels 32, batch 16, default intervals, on 2 shared CPU cores: "cond"
    #: took 0.86x the step time of "mask" (minimum of 4 alternated 16-step runs).
    lazy_regularization = "cond"

    def lazy_step(self, interval: int) -> tf.Tensor:
        return tf.equal(self.optimizer.iterations % interval, 0)

    def lazily(self, apply: tf.Tensor, penalty: Any, skipped: Any) -> Any:
        """`penalty()` where `apply` is true, else `skipped` (same structure)."""
        if self.lazy_regularization == "mask":
            mask = tf.cast(apply, tf.float32)
            return tf.nest.map_structure(lambda v: v * mask, penalty())
        return tf.cond(apply, penalty, lambda: skipped)

    def path_length_inputs(self, n: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """The draws of path-length regularisation for `n` examples (drawn outside its
        `tf.cond`, where the replicas' collective ops may run): codes, synthesis noise
        and image-space directions `y ~ N(0, I) / sqrt(H W)`."""
        size = self.resolution
        channels = self.synthesis_network.output.shape[-1]
        return (self.prior_sample(n, Stream.PATH_LENGTH_LATENT),
                self.synthesis_noise(n, Stream.SYNTHESIS_NOISE, 2),
                self.replica_noise(lambda m, seed: tf.random.stateless_normal(
                    [m, size, size, channels], seed) / size, n, Stream.PATH_LENGTH_DIRECTION))

    def path_length(self, z, noise, direction) -> tuple[tf.Tensor, tf.Tensor]:
        """`(penalty, sum of the lengths)` of path-length regularisation."""
        ws = self.broadcast_styles(self.map_latent(z, training=True))
        with tf.GradientTape() as inner:
            inner.watch(ws)
            images = self.synthesize_internal(ws, noise, training=True)
            projection = tf.reduce_sum(images * direction)
        gradients = inner.gradient(projection, ws)
        lengths = tf.sqrt(tf.reduce_mean(tf.reduce_sum(tf.square(gradients), 2), 1) + 1e-8)
        penalty = tf.reduce_mean(tf.square(lengths - tf.stop_gradient(self.path_length_mean)))
        return penalty, tf.reduce_sum(lengths)
