"""The sets a sample-based metric compares, gathered into arrays.

Every distance between distributions in `keras_genmodels.metrics` (FID, KID, precision and
recall, density and coverage, the sliced Wasserstein distance, the classifier score) takes
its two sets in any of the forms a user has at hand:

- a numpy array or tensor of examples, `(n, ...)`;
- a `tf.data.Dataset` of `x`, `(x,)` or `(x, y)` elements, batched or not (the labels are
  dropped);
- a package model (anything with a `sample(n, seed=...)` method): `n` examples are
  generated, conditional models (`model.conditional`) with the labels
  `np.arange(n) % model.num_classes`, so every class is equally represented.

`collect` turns such a set into one float32 array; `features_of` then maps it to the
`(n, d)` feature vectors a metric works on, through a feature extractor
(`keras_genmodels.metrics.features`) or by flattening each example.

Example:

```python
import numpy as np
from keras_genmodels.metrics.sets import collect, features_of

x = np.random.rand(100, 8, 8, 1).astype("float32")
collect(x, "real", num_samples=10).shape          # (10, 8, 8, 1)
features_of(x, "real").shape                      # (100, 64), raw pixels as features
```
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from keras_genmodels.validation import as_numpy, check_finite, check_positive_int

__all__ = ["check_features", "collect", "features_of", "paired_features", "resolve", "set_seed"]

# The random stream of each set's samples when a set is a model (see `set_seed`).
_SET_STREAMS = {"generated": 0, "real": 1}


def collect(
    data: Any,
    name: str,
    num_samples: int | None = None,
    seed: int = 0,
    batch_size: int = 256,
) -> np.ndarray:
    """Gathers a set of examples into one float32 array.

    Arrays and tensors are taken as given (their first `num_samples` examples if it is
    set); a `tf.data.Dataset` is read until it ends or `num_samples` examples have been
    seen, taking the `x` part of `(x, y)` elements and batching unbatched elements; a
    model is sampled. A set holding fewer than `num_samples` examples gives all it has:
    compare `len(result)` if the count matters.

    Whether a dataset is batched is read from its element shape: rank 2 (vectors) and
    rank 4 (NHWC images) are batches, rank 1 and 3 single examples.

    Example:

    ```python
    import tensorflow as tf
    x = tf.random.uniform((50, 4))
    collect(tf.data.Dataset.from_tensor_slices((x, tf.zeros(50))), "real").shape  # (50, 4)
    collect(vae, "generated", num_samples=1000, seed=1).shape   # 1000 samples of a model
    ```

    Args:
        data: an array or tensor `(n, ...)`, a `tf.data.Dataset`, or a model with a
            `sample(n, seed=..., batch_size=...)` method.
        name: the argument's name in the caller (e.g. `"real"`), used in error messages.
        num_samples: the most examples to take; required for a model and for an infinite
            dataset. `None` takes everything.
        seed: the seed of a model's samples.
        batch_size: the batch size when sampling a model or batching a dataset.

    Returns:
        A float32 numpy array `(n, ...)` with `1 <= n <= num_samples`.

    Raises:
        TypeError: if `data` is none of the accepted kinds or is not numeric.
        ValueError: if it is empty, has no batch axis, holds NaN or inf, or `num_samples`
            is missing where it is required.
    """
    if num_samples is not None:
        num_samples = check_positive_int(num_samples, "num_samples")
    batch_size = check_positive_int(batch_size, "batch_size")
    if isinstance(data, tf.data.Dataset):
        array = _from_dataset(data, name, num_samples, batch_size)
    elif _is_model(data):
        array = _from_model(data, name, num_samples, seed, batch_size)
    else:
        array = _as_array(data, name)
        if num_samples is not None:
            array = array[:num_samples]
    if array.ndim < 2:
        raise ValueError(
            f"`{name}` must have a batch axis first, shape (n, ...), got shape {array.shape}; "
            "reshape single values to (n, 1)."
        )
    if array.shape[0] == 0:
        raise ValueError(f"`{name}` is empty (shape {array.shape}).")
    array = array.astype(np.float32, copy=False)
    check_finite(array, name)
    return array


def features_of(
    data: Any,
    name: str,
    extractor: Any = None,
    num_samples: int | None = None,
    seed: int = 0,
    batch_size: int = 256,
) -> np.ndarray:
    """The `(n, d)` feature vectors of a set: extracted, or its examples flattened.

    Example:

    ```python
    features_of(x_test, "real", extractor="mnist10k").shape      # (n, d) classifier features
    features_of(samples_2d, "generated").shape                    # (n, 2), the data itself
    ```

    Args:
        data: a set, as `collect` takes it.
        name: the argument's name in the caller, used in error messages.
        extractor: `None` to use the examples themselves, flattened; a feature extractor
            (an object with `features(images, batch_size)`) or a name or path that
            `keras_genmodels.metrics.features.resolve_extractor` understands
            (`"inception"`, `"mnist10k"`, `"shapes"`, a `.keras` file).
        num_samples: the most examples to take (see `collect`).
        seed: the seed of a model's samples.
        batch_size: examples per batch when sampling and extracting.

    Returns:
        A float64 numpy array of shape `(n, d)`.

    Raises:
        TypeError, ValueError: as `collect`, and if the extractor's output is not a finite
            `(n, d)` array.
    """
    extractor = resolve(extractor)
    examples = collect(data, name, num_samples=num_samples, seed=seed, batch_size=batch_size)
    if extractor is None:
        return examples.reshape(len(examples), -1).astype(np.float64)
    features = as_numpy(extractor.features(examples, batch_size=batch_size))
    if features.ndim != 2 or features.shape[0] != len(examples):
        raise ValueError(
            f"The extractor {getattr(extractor, 'name', extractor)!r} returned features of "
            f"shape {features.shape} for {len(examples)} examples of `{name}`; expected "
            f"({len(examples)}, d)."
        )
    return check_features(features, f"features of `{name}`")


def resolve(extractor: Any) -> Any:
    """The feature extractor `extractor` stands for, or `None` for the raw data.

    An object with a `features` method is used as it is; anything else goes through
    `keras_genmodels.metrics.features.resolve_extractor`, imported only then so that the
    metrics that need no network never load one.

    Example:

    ```python
    resolve(None)                  # None: the raw data
    resolve("mnist10k").name       # "mnist10k", the shipped digit classifier
    ```
    """
    if extractor is None:
        return None
    if callable(getattr(extractor, "features", None)):
        return extractor
    from keras_genmodels.metrics.features import resolve_extractor

    return resolve_extractor(extractor)


def check_features(value: Any, name: str, min_rows: int = 1) -> np.ndarray:
    """Returns feature vectors as a float64 `(n, d)` array after checking them.

    Example:

    ```python
    check_features(np.zeros((5, 3), "float32"), "features_a").dtype    # float64
    check_features(np.zeros(5), "features_a")    # ValueError: must have shape (n, d)
    ```

    Args:
        value: an array or tensor of shape `(n, d)`.
        name: the argument's name, used in error messages.
        min_rows: the fewest rows accepted.

    Returns:
        The features as float64.
    """
    if value is None or isinstance(value, (str, bytes, dict)):
        raise TypeError(f"`{name}` must be a numeric array of shape (n, d), got {value!r}.")
    array = as_numpy(value)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"`{name}` must be a numeric array of shape (n, d), got dtype "
                        f"{array.dtype}.")
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(f"`{name}` must have shape (n, d), got shape {array.shape}.")
    if array.shape[0] < min_rows:
        raise ValueError(f"`{name}` needs at least {min_rows} rows, got shape {array.shape}.")
    array = array.astype(np.float64, copy=False)
    check_finite(array, name)
    return array


def paired_features(
    real: Any,
    generated: Any,
    extractor: Any = None,
    num_samples: int | None = None,
    seed: int = 0,
    batch_size: int = 256,
    min_rows: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """The features of `real` and `generated`, through one extractor, of equal width.

    Example:

    ```python
    real, generated = paired_features(x_test, vae, "mnist10k", num_samples=1000)
    ```

    Args:
        real: the reference set (see `collect`).
        generated: the set compared with it.
        extractor: as in `features_of`; resolved once for both sets.
        num_samples: the most examples taken from each set.
        seed: the seed of a model's samples: `generated` is sampled with `seed` itself,
            `real` with `set_seed(seed, "real")`, so that one model given as both sets
            gives two independent samples.
        batch_size: examples per batch when sampling and extracting.
        min_rows: the fewest examples each set must hold.

    Returns:
        `(real_features, generated_features)`, float64 arrays `(n_real, d)`, `(n_gen, d)`.
    """
    extractor = resolve(extractor)
    pair = []
    for data, name in ((real, "real"), (generated, "generated")):
        features = features_of(data, name, extractor, num_samples, set_seed(seed, name),
                               batch_size)
        if len(features) < min_rows:
            raise ValueError(
                f"`{name}` has {len(features)} examples; this metric needs at least "
                f"{min_rows}."
            )
        pair.append(features)
    real_features, generated_features = pair
    if real_features.shape[1] != generated_features.shape[1]:
        raise ValueError(
            f"`real` has {real_features.shape[1]} features per example but `generated` has "
            f"{generated_features.shape[1]}; both sets must have the same shape per example."
        )
    return real_features, generated_features


def set_seed(seed: int, name: str) -> int:
    """The seed a metric samples the set `name` (`"real"` or `"generated"`) with.

    `"generated"` keeps `seed`, so that a metric's samples of a model are
    `model.sample(n, seed=seed)`; `"real"` gets a seed derived from it by
    `np.random.SeedSequence`, a stream of its own.

    Example:

    ```python
    set_seed(0, "generated"), set_seed(0, "real")     # (0, a different 31-bit seed)
    ```

    Args:
        seed: the seed a metric was given, >= 0.
        name: `"real"` or `"generated"`.

    Returns:
        The seed to sample that set with.
    """
    if name == "generated":
        return seed
    seed = check_positive_int(seed, "seed", minimum=0)
    return int(np.random.SeedSequence([seed, _SET_STREAMS[name]]).generate_state(1)[0] >> 1)


def _is_model(data: Any) -> bool:
    return callable(getattr(data, "sample", None)) and not hasattr(data, "shape")


def _as_array(data: Any, name: str) -> np.ndarray:
    if data is None or isinstance(data, (str, bytes, dict)):
        raise TypeError(
            f"`{name}` must be an array, a tf.data.Dataset or a model with `sample`, got "
            f"{type(data).__name__}."
        )
    array = as_numpy(data)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        raise TypeError(
            f"`{name}` must be a numeric array, a tf.data.Dataset or a model with `sample`, "
            f"got {type(data).__name__} of dtype {array.dtype}."
        )
    return array


def _from_model(
    model: Any, name: str, num_samples: int | None, seed: int, batch_size: int
) -> np.ndarray:
    if num_samples is None:
        raise ValueError(
            f"`{name}` is a model: pass `num_samples`, the number of examples to generate."
        )
    if getattr(model, "conditional", False):
        labels = np.arange(num_samples) % int(model.num_classes)
        samples = model.sample(num_samples, seed=seed, labels=labels, batch_size=batch_size)
    else:
        samples = model.sample(num_samples, seed=seed, batch_size=batch_size)
    return _as_array(samples, f"{name}.sample(...)")


def _from_dataset(
    dataset: tf.data.Dataset, name: str, num_samples: int | None, batch_size: int
) -> np.ndarray:
    spec = dataset.element_spec
    if isinstance(spec, tuple):
        if not spec:
            raise ValueError(f"`{name}` is a dataset of empty tuples; expected x or (x, y).")
        spec = spec[0]
        dataset = dataset.map(lambda *element: element[0])
    if not isinstance(spec, tf.TensorSpec):
        raise TypeError(
            f"`{name}` must be a dataset of x, (x,) or (x, y) tensors, got elements {spec}."
        )
    if num_samples is None and dataset.cardinality() == tf.data.INFINITE_CARDINALITY:
        raise ValueError(f"`{name}` is an infinite dataset: pass `num_samples`.")
    rank = spec.shape.rank
    batched = rank in (2, 4) or (rank not in (None, 0) and spec.shape[0] is None)
    if not batched:
        if rank not in (1, 3):
            raise ValueError(
                f"`{name}` has elements of shape {spec.shape}; expected vectors (d,) or images "
                "(h, w, c), or batches of them."
            )
        dataset = dataset.batch(batch_size)
    parts, count = [], 0
    for batch in dataset.as_numpy_iterator():
        parts.append(_as_array(batch, name))
        count += len(batch)
        if num_samples is not None and count >= num_samples:
            break
    if not parts:
        raise ValueError(f"`{name}` is an empty dataset.")
    array = np.concatenate(parts, axis=0)
    return array if num_samples is None else array[:num_samples]
