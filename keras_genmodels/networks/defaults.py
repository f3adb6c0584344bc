"""Default networks chosen from the shape of the data.

Models such as `keras_genmodels.VAE` and the GANs build their networks from the first
batch they see, so that `kg.VAE(latent_dim=10)` works on MNIST, CIFAR-10 or 2-D mixtures
alike. Square images of 28, 32 or 64 pixels get convolutional networks; vectors get MLPs.
Conditional models append the labels (one-hot, `conditional_dim` wide) as extra channels
of an image or extra features of a vector, and to the latent code.

Example:

```python
from keras_genmodels.networks import default_gan_networks, default_vae_networks

encoder, decoder = default_vae_networks((28, 28, 1), latent_dim=10)
generator, discriminator = default_gan_networks((2,), latent_dim=8, conditional_dim=3)
```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from keras_genmodels.networks.conv import build_conv_decoder, build_conv_encoder
from keras_genmodels.networks.dcgan import build_dcgan_discriminator, build_dcgan_generator
from keras_genmodels.networks.mlp import build_mlp, build_mlp_discriminator, build_mlp_generator
from keras_genmodels.networks.shape_checks import SUPPORTED_IMAGE_SIZES, check_image_shape
from keras_genmodels.validation import check_positive_int

#: Hidden layers of the default vector generator and discriminator.
VECTOR_GAN_UNITS = (128, 128, 128)

_SUPPORTED = (
    f"images (H, W, C) with H == W in {', '.join(str(s) for s in SUPPORTED_IMAGE_SIZES)} "
    "and any C, or vectors (D,)"
)


def _data_kind(data_shape: Any) -> tuple[str, tuple[int, ...]]:
    """Returns `("image", (H, W, C))` or `("vector", (D,))`, or raises naming `data_shape`."""
    if not isinstance(data_shape, Sequence) or isinstance(data_shape, str):
        raise TypeError(
            f"`data_shape` must be a tuple (the shape of one example), got {data_shape!r}. "
            f"Supported: {_SUPPORTED}."
        )
    shape = tuple(data_shape)
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in shape):
        raise ValueError(
            f"`data_shape` must hold ints (no batch axis, no None), got {shape}. "
            f"Supported: {_SUPPORTED}."
        )
    if len(shape) == 1:
        return "vector", (check_positive_int(shape[0], "data_shape[0]"),)
    if len(shape) == 3:
        try:
            return "image", check_image_shape(shape, "data_shape")
        except ValueError as error:
            raise ValueError(f"{error} Supported: {_SUPPORTED}.") from None
    raise ValueError(
        f"Unsupported `data_shape` {shape} (rank {len(shape)}). Supported: {_SUPPORTED}. "
        "Pass your own networks for other data."
    )


def default_vae_networks(
    data_shape: tuple[int, ...],
    latent_dim: int,
    params_per_dim: int = 1,
    conditional_dim: int = 0,
) -> tuple[keras.Model, keras.Model]:
    """Builds a VAE's encoder and decoder suited to data of shape `data_shape`.

    Images get `build_conv_encoder` and `build_conv_decoder`; vectors get two
    `build_mlp` networks with hidden layers of (256, 256). The encoder outputs
    `2 * latent_dim` values (mean and scale parameters of a diagonal Normal posterior);
    the decoder outputs `params_per_dim` raw likelihood parameters per data value, stacked
    along the last axis.

    Example:

    ```python
    encoder, decoder = default_vae_networks((32, 32, 3), latent_dim=16, params_per_dim=2)
    encoder.output_shape   # (None, 32)
    decoder.output_shape   # (None, 32, 32, 6)
    ```

    Args:
        data_shape: tuple, the shape of one example: `(H, W, C)` with `H == W` in 28, 32
            or 64, or `(D,)`.
        latent_dim: int, size of the latent code.
        params_per_dim: int, likelihood parameters per data value (1 for Bernoulli
            logits, 2 for a Normal's location and scale). Defaults to 1.
        conditional_dim: int, size of the condition (e.g. number of classes, one-hot);
            it is appended to the encoder's input as channels (images) or features
            (vectors) and to the decoder's input. Defaults to 0 (unconditional).

    Returns:
        `(encoder, decoder)`: the encoder maps `(H, W, C + conditional_dim)` or
        `(D + conditional_dim,)` to `(2 * latent_dim,)`; the decoder maps
        `(latent_dim + conditional_dim,)` to `(H, W, C * params_per_dim)` or
        `(D * params_per_dim,)`.
    """
    kind, shape = _data_kind(data_shape)
    latent_dim = check_positive_int(latent_dim, "latent_dim")
    params_per_dim = check_positive_int(params_per_dim, "params_per_dim")
    conditional_dim = check_positive_int(conditional_dim, "conditional_dim", minimum=0)

    if kind == "image":
        height, width, channels = shape
        encoder = build_conv_encoder((height, width, channels + conditional_dim), 2 * latent_dim)
        decoder = build_conv_decoder(
            latent_dim + conditional_dim, (height, width, channels * params_per_dim)
        )
    else:
        (dim,) = shape
        encoder = build_mlp(dim + conditional_dim, 2 * latent_dim, name="encoder")
        decoder = build_mlp(latent_dim + conditional_dim, dim * params_per_dim, name="decoder")
    return encoder, decoder


def default_gan_networks(
    data_shape: tuple[int, ...],
    latent_dim: int,
    conditional_dim: int = 0,
    spectral_normalization: bool = False,
    projection: bool = False,
) -> tuple[keras.Model, keras.Model]:
    """Builds a GAN's generator and discriminator suited to data of shape `data_shape`.

    Images get `build_dcgan_generator` (tanh output in [-1, 1]) and
    `build_dcgan_discriminator`; vectors get `build_mlp_generator` (linear output) and
    `build_mlp_discriminator`, each with three hidden layers of 128 (`VECTOR_GAN_UNITS`).
    The discriminator returns one logit (a critic value for a WGAN) and has no batch
    normalization.

    Example:

    ```python
    generator, discriminator = default_gan_networks((28, 28, 1), latent_dim=64)
    generator.output_shape       # (None, 28, 28, 1)
    discriminator.output_shape   # (None, 1)
    ```

    Args:
        data_shape: tuple, the shape of one example: `(H, W, C)` with `H == W` in 28, 32
            or 64, or `(D,)`.
        latent_dim: int, size of the latent code.
        conditional_dim: int, size of the condition (e.g. number of classes, one-hot);
            it is appended to the generator's input and to the discriminator's input as
            channels (images) or features (vectors). Defaults to 0 (unconditional).
        spectral_normalization: bool, wrap every layer of the discriminator with weights
            in `keras.layers.SpectralNormalization`. Defaults to False.
        projection: bool, a discriminator for conditioning by projection (Miyato &
            Koyama, 2018): it takes the data alone (the condition enters through the
            projection) and returns `[logit, features]`. Defaults to False.

    Returns:
        `(generator, discriminator)`: the generator maps `(latent_dim + conditional_dim,)`
        to `data_shape`; the discriminator maps `(H, W, C + conditional_dim)` or
        `(D + conditional_dim,)` to `(1,)`.
    """
    kind, shape = _data_kind(data_shape)
    latent_dim = check_positive_int(latent_dim, "latent_dim")
    conditional_dim = check_positive_int(conditional_dim, "conditional_dim", minimum=0)
    # the discriminator's condition channels (none when the condition is projected)
    d_condition = 0 if projection else conditional_dim

    if kind == "image":
        height, width, channels = shape
        generator = build_dcgan_generator(latent_dim + conditional_dim, shape)
        discriminator = build_dcgan_discriminator(
            (height, width, channels + d_condition),
            spectral_normalization=spectral_normalization, return_features=projection,
        )
    else:
        (dim,) = shape
        # three hidden layers, not the builders' two: on ring8 in 40 epochs the third
        # took a GAN from 6 to 7-8 modes and a WGAN-GP from 2 to 6 (README, "Defaults")
        generator = build_mlp_generator(
            latent_dim + conditional_dim, dim, hidden_units=VECTOR_GAN_UNITS
        )
        discriminator = build_mlp_discriminator(
            dim + d_condition,
            hidden_units=VECTOR_GAN_UNITS,
            spectral_normalization=spectral_normalization,
            return_features=projection,
        )
    return generator, discriminator
