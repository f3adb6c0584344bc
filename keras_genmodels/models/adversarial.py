"""`Adversarial`: what the families that play a generator against a discriminator share.

`GAN` (and `ConditionalGAN`, `WGAN`, `WGANGP`), `StyleGAN` and `CycleGAN` each write their
own losses and `train_step`; this mixin holds only the pieces all of them use whole:

- two optimizer slots: `g_optimizer` (the generator's, which is also `model.optimizer`,
  whose step counts training steps and keys the noise) and `d_optimizer`, with
  `compile(g_optimizer=None, d_optimizer=None, **kwargs)`;
- one `keras.metrics.Mean` per name of `metric_names()` (`d_loss`, `g_loss`, `d_real`,
  `d_fake` and a family's own), listed in `metrics`;
- the exponential moving average of a generator's weights (Yazici et al., 2019),
  `moving_average_copy` and `update_moving_average`.

Example:

```python
class MyGAN(Adversarial, GenerativeModel):
    def metric_names(self):
        return ("d_loss", "g_loss", "d_real", "d_fake", "penalty")

    def optimizer_variables(self):
        return {"g_optimizer": self.generator.trainable_variables,
                "d_optimizer": self.discriminator.trainable_variables}
```

`discriminate_pair(discriminate, real, fake, labels, training)`, a function beside the
mixin, scores a real and a generated batch in one pass of the discriminator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import keras
import tensorflow as tf


class Adversarial:
    """Mixin of a `GenerativeModel` with a generator and a discriminator (see above).

    The family calls `create_trackers()` in `__init__` and defines `metric_names()` and
    `optimizer_variables()` (the variables of `g_optimizer` and of `d_optimizer`).
    """

    optimizer_slots = ("g_optimizer", "d_optimizer")

    def metric_names(self) -> tuple[str, ...]:
        """The names of the metrics the family reports."""
        return ("d_loss", "g_loss", "d_real", "d_fake")

    def create_trackers(self) -> None:
        """Makes one `keras.metrics.Mean` per name of `metric_names()`."""
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names()}

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return list(self.trackers.values())

    @property
    def g_optimizer(self) -> keras.optimizers.Optimizer:
        """The generator's optimizer (it is also `model.optimizer`)."""
        return self.optimizer

    def compile(
        self, g_optimizer: Any = None, d_optimizer: Any = None, **kwargs: Any
    ) -> None:
        """Configures training with one optimizer for the generator side and one for the
        discriminator side.

        Args:
            g_optimizer: the generator's optimizer; `None` for the family default.
            d_optimizer: the discriminator's optimizer; `None` for the family default.
            **kwargs: other `keras.Model.compile` arguments (`jit_compile`, ...).
        """
        self.compile_optimizers({"g_optimizer": g_optimizer, "d_optimizer": d_optimizer},
                                **kwargs)

    @staticmethod
    def moving_average_copy(network: keras.Model) -> keras.Model:
        """A frozen copy of `network` with its weights: the start of its moving average."""
        copy = keras.models.clone_model(network)
        copy.set_weights(network.get_weights())
        copy.trainable = False
        return copy

    @staticmethod
    def update_moving_average(pairs: Iterable[tuple[keras.Model, keras.Model]],
                              decay: Any) -> None:
        """`ema <- decay * ema + (1 - decay) * weight` for every `(average, network)` pair."""
        for average, network in pairs:
            for ema, weight in zip(average.weights, network.weights, strict=True):
                ema.assign(decay * ema + (1.0 - decay) * weight)


def discriminate_pair(discriminate: Callable[..., tf.Tensor], real: tf.Tensor,
                      fake: tf.Tensor, labels: Any, training: bool
                      ) -> tuple[tf.Tensor, tf.Tensor]:
    """`(D(real), D(fake))` from one pass of `discriminate(x, labels, training)` over both
    batches (cheaper than two passes of half the size); `labels` belong to both halves.

    Example:

    ```python
    d_real, d_fake = discriminate_pair(gan.discriminate, real, fake, None, training=True)
    ```
    """
    both_labels = None if labels is None else tf.concat([labels, labels], axis=0)
    scores = discriminate(tf.concat([real, tf.cast(fake, real.dtype)], axis=0), both_labels,
                          training)
    return tuple(tf.split(scores, 2, axis=0))
