"""Precision and recall, density and coverage: fidelity and diversity told apart.

FID folds two failures into one number: a generator whose samples are unrealistic and one
whose samples are realistic but cover only part of the data. These metrics separate them
by estimating each set's support with k-nearest-neighbour balls in feature space:

- precision (fidelity): the fraction of generated samples inside the real manifold;
- recall (diversity): the fraction of real samples inside the generated manifold;
- density: like precision, but counting how many real balls hold each generated sample
  (1 on average for a perfect generator, robust to real outliers; can exceed 1);
- coverage: the fraction of real samples whose ball holds at least one generated sample
  (robust to generated outliers).

The definitions are those of the `prdc` package (Naeem et al., 2020), reproduced exactly.
Distances are computed in float32 blocks of rows (`||a||^2 + ||b||^2 - 2 a.b`, clipped at
0), so that two sets of 10,000 are never held as full 10,000 x 10,000 matrices.

Example:

```python
import keras_genmodels as kg

kg.metrics.precision_recall(x_test, gan, extractor="mnist10k", num_samples=5000)
kg.metrics.density_coverage(x_test, gan, extractor="mnist10k", num_samples=5000)
```
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_genmodels.metrics.sets import paired_features
from keras_genmodels.validation import check_positive_int

__all__ = ["density_coverage", "precision_recall"]

# Distances are computed in blocks of at most this many float32 entries (128 MiB).
_BLOCK_ENTRIES = 2**25


def precision_recall(
    real: Any,
    generated: Any,
    extractor: Any = None,
    k: int = 3,
    num_samples: int | None = None,
    batch_size: int = 256,
    seed: int = 0,
) -> dict[str, float]:
    """Improved precision and recall of a generated set (Kynkaanniemi et al., 2019).

    #### Mathematical Details

    With `NN_k(x, S)` the distance from `x in S` to its `k`-th nearest neighbour in `S`
    other than itself, the real manifold is the union of the balls
    `B(x, NN_k(x, real))` over real `x`, and the generated one likewise. Then

    ```none
    precision = (1/M) sum_j [ exists i : ||x_i - y_j|| < NN_k(x_i, real) ]
    recall    = (1/N) sum_i [ exists j : ||x_i - y_j|| < NN_k(y_j, generated) ]
    ```

    for real `x_1..x_N` and generated `y_1..y_M`: Kynkaanniemi et al. (2019), "Improved
    precision and recall metric for assessing generative models" (`k = 3`, 50,000 VGG-16
    features a side), as `prdc.compute_prdc` computes them.

    Example:

    ```python
    result = precision_recall(real_features, generated_features, k=3)
    result["precision"], result["recall"]
    ```

    Args:
        real: the reference set: an array, a `tf.data.Dataset` or a model (see
            `keras_genmodels.metrics.sets.collect`).
        generated: the set to score.
        extractor: the feature space: `None` (default; the data itself, flattened), a
            name (`"inception"`, `"mnist10k"`, `"shapes"`), a `.keras` path or an
            extractor object.
        k: the neighbour that sets each ball's radius, `1 <= k < min(n_real, n_gen)`.
        num_samples: the most examples taken from each set; required for a model.
        batch_size: examples per batch when sampling and extracting.
        seed: the seed of a model's samples.

    Returns:
        `{"precision": float, "recall": float}`, both in [0, 1].

    Raises:
        ValueError: if a set has `k` or fewer examples, the feature widths differ, or a
            set holds NaN or inf; TypeError for non-numeric sets.
    """
    k = check_positive_int(k, "k")
    real, generated = _features(real, generated, extractor, k, num_samples, batch_size, seed)
    stats = _manifold_statistics(real, generated, k, with_generated_radii=True)
    return {"precision": stats["precision"], "recall": stats["recall"]}


def density_coverage(
    real: Any,
    generated: Any,
    extractor: Any = None,
    k: int = 5,
    num_samples: int | None = None,
    batch_size: int = 256,
    seed: int = 0,
) -> dict[str, float]:
    """Density and coverage of a generated set (Naeem et al., 2020).

    #### Mathematical Details

    With `NN_k(x_i)` the distance from a real `x_i` to its `k`-th nearest real
    neighbour other than itself, real `x_1..x_N` and generated `y_1..y_M`:

    ```none
    density  = 1/(k M) sum_j sum_i [ ||x_i - y_j|| < NN_k(x_i) ]
    coverage = (1/N) sum_i [ min_j ||x_i - y_j|| < NN_k(x_i) ]
    ```

    Naeem et al. (2020), "Reliable fidelity and diversity metrics for generative models"
    (`k = 5`), as `prdc.compute_prdc` computes them. For two samples of one distribution
    the expected density is 1 and the expected coverage `1 - (1/2)^k` for `N = M`.

    Example:

    ```python
    result = density_coverage(real_features, generated_features, k=5)
    result["density"], result["coverage"]
    ```

    Args:
        real: the reference set (see `precision_recall`).
        generated: the set to score.
        extractor: the feature space (see `precision_recall`).
        k: the neighbour that sets each real ball's radius, `1 <= k < n_real`.
        num_samples: the most examples taken from each set; required for a model.
        batch_size: examples per batch when sampling and extracting.
        seed: the seed of a model's samples.

    Returns:
        `{"density": float >= 0, "coverage": float in [0, 1]}`.

    Raises:
        ValueError: as `precision_recall`.
    """
    k = check_positive_int(k, "k")
    real, generated = _features(real, generated, extractor, k, num_samples, batch_size, seed,
                                generated_needs_k=False)
    stats = _manifold_statistics(real, generated, k, with_generated_radii=False)
    return {"density": stats["density"], "coverage": stats["coverage"]}


def _features(
    real: Any,
    generated: Any,
    extractor: Any,
    k: int,
    num_samples: int | None,
    batch_size: int,
    seed: int,
    generated_needs_k: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    real, generated = paired_features(real, generated, extractor, num_samples, seed, batch_size)
    sets = (("real", real), ("generated", generated)) if generated_needs_k else (("real", real),)
    for name, features in sets:
        if len(features) <= k:
            raise ValueError(
                f"`k` must be smaller than the number of `{name}` examples ({len(features)}): "
                f"the radii are distances to the k-th nearest other example; got k={k}."
            )
    return real.astype(np.float32), generated.astype(np.float32)


def _squared_distance_blocks(a: np.ndarray, b: np.ndarray):
    """Yields `(start, block)`: squared distances from `a[start:start + r]` to all of `b`."""
    norms_a = np.einsum("ij,ij->i", a, a, dtype=np.float64).astype(np.float32)
    norms_b = np.einsum("ij,ij->i", b, b, dtype=np.float64).astype(np.float32)
    rows = max(1, _BLOCK_ENTRIES // len(b))
    for start in range(0, len(a), rows):
        block = a[start : start + rows] @ b.T
        block *= np.float32(-2.0)
        block += norms_a[start : start + rows, None]
        block += norms_b[None, :]
        np.maximum(block, 0.0, out=block)
        yield start, block


def _kth_neighbour_radii(features: np.ndarray, k: int) -> np.ndarray:
    """Squared distance from each row to its k-th nearest other row (prdc's radii)."""
    radii = np.empty(len(features), np.float32)
    for start, block in _squared_distance_blocks(features, features):
        rows = np.arange(len(block))
        block[rows, start + rows] = 0.0  # the distance to itself, exactly
        # the (k+1)-th smallest including itself is the k-th nearest other example
        radii[start : start + len(block)] = np.partition(block, k, axis=1)[:, k]
    return radii


def _manifold_statistics(
    real: np.ndarray, generated: np.ndarray, k: int, with_generated_radii: bool
) -> dict[str, float]:
    """Precision, recall (if `with_generated_radii`), density and coverage in one pass
    over the real-generated distances, compared as squared distances."""
    real_radii = _kth_neighbour_radii(real, k)
    generated_radii = _kth_neighbour_radii(generated, k) if with_generated_radii else None
    inside_count = np.zeros(len(generated), np.int64)  # real balls holding each y_j
    recalled = np.zeros(len(real), bool)
    covered = np.zeros(len(real), bool)
    for start, block in _squared_distance_blocks(real, generated):
        radii = real_radii[start : start + len(block), None]
        inside = block < radii
        inside_count += np.count_nonzero(inside, axis=0)
        covered[start : start + len(block)] = np.any(inside, axis=1)
        if generated_radii is not None:
            recalled[start : start + len(block)] = np.any(block < generated_radii, axis=1)
    # `covered`: min_j d(x_i, y_j) < r_i  <=>  some y_j inside x_i's ball
    return {
        "precision": float(np.mean(inside_count > 0)),
        "recall": float(np.mean(recalled)) if generated_radii is not None else float("nan"),
        "density": float(inside_count.sum() / (k * len(generated))),
        "coverage": float(np.mean(covered)),
    }
