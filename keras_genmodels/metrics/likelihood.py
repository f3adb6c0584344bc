"""Test-set likelihood of a VAE: the importance-weighted (IWAE) bound.

Mathematical Details

With `K` samples `z_k ~ q(z | x)` (Burda et al., 2016),

    log p(x) >= L_K(x) = log (1/K) sum_k p(x | z_k) p(z_k) / q(z_k | x),

`L_1` is the ELBO, `L_K` grows with `K` and tends to `log p(x)`. The negative log
likelihood reported is `-L_K` in nats per example, and in bits per dimension
`-L_K / (D ln 2)` with `D` the number of data dimensions; with the discretized-logistic
likelihood on 8-bit images that is the number the literature reports.

Example:

```python
import keras_genmodels as kg

result = kg.metrics.importance_weighted_nll(vae, x_test, num_samples=256)
print(result["nll"], result["bits_per_dim"])
```
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import tensorflow as tf

from keras_genmodels.validation import check_positive_int


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
        A dict with `nll` (mean nats per example), `bits_per_dim`, `per_example` (nats,
        shape `(n,)`) and `num_samples`.
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
    return {
        "nll": nll,
        "bits_per_dim": nll / (dims * math.log(2.0)),
        "per_example": per_example,
        "num_samples": num_samples,
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
