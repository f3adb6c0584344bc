"""Convolutional VAE encoder and decoder for square images of 28, 32 or 64 pixels.

The encoder halves the image side with stride-2 `Conv2D` layers down to a 7x7 (28 px) or
8x8 (32 and 64 px) feature map, then maps it through a `Dense` layer to a flat vector; the
decoder mirrors it with stride-2 `Conv2DTranspose` layers. Both end in a linear float32
layer: the encoder's outputs are posterior parameters and the decoder's are the raw
parameters of a pixel likelihood (logits of a Bernoulli, locations of a Normal, ...),
which `keras_genmodels.distributions` turns into a distribution. This is the network of
the keras.io VAE example, extended to 64 px and any channel count.

Example:

```python
from keras_genmodels.networks import build_conv_decoder, build_conv_encoder

encoder = build_conv_encoder((32, 32, 3), output_dim=2 * 16)      # mean and scale
decoder = build_conv_decoder(16, output_shape=(32, 32, 3 * 2))    # loc and scale per pixel
```
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from keras_genmodels.networks.shape_checks import (
    bottleneck_size,
    check_image_shape,
    check_units,
    downsampling_filters,
    upsampling_filters,
)
from keras_genmodels.validation import check_positive_int


def build_conv_encoder(
    input_shape: tuple[int, int, int],
    output_dim: int,
    filters: Sequence[int] = (32, 64),
    dense_units: int = 256,
    name: str = "encoder",
) -> keras.Model:
    """Builds a convolutional encoder: images to a flat vector of parameters.

    Two stride-2 `Conv2D` layers (3x3, ReLU) with `filters[0]` and `filters[1]` filters
    take a 28 px image to 7x7 and a 32 px image to 8x8; a 64 px image gets a third level
    with `2 * filters[1]` filters. A `Dense(dense_units)` ReLU layer follows, then a
    linear float32 `Dense(output_dim)`.

    Example:

    ```python
    encoder = build_conv_encoder((28, 28, 1), output_dim=20)
    encoder(np.zeros((4, 28, 28, 1), "float32")).shape   # (4, 20)
    ```

    Args:
        input_shape: tuple `(H, W, C)`, square images with `H` in 28, 32 or 64 and any
            number of channels (add label channels for a conditional model).
        output_dim: int, size of the output vector, e.g. `2 * latent_dim` for the mean
            and scale of a diagonal Normal posterior.
        filters: two ints, the filters of the first and second stride-2 levels.
            Defaults to `(32, 64)`.
        dense_units: int, width of the hidden `Dense` layer. Defaults to 256.
        name: str, the model's name. Defaults to `"encoder"`.

    Returns:
        A `keras.Model` mapping `(batch, H, W, C)` to `(batch, output_dim)`.
    """
    height, width, channels = check_image_shape(input_shape, "input_shape")
    output_dim = check_positive_int(output_dim, "output_dim")
    filters = check_units(filters, "filters", length=2)
    dense_units = check_positive_int(dense_units, "dense_units")

    inputs = keras.Input(shape=(height, width, channels), name="images")
    x = inputs
    for i, level_filters in enumerate(downsampling_filters(filters, height)):
        x = layers.Conv2D(
            level_filters, 3, strides=2, padding="same", activation="relu", name=f"conv_{i + 1}"
        )(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    outputs = layers.Dense(output_dim, dtype="float32", name="outputs")(x)
    return keras.Model(inputs, outputs, name=name)


def build_conv_decoder(
    latent_dim: int,
    output_shape: tuple[int, int, int],
    filters: Sequence[int] = (64, 32),
    dense_units: int = 256,
    name: str = "decoder",
) -> keras.Model:
    """Builds a convolutional decoder: latent vectors to per-pixel likelihood parameters.

    A `Dense(dense_units)` ReLU layer and a `Dense` layer reshaped to a 7x7 (28 px) or
    8x8 (32 and 64 px) map are followed by stride-2 `Conv2DTranspose` layers (3x3, ReLU)
    with `filters[0]` and `filters[1]` filters (64 px first adds one of `2 * filters[0]`),
    and a final linear 3x3 `Conv2D` in float32 with `C` output channels. There is no output
    activation: the outputs are logits or locations for a likelihood. To predict several
    parameters per pixel, pass `C * params_per_pixel` channels (e.g. 2 for loc and scale).

    Example:

    ```python
    decoder = build_conv_decoder(latent_dim=10, output_shape=(64, 64, 3))
    decoder(np.zeros((4, 10), "float32")).shape   # (4, 64, 64, 3)
    ```

    Args:
        latent_dim: int, size of the latent vectors (add the label size for a
            conditional model).
        output_shape: tuple `(H, W, C)`, square outputs with `H` in 28, 32 or 64 and any
            positive number of channels.
        filters: two ints, the filters of the last two stride-2 levels, widest first.
            Defaults to `(64, 32)`.
        dense_units: int, width of the first hidden `Dense` layer. Defaults to 256.
        name: str, the model's name. Defaults to `"decoder"`.

    Returns:
        A `keras.Model` mapping `(batch, latent_dim)` to `(batch, H, W, C)`.
    """
    latent_dim = check_positive_int(latent_dim, "latent_dim")
    height, width, channels = check_image_shape(output_shape, "output_shape")
    filters = check_units(filters, "filters", length=2)
    dense_units = check_positive_int(dense_units, "dense_units")

    levels = upsampling_filters(filters, height)
    base = bottleneck_size(height)
    inputs = keras.Input(shape=(latent_dim,), name="latent")
    x = layers.Dense(dense_units, activation="relu", name="dense")(inputs)
    x = layers.Dense(base * base * levels[0], activation="relu", name="project")(x)
    x = layers.Reshape((base, base, levels[0]), name="reshape")(x)
    for i, level_filters in enumerate(levels):
        x = layers.Conv2DTranspose(
            level_filters,
            3,
            strides=2,
            padding="same",
            activation="relu",
            name=f"conv_transpose_{i + 1}",
        )(x)
    outputs = layers.Conv2D(channels, 3, padding="same", dtype="float32", name="outputs")(x)
    return keras.Model(inputs, outputs, name=name)
