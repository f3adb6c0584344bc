"""Two image domains with a known translation: shapes drawn filled and outlined.

Domain A holds the sprites of `shapes.py` (square, ellipse, triangle, heart at random
scale, rotation and position) drawn filled; domain B holds the same sprites drawn as an
outline of `stroke_width` pixels inside the edge. Image `b[i]` is the exact translation of
`a[i]`, so an unpaired translation model (CycleGAN) trained on the two sets with one of
them shuffled can be scored against the answer, per pixel.

Mathematical Details

With `d` the signed distance in pixels from a pixel's centre to the sprite's edge
(negative inside) and `w` the stroke width, the anti-aliased renderings are

```none
a = clip(0.5 - d, 0, 1)                        filled
b = clip(0.5 - d, 0, 1) - clip(0.5 - (d + w), 0, 1)   outlined: filled minus its erosion by w
```

(`d + w` is the distance to the shape eroded by `w` pixels), so `0 <= b <= a`, `b = a`
within `w - 1` pixels of the edge and `b = 0` deeper inside.

Example:

```python
from keras_genmodels.datasets.paired import load_filled_outlined

(a_train, b_train), (a_test, b_test) = load_filled_outlined(num_train=1000, num_test=200)
a_train.shape, b_train.shape        # ((1000, 28, 28, 1), (1000, 28, 28, 1))
```
"""

from __future__ import annotations

import numpy as np

from keras_genmodels.datasets.shapes import sample_factors, signed_distances
from keras_genmodels.validation import check_non_negative, check_positive_int

#: The smallest canvas the sprites fit on with their border.
MIN_IMAGE_SIZE = 16


def make_filled_outlined(
    num_samples: int, image_size: int = 28, stroke_width: float = 2.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Draws `num_samples` sprites filled (domain A) and outlined (domain B).

    The same arguments always give identical arrays.

    Example:

    ```python
    filled, outlined = make_filled_outlined(16, seed=1)
    bool((outlined <= filled + 1e-6).all())   # True: the outline is part of the shape
    ```

    Args:
        num_samples: int >= 1, number of pairs.
        image_size: int >= 16, canvas side in pixels. Defaults to 28.
        stroke_width: float > 0, width of the outline in pixels. Defaults to 2.
        seed: int, seed of the numpy random generator.

    Returns:
        `(filled, outlined)`, float32 arrays `(num_samples, image_size, image_size, 1)` in
        [0, 1], aligned: `outlined[i]` is `filled[i]` translated.
    """
    num_samples = check_positive_int(num_samples, "num_samples")
    image_size, stroke_width = _check_options(image_size, stroke_width)
    return _generate(num_samples, image_size, stroke_width, np.random.default_rng(seed))


def load_filled_outlined(
    image_size: int = 28,
    num_train: int = 4000,
    num_test: int = 1000,
    seed: int = 0,
    stroke_width: float = 2.0,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The train and test splits of the filled/outlined domains.

    `kg.datasets.load("shapes_filled_outlined")` calls this. The train split equals
    `make_filled_outlined(num_train, image_size, stroke_width, seed)`; the test split comes
    from an independent stream of the same seed (no sprite is shared but by chance).

    Example:

    ```python
    (a_train, b_train), (a_test, b_test) = load_filled_outlined()
    ```

    Args:
        image_size: int >= 16, canvas side in pixels. Defaults to 28.
        num_train: int >= 1, training pairs. Defaults to 4000.
        num_test: int >= 1, test pairs. Defaults to 1000.
        seed: int, seed of both splits.
        stroke_width: float > 0, outline width in pixels. Defaults to 2.

    Returns:
        `((a_train, b_train), (a_test, b_test))`: domain A (filled) and the aligned domain
        B (outlined) images of each split.
    """
    num_train = check_positive_int(num_train, "num_train")
    num_test = check_positive_int(num_test, "num_test")
    image_size, stroke_width = _check_options(image_size, stroke_width)
    train = _generate(num_train, image_size, stroke_width, np.random.default_rng(seed))
    test_stream = np.random.SeedSequence(seed, spawn_key=(1,))
    test = _generate(num_test, image_size, stroke_width, np.random.default_rng(test_stream))
    return train, test


def _generate(num_samples: int, image_size: int, stroke_width: float,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    distances = signed_distances(sample_factors(num_samples, image_size, rng), image_size)
    filled = np.clip(0.5 - distances, 0.0, 1.0)
    eroded = np.clip(0.5 - (distances + np.float32(stroke_width)), 0.0, 1.0)
    return filled[..., None], (filled - eroded)[..., None]


def _check_options(image_size: int, stroke_width: float) -> tuple[int, float]:
    image_size = check_positive_int(image_size, "image_size", minimum=MIN_IMAGE_SIZE)
    stroke_width = check_non_negative(stroke_width, "stroke_width")
    if stroke_width == 0.0:
        raise ValueError("`stroke_width` must be > 0 pixels, got 0.")
    return image_size, stroke_width
