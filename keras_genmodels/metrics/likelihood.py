"""Test-set likelihood of a VAE: the importance-weighted (IWAE) bound.

Mathematical Details

With `K` samples `z_k ~ q(z | x)` (Burda et al., 2016),

    log p(x) >= L_K(x) = log (1/K) sum_k p(x | z_k) p(z_k) / q(z_k | x),

`L_1` is the ELBO, `L_K` grows with `K` and tends to `log p(x)`. The negative log
likelihood reported is `-L_K` in nats per example, and in bits per dimension
`-L_K / (D ln 2)` with `D` the number of data dimensions; with the discretized-logistic
likelihood on 8-bit images that is the number the literature reports.

`-L_K` bounds `-log p(x)` only where `p(x | z)` is a normalised density (or mass function)
of the data as given; `likelihood_density` says whether it is, and the result carries the
answer (`is_density`, `density_note`). A Bernoulli is the mass function of binary data
only: on grey levels in (0, 1) its "log-likelihood" is a cross-entropy, which does not
integrate to 1 over the data (the continuous Bernoulli of Loaiza-Ganem & Cunningham, 2019,
is its normalised counterpart), so its NLL is no likelihood and its bits per dimension are
left out (NaN); binarize the data (`x > 0.5`) to score it as a mass function, and say so.

Example:

```python
import keras_genmodels as kg

result = kg.metrics.importance_weighted_nll(vae, x_test, num_samples=256)
print(result["nll"], result["bits_per_dim"], result["is_density"], result["density_note"])
```
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import tensorflow as tf

from keras_genmodels.validation import check_positive_int

__all__ = ["importance_weighted_nll", "likelihood_density", "log_importance_weights"]

#: how far from a level of an 8-bit image a value may be and still count as that level.
_LEVEL_TOLERANCE = 1e-4


def likelihood_density(likelihood: Any, x: Any) -> tuple[bool | None, str]:
    """Whether `likelihood` is a normalised density (or mass function) of the data `x`.

    Example:

    ```python
    from keras_genmodels.distributions import get_likelihood

    likelihood_density(get_likelihood("bernoulli"), np.array([[0.0, 1.0]]))  # (True, ...)
    likelihood_density(get_likelihood("bernoulli"), np.array([[0.2, 0.7]]))  # (False, ...)
    ```

    Args:
        likelihood: a `keras_genmodels.distributions.Likelihood` (its `name` decides).
        x: the data it would score.

    Returns:
        `(is_density, note)`: `True` when `log p(x | z)` is the log of a normalised
        density or mass function of `x` as given, `False` when it is not, `None` for a
        likelihood this function does not know; `note` says why in words.
    """
    name = getattr(likelihood, "name", type(likelihood).__name__)
    x = np.asarray(x)
    if name == "bernoulli":
        if np.all((x == 0) | (x == 1)):
            return True, "Bernoulli on binary data: a probability mass function"
        return False, ("Bernoulli on grey levels is not a density: a cross-entropy, not "
                       "normalised over values in (0, 1)")
    if name == "continuous_bernoulli":
        return True, "continuous Bernoulli: a normalised density on [0, 1]"
    if name == "gaussian":
        return True, "Gaussian: a normalised density on the reals"
    if name == "discretized_logistic":
        levels = x * 255.0
        if np.all(np.abs(levels - np.round(levels)) <= _LEVEL_TOLERANCE * 255.0):
            return True, "discretized logistic on 8-bit levels: a probability mass function"
        return False, ("discretized logistic on data that are not 8-bit levels is not their "
                       "density: it scores the data rounded to k / 255")
    return None, f"unknown whether the {name!r} likelihood is a normalised density"


def importance_weighted_nll(
    model: Any,
    x: Any,
    num_samples: int = 256,
    batch_size: int = 64,
    labels: Any = None,
    seed: int = 0,
    max_decoded: int = 8192,
) -> dict[str, Any]:
    """Estimates `-log p(x)` with the IWAE bound, in batches that fit in memory.

    Args:
        model: a trained `VAE` or `ConditionalVAE` (anything with `encode`, `decoder_params`,
            `likelihood` and `prior`).
        x: data, `(n, *data_shape)`, float32 in [0, 1] for images.
        num_samples: importance samples `K` per example, >= 1 (`K = 1` gives the ELBO).
        batch_size: examples encoded at once.
        labels: class labels for a conditional model.
        seed: seed of the importance samples; the same seed gives the same estimate.
        max_decoded: largest number of (example, sample) pairs decoded at once; bounds
            the memory used whatever `num_samples` is.

    Returns:
        A dict with `nll` (mean nats per example: `-L_K`), `bits_per_dim` (NaN where the
        likelihood is not a density of `x`), `per_example` (nats, shape `(n,)`),
        `num_samples`, `is_density` and `density_note` (see `likelihood_density`).
    """
    num_samples = check_positive_int(num_samples, "num_samples")
    batch_size = check_positive_int(batch_size, "batch_size")
    max_decoded = check_positive_int(max_decoded, "max_decoded")
    if not hasattr(model, "encode") or not hasattr(model, "likelihood"):
        raise TypeError(
            f"`model` must be a VAE-family model with `encode` and a likelihood, got "
            f"{type(model).__name__}."
        )
    model.require_built("importance_weighted_nll")
    x, labels = model.check_data(x, labels)
    chunk = max(1, min(num_samples, max_decoded // batch_size))
    per_example = []
    for start in range(0, len(x), batch_size):
        batch_labels = None if labels is None else tf.constant(labels[start : start + batch_size])
        log_weights = [
            log_importance_weights(
                model, tf.constant(x[start : start + batch_size]), batch_labels,
                tf.constant([seed, start, k], tf.int64), min(chunk, num_samples - k))
            for k in range(0, num_samples, chunk)
        ]
        log_weights = tf.concat(log_weights, axis=0)
        bound = tf.reduce_logsumexp(log_weights, axis=0) - math.log(num_samples)
        per_example.append(-bound.numpy())
    per_example = np.concatenate(per_example).astype(np.float64)
    nll = float(per_example.mean())
    dims = int(np.prod(x.shape[1:]))
    is_density, note = likelihood_density(model.likelihood, x)
    return {
        "nll": nll,
        "bits_per_dim": nll / (dims * math.log(2.0)) if is_density is not False else math.nan,
        "per_example": per_example,
        "num_samples": num_samples,
        "is_density": is_density,
        "density_note": note,
    }


@tf.function(reduce_retracing=True)
def log_importance_weights(
    model: Any, x: tf.Tensor, labels: tf.Tensor | None, seed: tf.Tensor, num_samples: int
) -> tf.Tensor:
    """The log importance weights of a VAE's posterior draws: `(K, batch)`.

    `log w_k = log p(x|z_k) + log p(z_k) - log q(z_k|x)` with `z_k ~ q(z|x)`, the terms of
    the IWAE bound (Burda et al., 2016); `logsumexp_k(log w_k) - log K` is its value.

    Example:

    ```python
    log_w = log_importance_weights(vae, tf.constant(x[:8]), None,
                                   tf.constant([0, 0, 0], tf.int64), 64)   # (64, 8)
    ```

    Args:
        model: a built `VAE` or `ConditionalVAE`.
        x: a batch of data in the model's public range.
        labels: its labels `(batch,)` for a conditional model, else `None`.
        seed: int64 `[a, b, c]`; `[a, b]` folded with `c` seeds the draws.
        num_samples: draws `K` per example.
    """
    posterior = model.posterior(x, labels)
    seed = tf.cast(tf.random.experimental.stateless_fold_in(seed[:2], seed[2]), tf.int32)
    z = posterior.sample(num_samples, seed=seed)
    batch = tf.shape(x)[0]
    flat_z = tf.reshape(z, [-1, model.latent_dim])
    flat_x = tf.reshape(tf.tile(x[None], [num_samples] + [1] * len(x.shape)),
                        tf.concat([[-1], tf.shape(x)[1:]], 0))
    flat_labels = None if labels is None else tf.tile(labels, [num_samples])
    params = model.decoder_params(flat_z, flat_labels)
    log_px = tf.reshape(model.likelihood.log_prob(params, flat_x), [num_samples, batch])
    return log_px + model.prior.log_prob(z) - posterior.log_prob(z)
