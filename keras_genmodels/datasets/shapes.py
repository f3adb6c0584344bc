"""Procedural sprites with known generative factors: the embedded default dataset.

Every image shows one white shape (square, ellipse, triangle or heart) on a black
canvas, drawn from five independent factors: the shape, its scale, its rotation and the
position of its centre. Because the factors are known, the dataset can measure what a
model's latent space has learned (disentanglement, traversals) as well as train it, in
the spirit of dSprites (Matthey et al., 2017), but rendered on the fly in well under a
second, so nothing is downloaded or stored.

Images are rendered from signed distance functions evaluated on the pixel grid with
vectorised numpy: the intensity of a pixel is `clip(0.5 - d, 0, 1)`, where `d` is the
signed distance in pixels from the pixel's centre to the shape's edge, which gives
anti-aliased edges for free. Every sprite lies fully inside the canvas with at least one
pixel of black border.

Example:

```python
from keras_genmodels.datasets import SHAPE_NAMES, make_shapes

images, factors = make_shapes(1000, image_size=32, seed=0)
images.shape                       # (1000, 32, 32, 1), float32 in [0, 1]
SHAPE_NAMES[factors["shape"][0]]   # e.g. "heart"
```
"""

from __future__ import annotations

import numpy as np

from keras_genmodels.validation import check_positive_int

SHAPE_NAMES: tuple[str, ...] = ("square", "ellipse", "triangle", "heart")
FACTOR_NAMES: tuple[str, ...] = ("shape", "scale", "rotation", "x", "y")
IMAGE_SIZES: tuple[int, ...] = (32, 64)

# Range of the `scale` factor, as in dSprites: the largest sprite is twice the smallest.
SCALE_RANGE = (0.5, 1.0)
# One local shape unit spans this fraction of the canvas at scale 1, so the largest
# sprite covers a bit over half of the canvas and still leaves room to move.
_UNIT = 0.25
# Distance in pixels kept free between a sprite's furthest point and the canvas edge;
# the anti-aliased edge reaches 0.5 px out, the rest guarantees a black border row.
_BORDER_PX = 1.5
# Render in chunks so that 64x64 datasets of any size stay within a few hundred MB.
_CHUNK = 1024

# Shape sizes in local units, chosen so the four shapes have similar areas.
_SQUARE_HALF = 0.8
_ELLIPSE_AXES = (1.0, 0.6)
_TRIANGLE_HALF_SIDE = 1.0
_HEART_SCALE = 1.6
# The unit heart below spans y in [0, 1.104]; centring its bounding box at the origin
# keeps the factor `x, y` meaning "centre of the sprite" for every shape.
_HEART_OFFSET = 0.552

# Radius of the smallest origin-centred disc holding each shape, in local units,
# used to keep every rotation of the sprite inside the canvas.
_BOUNDING_RADIUS = np.array(
    [
        _SQUARE_HALF * np.sqrt(2.0),
        max(_ELLIPSE_AXES),
        2.0 * _TRIANGLE_HALF_SIDE / np.sqrt(3.0),
        0.674 * _HEART_SCALE,
    ],
    dtype=np.float64,
)


def _sdf_square(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    qx = np.abs(u) - _SQUARE_HALF
    qy = np.abs(v) - _SQUARE_HALF
    outside = np.hypot(np.maximum(qx, 0.0), np.maximum(qy, 0.0))
    return outside + np.minimum(np.maximum(qx, qy), 0.0)


def _sdf_ellipse(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    # The exact ellipse distance needs a root solve; the first-order estimate
    # f / |grad f| is exact on the edge, which is all anti-aliasing needs.
    a, b = _ELLIPSE_AXES
    k = np.maximum(np.hypot(u / a, v / b), 1e-6)
    grad = np.hypot(u / (a * a), v / (b * b)) / k
    return (k - 1.0) / np.maximum(grad, 1e-6)


def _sdf_triangle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    # Exact distance to an upward equilateral triangle centred on its centroid
    # (Inigo Quilez, "2D distance functions"), so corners do not bleed past the
    # bounding radius.
    r = _TRIANGLE_HALF_SIDE
    k = np.sqrt(3.0)
    px = np.abs(u) - r
    py = v + r / k
    fold = px + k * py > 0.0
    px, py = np.where(fold, (px - k * py) / 2.0, px), np.where(fold, (-k * px - py) / 2.0, py)
    px = px - np.clip(px, -2.0 * r, 0.0)
    return -np.hypot(px, py) * np.sign(py)


def _sdf_heart(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    # Exact heart distance (Inigo Quilez): a quarter-turned square with two discs on top.
    s = _HEART_SCALE
    px = np.abs(u) / s
    py = v / s + _HEART_OFFSET
    lobe = np.hypot(px - 0.25, py - 0.75) - np.sqrt(2.0) / 4.0
    t = 0.5 * np.maximum(px + py, 0.0)
    body = np.sqrt(np.minimum(px * px + (py - 1.0) ** 2, (px - t) ** 2 + (py - t) ** 2))
    body = body * np.sign(px - py)
    return np.where(py + px > 1.0, lobe, body) * s


_SDFS = (_sdf_square, _sdf_ellipse, _sdf_triangle, _sdf_heart)


def sample_factors(num_samples: int, image_size: int, rng: np.random.Generator) -> dict:
    """Draws the factors of `num_samples` sprites that fit a canvas of `image_size`.

    Shapes are exactly balanced (each appears `num_samples // 4` or one more times, in
    random order); scale and rotation are uniform; the centre is uniform over the
    positions that keep the whole sprite, in any rotation, inside the canvas.

    Example:

    ```python
    import numpy as np

    factors = sample_factors(10, 32, np.random.default_rng(0))
    sorted(factors)   # ['rotation', 'scale', 'shape', 'x', 'y']
    ```

    Args:
        num_samples: int, number of sprites.
        image_size: int, canvas side in pixels (32 or 64).
        rng: the `np.random.Generator` to draw from.

    Returns:
        A dict keyed by `FACTOR_NAMES`: `"shape"` int32 indices into `SHAPE_NAMES`,
        `"scale"` float32 in `SCALE_RANGE`, `"rotation"` float32 radians in [0, 2*pi),
        `"x"`, `"y"` float32 centre position as fractions of the canvas (x from the
        left, y from the top).
    """
    shape = rng.permutation(np.arange(num_samples) % len(SHAPE_NAMES)).astype(np.int32)
    scale = rng.uniform(*SCALE_RANGE, size=num_samples)
    rotation = rng.uniform(0.0, 2.0 * np.pi, size=num_samples)
    margin = _BOUNDING_RADIUS[shape] * scale * _UNIT + _BORDER_PX / image_size
    x = rng.uniform(margin, 1.0 - margin)
    y = rng.uniform(margin, 1.0 - margin)
    return {
        "shape": shape,
        "scale": scale.astype(np.float32),
        "rotation": rotation.astype(np.float32),
        "x": x.astype(np.float32),
        "y": y.astype(np.float32),
    }


def render_shapes(factors: dict, image_size: int = 32) -> np.ndarray:
    """Renders sprites from their factors.

    The inverse of reading the factors off an image: use it to draw exact latent
    traversals (vary one factor, hold the rest).

    Example:

    ```python
    import numpy as np

    factors = {"shape": np.array([3]), "scale": np.array([1.0]),
               "rotation": np.array([0.0]), "x": np.array([0.5]), "y": np.array([0.5])}
    render_shapes(factors, image_size=64).shape   # (1, 64, 64, 1): one centred heart
    ```

    Args:
        factors: dict with the keys in `FACTOR_NAMES`, each a 1-D array of equal length.
            Positions that would push a sprite over the edge are drawn clipped.
        image_size: int, canvas side in pixels: 32 or 64.

    Returns:
        float32 array of shape `(N, image_size, image_size, 1)` in [0, 1].
    """
    image_size = _check_image_size(image_size)
    missing = [name for name in FACTOR_NAMES if name not in factors]
    if missing:
        raise ValueError(f"`factors` must have the keys {list(FACTOR_NAMES)}, missing {missing}.")
    shape = np.asarray(factors["shape"]).astype(np.int64)
    if shape.size and (shape.min() < 0 or shape.max() >= len(SHAPE_NAMES)):
        raise ValueError(
            f"`factors['shape']` must hold indices in [0, {len(SHAPE_NAMES) - 1}] "
            f"({', '.join(SHAPE_NAMES)}), got values in [{shape.min()}, {shape.max()}]."
        )
    images = signed_distances(factors, image_size)
    np.subtract(0.5, images, out=images)  # in place: 64 px datasets are large
    return np.clip(images, 0.0, 1.0, out=images)[..., None]


def signed_distances(factors: dict, image_size: int) -> np.ndarray:
    """The signed distance in pixels from each pixel's centre to each sprite's edge
    (negative inside), float32 `(N, image_size, image_size)`, for any canvas size; the
    factors are not checked (see `render_shapes`)."""
    shape = np.asarray(factors["shape"]).astype(np.int64)
    scale, rotation, x, y = (
        np.asarray(factors[name], dtype=np.float64) for name in FACTOR_NAMES[1:]
    )
    distances = np.zeros((shape.shape[0], image_size, image_size), dtype=np.float32)
    # Pixel centres, in pixels, with the y axis flipped so "up" in the shape's local
    # frame is up on screen.
    grid = np.arange(image_size, dtype=np.float32) + 0.5
    for index, sdf in enumerate(_SDFS):
        members = np.flatnonzero(shape == index)
        for start in range(0, members.size, _CHUNK):
            chunk = members[start : start + _CHUNK]
            unit_px = (scale[chunk] * _UNIT * image_size).astype(np.float32)[:, None, None]
            cos = np.cos(rotation[chunk]).astype(np.float32)[:, None, None]
            sin = np.sin(rotation[chunk]).astype(np.float32)[:, None, None]
            dx = grid[None, None, :] - (x[chunk] * image_size).astype(np.float32)[:, None, None]
            dy = (y[chunk] * image_size).astype(np.float32)[:, None, None] - grid[None, :, None]
            u = (dx * cos + dy * sin) / unit_px
            v = (dy * cos - dx * sin) / unit_px
            distances[chunk] = sdf(u, v) * unit_px
    return distances


def make_shapes(
    num_samples: int, image_size: int = 32, seed: int = 0
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Generates a batch of sprites and the factors they were drawn from.

    The same `(num_samples, image_size, seed)` always gives identical arrays.

    Example:

    ```python
    images, factors = make_shapes(16, image_size=64, seed=1)
    images.shape, factors["rotation"].shape   # ((16, 64, 64, 1), (16,))
    ```

    Args:
        num_samples: int >= 1, number of images.
        image_size: int, canvas side in pixels: 32 or 64.
        seed: int, seed of the numpy random generator.

    Returns:
        A tuple `(images, factors)`: `images` float32 of shape
        `(num_samples, image_size, image_size, 1)` in [0, 1], and `factors` the dict
        described in `sample_factors` (keys `FACTOR_NAMES`, one entry per image).
    """
    num_samples = check_positive_int(num_samples, "num_samples")
    image_size = _check_image_size(image_size)
    return _generate(num_samples, image_size, np.random.default_rng(seed))


def load_shapes(
    image_size: int = 32,
    num_train: int = 8000,
    num_test: int = 2000,
    seed: int = 0,
    with_factors: bool = False,
) -> tuple[tuple[np.ndarray, np.ndarray | dict], tuple[np.ndarray, np.ndarray | dict]]:
    """Builds the train and test splits of the shapes dataset.

    The train split equals `make_shapes(num_train, image_size, seed)`; the test split is
    drawn from an independent random stream derived from the same seed, so the two never
    share a sprite by construction of the stream (duplicates are only chance ones).

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = load_shapes(num_train=1000, num_test=200)
    x_train.shape, y_train.dtype   # ((1000, 32, 32, 1), dtype('int32'))
    ```

    Args:
        image_size: int, canvas side in pixels: 32 or 64.
        num_train: int >= 1, number of training images.
        num_test: int >= 1, number of test images.
        seed: int, seed of both splits.
        with_factors: bool; if False, labels are the int32 shape indices; if True, they
            are the dicts of all factor arrays (keys `FACTOR_NAMES`).

    Returns:
        `((x_train, y_train), (x_test, y_test))`.
    """
    image_size = _check_image_size(image_size)
    num_train = check_positive_int(num_train, "num_train")
    num_test = check_positive_int(num_test, "num_test")
    x_train, f_train = _generate(num_train, image_size, np.random.default_rng(seed))
    test_stream = np.random.SeedSequence(seed, spawn_key=(1,))
    x_test, f_test = _generate(num_test, image_size, np.random.default_rng(test_stream))
    if with_factors:
        return (x_train, f_train), (x_test, f_test)
    return (x_train, f_train["shape"]), (x_test, f_test["shape"])


def _generate(
    num_samples: int, image_size: int, rng: np.random.Generator
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    factors = sample_factors(num_samples, image_size, rng)
    return render_shapes(factors, image_size), factors


def _check_image_size(image_size: int) -> int:
    if isinstance(image_size, bool) or image_size not in IMAGE_SIZES:
        raise ValueError(f"`image_size` must be one of {list(IMAGE_SIZES)}, got {image_size!r}.")
    return int(image_size)
