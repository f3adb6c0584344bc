"""2-D Gaussian mixtures for measuring mode collapse: a ring of 8 modes and a 5x5 grid.

These are the toy targets of the unrolled-GAN paper (Metz et al., 2017: 8 modes on a
circle of radius 2, standard deviation 0.02) and of PacGAN (Lin et al., 2018: 25 modes
on a grid at -4, -2, 0, 2, 4, standard deviation 0.05). Because the modes are known
exactly, a sample can be assigned to its nearest centre and mode coverage counted.

Every mode has the same weight; samples are drawn by picking a mode uniformly, then
adding isotropic Gaussian noise: `x = centers[y] + std * eps`, `eps ~ N(0, I)`.

Mixture samples are 2-D vectors, not images: they are float32 but not in [0, 1].

Example:

```python
from keras_genmodels.datasets import make_ring, mode_centers

x, y = make_ring(1000, seed=0)       # x: (1000, 2) float32, y: (1000,) int32 mode index
centers, std = mode_centers("ring8")  # (8, 2) float32, 0.02
```
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from keras_genmodels.validation import check_choice, check_non_negative, check_positive_int

# Published settings; `mode_centers` and `load` use these so that every model is scored
# against the same target.
MIXTURES: dict[str, dict[str, float]] = {
    "ring8": {"num_modes": 8, "radius": 2.0, "std": 0.02},
    "grid25": {"grid_size": 5, "spacing": 2.0, "std": 0.05},
}


def ring_centers(num_modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """Returns the centres of `num_modes` modes evenly spaced on a circle.

    Mode `k` sits at angle `2 * pi * k / num_modes`, so mode 0 is at `(radius, 0)`.

    Example:

    ```python
    ring_centers(4, radius=1.0).round(3)   # [[1, 0], [0, 1], [-1, 0], [0, -1]]
    ```

    Args:
        num_modes: int >= 1, number of modes.
        radius: float >= 0, radius of the circle.

    Returns:
        float32 array of shape `(num_modes, 2)`.
    """
    num_modes = check_positive_int(num_modes, "num_modes")
    radius = check_non_negative(radius, "radius")
    angles = 2.0 * np.pi * np.arange(num_modes) / num_modes
    return (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype(np.float32)


def grid_centers(grid_size: int = 5, spacing: float = 2.0) -> np.ndarray:
    """Returns the centres of a `grid_size` x `grid_size` grid of modes around the origin.

    With the defaults the coordinates are -4, -2, 0, 2, 4 on both axes. Mode
    `k = i * grid_size + j` sits at `(coords[i], coords[j])`.

    Example:

    ```python
    grid_centers(2, spacing=2.0)   # [[-1, -1], [-1, 1], [1, -1], [1, 1]]
    ```

    Args:
        grid_size: int >= 1, number of modes per side.
        spacing: float >= 0, distance between neighbouring modes.

    Returns:
        float32 array of shape `(grid_size ** 2, 2)`.
    """
    grid_size = check_positive_int(grid_size, "grid_size")
    spacing = check_non_negative(spacing, "spacing")
    coords = (np.arange(grid_size) - (grid_size - 1) / 2.0) * spacing
    first, second = np.meshgrid(coords, coords, indexing="ij")
    return np.stack([first.ravel(), second.ravel()], axis=1).astype(np.float32)


def make_ring(
    num_samples: int,
    num_modes: int = 8,
    radius: float = 2.0,
    std: float = 0.02,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Samples a ring of equally weighted isotropic Gaussians.

    Example:

    ```python
    x, y = make_ring(500, num_modes=8, radius=2.0, std=0.02, seed=0)
    x.shape, y.max()   # ((500, 2), 7)
    ```

    Args:
        num_samples: int >= 1, number of points.
        num_modes: int >= 1, number of modes on the circle.
        radius: float >= 0, radius of the circle.
        std: float >= 0, standard deviation of every mode.
        seed: int, seed of the numpy random generator.

    Returns:
        A tuple `(x, y)`: float32 points of shape `(num_samples, 2)` and the int32 index
        of the mode each point was drawn from (see `ring_centers`).
    """
    centers = ring_centers(num_modes, radius)
    return _sample(centers, std, num_samples, np.random.default_rng(seed))


def make_grid_mixture(
    num_samples: int,
    grid_size: int = 5,
    spacing: float = 2.0,
    std: float = 0.05,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Samples a square grid of equally weighted isotropic Gaussians.

    Example:

    ```python
    x, y = make_grid_mixture(500, grid_size=5, spacing=2.0, std=0.05, seed=0)
    x.shape, y.max()   # ((500, 2), 24)
    ```

    Args:
        num_samples: int >= 1, number of points.
        grid_size: int >= 1, number of modes per side.
        spacing: float >= 0, distance between neighbouring modes.
        std: float >= 0, standard deviation of every mode.
        seed: int, seed of the numpy random generator.

    Returns:
        A tuple `(x, y)`: float32 points of shape `(num_samples, 2)` and the int32 index
        of the mode each point was drawn from (see `grid_centers`).
    """
    centers = grid_centers(grid_size, spacing)
    return _sample(centers, std, num_samples, np.random.default_rng(seed))


def make_grid(*args: Any, **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Deprecated: the same as `make_grid_mixture` (same arguments), which it calls.

    The name read as `kg.images.make_grid` (a grid of images); it warns with a
    `DeprecationWarning` and will be removed.
    """
    warnings.warn(
        "`keras_genmodels.datasets.make_grid` is deprecated: use `make_grid_mixture` (the "
        "same function); `kg.images.make_grid` is the grid of images.",
        DeprecationWarning,
        stacklevel=2,
    )
    return make_grid_mixture(*args, **kwargs)


def mode_centers(name: str) -> tuple[np.ndarray, float]:
    """Returns the true modes of a named mixture, for scoring samples against them.

    Example:

    ```python
    centers, std = mode_centers("grid25")
    centers.shape, std   # ((25, 2), 0.05)
    ```

    Args:
        name: `"ring8"` or `"grid25"`.

    Returns:
        A tuple `(centers, std)`: float32 centres of shape `(num_modes, 2)` and the
        standard deviation shared by all modes.
    """
    check_choice(name, "name", MIXTURES)
    settings = MIXTURES[name]
    if name == "ring8":
        centers = ring_centers(int(settings["num_modes"]), settings["radius"])
    else:
        centers = grid_centers(int(settings["grid_size"]), settings["spacing"])
    return centers, float(settings["std"])


def load_mixture(
    name: str, num_train: int = 10000, num_test: int = 2000, seed: int = 0
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Builds train and test splits of a named mixture in its published setting.

    The train split equals `make_ring(num_train, seed=seed)` (or `make_grid_mixture`); the test
    split comes from an independent random stream derived from the same seed.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = load_mixture("ring8", num_train=1000)
    x_train.shape, x_test.shape   # ((1000, 2), (2000, 2))
    ```

    Args:
        name: `"ring8"` or `"grid25"`.
        num_train: int >= 1, number of training points.
        num_test: int >= 1, number of test points.
        seed: int, seed of both splits.

    Returns:
        `((x_train, y_train), (x_test, y_test))`, points float32 `(N, 2)`, modes int32.
    """
    centers, std = mode_centers(name)
    num_train = check_positive_int(num_train, "num_train")
    num_test = check_positive_int(num_test, "num_test")
    train = _sample(centers, std, num_train, np.random.default_rng(seed))
    test_stream = np.random.SeedSequence(seed, spawn_key=(1,))
    test = _sample(centers, std, num_test, np.random.default_rng(test_stream))
    return train, test


def _sample(
    centers: np.ndarray, std: float, num_samples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    num_samples = check_positive_int(num_samples, "num_samples")
    std = check_non_negative(std, "std")
    y = rng.integers(0, centers.shape[0], size=num_samples).astype(np.int32)
    x = centers[y] + std * rng.standard_normal((num_samples, 2))
    return x.astype(np.float32), y
