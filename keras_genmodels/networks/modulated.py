"""The layers of StyleGAN2's synthesis network (Karras et al., 2020, "Analyzing and
Improving the Image Quality of StyleGAN").

Mathematical Details

A style `s = A(w)` (a learned affine map, bias initialised to 1) scales the input channels
of a convolution with weights `W[k, i, o]`. *Modulation* and *demodulation* (eq. 1-3):

```none
W'[b, k, i, o]  = s[b, i] * W[k, i, o]
sigma[b, o]     = sqrt(sum_{k, i} W'[b, k, i, o]^2 + eps)
y[b, ..., o]    = conv(x[b], W')[..., o] / sigma[b, o]
```

so that outputs have unit variance when the inputs have. It is computed as
`conv(x * s, W) / sigma`, which equals the per-example convolution and runs as one
ordinary convolution of the whole batch (the "non-fused" form of the official code). Each
`StyledConv2D` then adds per-pixel Gaussian noise times a learned per-layer strength
(initialised to 0), a bias and `sqrt(2) * LeakyReLU(0.2)`. `ToRGB` is a modulated 1x1
convolution without demodulation. Weights use the equalised learning rate (see
`equalized.py`); the styles and the demodulation are computed in float32 under mixed
precision.

The layers read their style `w = ws[:, w_index]` from the `(batch, num_ws, w_dim)` tensor of
per-layer styles, and their noise map from a slice of the flat `(batch, noise_size)` noise
input starting at `noise_offset`, so a whole synthesis network has two inputs and style
mixing or fixed noise need no change to it.

Example:

```python
ws = keras.Input((4, 16)); noise = keras.Input((16 + 64 + 64,))
x = ConstantInput(32)(ws)
x = StyledConv2D(32, w_index=0, noise_offset=0)([x, ws, noise])
image = ToRGB(3, w_index=1)([x, ws])
```
"""

from __future__ import annotations

import math
from typing import Any

import keras
import tensorflow as tf

from keras_genmodels.networks.equalized import ACTIVATIONS, apply_activation
from keras_genmodels.validation import check_choice, check_positive_int

_DEMODULATION_EPSILON = 1e-8


def upsample2x(x: tf.Tensor) -> tf.Tensor:
    """Bilinear 2x upsampling (NHWC), in `x`'s dtype."""
    size = tf.shape(x)[1:3] * 2
    return tf.cast(tf.image.resize(x, size, method="bilinear"), x.dtype)


class _Modulated(keras.layers.Layer):
    """What the modulated layers share: the style affine map and the conv weight, kept in
    float32 (no autocast) so that styles and demodulation are computed in float32."""

    def __init__(self, filters: int, kernel_size: int, w_index: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.filters = check_positive_int(filters, "filters")
        self.kernel_size = check_positive_int(kernel_size, "kernel_size")
        self.w_index = check_positive_int(w_index, "w_index", minimum=0)
        # inputs are cast by hand: the styles must stay float32 under mixed precision
        self._convert_input_args = False

    def build_modulation(self, channels: int, w_dim: int) -> None:
        k = self.kernel_size
        normal = keras.initializers.RandomNormal(stddev=1.0)
        self.affine_kernel = self.add_weight(name="affine_kernel", shape=(w_dim, channels),
                                             initializer=normal, autocast=False)
        self.affine_bias = self.add_weight(name="affine_bias", shape=(channels,),
                                           initializer="ones", autocast=False)
        self.kernel = self.add_weight(name="kernel", shape=(k, k, channels, self.filters),
                                      initializer=normal, autocast=False)
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")
        self.affine_scale = 1.0 / math.sqrt(w_dim)
        self.weight_scale = 1.0 / math.sqrt(k * k * channels)

    def styles(self, ws: tf.Tensor) -> tf.Tensor:
        """`s = A(w)`, float32 `(batch, channels)`."""
        w = tf.cast(tf.convert_to_tensor(ws), tf.float32)[:, self.w_index]
        return tf.matmul(w, self.affine_kernel.value * self.affine_scale) \
            + self.affine_bias.value

    def modulated_conv(self, x: tf.Tensor, styles: tf.Tensor, demodulate: bool) -> tf.Tensor:
        kernel = self.kernel.value * self.weight_scale
        x = x * tf.cast(styles[:, None, None, :], x.dtype)
        y = tf.nn.conv2d(x, tf.cast(kernel, x.dtype), strides=1, padding="SAME")
        if demodulate:
            # sigma[b, o]^2 = sum_i s[b, i]^2 * sum_k W[k, i, o]^2
            energy = tf.matmul(tf.square(styles), tf.reduce_sum(tf.square(kernel), [0, 1]))
            y = y * tf.cast(tf.math.rsqrt(energy + _DEMODULATION_EPSILON)[:, None, None, :],
                            y.dtype)
        return y

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "w_index": self.w_index}


@keras.saving.register_keras_serializable(package="keras_genmodels")
class StyledConv2D(_Modulated):
    """A modulated, demodulated convolution with noise, bias and activation (StyleGAN2).

    Called on `[x, ws, noise]`: features `(batch, H, W, C)`, styles
    `(batch, num_ws, w_dim)` and the flat noise of the whole network `(batch, noise_size)`.

    Example:

    ```python
    conv = StyledConv2D(16, up=True, w_index=1, noise_offset=16)
    conv([tf.ones((2, 4, 4, 8)), tf.ones((2, 3, 32)), tf.ones((2, 16 + 64))]).shape
    # (2, 8, 8, 16)
    ```

    Args:
        filters: int >= 1, output channels.
        kernel_size: int >= 1. Defaults to 3.
        w_index: int >= 0, which of the per-layer styles this layer uses. Defaults to 0.
        noise_offset: int >= 0 where this layer's `H * W` noise values start in the flat
            noise input, or `None` for a layer without noise. Defaults to None.
        up: bool, upsample 2x (bilinear) before the convolution. Defaults to False.
        demodulate: bool. Defaults to True.
        activation: `"lrelu"` or `"linear"`. Defaults to `"lrelu"`.
        **kwargs: `keras.layers.Layer` arguments.
    """

    def __init__(self, filters: int, kernel_size: int = 3, w_index: int = 0,
                 noise_offset: int | None = None, up: bool = False, demodulate: bool = True,
                 activation: str = "lrelu", **kwargs: Any):
        super().__init__(filters, kernel_size, w_index, **kwargs)
        self.noise_offset = None if noise_offset is None else check_positive_int(
            noise_offset, "noise_offset", minimum=0)
        self.up = bool(up)
        self.demodulate = bool(demodulate)
        self.activation = check_choice(activation, "activation", ACTIVATIONS)

    def build(self, input_shape):
        x_shape, ws_shape = input_shape[0], input_shape[1]
        self.build_modulation(int(x_shape[-1]), int(ws_shape[-1]))
        self.noise_strength = self.add_weight(name="noise_strength", shape=(),
                                              initializer="zeros")

    def call(self, inputs):
        x, ws = inputs[0], inputs[1]
        x = tf.cast(tf.convert_to_tensor(x), self.compute_dtype)
        if self.up:
            x = upsample2x(x)
        y = self.modulated_conv(x, self.styles(ws), self.demodulate)
        if self.noise_offset is not None:
            shape = tf.shape(y)
            size = shape[1] * shape[2]
            start = self.noise_offset
            noise = tf.cast(tf.convert_to_tensor(inputs[2]), y.dtype)[:, start : start + size]
            y = y + tf.reshape(noise, [shape[0], shape[1], shape[2], 1]) \
                * self.noise_strength.value
        return apply_activation(y + self.bias.value, self.activation)

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape[0]
        if self.up:
            height = None if height is None else 2 * height
            width = None if width is None else 2 * width
        return (batch, height, width, self.filters)

    def get_config(self):
        return {**super().get_config(), "noise_offset": self.noise_offset, "up": self.up,
                "demodulate": self.demodulate, "activation": self.activation}


@keras.saving.register_keras_serializable(package="keras_genmodels")
class ToRGB(_Modulated):
    """A modulated 1x1 convolution to image channels, without demodulation (StyleGAN2).

    Called on `[x, ws]`; returns `(batch, H, W, channels)` in the layer's dtype (make it
    float32 to keep the images float32 under mixed precision).

    Example:

    ```python
    to_rgb = ToRGB(3, w_index=1, dtype="float32")
    to_rgb([tf.ones((2, 8, 8, 16)), tf.ones((2, 2, 32))]).shape    # (2, 8, 8, 3)
    ```

    Args:
        channels: int >= 1, image channels.
        w_index: int >= 0, which of the per-layer styles this layer uses.
        **kwargs: `keras.layers.Layer` arguments.
    """

    def __init__(self, channels: int, w_index: int = 0, **kwargs: Any):
        kwargs.pop("filters", None)
        kwargs.pop("kernel_size", None)
        super().__init__(channels, 1, w_index, **kwargs)

    def build(self, input_shape):
        self.build_modulation(int(input_shape[0][-1]), int(input_shape[1][-1]))

    def call(self, inputs):
        x = tf.cast(tf.convert_to_tensor(inputs[0]), self.compute_dtype)
        return self.modulated_conv(x, self.styles(inputs[1]), demodulate=False) \
            + self.bias.value

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], self.filters)

    def get_config(self):
        config = super().get_config()
        config["channels"] = config.pop("filters")
        config.pop("kernel_size")
        return config


@keras.saving.register_keras_serializable(package="keras_genmodels")
class ConstantInput(keras.layers.Layer):
    """The learned constant `(size, size, channels)` a synthesis network starts from,
    repeated for every example of the batch of its input (the styles).

    Example:

    ```python
    ConstantInput(32)(np.ones((2, 4, 16))).shape     # (2, 4, 4, 32)
    ```

    Args:
        channels: int >= 1.
        size: int >= 1, height and width. Defaults to 4.
        **kwargs: `keras.layers.Layer` arguments.
    """

    def __init__(self, channels: int, size: int = 4, **kwargs: Any):
        super().__init__(**kwargs)
        self.channels = check_positive_int(channels, "channels")
        self.size = check_positive_int(size, "size")

    def build(self, input_shape):
        self.constant = self.add_weight(
            name="constant", shape=(1, self.size, self.size, self.channels),
            initializer=keras.initializers.RandomNormal(stddev=1.0))

    def call(self, ws):
        return tf.tile(self.constant.value, [tf.shape(ws)[0], 1, 1, 1])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "size": self.size}


@keras.saving.register_keras_serializable(package="keras_genmodels")
class Upsample2x(keras.layers.Layer):
    """Bilinear 2x upsampling of the skip architecture's running image.

    Example:

    ```python
    Upsample2x()(np.ones((2, 4, 4, 3), "float32")).shape     # (2, 8, 8, 3)
    ```
    """

    def call(self, x):
        return upsample2x(x)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, None if height is None else 2 * height,
                None if width is None else 2 * width, channels)
