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

The definitions are those of the `prdc` package (Naeem et al., 2020), and so are the
counts: prdc compares sklearn's Euclidean distances (summed in float64 from float32
features, then rounded to float32) with a strict `<`, and so do these functions, without
prdc's full 10,000 x 10,000 float64 matrices. Each block of rows is computed fast as
`||a||^2 + ||b||^2 - 2 a.b` from the features less their common mean (float32 for features
wider than 64, float64 for narrower ones), together with a rigorous bound on its round-off;
only the entries within that bound of a radius, a few per row, are recomputed exactly from
the features' differences. So a common offset in the features, or 2-D points far closer to
each other than to the origin (the `ring8` and `grid25` mixtures), which the expansion in
float32 alone turns into miscounted neighbours, change nothing. The four numbers equal
prdc's except where prdc's own float64 round-off (about 1e-16 of the features' squared
norms, which it does not centre) moves a distance that ties a radius across a float32
rounding boundary.

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

# Distances are computed in blocks of at most this many entries (64 MiB in float32).
_BLOCK_ENTRIES = 2**24
# Exact distances are summed from at most this many float64 differences at once (32 MiB).
_GATHER_ENTRIES = 2**22
# Up to this width the blocks are computed in float64: cheap there, and 2-D neighbours can
# be far closer to each other than to the mean, where float32 would bound nothing.
_FLOAT64_MAX_WIDTH = 64
# Relative slack around a radius for the float32 roundings of prdc's distances.
_ROUNDING_MARGIN = 1e-6


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
    features a side), as `prdc.compute_prdc` computes them: with the strict `<` (a closed
    ball, `<=`, differs only where a distance ties a radius exactly, as between duplicated
    examples), and with each distance rounded to float32 before it is compared, so that
    the counts are prdc's to the last one (see the module notes).

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
    (`k = 5`), as `prdc.compute_prdc` computes them (strict `<`, distances rounded to
    float32, as in `precision_recall`). For two samples of one distribution the expected
    density is 1 and the expected coverage tends to `1 - (1/2)^k` for large `N = M`.

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


def _manifold_statistics(
    real: np.ndarray, generated: np.ndarray, k: int, with_generated_radii: bool
) -> dict[str, float]:
    """Precision, recall (if `with_generated_radii`), density and coverage in one pass
    over the real-generated distances."""
    centred_real, centred_generated = _centred(real, generated)
    real_radii = _kth_neighbour_radii(real, centred_real, k)
    generated_radii = (
        _kth_neighbour_radii(generated, centred_generated, k) if with_generated_radii else None
    )
    inside_count = np.zeros(len(generated), np.int64)  # real balls holding each y_j
    recalled = np.zeros(len(real), bool)
    covered = np.zeros(len(real), bool)
    for start, approx, bound in _approximate_blocks(centred_real, centred_generated):
        rows = slice(start, start + len(approx))
        inside = _inside_balls(approx, bound[:, None], real_radii[rows, None],
                               real[rows], generated)
        inside_count += np.count_nonzero(inside, axis=0)
        covered[rows] = np.any(inside, axis=1)
        if generated_radii is not None:
            recalled[rows] = _any_inside_balls(approx, bound.max(), generated_radii[None, :],
                                               real[rows], generated)
    # `covered`: min_j d(x_i, y_j) < r_i  <=>  some y_j inside x_i's ball
    return {
        "precision": float(np.mean(inside_count > 0)),
        "recall": float(np.mean(recalled)) if generated_radii is not None else float("nan"),
        "density": float((1.0 / k) * np.mean(inside_count)),  # prdc's order of operations
        "coverage": float(np.mean(covered)),
    }


def _centred(real: np.ndarray, generated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both sets less their common mean (distances are unchanged, the expansion's
    cancellation shrinks), in float64 for narrow features and float32 for wide ones."""
    dtype = np.float64 if real.shape[1] <= _FLOAT64_MAX_WIDTH else np.float32
    n_real, n_generated = len(real), len(generated)
    centre = (n_real * real.mean(axis=0, dtype=np.float64)
              + n_generated * generated.mean(axis=0, dtype=np.float64)) / (n_real + n_generated)
    # any common shift leaves the distances as they are, a rounded centre included
    centre = centre.astype(dtype)
    return real.astype(dtype, copy=False) - centre, generated.astype(dtype, copy=False) - centre


def _approximate_blocks(a: np.ndarray, b: np.ndarray):
    """Yields `(start, block, bound)`: squared distances from `a[start:start + r]` to all of
    `b` by `|a|^2 + |b|^2 - 2 a.b` in `a`'s dtype, and per row a bound on their error."""
    norms_a = np.einsum("ij,ij->i", a, a, dtype=np.float64)
    norms_b = np.einsum("ij,ij->i", b, b, dtype=np.float64)
    # A dot product of width d summed in any order errs by at most d u |a||b| (Higham,
    # "Accuracy and Stability of Numerical Algorithms", 3.1); rounding the norms, the two
    # sums and the centred features adds a few u (|a|^2 + |b|^2); 2|a||b| <= |a|^2 + |b|^2.
    unit_roundoff = np.finfo(a.dtype).eps / 2
    bound = 1.01 * (a.shape[1] + 16) * unit_roundoff * (norms_a + norms_b.max())
    norms_a, norms_b = norms_a.astype(a.dtype), norms_b.astype(a.dtype)
    rows = max(1, _BLOCK_ENTRIES // len(b))
    for start in range(0, len(a), rows):
        block = a[start : start + rows] @ b.T
        block *= -2.0
        block += norms_a[start : start + rows, None]
        block += norms_b[None, :]
        yield start, block, bound[start : start + rows]


def _exact_squared_distances(
    x: np.ndarray, y: np.ndarray, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """`|x[rows] - y[cols]|^2` pair by pair, summed in float64 from the float32 features'
    exact differences."""
    squared = np.empty(len(rows))
    pairs = max(1, _GATHER_ENTRIES // x.shape[1])
    for start in range(0, len(rows), pairs):
        end = start + pairs
        difference = np.subtract(x[rows[start:end]], y[cols[start:end]], dtype=np.float64)
        squared[start:end] = np.einsum("ij,ij->i", difference, difference)
    return squared


def _prdc_distance(squared: np.ndarray) -> np.ndarray:
    """A distance as `prdc` holds it: sklearn's squared distance rounded to float32, then
    its float32 square root."""
    return np.sqrt(squared.astype(np.float32))


def _kth_neighbour_radii(features: np.ndarray, centred: np.ndarray, k: int) -> np.ndarray:
    """The distance from each row to its k-th nearest other row (prdc's radii, float32)."""
    radii = np.empty(len(features), np.float32)
    for start, approx, bound in _approximate_blocks(centred, centred):
        rows = np.arange(len(approx))
        approx[rows, start + rows] = 0.0  # the distance to itself, exactly
        # the (k+1)-th smallest including itself is the k-th nearest other example
        kth = np.partition(approx, k, axis=1)[:, k].astype(np.float64)
        # The exact (k+1)-th smallest lies within a bound of `kth`: entries more than two
        # bounds below are exactly nearer, those within two are ranked exactly.
        low, high = (kth - 2 * bound)[:, None], (kth + 2 * bound)[:, None]
        nearer = np.count_nonzero(approx < low, axis=1)
        candidate_rows, candidate_cols = np.nonzero((approx >= low) & (approx <= high))
        exact = _exact_squared_distances(features, features, start + candidate_rows,
                                         candidate_cols)
        order = np.lexsort((exact, candidate_rows))  # by row (as np.nonzero), then distance
        first = np.searchsorted(candidate_rows, rows)
        radii[start : start + len(approx)] = _prdc_distance(exact[order][first + k - nearer])
    return radii


def _inside_balls(
    approx: np.ndarray, bound: Any, radii: np.ndarray, x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """`prdc_distance(x_i, y_j) < radii` for a block: from the approximate squared
    distances where they are further than their error bound from the radius, from the
    exact ones where not. `bound` and `radii` broadcast against the block."""
    threshold = np.square(radii, dtype=np.float64)
    # the float32 roundings of prdc's distances and radii move a tie by a few u, < 1e-6
    margin = bound + _ROUNDING_MARGIN * threshold
    inside = approx < threshold - margin
    rows, cols = np.nonzero(~inside & (approx <= threshold + margin))
    inside[rows, cols] = (_prdc_distance(_exact_squared_distances(x, y, rows, cols))
                          < np.broadcast_to(radii, approx.shape)[rows, cols])
    return inside


def _any_inside_balls(
    approx: np.ndarray, bound: float, radii: np.ndarray, x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """`_inside_balls(...).any(axis=1)`, with exact distances only in the rows that no
    entry settles: `bound` is one number, `radii` one per column."""
    threshold = np.square(radii, dtype=np.float64)
    hit = np.any(approx < threshold - (bound + _ROUNDING_MARGIN * threshold), axis=1)
    open_rows = np.flatnonzero(~hit)
    hit[open_rows] = np.any(_inside_balls(approx[open_rows], bound, radii, x[open_rows], y),
                            axis=1)
    return hit
