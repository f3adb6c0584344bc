"""`TanhRange`: the mixin of the families whose networks work in tanh's range [-1, 1].

Images cross every public boundary in [0, 1]; a GAN's generator ends in `tanh`, so the
adversarial families (GAN, WGAN, VAE-GAN, StyleGAN, CycleGAN) map images to [-1, 1] on
the way in (`x_internal = 2 x - 1`) and back on the way out (`x = (x_internal + 1) / 2`,
clipped to [0, 1]). Vector data are modelled as they are.

Example:

```python
gan = kg.GAN(8, data_shape=(28, 28, 1))
gan.to_internal(np.ones((1, 28, 28, 1), "float32"))     # all 1.0
gan.to_public(tf.constant([[-1.0, 0.0, 3.0]]))           # vectors: unchanged
```
"""

from __future__ import annotations

import tensorflow as tf

from keras_genmodels.images import from_tanh_range, to_tanh_range


class TanhRange:
    """Mixin of a `GenerativeModel`: images in [0, 1] outside, [-1, 1] inside."""

    def to_internal(self, x: tf.Tensor) -> tf.Tensor:
        """Public data (images in [0, 1]) to the networks' range ([-1, 1]), float32."""
        x = tf.cast(x, tf.float32)
        return to_tanh_range(x) if self.images else x

    def to_public(self, x: tf.Tensor) -> tf.Tensor:
        """The networks' output to public data (images clipped to [0, 1]), float32."""
        x = tf.cast(x, tf.float32)
        return tf.clip_by_value(from_tanh_range(x), 0.0, 1.0) if self.images else x
