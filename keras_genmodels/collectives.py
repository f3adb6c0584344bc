"""Keeps the collective ops of several `tf.distribute.MirroredStrategy` objects apart.

Why: a notebook trains a VAE under one `MirroredStrategy`, then a WGAN-GP under another,
and the second `fit` fails with "Shape mismatch in the collective instance 100 ...".
Every `MirroredStrategy` numbers its collective ops (all-reduces of gradients, of
synchronized batch-norm moments, ...) with a `CollectiveKeys` object of its own that
starts at the same keys: group key 1, instance keys 100, 101, ... (TensorFlow's
`cross_device_utils.CollectiveKeys`, built in `MirroredExtended.
_make_collective_ops_with_fallbacks` with `group_key_start=1 + _collective_key_base`,
where `_collective_key_base` is 0 outside TensorFlow's own tests). TensorFlow's collective
runtime, one per process, keeps the parameters of each (group, instance) it has run,
shapes included. So the second strategy's first all-reduce (the generator's synchronized
batch norm, 6272 values) reuses instance 100 of group 1, which the first strategy used for
the VAE's gradients (1.7 million values), and the runtime aborts every collective op of
the process. `keras.backend.clear_session()` does not reach either the strategy's keys or
the runtime; two models with the same shapes in the same order (GAN then GAN) pass by
luck; several models under one strategy share its counters and never collide.

The fix: `isolate_collectives(strategy)` gives each `MirroredStrategy` of the process a
group key of its own (a block of `GROUP_KEYS_PER_STRATEGY` keys from `FIRST_GROUP_KEY` on,
far above the keys TensorFlow hands out itself), so the instance keys of two strategies
can never meet. Every model's `fit`, `evaluate` and `predict` call it before TensorFlow
traces or runs anything under the strategy; the first call rebuilds the strategy's
collective all-reduce on the new keys, later calls do nothing. This is the mechanism
TensorFlow's own tests use (`strategy_combinations` raises `_collective_key_base` by
100000 per strategy "to avoid key collision"), applied after construction.

Private TensorFlow API (checked on TensorFlow 2.21.0): the attributes `_collective_ops`,
`_collective_keys`, `_cross_device_ops`, `_devices` and `_communication_options` of
`MirroredExtended`, and the classes `cross_device_utils.CollectiveKeys` and
`cross_device_ops.CollectiveAllReduce`, called exactly as `MirroredExtended.
_make_collective_ops_with_fallbacks` calls them. When they are missing or have another
type, nothing is changed and one warning says what to do instead (one strategy for all
the models of a process). Strategies left alone on purpose: the default strategy,
`OneDeviceStrategy` (no collectives) and `MultiWorkerMirroredStrategy` (its keys must
agree across workers, and a process holds one such strategy); a `MirroredStrategy` that
does not use collective ops (TF1 graph mode) has nothing to isolate. (In TensorFlow 2.21
a `MirroredStrategy` drives local devices only, so its collective group is always its own
devices in this process.)

Example:

```python
import tensorflow as tf
import keras_genmodels as kg
from keras_genmodels.collectives import isolate_collectives

strategy = tf.distribute.MirroredStrategy()
isolate_collectives(strategy)   # done by every model's fit/evaluate/predict; a custom
                                # training loop calls it before its first strategy.run
```
"""

from __future__ import annotations

import threading
import warnings
import weakref
from typing import Any

import tensorflow as tf

__all__ = ["FIRST_GROUP_KEY", "GROUP_KEYS_PER_STRATEGY", "isolate_collectives"]

#: The first group key given out; TensorFlow's own strategies start at 1.
FIRST_GROUP_KEY = 1 << 24
#: Group keys reserved per strategy (a `MirroredStrategy` uses one).
GROUP_KEYS_PER_STRATEGY = 1000

_lock = threading.Lock()
_next_block = 0
# The collective all-reduce objects installed here, with their first group key: a
# strategy whose `_collective_ops` is one of them is already isolated.
_installed: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
_warned = False
# The attributes of TensorFlow's `MirroredExtended` read or replaced here.
_EXTENDED_ATTRIBUTES = ("_collective_ops", "_collective_keys", "_cross_device_ops",
                        "_devices", "_communication_options")


def isolate_collectives(strategy: Any) -> int | None:
    """Gives `strategy`'s collective ops keys that no other strategy of the process uses.

    Call it before the strategy runs its first collective op (every model of the package
    does, at the start of `fit`, `evaluate` and `predict`). The first call for a
    `MirroredStrategy` rebuilds its collective all-reduce on a block of group keys of its
    own and returns the block's first key; later calls return the same key and change
    nothing. Other strategies are left as they are (see the module's docstring).

    Example:

    ```python
    devices = kg.distribute.logical_cpu_devices(2)
    first = tf.distribute.MirroredStrategy(devices)
    second = tf.distribute.MirroredStrategy(devices)
    isolate_collectives(first) != isolate_collectives(second)   # True
    isolate_collectives(tf.distribute.OneDeviceStrategy("/cpu:0"))   # None
    ```

    Args:
        strategy: a `tf.distribute.Strategy`, typically a model's `distribute_strategy`.

    Returns:
        The first group key of the strategy's collective ops, or `None` when the strategy
        was left alone.
    """
    if not isinstance(strategy, (tf.distribute.MirroredStrategy,
                                 tf.compat.v1.distribute.MirroredStrategy)):
        return None
    extended = strategy.extended
    try:
        from tensorflow.python.distribute import cross_device_ops as cross_device_ops_lib
        from tensorflow.python.distribute import cross_device_utils

        collective_class = cross_device_ops_lib.CollectiveAllReduce
        keys_class = cross_device_utils.CollectiveKeys
    except (ImportError, AttributeError) as error:
        _warn_unsupported(repr(error))
        return None
    missing = [name for name in _EXTENDED_ATTRIBUTES if not hasattr(extended, name)]
    if missing:
        _warn_unsupported(f"{type(extended).__name__} has no {', '.join(missing)}")
        return None
    with _lock:
        collective_ops = extended._collective_ops
        if collective_ops in _installed:
            return _installed[collective_ops]
        if not isinstance(collective_ops, collective_class):
            return None  # e.g. TF1 graph mode: the strategy runs no collective ops
        first_key = _allocate_block()
        # what `MirroredExtended._make_collective_ops_with_fallbacks` builds, on new keys
        devices = extended._devices
        keys = keys_class(group_key_start=first_key)
        isolated = collective_class(devices=devices, group_size=len(devices),
                                    options=extended._communication_options,
                                    collective_keys=keys)
        if extended._cross_device_ops is collective_ops:  # the default: not user-given
            extended._cross_device_ops = isolated
        extended._collective_ops = isolated
        extended._collective_keys = keys
        _installed[isolated] = first_key
        return first_key


def _allocate_block() -> int:
    """The first key of a block of group keys no strategy of this process has had."""
    global _next_block
    first_key = FIRST_GROUP_KEY + _next_block * GROUP_KEYS_PER_STRATEGY
    _next_block += 1
    return first_key


def _warn_unsupported(reason: str) -> None:
    global _warned
    if _warned:
        return
    _warned = True
    warnings.warn(
        "keras_genmodels could not give this MirroredStrategy collective keys of its own "
        f"(TensorFlow {tf.__version__} changed the internals it relies on: {reason}). "
        "Models trained under two different MirroredStrategy objects in one process may "
        "fail with 'Shape mismatch in the collective instance'; create one strategy and "
        "train every model of the process under it.",
        RuntimeWarning,
        stacklevel=3,
    )
