"""DCGAN generator and discriminator for square images of 28, 32 or 64 pixels.

The generator follows Radford et al. (2016), "Unsupervised Representation Learning with
Deep Convolutional Generative Adversarial Networks": a projection of the latent code to a
small feature map, stride-2 `Conv2DTranspose` layers with batch normalization and ReLU,
and a tanh output in [-1, 1]. The discriminator uses stride-2 convolutions with
LeakyReLU(0.2) and, unlike the paper, no batch normalization, so each example's logit
depends on that example alone: it is safe as a WGAN-GP critic (Gulrajani et al., 2017).
Optional spectral normalization (Miyato et al., 2018) wraps every `Conv2D` and `Dense`.

Example:

```python
from keras_genmodels.networks import build_dcgan_discriminator, build_dcgan_generator

generator = build_dcgan_generator(latent_dim=64, output_shape=(32, 32, 3))
discriminator = build_dcgan_discriminator((32, 32, 3), spectral_normalization=True)
```
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from keras_genmodels.networks import shape_checks
from keras_genmodels.networks.mlp import maybe_spectral
from keras_genmodels.validation import check_choice, check_non_negative, check_positive_int

_OUTPUT_ACTIVATIONS = ("tanh", "sigmoid", "linear")


def build_dcgan_generator(
    latent_dim: int,
    output_shape: tuple[int, int, int],
    filters: Sequence[int] = (128, 64),
    name: str = "generator",
    output_activation: str = "tanh",
) -> keras.Model:
    """Builds a DCGAN generator: latent vectors to images in [-1, 1].

    A bias-free `Dense` projects the latent code to a 7x7 (28 px) or 8x8 (32 and 64 px)
    map with `filters[0]` channels (`2 * filters[0]` for 64 px); each stride-2 4x4
    `Conv2DTranspose` (`filters[0]`, then `filters[1]`, with one more level of
    `2 * filters[0]` first for 64 px) is followed by batch normalization and ReLU; a final
    3x3 `Conv2D` with `C` channels and `output_activation` computes in float32. The model
    that owns the generator maps its [-1, 1] output back to [0, 1] at its public boundary
    (see `keras_genmodels.images.from_tanh_range`).

    Example:

    ```python
    generator = build_dcgan_generator(latent_dim=64, output_shape=(28, 28, 1))
    generator(np.random.normal(size=(8, 64)).astype("float32")).shape   # (8, 28, 28, 1)
    ```

    Args:
        latent_dim: int, size of the latent vectors (add the label size for a
            conditional GAN).
        output_shape: tuple `(H, W, C)`, square images with `H` in 28, 32 or 64 and any
            positive number of channels.
        filters: two ints, the filters of the last two upsampling levels, widest first.
            Defaults to `(128, 64)`.
        name: str, the model's name. Defaults to `"generator"`.
        output_activation: one of `"tanh"` (outputs in [-1, 1]), `"sigmoid"` (in [0, 1])
            or `"linear"`. Defaults to `"tanh"`.

    Returns:
        A `keras.Model` mapping `(batch, latent_dim)` to `(batch, H, W, C)`.
    """
    latent_dim = check_positive_int(latent_dim, "latent_dim")
    height, width, channels = shape_checks.check_image_shape(output_shape, "output_shape")
    filters = shape_checks.check_units(filters, "filters", length=2)
    output_activation = check_choice(output_activation, "output_activation", _OUTPUT_ACTIVATIONS)

    levels = shape_checks.upsampling_filters(filters, height)
    base = shape_checks.bottleneck_size(height)
    inputs = keras.Input(shape=(latent_dim,), name="latent")
    x = layers.Dense(base * base * levels[0], use_bias=False, name="project")(inputs)
    x = layers.BatchNormalization(synchronized=True, name="project_bn")(x)
    x = layers.ReLU(name="project_relu")(x)
    x = layers.Reshape((base, base, levels[0]), name="reshape")(x)
    for i, level_filters in enumerate(levels):
        x = layers.Conv2DTranspose(
            level_filters,
            4,
            strides=2,
            padding="same",
            use_bias=False,
            name=f"conv_transpose_{i + 1}",
        )(x)
        x = layers.BatchNormalization(synchronized=True, name=f"bn_{i + 1}")(x)
        x = layers.ReLU(name=f"relu_{i + 1}")(x)
    outputs = layers.Conv2D(
        channels,
        3,
        padding="same",
        activation=output_activation,
        dtype="float32",
        name="images",
    )(x)
    return keras.Model(inputs, outputs, name=name)


def build_dcgan_discriminator(
    input_shape: tuple[int, int, int],
    filters: Sequence[int] = (64, 128),
    name: str = "discriminator",
    spectral_normalization: bool = False,
    dropout: float = 0.0,
    return_features: bool = False,
) -> keras.Model:
    """Builds a DCGAN discriminator (or WGAN critic): images to one logit.

    Stride-2 4x4 `Conv2D` layers with `filters[0]` and `filters[1]` filters (64 px adds a
    third level of `2 * filters[1]`), each followed by LeakyReLU(0.2) and optional dropout,
    are flattened into a float32 layer named `"features"` and mapped by a linear float32
    `Dense(1)` to a logit. There is no batch normalization, so the network is safe for the
    per-example gradient penalty of WGAN-GP. The features serve the feature-wise
    reconstruction loss of a VAE-GAN (Larsen et al., 2016): ask for them with
    `return_features=True` or take them later with `discriminator_features`.

    Example:

    ```python
    discriminator = build_dcgan_discriminator((64, 64, 3), spectral_normalization=True)
    discriminator(np.zeros((8, 64, 64, 3), "float32")).shape   # (8, 1)
    ```

    Args:
        input_shape: tuple `(H, W, C)`, square images with `H` in 28, 32 or 64 and any
            number of channels (add label channels for a conditional GAN).
        filters: two ints, the filters of the first two stride-2 levels.
            Defaults to `(64, 128)`.
        name: str, the model's name. Defaults to `"discriminator"`.
        spectral_normalization: bool, if True every `Conv2D` and `Dense` layer is wrapped
            in `keras.layers.SpectralNormalization`. Defaults to False.
        dropout: float in [0, 1), dropout rate after each LeakyReLU. Defaults to 0.
        return_features: bool, if True the model returns `[logit, features]`, the features
            being the flattened activations of the last convolution (float32).
            Defaults to False.

    Returns:
        A `keras.Model` mapping `(batch, H, W, C)` to logits of shape `(batch, 1)`, or to
        `[logits, features]` when `return_features` is True.
    """
    height, width, channels = shape_checks.check_image_shape(input_shape, "input_shape")
    filters = shape_checks.check_units(filters, "filters", length=2)
    dropout = check_non_negative(dropout, "dropout")
    if dropout >= 1.0:
        raise ValueError(f"`dropout` must be in [0, 1), got {dropout}.")

    inputs = keras.Input(shape=(height, width, channels), name="images")
    x = inputs
    for i, level_filters in enumerate(shape_checks.downsampling_filters(filters, height)):
        conv = layers.Conv2D(level_filters, 4, strides=2, padding="same", name=f"conv_{i + 1}")
        x = maybe_spectral(conv, spectral_normalization)(x)
        x = layers.LeakyReLU(negative_slope=0.2, name=f"leaky_relu_{i + 1}")(x)
        if dropout > 0.0:
            x = layers.Dropout(dropout, name=f"dropout_{i + 1}")(x)
    features = layers.Flatten(dtype="float32", name="features")(x)
    logits = maybe_spectral(
        layers.Dense(1, dtype="float32", name="logits"), spectral_normalization
    )(features)
    outputs = [logits, features] if return_features else logits
    return keras.Model(inputs, outputs, name=name)


def discriminator_features(discriminator: keras.Model) -> keras.Model:
    """Returns a model from a discriminator's input to its penultimate features.

    The returned model shares its layers (and so its weights) with `discriminator`; it
    reads the layer named `"features"` that `build_dcgan_discriminator` and
    `build_mlp_discriminator` create.

    Example:

    ```python
    discriminator = build_dcgan_discriminator((28, 28, 1))
    features = discriminator_features(discriminator)
    features(np.zeros((2, 28, 28, 1), "float32")).shape   # (2, 6272)
    ```

    Args:
        discriminator: a functional `keras.Model` with a layer named `"features"`.

    Returns:
        A `keras.Model` mapping the discriminator's input to its features.
    """
    if not isinstance(discriminator, keras.Model):
        raise TypeError(
            f"`discriminator` must be a keras.Model, got {type(discriminator).__name__}."
        )
    try:
        features = discriminator.get_layer("features")
    except ValueError:
        raise ValueError(
            f"`discriminator` ({discriminator.name!r}) has no layer named 'features'; build it "
            "with build_dcgan_discriminator or build_mlp_discriminator."
        ) from None
    return keras.Model(discriminator.input, features.output, name=f"{discriminator.name}_features")
