"""Sums and gathers over the replicas of a `tf.distribute` strategy, for a `train_step`.

Every model of the package trains on N replicas exactly as on one device with the same
global batch. Where a step needs a number of the whole batch (the mean path length of
StyleGAN, the sizes of k-means clusters, the free-bits KL), or the whole batch itself (the
k-means++ seeding, CycleGAN's history pools, the noise of each example), it takes it with
these functions. Outside a replica context, or with one replica in sync, each is the
identity on its input, so the same code runs on one device.

Example:

```python
total = cross_replica_sum(tf.reduce_sum(lengths))      # over the global batch
offset, size = replica_offset(tf.shape(x)[0])          # this replica's rows in it
everything = cross_replica_rows(x)                     # the global batch, in order
```
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf


def _replica_context() -> Any:
    """The replica context when a step runs on more than one replica, else `None`."""
    context = tf.distribute.get_replica_context()
    if context is None or tf.distribute.get_strategy().num_replicas_in_sync == 1:
        return None
    return context


def on_several_replicas() -> bool:
    """Whether the code runs in a replica context of more than one replica in sync."""
    return _replica_context() is not None


def cross_replica_sum(value: tf.Tensor) -> tf.Tensor:
    """`value` summed over the replicas in sync (`value` itself on one device).

    Example:

    ```python
    mean = cross_replica_sum(tf.reduce_sum(x)) / cross_replica_sum(tf.cast(n, tf.float32))
    ```
    """
    context = _replica_context()
    return value if context is None else context.all_reduce("sum", value)


def replica_offset(size: Any) -> tuple[tf.Tensor, tf.Tensor]:
    """`(offset, total)`: where this replica's `size` rows start in the global batch
    (the replicas' batches in replica order) and how many rows the global batch has.

    Example:

    ```python
    offset, total = replica_offset(tf.shape(x)[0])
    noise = tf.random.stateless_normal([total, 8], seed)[offset : offset + n]
    ```
    """
    size = tf.cast(size, tf.int32)
    context = _replica_context()
    if context is None:
        return tf.constant(0, tf.int32), size
    sizes = context.all_gather(tf.reshape(size, [1]), axis=0)
    return tf.reduce_sum(sizes[: context.replica_id_in_sync_group]), tf.reduce_sum(sizes)


def cross_replica_rows(x: tf.Tensor) -> tf.Tensor:
    """The rows of every replica's `x`, in replica order (`x` itself on one device).

    Replicas may hold different numbers of rows (a ragged last batch): each pads to the
    largest, and the padding is dropped after the gather.

    Example:

    ```python
    global_batch = cross_replica_rows(x)       # (sum of the replicas' rows, ...)
    ```
    """
    context = _replica_context()
    if context is None:
        return x
    size = tf.shape(x)[0]
    largest = tf.reduce_max(context.all_gather(tf.reshape(size, [1]), axis=0))
    padding = [[0, largest - size]] + [[0, 0]] * (len(x.shape) - 1)
    padded = tf.pad(x, padding)
    valid = tf.sequence_mask(size, largest, dtype=tf.int32)  # collectives take no bool
    return tf.boolean_mask(context.all_gather(padded, axis=0),
                           tf.cast(context.all_gather(valid, axis=0), tf.bool))
