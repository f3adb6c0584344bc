"""Every random draw of a training or evaluation step, by name.

A model's noise is drawn with stateless random ops whose seed is derived from

    (model seed, stream, step, index)

by successive `stateless_fold_in`s, where `stream` is a member of `Stream` (what the draw
is for), `step` is the optimizer's iteration count in training and the number of batches
evaluated so far in `evaluate`, and `index` tells apart repeated draws of one stream in
one step (the critic updates of a WGAN). Each part enters the key separately, so two
draws share a seed only when they are the same draw: no option (however many critic
steps) can make two streams collide, as magic salt numbers did in 0.1.

Keyed by the step, the noise of a resumed run repeats that of an uninterrupted one. Under
a strategy with N replicas every replica draws the noise of the whole global batch from
the same seed and keeps its own slice (its offset is the sum of the batch sizes of the
replicas before it), so N replicas train exactly like one device on the same global
batch, and a ragged last batch still gets distinct noise on every replica.

Example:

```python
eps = model.replica_noise(
    lambda n, seed: tf.random.stateless_normal([n, 8], seed),
    batch_size, Stream.POSTERIOR)
```
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

import keras
import tensorflow as tf

from keras_genmodels.models.cross_replica import on_several_replicas, replica_offset


class Stream(enum.IntEnum):
    """What a random draw is for; the value is part of the seed."""

    #: the reparameterised sample of the posterior q(z|x) (VAE, VAE-GAN)
    POSTERIOR = 1
    #: codes from the prior decoded as extra samples (VAE-GAN's x_p)
    PRIOR = 2
    #: codes of the generated batch of a discriminator (critic) update; index: the update
    DISCRIMINATOR_LATENT = 3
    #: codes of the generator update
    GENERATOR_LATENT = 4
    #: instance noise on the real half of a discriminator update; index: the update
    INSTANCE_NOISE_REAL = 5
    #: instance noise on the generated half of a discriminator update; index: the update
    INSTANCE_NOISE_FAKE = 6
    #: the interpolation weights of WGAN-GP's penalty; index: the update
    PENALTY_INTERPOLATION = 7
    #: the k-means++ seeding of a self-conditioned GAN's clusters (its first step)
    CLUSTER_INIT = 10
    #: StyleGAN: the second code of style mixing; index: 0 discriminator, 1 generator update
    STYLE_MIXING_LATENT = 20
    #: StyleGAN: whether to mix and the crossover layer (one per batch); index as above
    STYLE_MIXING_CUTOFF = 21
    #: StyleGAN: the per-pixel noise inputs of the synthesis network; index: 0
    #: discriminator update, 1 generator update, 2 path-length regularisation
    SYNTHESIS_NOISE = 22
    #: StyleGAN: the codes of path-length regularisation
    PATH_LENGTH_LATENT = 23
    #: StyleGAN: the random image-space directions of path-length regularisation
    PATH_LENGTH_DIRECTION = 24
    #: StyleGAN: the fixed noise inputs of `generate`/`synthesize` (not keyed by any step)
    CONSTANT_SYNTHESIS_NOISE = 25
    #: StyleGAN: the per-image noise inputs of `sample` (keyed by its seed, not the model's)
    SAMPLE_SYNTHESIS_NOISE = 26
    #: whether each image entering a CycleGAN history pool swaps with a stored one;
    #: index: the pool (0: domain A's discriminator, 1: domain B's)
    POOL_SWAP = 8
    #: which stored image each such swap takes; index: the pool
    POOL_SLOT = 9
    #: every draw of `evaluate` (keyed by the evaluated batch, not the optimizer step)
    EVAL_POSTERIOR = 101
    EVAL_PRIOR = 102
    EVAL_LATENT = 103
    EVAL_PENALTY_INTERPOLATION = 104
    EVAL_SYNTHESIS_NOISE = 105


#: Streams drawn in `test_step`: their step is the number of batches evaluated so far.
EVAL_STREAMS = frozenset({Stream.EVAL_POSTERIOR, Stream.EVAL_PRIOR, Stream.EVAL_LATENT,
                          Stream.EVAL_PENALTY_INTERPOLATION, Stream.EVAL_SYNTHESIS_NOISE})


class RandomStreams:
    """Mixin of `GenerativeModel`: seeds and replica-exact noise for every `Stream`."""

    def create_eval_counter(self) -> None:
        """Creates the counter of evaluated batches (call once, in `__init__`).

        It is not one of the model's weights (set past Keras' attribute tracking): it
        restarts at every `evaluate`, so there is nothing to save, and files saved
        without it (0.1) still load.
        """
        counter = keras.Variable(0, dtype="int64", trainable=False,
                                 aggregation="only_first_replica", name="eval_batches")
        object.__setattr__(self, "eval_batches", counter)

    def count_eval_batch(self) -> None:
        """Advances the evaluation step: the first line of every `test_step`, so each
        evaluated batch draws its own noise."""
        self.eval_batches.assign_add(1)

    def reset_eval_counter(self) -> None:
        """Restarts the evaluation noise: every `evaluate` call draws the same noise."""
        self.eval_batches.assign(0)

    def noise_seed(self, stream: Stream, index: int = 0) -> tf.Tensor:
        """Returns the stateless-RNG seed (int32, shape `[2]`, as TFP wants) of a draw.

        Args:
            stream: what the draw is for.
            index: tells apart repeated draws of one stream within a step.
        """
        if stream in EVAL_STREAMS:
            step = self.eval_batches
        else:
            optimizer = getattr(self, "optimizer", None)  # None before `compile`
            step = optimizer.iterations if optimizer is not None else 0
        seed = tf.constant([self.seed, int(stream)], tf.int64)
        seed = tf.random.experimental.stateless_fold_in(seed, tf.cast(step, tf.int64))
        seed = tf.random.experimental.stateless_fold_in(seed, tf.constant(index, tf.int64))
        return tf.cast(seed, tf.int32)

    def replica_noise(
        self, sampler: Callable[[Any, tf.Tensor], tf.Tensor], batch_size: Any,
        stream: Stream, index: int = 0,
    ) -> tf.Tensor:
        """Draws `sampler(n, seed)` noise for this replica's `batch_size` examples.

        Every replica draws the noise of the global batch from the same seed and keeps
        the slice at its offset in the global batch.
        """
        seed = self.noise_seed(stream, index)
        if not on_several_replicas():
            return sampler(batch_size, seed)
        offset, total = replica_offset(batch_size)
        return sampler(total, seed)[offset : offset + batch_size]

    def posterior_sample(self, posterior: Any, stream: Stream) -> tf.Tensor:
        """A reparameterised sample `mu + sigma * eps` of a diagonal-Gaussian posterior."""
        loc = posterior.mean()
        eps = self.replica_noise(
            lambda n, seed: tf.random.stateless_normal([n, self.latent_dim], seed),
            tf.shape(loc)[0], stream)
        return loc + posterior.stddev() * eps

    def prior_sample(self, batch_size: Any, stream: Stream, index: int = 0) -> tf.Tensor:
        """Codes from the prior for this replica's `batch_size` examples (float32)."""
        return tf.cast(self.replica_noise(
            lambda n, seed: self.prior.sample(n, seed=seed), batch_size, stream, index),
            tf.float32)
