"""Layers with an equalised learning rate (Karras et al., 2018, "Progressive Growing of GANs").

Mathematical Details

A weight is stored as `v ~ N(0, 1 / lr_multiplier^2)` and used as
`w = v * lr_multiplier / sqrt(fan_in)` at every call, so every layer's weights change at the
same relative speed under an adaptive optimizer such as Adam, whatever their fan-in. A
bias is stored as `b` and used as `b * lr_multiplier`. `lr_multiplier < 1` slows a layer
down: StyleGAN's mapping network uses 0.01 (Karras et al., 2019, appendix C).
`activation="lrelu"` is LeakyReLU(0.2) times `sqrt(2)`, the gain that keeps the variance of
unit-variance inputs (He et al., 2015).

Example:

```python
dense = EqualizedDense(64, lr_multiplier=0.01, activation="lrelu")
conv = EqualizedConv2D(32, 3, activation="lrelu", down=True)   # 3x3 conv, then 2x2 pooling
```
"""

from __future__ import annotations

import math
from typing import Any

import keras
import tensorflow as tf

from keras_genmodels.validation import check_choice, check_non_negative, check_positive_int

#: Activations of the equalised layers: `"linear"` or the gain-corrected `"lrelu"`.
ACTIVATIONS = ("linear", "lrelu")
#: The gain of `"lrelu"`: keeps unit variance through LeakyReLU(0.2) (He et al., 2015).
LRELU_GAIN = math.sqrt(2.0)


def apply_activation(x: tf.Tensor, activation: str) -> tf.Tensor:
    """`x` unchanged (`"linear"`) or `sqrt(2) * LeakyReLU(0.2)(x)` (`"lrelu"`)."""
    if activation == "lrelu":
        return tf.nn.leaky_relu(x, alpha=0.2) * tf.cast(LRELU_GAIN, x.dtype)
    return x


def _check_multiplier(value: Any) -> float:
    value = check_non_negative(value, "lr_multiplier")
    if value == 0.0:
        raise ValueError("`lr_multiplier` must be > 0, got 0.")
    return value


@keras.saving.register_keras_serializable(package="keras_genmodels")
class EqualizedDense(keras.layers.Layer):
    """A dense layer with an equalised learning rate.

    Example:

    ```python
    layer = EqualizedDense(8, activation="lrelu")
    layer(np.ones((2, 4), "float32")).shape     # (2, 8)
    ```

    Args:
        units: int >= 1, output size.
        lr_multiplier: float > 0, the layer's learning-rate multiplier. Defaults to 1.
        bias_init: float, the initial bias (in output units). Defaults to 0.
        activation: `"linear"` or `"lrelu"`. Defaults to `"linear"`.
        use_bias: bool. Defaults to True.
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`).
    """

    def __init__(self, units: int, lr_multiplier: float = 1.0, bias_init: float = 0.0,
                 activation: str = "linear", use_bias: bool = True, **kwargs: Any):
        super().__init__(**kwargs)
        self.units = check_positive_int(units, "units")
        self.lr_multiplier = _check_multiplier(lr_multiplier)
        self.bias_init = float(bias_init)
        self.activation = check_choice(activation, "activation", ACTIVATIONS)
        self.use_bias = bool(use_bias)

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self.kernel = self.add_weight(
            name="kernel", shape=(fan_in, self.units),
            initializer=keras.initializers.RandomNormal(stddev=1.0 / self.lr_multiplier))
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.units,),
                initializer=keras.initializers.Constant(self.bias_init / self.lr_multiplier))
        self.scale = self.lr_multiplier / math.sqrt(fan_in)

    def call(self, x):
        kernel = self.kernel.value  # cast to the compute dtype under mixed precision
        x = tf.matmul(x, kernel * tf.cast(self.scale, kernel.dtype))
        if self.bias is not None:
            bias = self.bias.value
            x = x + bias * tf.cast(self.lr_multiplier, bias.dtype)
        return apply_activation(x, self.activation)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "lr_multiplier": self.lr_multiplier, "bias_init": self.bias_init,
                "activation": self.activation, "use_bias": self.use_bias}


@keras.saving.register_keras_serializable(package="keras_genmodels")
class EqualizedConv2D(keras.layers.Layer):
    """A "same"-padded convolution with an equalised learning rate, optionally followed by
    2x2 average pooling (`down=True`), as the StyleGAN discriminator downsamples.

    Example:

    ```python
    conv = EqualizedConv2D(16, 3, activation="lrelu", down=True)
    conv(np.ones((2, 8, 8, 3), "float32")).shape    # (2, 4, 4, 16)
    ```

    Args:
        filters: int >= 1, output channels.
        kernel_size: int >= 1, a square kernel.
        activation: `"linear"` or `"lrelu"`. Defaults to `"linear"`.
        down: bool, halve the resolution with 2x2 average pooling after the convolution.
            Defaults to False.
        use_bias: bool. Defaults to True.
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`).
    """

    def __init__(self, filters: int, kernel_size: int, activation: str = "linear",
                 down: bool = False, use_bias: bool = True, **kwargs: Any):
        super().__init__(**kwargs)
        self.filters = check_positive_int(filters, "filters")
        self.kernel_size = check_positive_int(kernel_size, "kernel_size")
        self.activation = check_choice(activation, "activation", ACTIVATIONS)
        self.down = bool(down)
        self.use_bias = bool(use_bias)

    def build(self, input_shape):
        channels = int(input_shape[-1])
        k = self.kernel_size
        self.kernel = self.add_weight(name="kernel", shape=(k, k, channels, self.filters),
                                      initializer=keras.initializers.RandomNormal(stddev=1.0))
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros") \
            if self.use_bias else None
        self.scale = 1.0 / math.sqrt(k * k * channels)

    def call(self, x):
        kernel = self.kernel.value
        kernel = kernel * tf.cast(self.scale, kernel.dtype)
        x = tf.nn.conv2d(x, kernel, strides=1, padding="SAME")
        if self.down:
            x = tf.nn.avg_pool2d(x, 2, 2, "VALID")
        if self.bias is not None:
            x = x + self.bias.value
        return apply_activation(x, self.activation)

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        if self.down:
            height = None if height is None else height // 2
            width = None if width is None else width // 2
        return (batch, height, width, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": self.kernel_size, "activation": self.activation,
                "down": self.down, "use_bias": self.use_bias}
