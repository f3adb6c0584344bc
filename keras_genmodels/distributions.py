"""TensorFlow Probability glue: likelihood heads, posteriors, priors and the KL term.

This is the only module of the package that imports `tensorflow_probability`, so the
probabilistic back end can be replaced in one place. Only `tfp.distributions` is used:
TFP's layers and bijector networks depend on tf-keras and do not mix with Keras 3.

Mathematical Details

A VAE's decoder outputs `params` of shape `data_shape[:-1] + (channels * k,)`, where `k`
is the likelihood's `params_per_dim`. The likelihood turns them into
`p(x | z) = prod_i p(x_i | params_i)`, an `Independent` distribution over one example.
The encoder outputs `2 * latent_dim` numbers, read as the mean and a softplus-scaled
standard deviation of a diagonal Gaussian posterior `q(z | x)`. The KL term
`KL(q(z | x) || p(z))` is computed analytically when TFP has a rule for the pair and by a
one-sample Monte Carlo estimate `log q(z | x) - log p(z)` otherwise.

Example:

```python
import tensorflow as tf
from keras_genmodels import distributions as kgd

likelihood = kgd.get_likelihood("bernoulli")
p_x = likelihood.distribution(tf.zeros([2, 28, 28, 1]))
log_px = p_x.log_prob(tf.fill([2, 28, 28, 1], 0.5))     # shape (2,)
q_z = kgd.diagonal_gaussian_posterior(tf.zeros([2, 8]))
kl = kgd.kl_divergence(q_z, kgd.standard_normal_prior(8))
```
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from keras_genmodels.validation import check_choice

tfd = tfp.distributions

Distribution = tfd.Distribution

_MIN_SCALE = 1e-4


def _independent(distribution: tfd.Distribution, event_rank: int) -> tfd.Distribution:
    return tfd.Independent(distribution, reinterpreted_batch_ndims=event_rank)


def _event_rank(params: tf.Tensor) -> int:
    return len(params.shape) - 1


class Likelihood:
    """Maps a decoder's output to `p(x | z)` over one example, as a `tfd.Distribution`.

    Subclasses set `name`, `params_per_dim` (decoder outputs per data dimension) and
    `requires_unit_interval` (whether data must lie in [0, 1]), and implement
    `distribution(params)` and `mean(params)`.

    Example:

    ```python
    likelihood = get_likelihood("gaussian", scale=0.1)
    dist = likelihood.distribution(decoder_output)
    ```
    """

    name = "likelihood"
    params_per_dim = 1
    requires_unit_interval = True

    def distribution(self, params: tf.Tensor) -> tfd.Distribution:
        """Returns `p(x | z)` with batch shape `(batch,)` and the data's event shape."""
        raise NotImplementedError

    def mean(self, params: tf.Tensor) -> tf.Tensor:
        """Returns the expected data (float32, data shape) for decoder output `params`."""
        raise NotImplementedError

    def log_prob(self, params: tf.Tensor, x: tf.Tensor) -> tf.Tensor:
        """Returns `log p(x | z)` per example, in nats, shape `(batch,)`."""
        return self.distribution(params).log_prob(x)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    def _split(self, params: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        params = tf.cast(params, tf.float32)
        return tf.split(params, 2, axis=-1)


class BernoulliLikelihood(Likelihood):
    """Bernoulli pixels from logits; for grey levels in [0, 1] it is the usual
    cross-entropy relaxation (not a normalised density for non-binary data)."""

    name = "bernoulli"

    def distribution(self, params):
        params = tf.cast(params, tf.float32)
        return _independent(tfd.Bernoulli(logits=params, dtype=tf.float32), _event_rank(params))

    def log_prob(self, params, x):
        # Same value as the TFP distribution's log_prob, in one fused op: the training
        # step's hottest line.
        params = tf.cast(params, tf.float32)
        cross_entropy = tf.nn.sigmoid_cross_entropy_with_logits(
            labels=tf.cast(x, tf.float32), logits=params)
        return -tf.reduce_sum(cross_entropy, axis=tf.range(1, tf.rank(params)))

    def mean(self, params):
        return tf.sigmoid(tf.cast(params, tf.float32))


class ContinuousBernoulliLikelihood(Likelihood):
    """The continuous Bernoulli (Loaiza-Ganem & Cunningham, 2019): a normalised density
    on [0, 1], the correct counterpart of the Bernoulli for grey-level images."""

    name = "continuous_bernoulli"

    def distribution(self, params):
        params = tf.cast(params, tf.float32)
        return _independent(tfd.ContinuousBernoulli(logits=params), _event_rank(params))

    def mean(self, params):
        return self.distribution(params).distribution.mean()


class GaussianLikelihood(Likelihood):
    """A diagonal Gaussian with a fixed scale, or a per-dimension scale from the decoder.

    Args:
        scale: a positive float (fixed standard deviation) or `"learned"`, in which case
            the decoder outputs two numbers per dimension: mean and softplus-scale.
    """

    name = "gaussian"
    requires_unit_interval = False

    def __init__(self, scale: float | str = 0.1):
        if scale == "learned":
            self.params_per_dim = 2
        elif isinstance(scale, (int, float)) and not isinstance(scale, bool) and scale > 0:
            scale = float(scale)
        else:
            raise ValueError(f"`scale` must be a positive float or 'learned', got {scale!r}.")
        self.scale = scale

    def distribution(self, params):
        if self.scale == "learned":
            loc, raw_scale = self._split(params)
            scale = tf.nn.softplus(raw_scale) + _MIN_SCALE
        else:
            loc = tf.cast(params, tf.float32)
            scale = tf.fill(tf.shape(loc), self.scale)
        return _independent(tfd.Normal(loc, scale), _event_rank(loc))

    def mean(self, params):
        if self.scale == "learned":
            return self._split(params)[0]
        return tf.cast(params, tf.float32)

    def get_config(self):
        return {"name": self.name, "scale": self.scale}


class DiscretizedLogisticLikelihood(Likelihood):
    """A logistic distribution discretised to the 256 levels of an 8-bit image
    (Salimans et al., 2017, one mixture component), so `log_prob` is a log-probability
    mass and NLLs in bits per dimension compare with the literature.

    Data in [0, 1] are read as `k / 255`. `distribution(params)` is defined over the
    integer levels `k` in {0, ..., 255}; `log_prob(params, x)` does the conversion.
    """

    name = "discretized_logistic"
    params_per_dim = 2

    def distribution(self, params):
        loc, raw_scale = self._split(params)
        scale = tf.nn.softplus(raw_scale) + _MIN_SCALE
        # The logistic is centred on level `255 * loc`; shifting it down by half a level
        # makes QuantizedDistribution's bin (k - 1, k] cover (k - 0.5, k + 0.5].
        logistic = tfd.Logistic(loc=255.0 * loc - 0.5, scale=255.0 * scale)
        quantized = tfd.QuantizedDistribution(logistic, low=0.0, high=255.0)
        return _independent(quantized, _event_rank(loc))

    def log_prob(self, params, x):
        levels = tf.round(tf.cast(x, tf.float32) * 255.0)
        return self.distribution(params).log_prob(levels)

    def mean(self, params):
        return tf.clip_by_value(self._split(params)[0], 0.0, 1.0)


_LIKELIHOODS = {
    cls.name: cls
    for cls in (
        BernoulliLikelihood,
        ContinuousBernoulliLikelihood,
        GaussianLikelihood,
        DiscretizedLogisticLikelihood,
    )
}

LIKELIHOOD_NAMES = tuple(sorted(_LIKELIHOODS))


def get_likelihood(likelihood: str | dict | Likelihood, **kwargs: Any) -> Likelihood:
    """Returns a `Likelihood` from its name, its config dict, or itself.

    Args:
        likelihood: one of `LIKELIHOOD_NAMES`, a dict from `Likelihood.get_config()`, or a
            `Likelihood` instance.
        **kwargs: options of the likelihood, e.g. `scale=0.1` or `scale="learned"` for
            `"gaussian"`.

    Returns:
        A `Likelihood`.

    Example:

    ```python
    get_likelihood("gaussian", scale="learned").params_per_dim   # 2
    ```
    """
    if isinstance(likelihood, Likelihood):
        return likelihood
    if isinstance(likelihood, dict):
        kwargs = {**{k: v for k, v in likelihood.items() if k != "name"}, **kwargs}
        likelihood = likelihood.get("name")
    check_choice(likelihood, "likelihood", LIKELIHOOD_NAMES)
    return _LIKELIHOODS[likelihood](**kwargs)


def diagonal_gaussian_posterior(params: tf.Tensor) -> tfd.Distribution:
    """Returns `q(z | x) = N(mu, diag(sigma^2))` from encoder outputs `[mu, raw_sigma]`.

    Args:
        params: float tensor `(batch, 2 * latent_dim)`; the second half goes through a
            softplus so that sigma is positive.

    Returns:
        An `Independent(Normal)` with batch shape `(batch,)` and event shape `(latent_dim,)`.

    Example:

    ```python
    q = diagonal_gaussian_posterior(encoder(x))
    z = q.sample(seed=[0, 1])
    ```
    """
    loc, raw_scale = tf.split(tf.cast(params, tf.float32), 2, axis=-1)
    return _independent(tfd.Normal(loc, tf.nn.softplus(raw_scale) + _MIN_SCALE), 1)


def posterior_sample(posterior: tfd.Distribution, seed: tf.Tensor) -> tf.Tensor:
    """Draws one reparameterised sample `z = mu + sigma * eps` with a stateless seed."""
    return posterior.sample(seed=seed)


def standard_normal_prior(latent_dim: int) -> tfd.Distribution:
    """Returns `p(z) = N(0, I)` over `latent_dim` dimensions.

    Example:

    ```python
    prior = standard_normal_prior(8)
    z = prior.sample(4, seed=[0, 0])      # shape (4, 8)
    ```
    """
    zeros = tf.zeros([latent_dim], tf.float32)
    return _independent(tfd.Normal(zeros, tf.ones_like(zeros)), 1)


def check_prior(prior: Any, latent_dim: int) -> tfd.Distribution:
    """Returns `prior` (or the standard normal for `None`) after checking its event shape."""
    if prior is None:
        return standard_normal_prior(latent_dim)
    if not isinstance(prior, tfd.Distribution):
        raise TypeError(
            f"`prior` must be a tfp.distributions.Distribution or None, got {type(prior).__name__}."
        )
    event = tuple(prior.event_shape)
    if event != (latent_dim,):
        raise ValueError(
            f"`prior` must have event shape ({latent_dim},) to match `latent_dim`, got {event}."
        )
    return prior


def kl_divergence(
    posterior: tfd.Distribution, prior: tfd.Distribution, z: tf.Tensor | None = None
) -> tf.Tensor:
    """Returns `KL(q || p)` per example: analytic when TFP knows the pair, else Monte Carlo.

    Mathematical Details

    `KL(q || p) = E_q[log q(z) - log p(z)]`; without an analytic rule it is estimated
    with the posterior sample `z` that the reconstruction term already uses.

    Args:
        posterior: `q(z | x)`, batch shape `(batch,)`.
        prior: `p(z)`, same event shape.
        z: a sample from the posterior, needed when there is no analytic rule.

    Returns:
        A float32 tensor of shape `(batch,)`, in nats.

    Example:

    ```python
    kl = kl_divergence(q, standard_normal_prior(8))
    ```
    """
    try:
        return tfd.kl_divergence(posterior, prior)
    except NotImplementedError:
        if z is None:
            raise ValueError(
                "No analytic KL for this posterior/prior pair: pass the posterior sample `z`."
            ) from None
        return posterior.log_prob(z) - prior.log_prob(z)


def factorises(distribution: tfd.Distribution) -> bool:
    """Whether `distribution` is a product of one-dimensional distributions over its
    event, e.g. `tfd.Independent(tfd.Normal(...), 1)` (so KL splits per dimension)."""
    inner = getattr(distribution, "distribution", None)
    return (isinstance(distribution, tfd.Independent) and inner is not None
            and inner.event_shape.rank == 0)


def kl_per_dimension(
    posterior: tfd.Distribution, prior: tfd.Distribution, z: tf.Tensor | None = None
) -> tf.Tensor | None:
    """Returns the KL of each latent dimension `(batch, latent_dim)`.

    Mathematical Details

    For factorised `q(z) = prod_j q_j(z_j)` and `p(z) = prod_j p_j(z_j)`,
    `KL(q || p) = sum_j KL(q_j || p_j)`. Each term is analytic when TFP knows the pair,
    else the Monte Carlo estimate `log q_j(z_j) - log p_j(z_j)` with the posterior sample
    `z`, whose sum over `j` is the Monte Carlo estimate of `kl_divergence`.

    Args:
        posterior: `q(z | x)`, a factorised distribution with batch shape `(batch,)`.
        prior: `p(z)`, factorised over the same dimensions.
        z: a posterior sample `(batch, latent_dim)`, used without an analytic rule.

    Returns:
        A tensor `(batch, latent_dim)` in nats, or `None` when either distribution does
        not factorise, or there is no analytic rule and no `z`.

    Example:

    ```python
    per_dim = kl_per_dimension(q, standard_normal_prior(8))   # (batch, 8)
    ```
    """
    if not (factorises(posterior) and factorises(prior)):
        return None
    inner_q, inner_p = posterior.distribution, prior.distribution
    try:
        return tfd.kl_divergence(inner_q, inner_p)
    except NotImplementedError:
        return None if z is None else inner_q.log_prob(z) - inner_p.log_prob(z)


def serialize_distribution(distribution: tfd.Distribution) -> dict[str, Any]:
    """Returns a JSON-able description of a TFP distribution built from tensors, numbers
    and other distributions (e.g. a Gaussian-mixture prior), for model configs.

    Example:

    ```python
    config = serialize_distribution(standard_normal_prior(4))
    prior = deserialize_distribution(config)
    ```
    """
    parameters = {}
    for key, value in distribution.parameters.items():
        if value is None:
            continue
        if isinstance(value, tfd.Distribution):
            parameters[key] = serialize_distribution(value)
        elif isinstance(value, (bool, int, float, str)):
            parameters[key] = value
        elif isinstance(value, (tf.Tensor, tf.Variable, np.ndarray, np.generic, list)):
            array = np.asarray(value)
            parameters[key] = {"__array__": array.tolist(), "dtype": str(array.dtype)}
        elif isinstance(value, tf.DType):
            parameters[key] = {"__dtype__": value.name}
        else:
            raise ValueError(
                f"Cannot serialize parameter {key!r} of {type(distribution).__name__} "
                f"(a {type(value).__name__}); build the prior from tensors and distributions."
            )
    return {"class_name": type(distribution).__name__, "parameters": parameters}


def deserialize_distribution(config: dict[str, Any]) -> tfd.Distribution:
    """Rebuilds a distribution written by `serialize_distribution`."""
    parameters = {}
    for key, value in config["parameters"].items():
        if isinstance(value, dict) and "class_name" in value:
            parameters[key] = deserialize_distribution(value)
        elif isinstance(value, dict) and "__array__" in value:
            parameters[key] = tf.constant(np.asarray(value["__array__"], dtype=value["dtype"]))
        elif isinstance(value, dict) and "__dtype__" in value:
            parameters[key] = tf.as_dtype(value["__dtype__"])
        else:
            parameters[key] = value
    return getattr(tfd, config["class_name"])(**parameters)
