"""Fully connected builders: a plain MLP, and a GAN generator and discriminator for vectors.

These are the networks for low-dimensional data such as the 2-D rings and grids of
`keras_genmodels.datasets.mixtures`. Every builder returns a functional `keras.Model`
whose last layer computes in float32, so logits and distribution parameters stay float32
under the `mixed_float16` policy.

Example:

```python
from keras_genmodels.networks import build_mlp_discriminator, build_mlp_generator

generator = build_mlp_generator(latent_dim=8, output_dim=2)
discriminator = build_mlp_discriminator(input_dim=2, spectral_normalization=True)
```
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
from keras import layers

from keras_genmodels.networks.shape_checks import check_units
from keras_genmodels.validation import check_positive_int


def build_mlp(
    input_dim: int,
    output_dim: int,
    hidden_units: Sequence[int] = (256, 256),
    activation: str | Callable[..., Any] = "relu",
    name: str = "mlp",
    output_dtype: str | None = "float32",
) -> keras.Model:
    """Builds a multilayer perceptron with a linear output layer.

    The network maps vectors of shape `(input_dim,)` through one `Dense` layer per entry of
    `hidden_units` (each followed by `activation`) to a linear `Dense(output_dim)`. The
    linear output makes it fit any role: encoder (posterior parameters), decoder (logits or
    locations of a likelihood), or generator of unbounded data.

    Example:

    ```python
    mlp = build_mlp(input_dim=2, output_dim=4, hidden_units=(64, 64))
    mlp(np.zeros((8, 2), "float32")).shape   # (8, 4)
    ```

    Args:
        input_dim: int, size of the input vectors.
        output_dim: int, size of the output vectors.
        hidden_units: sequence of ints, the width of each hidden layer (may be empty).
            Defaults to `(256, 256)`.
        activation: activation of the hidden layers, a Keras activation name or callable.
            Defaults to `"relu"`.
        name: str, the model's name. Defaults to `"mlp"`.
        output_dtype: dtype policy of the output layer. Defaults to `"float32"` so the
            outputs stay float32 under mixed precision; `None` follows the global policy.

    Returns:
        A `keras.Model` mapping `(batch, input_dim)` to `(batch, output_dim)`.
    """
    input_dim = check_positive_int(input_dim, "input_dim")
    output_dim = check_positive_int(output_dim, "output_dim")
    hidden_units = check_units(hidden_units, "hidden_units")

    inputs = keras.Input(shape=(input_dim,), name="inputs")
    x = inputs
    for i, units in enumerate(hidden_units):
        x = layers.Dense(units, activation=activation, name=f"dense_{i + 1}")(x)
    outputs = layers.Dense(output_dim, dtype=output_dtype, name="outputs")(x)
    return keras.Model(inputs, outputs, name=name)


def build_mlp_generator(
    latent_dim: int,
    output_dim: int,
    hidden_units: Sequence[int] = (128, 128),
    name: str = "generator",
) -> keras.Model:
    """Builds a GAN generator for vector data: latent codes to unbounded vectors.

    A ReLU MLP with a linear float32 output, suited to data such as 2-D mixtures whose
    range is not bounded in advance.

    Example:

    ```python
    generator = build_mlp_generator(latent_dim=8, output_dim=2)
    generator(np.random.normal(size=(16, 8)).astype("float32")).shape   # (16, 2)
    ```

    Args:
        latent_dim: int, size of the latent vectors (add the label size for a
            conditional GAN).
        output_dim: int, size of the generated vectors.
        hidden_units: sequence of ints, the width of each hidden layer.
            Defaults to `(128, 128)`.
        name: str, the model's name. Defaults to `"generator"`.

    Returns:
        A `keras.Model` mapping `(batch, latent_dim)` to `(batch, output_dim)`.
    """
    return build_mlp(
        check_positive_int(latent_dim, "latent_dim"),
        output_dim,
        hidden_units=hidden_units,
        activation="relu",
        name=name,
    )


def build_mlp_discriminator(
    input_dim: int,
    hidden_units: Sequence[int] = (128, 128),
    spectral_normalization: bool = False,
    name: str = "discriminator",
    return_features: bool = False,
) -> keras.Model:
    """Builds a GAN discriminator (or WGAN critic) for vector data: vectors to one logit.

    Hidden `Dense` layers use LeakyReLU(0.2) and no batch normalization, so each example's
    output depends on that example alone, as the WGAN-GP gradient penalty requires. The
    last hidden activation is exposed as a layer named `"features"`.

    Example:

    ```python
    discriminator = build_mlp_discriminator(input_dim=2, spectral_normalization=True)
    discriminator(np.zeros((16, 2), "float32")).shape   # (16, 1)
    ```

    Args:
        input_dim: int, size of the input vectors (add the label size for a conditional
            GAN).
        hidden_units: sequence of ints, the width of each hidden layer.
            Defaults to `(128, 128)`.
        spectral_normalization: bool, if True every `Dense` layer is wrapped in
            `keras.layers.SpectralNormalization` (Miyato et al., 2018). Defaults to False.
        name: str, the model's name. Defaults to `"discriminator"`.
        return_features: bool, if True the model returns `[logit, features]`, the
            features being the last hidden activations (float32). Defaults to False.

    Returns:
        A `keras.Model` mapping `(batch, input_dim)` to logits of shape `(batch, 1)`, or to
        `[logits, features]` when `return_features` is True.
    """
    input_dim = check_positive_int(input_dim, "input_dim")
    hidden_units = check_units(hidden_units, "hidden_units")

    inputs = keras.Input(shape=(input_dim,), name="inputs")
    x = inputs
    for i, units in enumerate(hidden_units):
        x = maybe_spectral(layers.Dense(units, name=f"dense_{i + 1}"), spectral_normalization)(x)
        x = layers.LeakyReLU(negative_slope=0.2, name=f"leaky_relu_{i + 1}")(x)
    features = layers.Activation("linear", dtype="float32", name="features")(x)
    logits = maybe_spectral(
        layers.Dense(1, dtype="float32", name="logits"), spectral_normalization
    )(features)
    outputs = [logits, features] if return_features else logits
    return keras.Model(inputs, outputs, name=name)


def maybe_spectral(layer: layers.Layer, spectral_normalization: bool) -> layers.Layer:
    """Returns `layer`, wrapped in `SpectralNormalization` if asked.

    The wrapper itself runs in float32 whatever the global policy: each training call it
    re-estimates the kernel's largest singular value and writes the normalised kernel back
    into the float32 variable. Under a mixed policy a wrapper computing in float16 would
    write float16-rounded values into that master weight every step (and Keras' power
    iteration overflows `1 / epsilon` in float16). The wrapped layer keeps its own policy,
    so its matmul or convolution still computes in the mixed dtype.
    """
    if not isinstance(spectral_normalization, bool):
        raise TypeError(
            f"`spectral_normalization` must be True or False, got {spectral_normalization!r}."
        )
    if not spectral_normalization:
        return layer
    return layers.SpectralNormalization(
        layer, dtype="float32", name=f"{layer.name}_spectral_norm"
    )
