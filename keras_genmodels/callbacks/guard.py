"""`NaNGuard`: stops training when a loss diverges, and keeps checkpoints finite."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_genmodels.chief import is_chief

__all__ = ["NaNGuard"]


class NaNGuard(keras.callbacks.Callback):
    """Stops training when a reported loss or metric becomes NaN or infinite.

    `keras.callbacks.TerminateOnNaN` watches `loss` only, which a GAN does not report
    (it has `d_loss`, `g_loss`, ...). This guard checks every number the model reports
    after each batch (or the ones named in `monitor`) and, with `check_weights=True`,
    every weight of the model and every variable of its optimizers (a GAN's
    `d_optimizer` included), which catches an update that overflowed the weights while
    the losses it reported were still finite. On the first non-finite value it:

    1. records what diverged in `guard.diverged`, e.g.
       `{"metric": "d_loss", "metrics": ["d_loss", "g_loss"], "value": nan,
       "variable": None, "epoch": 3, "batch": 41}` (`metrics` lists every monitored name
       that diverged, losses (names ending in `loss`) first; `metric` is the first of
       them, `None` if only a weight did; `variable` is the path of the first non-finite
       variable, if the weights were checked and one is) and prints it;
    2. with `restore_weights=True`, rolls the model's weights and all its optimizers'
       variables back to their values at the end of the last batch where everything
       was finite, so that what `fit` leaves behind, and what a checkpoint callback
       writes afterwards (`keras.callbacks.ModelCheckpoint` saves again at the end of
       the interrupted epoch), is the last finite state rather than NaNs;
    3. sets `model.stop_training = True`, or raises `RuntimeError` with
       `raise_error=True`. Raising skips the `on_epoch_end` and `on_train_end` of every
       callback: use it with `keras.callbacks.BackupAndRestore`, which otherwise deletes
       its backup when training ends (unless given `delete_checkpoint=False`).

    Keras calls callbacks in the order they are listed, and a callback listed before
    the guard that saves on the very batch that diverged saves the diverged state:
    list the guard before every checkpointing callback that saves every N batches.

    Restoring keeps one copy of the weights and optimizer variables, refreshed after
    every batch (one extra memory copy of the training state per step). The check runs
    on every replica and is cheap; only the chief prints.

    Example:

    ```python
    guard = kg.callbacks.NaNGuard()
    gan.fit(x_train, epochs=50, callbacks=[
        guard,
        keras.callbacks.ModelCheckpoint("gan.weights.h5", save_weights_only=True),
        keras.callbacks.BackupAndRestore("backup", save_freq=100),
    ])
    if guard.diverged:
        print(f"{guard.diverged['metric']} diverged in epoch {guard.diverged['epoch']}")
    ```

    Args:
        monitor: the name of a reported metric (`"d_loss"`), a sequence of names, or
            `None` (the default) to check every number in the batch logs. A name that
            the model does not report raises `ValueError` at the first batch.
        check_weights: also check the model's weights and its optimizers' variables
            after each batch. Defaults to `True`.
        restore_weights: on divergence, restore the weights and optimizer variables of
            the end of the last finite batch. Defaults to `True`.
        raise_error: raise `RuntimeError` after restoring instead of stopping
            gracefully. Defaults to `False`.
        verbose: `1` prints the divergence message (chief only), `0` is silent.
    """

    def __init__(
        self,
        monitor: str | Sequence[str] | None = None,
        check_weights: bool = True,
        restore_weights: bool = True,
        raise_error: bool = False,
        verbose: int = 1,
    ):
        super().__init__()
        if monitor is None:
            self.monitor = None
        elif isinstance(monitor, str) and monitor:
            self.monitor = (monitor,)
        elif (isinstance(monitor, Sequence) and not isinstance(monitor, str) and monitor
              and all(isinstance(m, str) and m for m in monitor)):
            self.monitor = tuple(monitor)
        else:
            raise ValueError("`monitor` must be None, a metric name or a non-empty sequence "
                             f"of names, got {monitor!r}.")
        self.check_weights = bool(check_weights)
        self.restore_weights = bool(restore_weights)
        self.raise_error = bool(raise_error)
        self.verbose = int(verbose)
        self.diverged: dict[str, Any] | None = None
        self._epoch = 0
        self._variables: list = []
        self._snapshot: list | None = None
        self._inspect = None

    # -------------------------------------------------------------------- state
    def training_variables(self) -> list:
        """The model's weights and the variables of every optimizer it holds."""
        variables, seen = list(self.model.weights), {id(v) for v in self.model.weights}
        for optimizer in self._optimizers():
            for variable in optimizer.variables:
                if id(variable) not in seen:
                    seen.add(id(variable))
                    variables.append(variable)
        return variables

    def _optimizers(self) -> list[keras.optimizers.Optimizer]:
        # the compiled optimizer, then any other one the model holds as an attribute
        # (a GAN's `d_optimizer`), the way Keras' saving finds them
        candidates = [getattr(self.model, "optimizer", None), *vars(self.model).values()]
        found, seen = [], set()
        for candidate in candidates:
            if isinstance(candidate, keras.optimizers.Optimizer) and id(candidate) not in seen:
                seen.add(id(candidate))
                found.append(candidate)
        return found

    def on_train_begin(self, logs=None):
        self.diverged = None
        self._snapshot = None
        optimizer = getattr(self.model, "optimizer", None)
        if self.model.built and optimizer is not None and not optimizer.built:
            optimizer.build(self.model.trainable_variables)
        self._prepare()
        if self.restore_weights and self._variables:
            finite, copies = self._inspect()
            if bool(finite):
                self._snapshot = copies

    def _prepare(self) -> None:
        self._variables = self.training_variables()
        checked = [v for v in self._variables if _is_float(v)] if self.check_weights else []
        copied = self._variables if self.restore_weights else []

        @tf.function(autograph=False)
        def inspect():
            flags = [tf.reduce_all(tf.math.is_finite(v)) for v in checked]
            finite = tf.reduce_all(tf.stack(flags)) if flags else tf.constant(True)
            return finite, [tf.identity(v) for v in copied]

        self._inspect = inspect

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    # -------------------------------------------------------------------- check
    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        if len(self.training_variables()) != len(self._variables):
            self._prepare()  # an optimizer built its variables on the first step
        names = self._monitored(logs)
        bad = sorted((n for n in names if not _is_finite_number(logs[n])),
                     key=lambda n: not n.endswith("loss"))
        inspected = self._variables and (self.check_weights or self.restore_weights)
        weights_finite, copies = self._inspect() if inspected else (True, None)
        if not bad and bool(weights_finite):
            if self.restore_weights:
                self._snapshot = copies
            return
        variable = None if bool(weights_finite) else self._first_non_finite_variable()
        self.diverged = {
            "metric": bad[0] if bad else None,
            "metrics": bad,
            "value": float(logs[bad[0]]) if bad else None,
            "variable": variable,
            "epoch": self._epoch,
            "batch": batch,
        }
        restored = self._restore()
        message = self._message(restored)
        if self.verbose and is_chief():
            print(message, flush=True)
        self.model.stop_training = True
        if self.raise_error:
            raise RuntimeError(message)

    def _monitored(self, logs: dict[str, Any]) -> list[str]:
        if self.monitor is None:
            return [n for n, v in logs.items() if _is_number(v)]
        missing = [n for n in self.monitor if n not in logs]
        if missing:
            raise ValueError(
                f"NaNGuard: `monitor` names {missing}, which the model does not report; "
                f"it reports {sorted(logs)}."
            )
        return list(self.monitor)

    def _first_non_finite_variable(self) -> str | None:
        for variable in self._variables:
            if _is_float(variable) and not np.all(np.isfinite(np.asarray(variable))):
                return variable.path
        return None

    def _restore(self) -> bool:
        if not self.restore_weights or self._snapshot is None:
            return False
        for variable, value in zip(self._variables, self._snapshot, strict=True):
            variable.assign(value)
        return True

    def _message(self, restored: bool) -> str:
        d = self.diverged
        what = (f"`{d['metric']}` became {d['value']}" if d["metric"] is not None
                else f"weight `{d['variable']}` became non-finite")
        others = d["metrics"][1:]
        also = f" (also non-finite: {', '.join(others)})" if others else ""
        if restored:
            state = "weights and optimizer state restored to the end of the last finite batch"
        elif self.restore_weights:
            state = "no finite state to restore was recorded"
        else:
            state = "weights left as they are"
        return (f"NaNGuard: {what} at epoch {d['epoch']}, batch {d['batch']}{also}; "
                f"stopping training, {state}.")


def _is_number(value: Any) -> bool:
    return np.ndim(value) == 0 and isinstance(np.asarray(value).item(), (int, float))


def _is_finite_number(value: Any) -> bool:
    return math.isfinite(float(np.asarray(value)))


def _is_float(variable: Any) -> bool:
    return tf.as_dtype(variable.dtype).is_floating
