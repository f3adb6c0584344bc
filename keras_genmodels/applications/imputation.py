"""Missing-data imputation with a trained VAE: pseudo-Gibbs, Metropolis-within-Gibbs, IWAE.

A VAE trained on complete data knows `p(x)`; given the observed part `x_obs` of an
example, the missing part is drawn from (or averaged over) `p(x_miss | x_obs)`. Three
samplers, all using the encoder as a proposal:

- `"pseudo_gibbs"` (Rezende et al., 2014): start from a crude fill; repeat
  `z ~ q(z | x_obs, x_miss)`, `x_miss ~ p(x_miss | z)`. Simple, but its stationary
  distribution is only approximately `p(x_miss | x_obs)`.
- `"metropolis_within_gibbs"` (Mattei & Frellsen, 2018): the same moves, with the code
  proposal `z' ~ q(z | x_obs, x_miss)` accepted with the Metropolis-Hastings
  probability, so the chain targets `p(z, x_miss | x_obs)` exactly.
- `"importance"` (Mattei & Frellsen, 2019, MIWAE): `K = num_samples` codes from
  `q(z | x_filled)` weighted by how well they explain the observed entries; single
  imputation is the weighted mean, multiple imputation resamples codes by weight. An
  encoder trained on complete data proposes poorly from a crude fill (a hidden half
  filled with a constant), so this runs `num_iterations` rounds, each proposing from
  `q(z | x^)` with `x^` completed by the previous round's estimate (adaptive importance
  sampling); every round's estimate is a valid self-normalised one, the rounds only
  move the proposal towards the posterior.

Single imputation (`num_draws=1`, `fill="auto"`) estimates `E[x_miss | x_obs]`, the
completion with the least expected squared error: the weighted mean for `"importance"`,
and for the chains the mean of `E[x_miss | z_t]` over their second half (the first half
is burn-in). Multiple imputation (`num_draws > 1`) returns draws from
`p(x_miss | x_obs)`, as Rubin's rules need (their spread is the between-imputation
variance): each an independent chain's last state `x_miss ~ p(x_miss | z_T)`, or for
`"importance"` a code resampled by weight and `x_miss ~ p(x_miss | z)` there
(sampling-importance-resampling, as in MIWAE). `fill="mean"` puts the decoder mean
`E[x_miss | z]` at those codes instead: less spread than the conditional (it leaves out
the likelihood's own noise), but grey levels where a Bernoulli draw is binary;
`fill="draw"` with `num_draws=1` gives one draw.

Mathematical Details

With `x^ = (x_obs, x_miss)` the current completion, the Metropolis-within-Gibbs
acceptance probability of `z'` from `z_t` is

    rho = min(1, [p(x^ | z') p(z') q(z_t | x^)] / [p(x^ | z_t) p(z_t) q(z' | x^)]).

The importance weights are those of the IWAE bound restricted to the observed entries,

    w_k = p(x_obs | z_k) p(z_k) / q(z_k | x_filled),   z_k ~ q(z | x_filled),

and `E[x_miss | x_obs] ~ sum_k w~_k E[x_miss | z_k]` with `w~ = w / sum w`.
`log p(x_obs | z)` sums the likelihood's per-entry log-probabilities over the observed
entries (the likelihoods factorise over entries). The chains move with draws of
`x_miss ~ p(x_miss | z)` whatever `fill` is.

Example:

```python
import numpy as np
import keras_genmodels as kg

mask = np.ones((28, 28, 1), "float32")
mask[14:] = 0                                   # bottom half missing
completed = kg.applications.impute(vae, x_test[:16], mask, method="importance")
draws = kg.applications.impute(vae, x_test[:16], mask, num_draws=5)   # (5, 16, 28, 28, 1)
```

Images (and data of a likelihood defined on [0, 1]) are clipped into [0, 1] after
imputation, as every image the package returns is, so a Gaussian likelihood's draws near
the edges pile up there.
"""

from __future__ import annotations

import enum
from typing import Any

import numpy as np
import tensorflow as tf

from keras_genmodels.applications.masks import check_mask, initial_fill
from keras_genmodels.distributions import DiscretizedLogisticLikelihood
from keras_genmodels.validation import as_numpy, check_choice, check_positive_int

METHODS = ("pseudo_gibbs", "metropolis_within_gibbs", "importance")
FILLS = ("auto", "draw", "mean")


class _Stream(enum.IntEnum):
    """The random streams of the samplers, one name each, so no two draws share a seed."""

    CODES = 1
    ENTRIES = 2
    ACCEPT = 3
    RESAMPLE = 4


def impute(
    model: Any,
    x: Any,
    mask: Any,
    method: str = "pseudo_gibbs",
    num_iterations: int = 20,
    num_draws: int = 1,
    num_samples: int = 64,
    labels: Any = None,
    batch_size: int = 256,
    seed: int = 0,
    fill: str = "auto",
) -> np.ndarray:
    """Fills the missing entries of `x` with a trained VAE.

    Example:

    ```python
    completed = impute(vae, x, mask, method="metropolis_within_gibbs", num_iterations=50)
    np.array_equal(completed[mask.astype(bool)], x[mask.astype(bool)])   # True
    ```

    Args:
        model: a trained `VAE` or `ConditionalVAE`.
        x: data `(n, *data_shape)`, float32 in [0, 1] for images; missing entries may
            hold anything, NaN included (they are ignored).
        mask: 1 (or True) where `x` is observed, 0 where missing; any shape that
            broadcasts to `x.shape` (e.g. one `data_shape` mask for every example).
        method: `"pseudo_gibbs"`, `"metropolis_within_gibbs"` or `"importance"`.
        num_iterations: chain steps of the two Gibbs samplers, or rounds of
            `"importance"`, >= 1.
        num_draws: imputations per example; above 1 gives multiple imputation (draws
            from `p(x_miss | x_obs)`, one independent chain or resampling each).
        num_samples: importance samples `K` of `"importance"`, >= 1.
        labels: class labels `(n,)` for a conditional model.
        batch_size: examples processed at once.
        seed: the same seed gives the same imputations.
        fill: what fills the missing entries. `"auto"`: the estimate of
            `E[x_miss | x_obs]` for `num_draws=1`, draws for `num_draws > 1`;
            `"draw"`: draws `x_miss ~ p(x_miss | z)` at the imputation's code, so the
            imputations are draws from `p(x_miss | x_obs)` (one draw for `num_draws=1`);
            `"mean"`: the decoder mean `E[x_miss | z]` at that code (for `num_draws=1`,
            the same estimate as `"auto"`).

    Returns:
        float32 data of the shape of `x` (for `num_draws=1`) or `(num_draws, *x.shape)`,
        equal to `x` exactly at the observed entries.
    """
    method = check_choice(method, "method", METHODS)
    num_iterations = check_positive_int(num_iterations, "num_iterations")
    num_draws = check_positive_int(num_draws, "num_draws")
    num_samples = check_positive_int(num_samples, "num_samples")
    batch_size = check_positive_int(batch_size, "batch_size")
    seed = check_positive_int(seed, "seed", minimum=0)
    fill = check_choice(fill, "fill", FILLS)
    if fill == "auto":
        fill = "mean" if num_draws == 1 else "draw"
    # a draw, the decoder mean at the last code, or (one imputation) its average
    output = "draw" if fill == "draw" else ("average" if num_draws == 1 else "mean")
    if not hasattr(model, "likelihood") or not hasattr(model, "decoder_params"):
        raise TypeError(
            f"`model` must be a trained VAE or ConditionalVAE (with a likelihood), got "
            f"{type(model).__name__}.")
    model.require_built("impute")
    x = as_numpy(x)
    mask = check_mask(mask, x.shape)
    observed = np.broadcast_to(mask, x.shape) > 0
    if np.issubdtype(x.dtype, np.floating):  # missing entries may be NaN
        x = np.where(observed, x, 0.0).astype(x.dtype)
    x, labels = model.check_data(x, labels)
    filled = initial_fill(x, observed)
    draws = []
    for draw in range(num_draws):
        batches = []
        for start in range(0, len(x), batch_size):
            stop = start + batch_size
            batch_labels = None if labels is None else tf.constant(labels[start:stop])
            key = tf.constant([seed, draw * 1_000_003 + start], tf.int64)
            batch_observed = tf.constant(observed[start:stop], tf.float32)
            if method == "importance":
                completed = _adaptive_importance(
                    model, filled[start:stop], batch_observed, batch_labels, key,
                    num_iterations, num_samples, output)
            else:
                completed = _gibbs(model, tf.constant(filled[start:stop]), batch_observed,
                                   batch_labels, key, num_iterations,
                                   method == "metropolis_within_gibbs", output).numpy()
            batches.append(completed)
        completed = np.concatenate(batches, axis=0)
        if x.ndim == 4 or model.requires_unit_interval:
            completed = np.clip(completed, 0.0, 1.0)
        draws.append(np.where(observed, x, completed).astype(np.float32))
    return draws[0] if num_draws == 1 else np.stack(draws)


def _seed(key: tf.Tensor, stream: _Stream, step: Any = 0) -> tf.Tensor:
    folded = tf.random.experimental.stateless_fold_in(key, int(stream))
    return tf.cast(tf.random.experimental.stateless_fold_in(folded, step), tf.int32)


def _entry_log_prob(model, params: tf.Tensor, x: tf.Tensor) -> tf.Tensor:
    """Per-entry `log p(x_i | z)`, shape of `x` (the likelihood factorises)."""
    if isinstance(model.likelihood, DiscretizedLogisticLikelihood):
        x = tf.round(x * 255.0)
    return model.likelihood.distribution(params).distribution.log_prob(x)


def _masked_log_prob(model, params, x, observed) -> tf.Tensor:
    axes = tf.range(1, tf.rank(x))
    return tf.reduce_sum(_entry_log_prob(model, params, x) * observed, axis=axes)


def _draw_entries(model, params, seed) -> tf.Tensor:
    draw = model.likelihood.distribution(params).sample(seed=seed)
    if isinstance(model.likelihood, DiscretizedLogisticLikelihood):
        draw = draw / 255.0
    return tf.cast(draw, tf.float32)


def metropolis_log_ratio(model: Any, x: tf.Tensor, labels: tf.Tensor | None,
                         posterior: Any, z: tf.Tensor, proposal: tf.Tensor) -> tf.Tensor:
    """`log rho` of a Metropolis-within-Gibbs code move (before the `min(0, .)`).

    `log p(x^ | z') + log p(z') + log q(z | x^) - log p(x^ | z) - log p(z) - log q(z' | x^)`:
    the proposal `q(. | x^)` depends on the current completion `x^` but not on the
    current code, so its terms do not cancel as a symmetric proposal's would.

    Example:

    ```python
    q = vae.posterior(x_hat)
    log_rho = metropolis_log_ratio(vae, x_hat, None, q, z, q.sample(seed=[0, 1]))
    ```

    Args:
        model: the VAE.
        x: the current completion `x^`, `(batch, *data_shape)`.
        labels: its labels for a conditional model, else `None`.
        posterior: `q(. | x^)`, batch shape `(batch,)`.
        z: the current codes `(batch, latent_dim)`.
        proposal: the proposed codes `z'`, drawn from `posterior`.

    Returns:
        float32 `(batch,)`.
    """
    log_target_new = (model.likelihood.log_prob(model.decoder_params(proposal, labels), x)
                      + model.prior.log_prob(proposal))
    log_target_old = (model.likelihood.log_prob(model.decoder_params(z, labels), x)
                      + model.prior.log_prob(z))
    return (log_target_new - log_target_old + posterior.log_prob(z)
            - posterior.log_prob(proposal))


@tf.function(reduce_retracing=True)
def _gibbs(model, x, observed, labels, key, num_iterations: int, metropolis: bool,
           output: str):
    """Pseudo-Gibbs or Metropolis-within-Gibbs from the completion `x`. Returns, by
    `output`: `"draw"`, the chain's last completion (its entries drawn from
    `p(x_miss | z_T)`); `"mean"`, the decoder mean at the last code; `"average"`, the
    decoder mean averaged over the second half of the chain (the first half is burn-in),
    a Rao-Blackwellised estimate of `E[x | x_obs]`."""
    posterior = model.posterior(x, labels)
    z = posterior.sample(seed=_seed(key, _Stream.CODES))
    total = tf.zeros_like(x)
    burn_in = num_iterations // 2
    for step in tf.range(1, num_iterations + 1):
        posterior = model.posterior(x, labels)
        proposal = posterior.sample(seed=_seed(key, _Stream.CODES, step))
        if metropolis:
            log_rho = metropolis_log_ratio(model, x, labels, posterior, z, proposal)
            uniform = tf.random.stateless_uniform(tf.shape(log_rho),
                                                  _seed(key, _Stream.ACCEPT, step))
            accept = tf.math.log(uniform) < log_rho
            z = tf.where(accept[:, None], proposal, z)
        else:
            z = proposal
        params = model.decoder_params(z, labels)
        if step > burn_in:
            total += model.likelihood.mean(params)
        entries = _draw_entries(model, params, _seed(key, _Stream.ENTRIES, step))
        x = observed * x + (1.0 - observed) * entries
    if output == "draw":
        return x
    if output == "average":
        return total / tf.cast(num_iterations - burn_in, tf.float32)
    return model.likelihood.mean(params)


def _adaptive_importance(model, filled: np.ndarray, observed: tf.Tensor, labels, key,
                         num_rounds: int, num_samples: int, output: str) -> np.ndarray:
    """Rounds of importance sampling, each proposing from `q(z | x^)` with `x^` completed
    by the previous round's estimate; the last round gives `output` (`"average"`: the
    weighted mean; `"mean"`, `"draw"`: resampled, see `_importance`)."""
    x = tf.constant(filled)
    for round_ in range(num_rounds):
        last = round_ == num_rounds - 1
        estimate = _importance(model, x, observed, labels,
                               tf.random.experimental.stateless_fold_in(key, round_),
                               num_samples, output if last else "average")
        x = observed * x + (1.0 - observed) * tf.clip_by_value(estimate, *_range(model, x))
    return estimate.numpy()


def _range(model, x: tf.Tensor) -> tuple[float, float]:
    """Where estimates are clipped before being fed back to the encoder."""
    unit = len(x.shape) == 4 or model.requires_unit_interval
    return (0.0, 1.0) if unit else (-np.inf, np.inf)


@tf.function(reduce_retracing=True)
def _importance(model, x, observed, labels, key, num_samples: int, output: str):
    """The self-normalised importance estimate of `E[x_miss | x_obs]` (`"average"`), or
    at one code resampled in proportion to the weights the decoder mean (`"mean"`) or a
    draw from the likelihood (`"draw"`)."""
    posterior = model.posterior(x, labels)
    z = posterior.sample(num_samples, seed=_seed(key, _Stream.CODES))  # (K, batch, latent)
    batch = tf.shape(x)[0]
    flat_labels = None if labels is None else tf.tile(labels, [num_samples])
    params = model.decoder_params(tf.reshape(z, [-1, model.latent_dim]), flat_labels)
    log_px = tf.reshape(_masked_log_prob(model, params, _tile(x, num_samples),
                                         _tile(observed, num_samples)),
                        [num_samples, batch])
    log_w = log_px + model.prior.log_prob(z) - posterior.log_prob(z)
    if output != "average":
        index = tf.random.stateless_categorical(tf.transpose(log_w), 1,
                                                _seed(key, _Stream.RESAMPLE))[:, 0]
        # the flat (sample-major) position of example b's chosen code
        chosen = tf.gather(params, index * tf.cast(batch, tf.int64)
                           + tf.range(tf.cast(batch, tf.int64)))
        if output == "draw":
            return _draw_entries(model, chosen, _seed(key, _Stream.ENTRIES))
        return model.likelihood.mean(chosen)
    means = tf.reshape(model.likelihood.mean(params),
                       tf.concat([[num_samples, batch], tf.shape(x)[1:]], 0))
    weights = tf.nn.softmax(log_w, axis=0)
    weights = tf.reshape(weights, tf.concat([[num_samples, batch],
                                             tf.ones([tf.rank(x) - 1], tf.int32)], 0))
    return tf.reduce_sum(weights * means, axis=0)


def _tile(t: tf.Tensor, times: int) -> tf.Tensor:
    """`t` repeated `times` times along the batch axis (sample-major)."""
    return tf.reshape(tf.tile(t[None], [times] + [1] * len(t.shape)),
                      tf.concat([[-1], tf.shape(t)[1:]], 0))
