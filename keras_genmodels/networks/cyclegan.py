"""CycleGAN's networks: a ResNet generator and a PatchGAN discriminator.

The generator is the one of Zhu et al. (2017), appendix 7.2 (after Johnson et al., 2016):
`c7s1-k, d2k, d4k, R4k x blocks, u2k, uk, c7s1-C`, where `c7s1-k` is a 7x7 convolution
with stride 1 and `k` filters on a reflection-padded input, `dk` a 3x3 stride-2
convolution, `Rk` a residual block of two 3x3 convolutions on reflection-padded inputs,
`uk` a 3x3 stride-2 transposed convolution; every convolution but the last is followed by
instance normalisation and ReLU, the last by tanh (in float32).

The discriminator is the paper's 70x70 PatchGAN (Isola et al., 2017): `C64-C128-C256-C512`
of 4x4 convolutions (stride 2, the last stride 1) with instance normalisation (not on the
first) and LeakyReLU(0.2), then a 4x4 convolution to one raw score per patch (float32).
With `layers=3` stride-2 convolutions each output sees a 70x70 patch of the input
(`patchgan_receptive_field(3) == 70`); a 256 px image gives a 30x30 grid of scores.

`default_cyclegan_networks(shape)` picks sizes from the image side: the paper's for 256 px
and up (64 filters, 9 blocks), 6 blocks from 64 px (the paper's 128 px setting), and for
smaller images (28, 32 px) 16 filters and 3 blocks with two downsamplings (28 -> 7), a
size a CPU trains in minutes; the
PatchGAN takes the deepest `layers` whose receptive field fits in the image (70 px from
70 px up, 34 px from 34 px, 16 px below: 28 and 32 px images).

Example:

```python
from keras_genmodels.networks.cyclegan import (
    build_patchgan_discriminator, build_resnet_generator, patchgan_receptive_field)

generator = build_resnet_generator((256, 256, 3))            # the paper's 9-block network
critic = build_patchgan_discriminator((256, 256, 3))          # (None, 30, 30, 1) scores
patchgan_receptive_field(3)                                   # 70
```
"""

from __future__ import annotations

from typing import Any

import keras
from keras import layers

from keras_genmodels.validation import check_positive_int

__all__ = [
    "ReflectionPadding2D",
    "build_patchgan_discriminator",
    "build_resnet_generator",
    "default_cyclegan_networks",
    "patchgan_receptive_field",
]


@keras.saving.register_keras_serializable(package="keras_genmodels")
class ReflectionPadding2D(layers.Layer):
    """Pads the two spatial axes of NHWC images by reflection (no edge repeat).

    Example:

    ```python
    ReflectionPadding2D(3)(np.zeros((1, 28, 28, 1), "float32")).shape   # (1, 34, 34, 1)
    ```

    Args:
        padding: int >= 1, pixels added on each side of both spatial axes.
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`).
    """

    def __init__(self, padding: int = 1, **kwargs: Any):
        super().__init__(**kwargs)
        self.padding = check_positive_int(padding, "padding")

    def call(self, inputs):
        p = self.padding
        return keras.ops.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = 2 * self.padding
        return (batch, None if height is None else height + grow,
                None if width is None else width + grow, channels)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "padding": self.padding}


def _instance_norm(name: str) -> layers.Layer:
    # one group per channel: GroupNormalization's instance normalisation
    return layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)


def _check_shape(shape: Any, downsamplings: int = 0) -> tuple[int, int, int]:
    if not isinstance(shape, (tuple, list)) or len(shape) != 3 or not all(
            isinstance(d, int) and d > 0 for d in shape):
        raise ValueError(f"`shape` must be (height, width, channels) of positive integers, "
                         f"got {shape!r}.")
    height, width, _ = shape
    factor = 2**downsamplings
    if height % factor or width % factor:
        raise ValueError(
            f"`shape` {tuple(shape)}: height and width must be divisible by "
            f"2**downsamplings = {factor} so the generator's output has the input's size.")
    return tuple(shape)


def build_resnet_generator(
    shape: tuple[int, int, int],
    filters: int = 64,
    downsamplings: int = 2,
    residual_blocks: int = 9,
    name: str = "resnet_generator",
) -> keras.Model:
    """Builds CycleGAN's ResNet generator: images to images of the same shape, in [-1, 1].

    `c7s1-filters`, `downsamplings` stride-2 convolutions doubling the filters,
    `residual_blocks` residual blocks, as many stride-2 transposed convolutions halving
    them, and `c7s1-C` with tanh (float32). Instance normalisation, reflection padding.

    Example:

    ```python
    generator = build_resnet_generator((28, 28, 1), filters=32, residual_blocks=4)
    generator(np.zeros((2, 28, 28, 1), "float32")).shape   # (2, 28, 28, 1)
    ```

    Args:
        shape: `(H, W, C)` of the images in and out; `H` and `W` divisible by
            `2**downsamplings`.
        filters: int >= 1, filters of the first convolution. Paper: 64.
        downsamplings: int >= 0, stride-2 levels. Paper: 2.
        residual_blocks: int >= 0, residual blocks at the lowest resolution. Paper: 9 for
            256 px, 6 for 128 px.
        name: the model's name.

    Returns:
        A functional `keras.Model` from `(batch, H, W, C)` to `(batch, H, W, C)`.
    """
    filters = check_positive_int(filters, "filters")
    downsamplings = check_positive_int(downsamplings, "downsamplings", minimum=0)
    residual_blocks = check_positive_int(residual_blocks, "residual_blocks", minimum=0)
    shape = _check_shape(shape, downsamplings)
    inputs = keras.Input(shape)
    # no bias before an instance norm: the norm's offset cancels it (its gradient is float
    # noise, which Adam turns into full-size steps)
    x = ReflectionPadding2D(3, name="pad_in")(inputs)
    x = layers.Conv2D(filters, 7, use_bias=False, name="conv_in")(x)
    x = layers.ReLU(name="relu_in")(_instance_norm("norm_in")(x))
    width = filters
    for i in range(downsamplings):
        width *= 2
        x = layers.Conv2D(width, 3, strides=2, padding="same", use_bias=False,
                          name=f"down{i}")(x)
        x = layers.ReLU(name=f"down{i}_relu")(_instance_norm(f"down{i}_norm")(x))
    for i in range(residual_blocks):
        y = ReflectionPadding2D(1, name=f"res{i}_pad0")(x)
        y = layers.Conv2D(width, 3, use_bias=False, name=f"res{i}_conv0")(y)
        y = layers.ReLU(name=f"res{i}_relu")(_instance_norm(f"res{i}_norm0")(y))
        y = ReflectionPadding2D(1, name=f"res{i}_pad1")(y)
        y = _instance_norm(f"res{i}_norm1")(
            layers.Conv2D(width, 3, use_bias=False, name=f"res{i}_conv1")(y))
        x = layers.Add(name=f"res{i}_add")([x, y])
    for i in range(downsamplings):
        width //= 2
        x = layers.Conv2DTranspose(width, 3, strides=2, padding="same", use_bias=False,
                                   name=f"up{i}")(x)
        x = layers.ReLU(name=f"up{i}_relu")(_instance_norm(f"up{i}_norm")(x))
    x = ReflectionPadding2D(3, name="pad_out")(x)
    outputs = layers.Conv2D(shape[-1], 7, activation="tanh", dtype="float32", name="conv_out")(x)
    return keras.Model(inputs, outputs, name=name)


def patchgan_receptive_field(layers: int) -> int:
    """The side, in input pixels, of the patch one PatchGAN score sees.

    Computed from the network's kernels and strides (all 4x4): `layers` stride-2
    convolutions, then two stride-1 ones.

    Example:

    ```python
    patchgan_receptive_field(3)   # 70, the paper's 70x70 PatchGAN
    ```

    Args:
        layers: int >= 1, stride-2 convolutions of the discriminator.

    Returns:
        The receptive field's side in pixels.
    """
    layers = check_positive_int(layers, "layers")
    field = 1
    for stride in reversed([2] * layers + [1, 1]):
        field = (field - 1) * stride + 4
    return field


def build_patchgan_discriminator(
    shape: tuple[int, int, int],
    filters: int = 64,
    layers: int = 3,  # the paper's n_layers
    name: str = "patchgan_discriminator",
) -> keras.Model:
    """Builds a PatchGAN discriminator: images to a grid of raw scores (float32).

    `layers` 4x4 stride-2 convolutions (filters doubling from `filters`, at most
    `8 * filters`), one 4x4 stride-1 convolution, and a 4x4 stride-1 convolution to one
    score per patch; 1-pixel zero padding on each as in the paper's code, instance
    normalisation except on the first, LeakyReLU(0.2).

    Example:

    ```python
    critic = build_patchgan_discriminator((28, 28, 1), filters=32, layers=1)
    critic(np.zeros((2, 28, 28, 1), "float32")).shape   # (2, 12, 12, 1): 16x16 patches
    ```

    Args:
        shape: `(H, W, C)` of the images.
        filters: int >= 1, filters of the first convolution. Paper: 64.
        layers: int >= 1, stride-2 convolutions. Paper: 3 (70x70 patches).
        name: the model's name.

    Returns:
        A functional `keras.Model` from `(batch, H, W, C)` to `(batch, h, w, 1)`.
    """
    filters = check_positive_int(filters, "filters")
    n_layers = check_positive_int(layers, "layers")
    shape = _check_shape(shape)
    side = min(shape[0], shape[1])
    smallest = side
    for _ in range(n_layers):
        smallest //= 2
    if smallest - 2 < 1:
        raise ValueError(
            f"`layers`={n_layers} is too deep for {shape[0]}x{shape[1]} images: the score "
            "grid would be empty; use fewer layers.")
    inputs = keras.Input(shape)
    x = inputs
    for i in range(n_layers + 1):
        width = filters * min(2**i, 8)
        x = keras.layers.ZeroPadding2D(1, name=f"pad{i}")(x)
        # a bias before instance norm is cancelled by it (its gradient is float noise,
        # which Adam would turn into full-size steps)
        x = keras.layers.Conv2D(width, 4, strides=2 if i < n_layers else 1, use_bias=i == 0,
                                name=f"conv{i}")(x)
        if i > 0:
            x = _instance_norm(f"norm{i}")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"lrelu{i}")(x)
    x = keras.layers.ZeroPadding2D(1, name="pad_out")(x)
    outputs = keras.layers.Conv2D(1, 4, dtype="float32", name="scores")(x)
    return keras.Model(inputs, outputs, name=name)



def default_cyclegan_networks(
    shape: tuple[int, int, int],
) -> tuple[keras.Model, keras.Model, keras.Model, keras.Model]:
    """The four networks `CycleGAN` builds for images of `shape` when none are given.

    Sizes by the image side: the paper's 256 px generator (64 filters, 9 blocks) from
    256 px, its 128 px one (6 blocks) from 64 px, and 16 filters with 3 blocks below
    (28 and 32 px: two downsamplings to 7x7 or 8x8); the PatchGAN takes the deepest
    `layers` (at most 3) whose receptive field fits in the image, with 64 filters from
    64 px and 32 below.

    Example:

    ```python
    g_ab, g_ba, d_a, d_b = default_cyclegan_networks((28, 28, 1))
    ```

    Args:
        shape: `(H, W, C)` of the images of both domains.

    Returns:
        `(generator_ab, generator_ba, discriminator_a, discriminator_b)`.
    """
    shape = _check_shape(shape)
    side = min(shape[0], shape[1])
    if side >= 256:
        filters, blocks = 64, 9
    elif side >= 64:
        filters, blocks = 64, 6
    else:
        filters, blocks = 16, 3
    downsamplings = 2 if shape[0] % 4 == 0 and shape[1] % 4 == 0 else 0
    d_layers = max([n for n in (1, 2, 3) if patchgan_receptive_field(n) <= side] or [1])
    d_filters = 64 if side >= 64 else 32
    generators = [build_resnet_generator(shape, filters, downsamplings, blocks, name=name)
                  for name in ("generator_ab", "generator_ba")]
    discriminators = [build_patchgan_discriminator(shape, d_filters, d_layers, name=name)
                      for name in ("discriminator_a", "discriminator_b")]
    return (*generators, *discriminators)
