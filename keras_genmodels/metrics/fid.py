"""Frechet Inception Distance (FID) and Kernel Inception Distance (KID).

Both compare the distribution of a generated set with a real one in the feature space of
a fixed network (Inception-v3's 2048-d pool features by default, or a small classifier of
the data's own domain, see `keras_genmodels.metrics.features`). Lower is better; both are 0
when the two distributions agree.

FID fits a Gaussian to each set of features and reports the Frechet (2-Wasserstein)
distance between the Gaussians. It is biased: its expected value for two finite samples
of one distribution is positive and shrinks with the sample size, so only FIDs measured
with the same number of samples and the same features are comparable. KID is an unbiased
estimate of the squared maximum mean discrepancy with a cubic polynomial kernel, averaged
over random subsets; its scale differs from FID's (it is often reported x 1000).

Example:

```python
import keras_genmodels as kg

kg.metrics.fid(x_test, vae, num_samples=10_000, extractor="mnist10k")
kg.metrics.kid(x_test, vae, num_samples=10_000, extractor="mnist10k")   # {"kid", "kid_std"}
```
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_genmodels.metrics.sets import check_features, paired_features
from keras_genmodels.validation import as_numpy, check_finite, check_positive_int

__all__ = ["fid", "frechet_distance", "frechet_distance_from_moments", "kid"]


def frechet_distance(features_a: Any, features_b: Any) -> float:
    """The Frechet distance between Gaussians fitted to two sets of feature vectors.

    #### Mathematical Details

    With `mu_a`, `S_a` the mean and (unbiased, `n - 1`) covariance of the rows of
    `features_a`, and `mu_b`, `S_b` those of `features_b`:

    ```none
    d^2 = ||mu_a - mu_b||^2 + Tr(S_a) + Tr(S_b) - 2 Tr((S_a S_b)^(1/2))
    ```

    the squared 2-Wasserstein distance between `N(mu_a, S_a)` and `N(mu_b, S_b)`
    (Dowson and Landau, 1982); FID is this on Inception features (Heusel et al., 2017,
    "GANs trained by a two time-scale update rule converge to a local Nash equilibrium").
    See `frechet_distance_from_moments` for how the trace of the square root is computed.

    Example:

    ```python
    import numpy as np
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5000, 4))
    frechet_distance(a, a + 1.0)         # ~4.0: the means differ by 1 in 4 dimensions
    ```

    Args:
        features_a: array or tensor `(n_a, d)`, `n_a >= 2`.
        features_b: array or tensor `(n_b, d)`, `n_b >= 2`.

    Returns:
        The distance (a squared distance in feature units, as FID is reported), >= 0.

    Raises:
        TypeError: if an input is not numeric.
        ValueError: if an input is not `(n, d)` with `n >= 2`, holds NaN or inf, or the
            widths `d` differ.
    """
    features_a = check_features(features_a, "features_a", min_rows=2)
    features_b = check_features(features_b, "features_b", min_rows=2)
    if features_a.shape[1] != features_b.shape[1]:
        raise ValueError(
            f"`features_a` has {features_a.shape[1]} features per row but `features_b` has "
            f"{features_b.shape[1]}; both must be (n, d) with the same d."
        )
    return frechet_distance_from_moments(*_moments(features_a), *_moments(features_b))


def frechet_distance_from_moments(mean_a: Any, cov_a: Any, mean_b: Any, cov_b: Any) -> float:
    """The Frechet distance between `N(mean_a, cov_a)` and `N(mean_b, cov_b)`.

    Use it with moments stored once for a reference set (e.g. a dataset's Inception
    statistics) so that the reference features need not be extracted again.

    #### Mathematical Details

    ```none
    d^2 = ||mean_a - mean_b||^2 + Tr(cov_a) + Tr(cov_b) - 2 Tr((cov_a cov_b)^(1/2))
    ```

    `cov_a cov_b` is not symmetric and `scipy.linalg.sqrtm` of it can return complex
    values and lose accuracy when a covariance is singular (fewer samples than
    dimensions). Here, with `cov_a = V diag(w) V^T` (a symmetric eigendecomposition,
    tiny negative eigenvalues clipped to 0) and `B = V diag(sqrt(w))`, so that
    `cov_a = B B^T`, the eigenvalues of `cov_a cov_b` are those of the symmetric positive
    semi-definite matrix `M = B^T cov_b B` (similar to `cov_a^(1/2) cov_b cov_a^(1/2)`), and

    ```none
    Tr((cov_a cov_b)^(1/2)) = sum_i sqrt(max(lambda_i(M), 0))
    ```

    computed in float64 with real symmetric eigensolvers only. The result is clipped
    at 0 (rounding can make a distance of 0 come out as -1e-12).

    Example:

    ```python
    import numpy as np
    frechet_distance_from_moments(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2))
    # 2 + (1 + 4 - 2 * 2) * 2 = 4.0
    ```

    Args:
        mean_a: shape `(d,)`.
        cov_a: symmetric positive semi-definite, shape `(d, d)`.
        mean_b: shape `(d,)`.
        cov_b: symmetric positive semi-definite, shape `(d, d)`.

    Returns:
        The distance, a float >= 0.

    Raises:
        TypeError: if an input is not numeric.
        ValueError: if the shapes do not match or an input holds NaN or inf.
    """
    mean_a = _vector(mean_a, "mean_a")
    mean_b = _vector(mean_b, "mean_b")
    if mean_a.shape != mean_b.shape:
        raise ValueError(
            f"`mean_a` has shape {mean_a.shape} but `mean_b` has shape {mean_b.shape}; "
            "they must be equal."
        )
    dim = len(mean_a)
    cov_a = _covariance(cov_a, "cov_a", dim)
    cov_b = _covariance(cov_b, "cov_b", dim)

    eigenvalues, eigenvectors = np.linalg.eigh(cov_a)
    keep = eigenvalues > 0.0
    root_a = eigenvectors[:, keep] * np.sqrt(eigenvalues[keep])
    middle = root_a.T @ cov_b @ root_a
    middle = 0.5 * (middle + middle.T)
    trace_sqrt = float(np.sum(np.sqrt(np.clip(np.linalg.eigvalsh(middle), 0.0, None))))

    diff = mean_a - mean_b
    distance = float(diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_sqrt)
    return max(distance, 0.0)


def fid(
    real: Any,
    generated: Any,
    extractor: Any = "inception",
    num_samples: int | None = None,
    batch_size: int = 256,
    seed: int = 0,
) -> float:
    """The Frechet Inception Distance between a real and a generated set.

    `frechet_distance` of the two sets' features. With the default Inception-v3 pool
    features, 10,000 or 50,000 samples a side, this is the FID of the literature (up to
    the resizing of small images and the weights' port; compare numbers computed the
    same way only). For MNIST-like data a domain classifier's features (`"mnist10k"`)
    are more telling and much faster.

    Example:

    ```python
    kg.metrics.fid(x_test, gan, extractor="mnist10k", num_samples=2000)
    kg.metrics.fid(real_features, generated_features, extractor=None)   # features given
    ```

    Args:
        real: the reference set: an array, a `tf.data.Dataset` or a model (see
            `keras_genmodels.metrics.sets.collect`).
        generated: the set to score, usually a model.
        extractor: the feature space: `"inception"` (default), `"mnist10k"`, `"shapes"`,
            a `.keras` path, a feature extractor object, or `None` for the data itself.
        num_samples: the most examples taken from each set; required for a model.
        batch_size: examples per batch when sampling and extracting.
        seed: the seed of a model's samples.

    Returns:
        The FID, a float >= 0.
    """
    real, generated = paired_features(
        real, generated, extractor, num_samples, seed, batch_size, min_rows=2
    )
    return frechet_distance(real, generated)


def kid(
    real: Any,
    generated: Any,
    extractor: Any = "inception",
    num_subsets: int = 100,
    subset_size: int = 1000,
    num_samples: int | None = None,
    batch_size: int = 256,
    seed: int = 0,
) -> dict[str, float]:
    """The Kernel Inception Distance: an unbiased MMD^2 averaged over random subsets.

    #### Mathematical Details

    For `num_subsets` subsets, `m` real features `x_i` and `m` generated features `y_j`,
    each drawn without replacement (a fresh draw per subset), with the kernel
    `k(x, y) = (x.y / d + 1)^3`:

    ```none
    MMD^2_u = sum_{i != j} k(x_i, x_j) / (m (m - 1)) + sum_{i != j} k(y_i, y_j) / (m (m - 1))
              - 2 sum_{i, j} k(x_i, y_j) / m^2
    ```

    `kid` is the mean of `MMD^2_u` over the subsets and `kid_std` their standard
    deviation (Binkowski et al., 2018, "Demystifying MMD GANs", `polynomial_mmd_averages`;
    as in torch-fidelity and clean-fid). Each `MMD^2_u` is unbiased, so two samples of one
    distribution give values around 0, negative ones included. `m` is
    `min(subset_size, n_real, n_generated)`. The three kernel matrices of a subset come from
    one symmetric product of the stacked `2m x d` features (float32, sums in float64).

    Example:

    ```python
    result = kg.metrics.kid(x_test, gan, extractor="mnist10k", num_samples=2000)
    result["kid"], result["kid_std"]
    ```

    Args:
        real: the reference set (see `fid`).
        generated: the set to score.
        extractor: the feature space (see `fid`).
        num_subsets: number of random subsets, >= 1.
        subset_size: examples per set in a subset, >= 2.
        num_samples: the most examples taken from each set; required for a model.
        batch_size: examples per batch when sampling and extracting.
        seed: the seed of a model's samples and of the subsets.

    Returns:
        `{"kid": mean, "kid_std": standard deviation over the subsets}`.
    """
    num_subsets = check_positive_int(num_subsets, "num_subsets")
    subset_size = check_positive_int(subset_size, "subset_size", minimum=2)
    real, generated = paired_features(
        real, generated, extractor, num_samples, seed, batch_size, min_rows=2
    )
    values = polynomial_mmd_subsets(real, generated, num_subsets, subset_size, seed)
    return {"kid": float(np.mean(values)), "kid_std": float(np.std(values))}


def polynomial_mmd_subsets(
    features_a: np.ndarray,
    features_b: np.ndarray,
    num_subsets: int,
    subset_size: int,
    seed: int = 0,
) -> np.ndarray:
    """The unbiased cubic-kernel MMD^2 of `num_subsets` random subsets (see `kid`).

    Example:

    ```python
    values = polynomial_mmd_subsets(real_features, fake_features, 100, 1000, seed=0)
    values.mean(), values.std()       # kid() of the same features and seed
    ```

    Args:
        features_a: `(n_a, d)` features.
        features_b: `(n_b, d)` features, the same `d`.
        num_subsets: number of subsets.
        subset_size: examples per set in a subset (reduced to the smaller set's size).
        seed: seed of the subsets.

    Returns:
        A float64 array of shape `(num_subsets,)`.
    """
    features_a = np.asarray(features_a, np.float32)
    features_b = np.asarray(features_b, np.float32)
    m = min(subset_size, len(features_a), len(features_b))
    dim = features_a.shape[1]
    rng = np.random.default_rng(seed)
    stacked = np.empty((2 * m, dim), np.float32)
    cubed = np.empty((2 * m, 2 * m), np.float32)
    values = np.empty(num_subsets, np.float64)
    for s in range(num_subsets):
        stacked[:m] = features_a[rng.choice(len(features_a), m, replace=False)]
        stacked[m:] = features_b[rng.choice(len(features_b), m, replace=False)]
        gram = stacked @ stacked.T  # one symmetric (syrk) product for all three blocks
        gram *= np.float32(1.0 / dim)
        gram += np.float32(1.0)
        np.multiply(gram, gram, out=cubed)
        cubed *= gram
        k_aa, k_bb, k_ab = cubed[:m, :m], cubed[m:, m:], cubed[:m, m:]
        within = (
            np.sum(k_aa, dtype=np.float64) - np.trace(k_aa, dtype=np.float64)
            + np.sum(k_bb, dtype=np.float64) - np.trace(k_bb, dtype=np.float64)
        )
        values[s] = within / (m * (m - 1)) - 2.0 * np.sum(k_ab, dtype=np.float64) / (m * m)
    return values


def _moments(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = features.mean(axis=0)
    centered = features - mean
    # `centered.T @ centered` is one symmetric product (BLAS syrk), half a general one
    cov = (centered.T @ centered) / (len(features) - 1)
    return mean, cov


def _vector(value: Any, name: str) -> np.ndarray:
    array = _numeric(value, name)
    if array.ndim != 1 or array.shape[0] == 0:
        raise ValueError(f"`{name}` must be a mean vector of shape (d,), got {array.shape}.")
    return array


def _covariance(value: Any, name: str, dim: int) -> np.ndarray:
    array = _numeric(value, name)
    if array.shape != (dim, dim):
        raise ValueError(
            f"`{name}` must be a covariance matrix of shape ({dim}, {dim}) to match the "
            f"means, got {array.shape}."
        )
    return 0.5 * (array + array.T)


def _numeric(value: Any, name: str) -> np.ndarray:
    if value is None or isinstance(value, (str, bytes, dict)):
        raise TypeError(f"`{name}` must be a numeric array, got {value!r}.")
    array = as_numpy(value)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"`{name}` must be a numeric array, got dtype {array.dtype}.")
    array = array.astype(np.float64)
    check_finite(array, name)
    return array
