"""`LinearDecay`: a learning rate held constant, then decayed linearly to zero.

Mathematical Details

For optimizer step `t` (the optimizer's `iterations` before the update), start `s` and
length `n` of the decay:

```none
lr(t) = lr_0 * (1 - clip((t - s) / n, 0, 1))
```

so the rate is `lr_0` until step `s` and reaches 0 at step `s + n`. CycleGAN (Zhu et al.,
2017, section 4) keeps the rate for 100 epochs and decays it linearly to zero over the
next 100. Keyed by the optimizer's step, the schedule is restored with it: a resumed run
follows the same rates as an uninterrupted one.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from keras_genmodels.validation import check_non_negative, check_positive_int


@keras.saving.register_keras_serializable(package="keras_genmodels")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """A constant learning rate, then a linear decay to zero (CycleGAN's schedule).

    Example:

    ```python
    schedule = LinearDecay(2e-4, decay_start=1000, decay_steps=1000)
    optimizer = keras.optimizers.Adam(schedule, beta_1=0.5)
    float(schedule(1500))   # 1e-4
    ```

    Args:
        initial_learning_rate: float > 0, the rate before the decay.
        decay_start: int >= 0, the step at which the decay starts; `None` for no decay.
        decay_steps: int >= 1, steps from `initial_learning_rate` to 0; `None` (or 0) for
            no decay.
    """

    def __init__(self, initial_learning_rate: float, decay_start: int | None = None,
                 decay_steps: int | None = None):
        rate = check_non_negative(initial_learning_rate, "initial_learning_rate")
        if rate == 0.0:
            raise ValueError("`initial_learning_rate` must be > 0, got 0.")
        self.initial_learning_rate = rate
        # variables, so that `set_decay` changes a traced training step without a retrace
        self._start = tf.Variable(-1, dtype=tf.int64, trainable=False, name="decay_start")
        self._steps = tf.Variable(0, dtype=tf.int64, trainable=False, name="decay_steps")
        self.set_decay(decay_start, decay_steps)

    def set_decay(self, decay_start: int | None, decay_steps: int | None) -> None:
        """Sets when the decay starts and how long it lasts (`None`: no decay)."""
        start = None if decay_start is None else check_positive_int(
            decay_start, "decay_start", minimum=0)
        steps = None if decay_steps is None else check_positive_int(
            decay_steps, "decay_steps", minimum=0)
        self._start.assign(-1 if start is None else start)
        self._steps.assign(-1 if steps is None else steps)

    @property
    def decay_start(self) -> int | None:
        start = int(self._start.numpy())
        return None if start < 0 else start

    @property
    def decay_steps(self) -> int | None:
        steps = int(self._steps.numpy())
        return None if steps < 0 else steps

    @property
    def decays(self) -> bool:
        """Whether the rate ever changes."""
        return self.decay_start is not None and bool(self.decay_steps)

    def __call__(self, step: Any) -> tf.Tensor:
        rate = tf.constant(self.initial_learning_rate, tf.float32)
        start = tf.cast(self._start, tf.float32)
        steps = tf.cast(self._steps, tf.float32)
        fraction = tf.clip_by_value(
            (tf.cast(step, tf.float32) - start) / tf.maximum(steps, 1.0), 0.0, 1.0)
        decays = tf.logical_and(start >= 0.0, steps > 0.0)
        return rate * (1.0 - tf.where(decays, fraction, 0.0))

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_start": self.decay_start, "decay_steps": self.decay_steps}
