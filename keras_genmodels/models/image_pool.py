"""`ImagePool`: the history of generated images a CycleGAN discriminator is shown.

Shrivastava et al. (2017) update a discriminator with generated images from a buffer of
past generators' outputs rather than the latest ones only, which damps oscillation;
CycleGAN (Zhu et al., 2017, section 4) keeps 50 per discriminator. For each generated
image, in batch order (the query of the authors' `ImagePool`):

- while the pool holds fewer than `pool_size` images, the image is stored and returned;
- then, with probability 1/2, a uniformly chosen stored image is returned and the new
  one takes its place; otherwise the new image is returned and the pool is unchanged.

The pool lives in non-trainable variables (images and fill count), so it is saved with
the model and restored by `BackupAndRestore`; its random draws are stateless and seeded
by the caller (keyed by the optimizer step), so a resumed run repeats an uninterrupted
one. Under a `tf.distribute` strategy the caller queries it with the all-gathered global
batch, every replica computing the same result (see `CycleGAN.history_of`).
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from keras_genmodels.validation import check_positive_int


class ImagePool(keras.layers.Layer):
    """A buffer of `pool_size` generated images, updated in graph mode.

    Example:

    ```python
    pool = ImagePool(50, (28, 28, 1))
    history = pool.query(fake, accept_seed=[1, 2], slot_seed=[3, 4])
    ```

    Args:
        pool_size: int >= 1, images kept.
        image_shape: `(H, W, C)` of one image.
        **kwargs: `keras.layers.Layer` arguments (`name`).
    """

    def __init__(self, pool_size: int, image_shape: tuple[int, ...], **kwargs: Any):
        super().__init__(**kwargs)
        self.pool_size = check_positive_int(pool_size, "pool_size")
        self.image_shape = tuple(int(d) for d in image_shape)
        # one value for all replicas: every replica assigns the same (global) update
        self.images = self.add_weight(
            shape=(self.pool_size, *self.image_shape), initializer="zeros", dtype="float32",
            trainable=False, autocast=False, aggregation="only_first_replica", name="images")
        self.count = self.add_weight(
            shape=(), initializer="zeros", dtype="int32", trainable=False, autocast=False,
            aggregation="only_first_replica", name="count")
        self.built = True

    def query(self, images: tf.Tensor, accept_seed: tf.Tensor, slot_seed: tf.Tensor) -> tf.Tensor:
        """Stores `images` (float32 `(n, H, W, C)`) and returns what the discriminator sees.

        Args:
            images: the newly generated batch.
            accept_seed: stateless seed of the coin flips (shape `[2]`).
            slot_seed: stateless seed of the stored image each swap takes (shape `[2]`).

        Returns:
            A float32 tensor of the shape of `images`.
        """
        images = tf.cast(images, tf.float32)
        n = tf.shape(images)[0]
        swaps = tf.random.stateless_uniform([n], accept_seed) > 0.5
        slots = tf.random.stateless_uniform([n], slot_seed, minval=0, maxval=self.pool_size,
                                            dtype=tf.int32)

        def body(i, pool, count, returned):
            image = images[i]
            filling = count < self.pool_size
            swap = tf.logical_and(tf.logical_not(filling), swaps[i])
            slot = tf.where(filling, count, slots[i])
            stored = pool[slot]
            returned = returned.write(i, tf.where(swap, stored, image))
            new = tf.where(tf.logical_or(filling, swap), image, stored)
            pool = tf.tensor_scatter_nd_update(pool, [[slot]], new[None])
            return i + 1, pool, count + tf.cast(filling, tf.int32), returned

        _, pool, count, returned = tf.while_loop(
            lambda i, *_: i < n, body,
            (tf.constant(0), tf.convert_to_tensor(self.images), tf.convert_to_tensor(self.count),
             tf.TensorArray(tf.float32, size=n, element_shape=self.image_shape)))
        self.images.assign(pool)
        self.count.assign(count)
        return tf.reshape(returned.stack(), tf.shape(images))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pool_size": self.pool_size,
                "image_shape": self.image_shape}
