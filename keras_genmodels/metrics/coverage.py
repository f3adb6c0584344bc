"""Mode coverage of samples drawn from a model of a known mixture (2-D rings and grids).

The synthetic benchmark of unrolled GANs, VEEGAN and PacGAN: train on a mixture of `K`
Gaussians with known centres and a small common standard deviation, then ask how many
of the `K` modes the generator reproduces, how many of its samples are close to a mode at
all, and how evenly it spreads them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_genmodels.validation import as_numpy, check_finite, check_non_negative

__all__ = ["mode_coverage"]

_KL_EPSILON = 1e-12
_CHUNK_ROWS = 8192


def _points(value: Any, name: str) -> np.ndarray:
    if value is None or isinstance(value, (str, bytes, dict)):
        raise TypeError(f"`{name}` must be a numeric array of shape (n, dim), got {value!r}.")
    array = as_numpy(value)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"`{name}` must be a numeric array, got dtype {array.dtype}.")
    if array.ndim != 2:
        raise ValueError(f"`{name}` must have shape (n, dim), got shape {array.shape}.")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"`{name}` is empty (shape {array.shape}).")
    array = array.astype(np.float64)
    check_finite(array, name)
    return array


def _positive(value: Any, name: str) -> float:
    value = check_non_negative(value, name)
    if value == 0.0:
        raise ValueError(f"`{name}` must be > 0, got {value}.")
    return value


def _nearest_centres(samples: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Returns the index of each sample's nearest centre and the distance to it."""
    nearest = np.empty(len(samples), dtype=np.int64)
    distance = np.empty(len(samples), dtype=np.float64)
    # Chunked so that (rows, K, dim) differences stay small for large sample counts.
    for start in range(0, len(samples), _CHUNK_ROWS):
        chunk = samples[start : start + _CHUNK_ROWS]
        dist = np.linalg.norm(chunk[:, None, :] - centers[None, :, :], axis=-1)
        index = np.argmin(dist, axis=1)
        nearest[start : start + len(chunk)] = index
        distance[start : start + len(chunk)] = dist[np.arange(len(chunk)), index]
    return nearest, distance


def mode_coverage(
    samples: Any,
    centers: Any,
    std: float,
    threshold: float = 3.0,
    min_fraction: float = 0.2,
) -> dict[str, Any]:
    """Counts the modes of a known mixture that a set of samples covers.

    Each sample is assigned to its nearest centre. It is *high quality* if it lies within
    `threshold` standard deviations of that centre (3 in the unrolled-GAN and PacGAN
    experiments). A mode is *covered* if it receives enough high-quality samples: a
    fixed minimum count, as in PacGAN, would depend on the number of samples drawn, so
    here the minimum is a fraction `min_fraction` of the count the mode would get if the
    high-quality samples were spread evenly over the `K` modes, and at least 1. A handful
    of stray samples near a mode therefore does not make it covered.

    #### Mathematical Details

    For samples `x_1..x_N`, centres `c_1..c_K`, standard deviation `sigma`:

    ```none
    k(i)    = argmin_k ||x_i - c_k||_2
    hq(i)   = [||x_i - c_k(i)||_2 <= threshold * sigma]
    n_k     = #{i : hq(i), k(i) = k},          n = sum_k n_k
    covered = #{k : n_k >= max(1, min_fraction * n / K)}
    p_k     = n_k / n
    KL(p || uniform) = sum_k p_k log(K p_k)      (0 log 0 = 0)
    ```

    The KL divergence is 0 for an even spread and `log K` when every high-quality sample
    falls on one mode; with no high-quality sample at all it is reported as `log K`, the
    worst value, so that lower is better throughout.

    Metz et al. (2017), "Unrolled Generative Adversarial Networks", section 3.1;
    Lin et al. (2018), "PacGAN: The power of two samples in generative adversarial
    networks", section 5.

    Example:

    ```python
    import numpy as np
    from keras_genmodels.metrics.coverage import mode_coverage

    angles = 2 * np.pi * np.arange(8) / 8
    centers = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    samples = centers[np.arange(800) % 8] + 0.02 * np.random.randn(800, 2)
    result = mode_coverage(samples, centers, std=0.02)
    result["modes_covered"], result["high_quality_fraction"]      # (8, ~0.99)
    ```

    Args:
        samples: the model's samples, numpy array or tensor of shape `(N, D)`.
        centers: the mixture's centres, shape `(K, D)`.
        std: the mixture components' standard deviation, > 0.
        threshold: a sample is high quality within `threshold * std` of its nearest
            centre. Default 3.0.
        min_fraction: a mode is covered when it holds at least `min_fraction` of its
            even share of the high-quality samples (and at least one). Default 0.2.

    Returns:
        A dict with
        `"modes_covered"` (int): the number of covered modes;
        `"num_modes"` (int): `K`;
        `"high_quality_fraction"` (float): the fraction of samples that are high quality;
        `"counts"` (`np.ndarray` of shape `(K,)`, int64): high-quality samples per mode;
        `"kl_to_uniform"` (float): KL divergence from the normalised `counts` to uniform.

    Raises:
        TypeError: if `samples` or `centers` is not numeric.
        ValueError: if either is empty, not rank 2, contains NaN or inf, their dimensions
            differ, or `std`, `threshold` or `min_fraction` is out of range.
    """
    samples = _points(samples, "samples")
    centers = _points(centers, "centers")
    if samples.shape[1] != centers.shape[1]:
        raise ValueError(
            f"`samples` have dimension {samples.shape[1]} but `centers` have dimension "
            f"{centers.shape[1]}; both must be (n, D) with the same D."
        )
    std = _positive(std, "std")
    threshold = _positive(threshold, "threshold")
    min_fraction = check_non_negative(min_fraction, "min_fraction")

    num_modes = len(centers)
    nearest, distance = _nearest_centres(samples, centers)
    high_quality = distance <= threshold * std
    counts = np.bincount(nearest[high_quality], minlength=num_modes).astype(np.int64)
    num_high_quality = int(counts.sum())

    min_count = max(1.0, min_fraction * num_high_quality / num_modes)
    modes_covered = int(np.count_nonzero(counts >= min_count))

    if num_high_quality == 0:
        kl_to_uniform = float(np.log(num_modes))
    else:
        p = counts / num_high_quality
        kl_to_uniform = float(np.sum(p * np.log(np.maximum(p * num_modes, _KL_EPSILON))))

    return {
        "modes_covered": modes_covered,
        "num_modes": num_modes,
        "high_quality_fraction": num_high_quality / len(samples),
        "counts": counts,
        "kl_to_uniform": kl_to_uniform,
    }
