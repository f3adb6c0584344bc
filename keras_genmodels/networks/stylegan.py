"""StyleGAN2 networks: mapping, synthesis (skip architecture) and residual discriminator.

Karras et al. (2020), "Analyzing and Improving the Image Quality of StyleGAN": the
generator is a *mapping network* from codes `z` to intermediate latents `w` (pixel
normalisation, then `mapping_layers` equalised dense layers with a learning-rate
multiplier of 0.01) and a *synthesis network* from a learned 4x4 constant, with two
modulated 3x3 convolutions and per-pixel noise per resolution, and an output image that
sums the `ToRGB` of every resolution, each upsampled ("skip" architecture, no
progressive growing). The discriminator is residual: a 1x1 `fromRGB`, then per resolution
two 3x3 convolutions (the second followed by 2x2 average pooling) added to a pooled 1x1
shortcut and scaled by `1 / sqrt(2)`; at 4x4 a minibatch-standard-deviation feature, a
3x3 convolution and two dense layers give one logit.

Feature widths are `min(channels, 16 * channels / resolution)` (at least 8): `channels`
up to 16x16, halved at every doubling beyond.

Example:

```python
from keras_genmodels.networks import stylegan

mapping = stylegan.build_mapping_network(latent_dim=64, w_dim=64, mapping_layers=2)
synthesis = stylegan.build_synthesis_network(32, image_channels=3, w_dim=64)
discriminator = stylegan.build_stylegan_discriminator((32, 32, 3))
```
"""

from __future__ import annotations

import math
from typing import Any

import keras
import tensorflow as tf

from keras_genmodels.networks.equalized import EqualizedConv2D, EqualizedDense
from keras_genmodels.networks.modulated import ConstantInput, StyledConv2D, ToRGB, Upsample2x
from keras_genmodels.validation import check_non_negative, check_positive_int

#: The smallest resolution of the networks (the synthesis network's constant is 4x4).
MIN_RESOLUTION = 4


def check_resolution(resolution: Any, name: str = "resolution") -> int:
    """Returns `resolution` if it is a power of two >= 4, else raises `ValueError`."""
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 1:
        raise ValueError(f"`{name}` must be a power of two >= {MIN_RESOLUTION} (4, 8, 16, "
                         f"32, 64, ...), got {resolution!r}.")
    if resolution < MIN_RESOLUTION or resolution & (resolution - 1):
        raise ValueError(f"`{name}` must be a power of two >= {MIN_RESOLUTION} (4, 8, 16, "
                         f"32, 64, ...), got {resolution}.")
    return resolution


def feature_width(resolution: int, channels: int) -> int:
    """Feature maps at `resolution`: `channels` up to 16x16, halved per doubling after."""
    return max(8, min(channels, channels * 16 // resolution))


def num_styles(resolution: int) -> int:
    """How many per-layer styles (`num_ws`) the synthesis network of `resolution` takes:
    two per resolution above 4x4 plus the 4x4 convolution and the last `ToRGB`."""
    return 2 * int(math.log2(check_resolution(resolution))) - 2


def noise_size(resolution: int) -> int:
    """Length of the flat noise input: `H * W` for every `StyledConv2D`."""
    sizes = [4 * 4] + [r * r for r in _resolutions(resolution)[1:] for _ in range(2)]
    return sum(sizes)


def _resolutions(resolution: int) -> list[int]:
    return [2**i for i in range(2, int(math.log2(check_resolution(resolution))) + 1)]


@keras.saving.register_keras_serializable(package="keras_genmodels")
class PixelNormalization(keras.layers.Layer):
    """Normalises each vector to unit root-mean-square: `x / sqrt(mean(x^2) + 1e-8)`.

    Example:

    ```python
    PixelNormalization()(np.full((1, 4), 3.0, "float32"))     # [[1, 1, 1, 1]]
    ```
    """

    def call(self, x):
        return x * tf.math.rsqrt(tf.reduce_mean(tf.square(x), -1, keepdims=True) + 1e-8)


@keras.saving.register_keras_serializable(package="keras_genmodels")
class MinibatchStddev(keras.layers.Layer):
    """Appends the average standard deviation over groups of examples as one channel
    (Karras et al., 2018), computed in float32.

    Groups are *consecutive* examples (the official code interleaves them): `group_size`
    examples, or the largest divisor of `group_size` that divides the batch. Under
    `tf.distribute` each replica sees its own slice of the batch, so when every
    replica's batch is a multiple of `group_size` the groups are those of one device
    and N replicas train exactly like one.

    Example:

    ```python
    MinibatchStddev(4)(np.ones((8, 4, 4, 16), "float32")).shape     # (8, 4, 4, 17)
    ```

    Args:
        group_size: int >= 1. Defaults to 4 (the paper's).
    """

    def __init__(self, group_size: int = 4, **kwargs: Any):
        super().__init__(**kwargs)
        self.group_size = check_positive_int(group_size, "group_size")

    def call(self, x):
        shape = tf.shape(x)
        n = shape[0]
        group = tf.constant(1)
        for divisor in sorted(d for d in range(1, self.group_size + 1)
                              if self.group_size % d == 0):
            group = tf.where(n % divisor == 0, divisor, group)
        y = tf.reshape(tf.cast(x, tf.float32), [n // group, group, shape[1], shape[2], shape[3]])
        y = y - tf.reduce_mean(y, axis=1, keepdims=True)
        y = tf.sqrt(tf.reduce_mean(tf.square(y), axis=1) + 1e-8)
        y = tf.reduce_mean(y, axis=[1, 2, 3])                        # (n / group,)
        y = tf.repeat(y, group)                                      # (n,)
        y = tf.tile(y[:, None, None, None], [1, shape[1], shape[2], 1])
        return tf.concat([x, tf.cast(y, x.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size}


def build_mapping_network(
    latent_dim: int, w_dim: int, mapping_layers: int = 2, lr_multiplier: float = 0.01,
    name: str = "mapping",
) -> keras.Model:
    """Builds the mapping network `z -> w`, in float32 (it is small).

    Example:

    ```python
    mapping = build_mapping_network(64, 64, mapping_layers=8)
    mapping(np.zeros((2, 64), "float32")).shape    # (2, 64)
    ```

    Args:
        latent_dim: int >= 1, size of `z`.
        w_dim: int >= 1, size of `w`.
        mapping_layers: int >= 1, dense layers (the paper: 8). Defaults to 2.
        lr_multiplier: float > 0, their learning-rate multiplier. Defaults to 0.01.
        name: the model's name.

    Returns:
        A `keras.Model` from `(batch, latent_dim)` to `(batch, w_dim)`.
    """
    latent_dim = check_positive_int(latent_dim, "latent_dim")
    w_dim = check_positive_int(w_dim, "w_dim")
    mapping_layers = check_positive_int(mapping_layers, "mapping_layers")
    if check_non_negative(lr_multiplier, "lr_multiplier") == 0.0:
        raise ValueError("`lr_multiplier` must be > 0, got 0.")
    z = keras.Input((latent_dim,), name="z")
    x = PixelNormalization(dtype="float32", name="normalize")(z)
    for i in range(mapping_layers):
        x = EqualizedDense(w_dim, lr_multiplier=lr_multiplier, activation="lrelu",
                           dtype="float32", name=f"dense_{i + 1}")(x)
    return keras.Model(z, x, name=name)


def build_synthesis_network(
    resolution: int, image_channels: int, w_dim: int, channels: int = 64,
    name: str = "synthesis",
) -> keras.Model:
    """Builds the synthesis network `(ws, noise) -> images` (skip architecture).

    Inputs: `ws`, `(batch, num_styles(resolution), w_dim)` per-layer styles, and `noise`,
    `(batch, noise_size(resolution))` standard normal values, one per pixel of every
    `StyledConv2D`. Output: float32 `(batch, resolution, resolution, image_channels)` with
    no final activation (about [-1, 1] once trained).

    Example:

    ```python
    synthesis = build_synthesis_network(16, 1, w_dim=32, channels=32)
    ws = np.zeros((2, num_styles(16), 32), "float32")
    synthesis([ws, np.zeros((2, noise_size(16)), "float32")]).shape   # (2, 16, 16, 1)
    ```

    Args:
        resolution: a power of two >= 4.
        image_channels: int >= 1.
        w_dim: int >= 1.
        channels: int >= 1, the widest feature maps. Defaults to 64.
        name: the model's name.

    Returns:
        A `keras.Model`.
    """
    resolutions = _resolutions(resolution)
    image_channels = check_positive_int(image_channels, "image_channels")
    w_dim = check_positive_int(w_dim, "w_dim")
    channels = check_positive_int(channels, "channels")
    ws = keras.Input((num_styles(resolution), w_dim), name="ws")
    noise = keras.Input((noise_size(resolution),), name="noise")
    x = ConstantInput(feature_width(4, channels), name="constant")(ws)
    x = StyledConv2D(feature_width(4, channels), w_index=0, noise_offset=0,
                     name="conv_4")([x, ws, noise])
    image = ToRGB(image_channels, w_index=1, dtype="float32", name="to_rgb_4")([x, ws])
    offset = 16
    for res in resolutions[1:]:
        width = feature_width(res, channels)
        index = 2 * int(math.log2(res)) - 5
        x = StyledConv2D(width, w_index=index, noise_offset=offset, up=True,
                         name=f"conv_{res}_up")([x, ws, noise])
        x = StyledConv2D(width, w_index=index + 1, noise_offset=offset + res * res,
                         name=f"conv_{res}")([x, ws, noise])
        offset += 2 * res * res
        rgb = ToRGB(image_channels, w_index=index + 2, dtype="float32",
                    name=f"to_rgb_{res}")([x, ws])
        image = keras.layers.Add(dtype="float32", name=f"skip_{res}")(
            [Upsample2x(dtype="float32", name=f"upsample_{res}")(image), rgb])
    image = keras.layers.Activation("linear", dtype="float32", name="images")(image)
    return keras.Model([ws, noise], image, name=name)


def build_stylegan_discriminator(
    input_shape: tuple[int, int, int], channels: int = 64, mbstd_group_size: int = 4,
    name: str = "discriminator",
) -> keras.Model:
    """Builds StyleGAN2's residual discriminator: images to one float32 logit.

    Example:

    ```python
    discriminator = build_stylegan_discriminator((32, 32, 3), channels=32)
    discriminator(np.zeros((4, 32, 32, 3), "float32")).shape     # (4, 1)
    ```

    Args:
        input_shape: `(R, R, C)` with `R` a power of two >= 4.
        channels: int >= 1, the widest feature maps. Defaults to 64.
        mbstd_group_size: int >= 1, see `MinibatchStddev`. Defaults to 4.
        name: the model's name.

    Returns:
        A `keras.Model` from `(batch, R, R, C)` to `(batch, 1)`.
    """
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"`input_shape` must be (R, R, C), got {input_shape!r}.")
    height, width, image_channels = input_shape
    if height != width:
        raise ValueError(f"`input_shape` must be square, got {tuple(input_shape)}.")
    resolutions = _resolutions(check_resolution(height, "input_shape[0]"))
    image_channels = check_positive_int(image_channels, "input_shape[2]")
    channels = check_positive_int(channels, "channels")
    images = keras.Input((height, width, image_channels), name="images")
    x = EqualizedConv2D(feature_width(height, channels), 1, activation="lrelu",
                        name="from_rgb")(images)
    for res in reversed(resolutions[1:]):
        low = feature_width(res // 2, channels)
        y = EqualizedConv2D(feature_width(res, channels), 3, activation="lrelu",
                            name=f"conv_{res}")(x)
        y = EqualizedConv2D(low, 3, activation="lrelu", down=True, name=f"conv_{res}_down")(y)
        skip = EqualizedConv2D(low, 1, down=True, use_bias=False, name=f"skip_{res}")(x)
        x = keras.layers.Add(name=f"residual_{res}")([y, skip])
        x = keras.layers.Rescaling(1.0 / math.sqrt(2.0), name=f"residual_{res}_scale")(x)
    x = MinibatchStddev(mbstd_group_size, name="minibatch_stddev")(x)
    x = EqualizedConv2D(feature_width(4, channels), 3, activation="lrelu", name="conv_4")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = EqualizedDense(feature_width(4, channels), activation="lrelu", name="dense")(x)
    logits = EqualizedDense(1, dtype="float32", name="logits")(x)
    return keras.Model(images, logits, name=name)
