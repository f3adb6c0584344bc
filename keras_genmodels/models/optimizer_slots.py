"""`OptimizerSlots`: one optimizer per network, built, wrapped, saved and restored.

A family with several networks (a GAN's generator and discriminator, a VAE-GAN's three)
names one optimizer slot per network in `optimizer_slots`. `compile()` fills every slot
(an optimizer given, or the family's default for the kind of data,
`models.defaults.OPTIMIZER_DEFAULTS`); the first slot becomes `model.optimizer` (its step
counts training steps and keys the noise), the others are model attributes. Each extra
optimizer is wrapped for loss scaling under `mixed_float16`, built eagerly (needed under
`tf.distribute`), saved with the model and restored by `load_model`, and `compile()`
before the data is seen is redone with the data's defaults when the networks are built.

Keras' learning-rate callbacks (`ReduceLROnPlateau`, `LearningRateScheduler`, or any that
sets `model.optimizer.learning_rate`) change the first slot's optimizer only; during `fit`
every other optimizer of the model follows it by the same factor (`FollowTheFirstRate`), so
the networks keep the ratio of their rates (e.g. a GAN's two-timescale update) and the
callback acts on all of them.

A mixin of `models.base.GenerativeModel` (one concern per module).

Example:

```python
gan = kg.GAN(8, data_shape=(2,))
gan.compile(d_optimizer=keras.optimizers.Adam(1e-4))   # g_optimizer: the family default
gan.optimizer is gan.g_optimizer                        # True
```
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from keras_genmodels.models import defaults


class FollowTheFirstRate(keras.callbacks.Callback):
    """Scales every other optimizer's learning rate by the factor the first slot's
    optimizer (`model.optimizer`) changed by, before each batch and epoch.

    `fit` of a model with several optimizer slots adds it after the user's callbacks, so it
    sees the rate a learning-rate callback has just set. Optimizers whose rate is a
    schedule (not a variable) are left alone.

    Example:

    ```python
    gan.fit(x, epochs=10, callbacks=[keras.callbacks.ReduceLROnPlateau("g_loss")])
    # both gan.g_optimizer and gan.d_optimizer are reduced, by the same factor
    ```
    """

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._last = _rate(self.model.optimizer)

    def _follow(self, *args: Any, logs: dict | None = None) -> None:
        rate = _rate(self.model.optimizer)
        if rate is None or self._last is None or rate == self._last:
            return
        if self._last > 0.0:
            factor = rate / self._last
            for slot in self.model.optimizer_slots[1:]:
                optimizer = getattr(self.model, slot, None)
                current = _rate(optimizer)
                if current is not None:
                    _inner(optimizer).learning_rate = current * factor
        self._last = rate

    on_epoch_begin = on_epoch_end = on_train_batch_begin = _follow


def _inner(optimizer: Any) -> Any:
    return getattr(optimizer, "inner_optimizer", optimizer)


def _rate(optimizer: Any) -> float | None:
    """An optimizer's learning rate when it is a variable (not a schedule)."""
    optimizer = _inner(optimizer)
    if not isinstance(getattr(optimizer, "_learning_rate", None), keras.Variable):
        return None
    return float(np.asarray(optimizer.learning_rate))


class OptimizerSlots:
    """Mixin of `GenerativeModel`: `compile` with one optimizer per slot."""

    def fit(self, *args: Any, **kwargs: Any):
        """`keras.Model.fit`; with several optimizers, each follows `model.optimizer`'s
        learning rate (see `FollowTheFirstRate`)."""
        if len(self.optimizer_slots) > 1:
            if len(args) >= 6:  # callbacks given by position (x, y, batch, epochs, verbose)
                args = (*args[:5], [*(args[5] or []), FollowTheFirstRate()], *args[6:])
            else:
                kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), FollowTheFirstRate()]
        return super().fit(*args, **kwargs)

    #: The row of `models.defaults.OPTIMIZER_DEFAULTS` that `compile()` uses.
    optimizer_family: str = "VAE"

    def compile(self, optimizer: Any = None, **kwargs: Any) -> None:
        """Configures training; with no `optimizer`, uses the family's default.

        Args:
            optimizer: a `keras.optimizers.Optimizer`, its name, or `None`.
            **kwargs: other `keras.Model.compile` arguments (`jit_compile`,
                `steps_per_execution`, ...). Losses are defined by the model itself.
        """
        self.compile_optimizers({"optimizer": optimizer}, **kwargs)

    #: Names of the optimizer slots; the first becomes `model.optimizer` (its step
    #: counts training steps and keys the noise), the others are model attributes.
    optimizer_slots: tuple[str, ...] = ("optimizer",)

    def default_optimizers(self) -> dict[str, keras.optimizers.Optimizer]:
        """The family's default optimizer for each slot of `optimizer_slots`, for this
        model's kind of data (image settings until the data has been seen)."""
        return defaults.default_optimizers(
            self.optimizer_family, self.optimizer_slots, self.data_kind or "image")

    def optimizer_variables(self) -> dict[str, list]:
        """The variables each optimizer slot updates."""
        return {"optimizer": self.trainable_variables}

    def compile_optimizers(self, optimizers: dict[str, Any], **kwargs: Any) -> None:
        """Compiles with one optimizer per slot (`None` takes the family default).

        Extra optimizers are wrapped for loss scaling under `mixed_float16`, built eagerly
        (needed under `tf.distribute`), saved with the model and restored by `load_model`.
        """
        family_defaults = self.default_optimizers()
        resolved = {
            slot: keras.optimizers.get(optimizers.get(slot)) if optimizers.get(slot) is not None
            else family_defaults[slot]
            for slot in self.optimizer_slots
        }
        self._requested_optimizers = dict(optimizers)
        uses_defaults = any(optimizers.get(slot) is None for slot in self.optimizer_slots)
        self._defaults_kind = (self.data_kind or "image") if uses_defaults else None
        main, *extra = self.optimizer_slots
        super().compile(optimizer=resolved[main], **kwargs)
        # the same test as Keras' own compile for `model.optimizer`: the model's policy
        # (restored from its config by `load_model`), not the global one
        mixed = kwargs.get("auto_scale_loss", True) and self.dtype_policy.name == "mixed_float16"
        for slot in extra:
            optimizer = resolved[slot]
            if mixed and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
                optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
            setattr(self, slot, optimizer)
        self._optimizer_config = {
            slot: keras.saving.serialize_keras_object(
                getattr(opt, "inner_optimizer", opt))
            for slot, opt in resolved.items()
        }
        self._compile_kwargs = dict(kwargs)
        if self.built:
            self.build_optimizers()

    def build_optimizers(self) -> None:
        """Creates every optimizer's variables now rather than on the first step."""
        if not self.compiled:
            return
        for slot, variables in self.optimizer_variables().items():
            main = slot == self.optimizer_slots[0]
            optimizer = self.optimizer if main else getattr(self, slot, None)
            if optimizer is not None and not optimizer.built:
                optimizer.build(variables)

    def get_compile_config(self) -> dict[str, Any]:
        if not self.compiled:
            return {}
        return {**self._optimizer_config, **self._compile_kwargs}

    def compile_from_config(self, config: dict[str, Any]) -> None:
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)
