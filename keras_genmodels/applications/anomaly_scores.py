"""The anomaly scores `AnomalyDetector` computes from a trained generative model.

Every score is higher for data the model finds less likely, one number per example:

- `"elbo"`: the negative ELBO, `-E_q[log p(x|z) + log p(z) - log q(z|x)]`, estimated
  with `K` posterior samples (Kingma & Welling, 2014; An & Cho, 2015);
- `"iwae"`: the negative importance-weighted bound `-L_K(x)` (Burda et al., 2016), a
  tighter estimate of `-log p(x)`; both come from the log-weights
  `kg.metrics.importance_weighted_nll` computes;
- `"input_complexity"`: the IWAE estimate of `-log2 p(x)` minus the bits `L(x)` of a
  lossless compressor's encoding of `x` (Serra et al., 2020, "Input complexity and
  out-of-distribution detection with likelihood-based generative models"); images only;
- `"reconstruction"`: the mean squared error between `x` and `reconstruct(x)` (any model
  with an encoder: VAE, ConditionalVAE, VAEGAN);
- `"discriminator"`: minus the discriminator's output, so data the discriminator finds
  fake score high (GANs, WGANs, VAEGAN);
- `"latent_search"`: AnoGAN (Schlegl et al., 2017): the code `z` whose generation is
  closest to `x` is found by gradient descent from a prior draw, and the score is the
  loss there.

Mathematical Details

AnoGAN minimises over `z`, for `steps` Adam steps,

    A(z) = (1 - lambda) * R(z) + lambda * D(z),
    R(z) = sum |x - G(z)|,   D(z) = sum |f(x) - f(G(z))|,

with `f` the discriminator's penultimate features (the paper's "feature matching"
discrimination loss) and `lambda = 0.1` in the paper; the anomaly score is `A(z_steps)`.

A likelihood is dominated by how simple an input is: a blank or low-ink image is likely
under any image model, whatever it was trained on (Nalisnick et al., 2019). The input
complexity score subtracts a generic model's code length, the PNG encoding of the 8-bit
image (zlib at level 9), from the trained model's:

    S(x) = -log2 p(x) - L(x),   L(x) = 8 * len(PNG(round(255 x))),

so `S` is a log-likelihood ratio of a universal model to the trained one; `-log p(x)` is
estimated by the IWAE bound `-L_K(x)` (in nats, divided by `ln 2`). PNG is the compressor
of the paper's experiments that needs nothing beyond Pillow; constant header bytes shift
every score alike and do not change a ranking. The two code lengths compare only when
`p` is a density (or mass) of the image: a discretised logistic's mass over 8-bit levels,
or any density on [0, 1] (a constant `D log2 256` apart from the mass, the same for every
image). A Bernoulli likelihood is neither for grey-level pixels, and its `-log2 p(x)` is
a small fraction of the PNG's bits, so the score is then nearly `-L(x)` alone: scoring
warns, and `likelihood="discretized_logistic"` is the VAE to train for it.
"""

from __future__ import annotations

import io
import math
import warnings
from typing import Any

import numpy as np
import tensorflow as tf
from PIL import Image

from keras_genmodels.distributions import BernoulliLikelihood
from keras_genmodels.images import to_uint8
from keras_genmodels.metrics.likelihood import log_importance_weights
from keras_genmodels.networks import discriminator_features

SCORES = ("elbo", "iwae", "input_complexity", "reconstruction", "discriminator",
          "latent_search")
_PNG_MODES = {1: "L", 3: "RGB", 4: "RGBA"}


def check_score_supported(model: Any, score: str) -> None:
    """Raises `TypeError` when `model` cannot compute `score`, naming what it lacks."""
    needs = {
        "elbo": ("likelihood", "a VAE or ConditionalVAE"),
        "iwae": ("likelihood", "a VAE or ConditionalVAE"),
        "input_complexity": ("likelihood", "a VAE or ConditionalVAE"),
        "reconstruction": ("encode", "a model with an encoder (VAE, ConditionalVAE, VAEGAN)"),
        "discriminator": ("discriminator", "a model with a discriminator (GAN, WGAN, VAEGAN)"),
        "latent_search": ("discriminator", "a GAN-family model with a discriminator"),
    }[score]
    if not hasattr(model, needs[0]) or not hasattr(model, "generate"):
        hint = ("; a GAN scores with score='latent_search' or 'discriminator'"
                if hasattr(model, "discriminator") and hasattr(model, "generate") else "")
        raise TypeError(
            f"`score={score!r}` needs {needs[1]}, got {type(model).__name__}{hint}.")


def likelihood_scores(model, x: np.ndarray, labels, score: str, num_samples: int,
                      batch_size: int, seed: int) -> np.ndarray:
    """`-ELBO` (mean of the log-weights) or `-L_K` (their log-mean-exp), per example."""
    out = []
    for start in range(0, len(x), batch_size):
        batch_labels = None if labels is None else tf.constant(labels[start:start + batch_size])
        log_w = log_importance_weights(
            model, tf.constant(x[start:start + batch_size]), batch_labels,
            tf.constant([seed, start, 0], tf.int64), num_samples)
        if score == "elbo":
            bound = tf.reduce_mean(log_w, axis=0)
        else:
            bound = tf.reduce_logsumexp(log_w, axis=0) - math.log(num_samples)
        out.append(-bound.numpy())
    return np.concatenate(out).astype(np.float64)


def png_bits(x: np.ndarray) -> np.ndarray:
    """`L(x)`: the length in bits of each image's PNG encoding (8-bit, zlib level 9).

    Example:

    ```python
    png_bits(np.zeros((2, 28, 28, 1), "float32"))   # the same small number twice
    ```

    Args:
        x: images `(n, height, width, channels)` in [0, 1]; channel counts other than 1,
            3 and 4 are encoded one grayscale plane per channel.

    Returns:
        float64 `(n,)`.
    """
    if x.ndim != 4:
        raise ValueError(
            f"`score='input_complexity'` needs images (n, height, width, channels), got "
            f"data of shape {x.shape}; use 'iwae' or 'reconstruction' for vectors.")
    pixels = to_uint8(x)
    if pixels.shape[-1] in _PNG_MODES:
        planes = [pixels[..., 0] if pixels.shape[-1] == 1 else pixels]
    else:
        planes = [pixels[..., c] for c in range(pixels.shape[-1])]
    bits = np.zeros(len(x))
    for plane in planes:
        for i, image in enumerate(plane):
            buffer = io.BytesIO()
            Image.fromarray(np.ascontiguousarray(image)).save(buffer, format="PNG",
                                                               compress_level=9)
            bits[i] += 8 * buffer.tell()
    return bits


def input_complexity_scores(model, x: np.ndarray, labels, num_samples: int,
                            batch_size: int, seed: int) -> np.ndarray:
    """`S(x) = -log2 p(x) - L(x)` per example, `-log p` from the IWAE bound."""
    bits = png_bits(x)
    if isinstance(model.likelihood, BernoulliLikelihood) and np.any((x > 0) & (x < 1)):
        warnings.warn(
            "`score='input_complexity'` with a Bernoulli likelihood on grey-level images: "
            "the Bernoulli is not a density of grey levels, its -log2 p(x) is not a code "
            "length comparable with the PNG's, and the score is then mostly -L(x), the PNG "
            "length alone. Train the VAE with likelihood='discretized_logistic' for it.",
            UserWarning, stacklevel=3)
    nll = likelihood_scores(model, x, labels, "iwae", num_samples, batch_size, seed)
    return nll / math.log(2.0) - bits


def reconstruction_scores(model, x: np.ndarray, labels, batch_size: int) -> np.ndarray:
    """Mean squared error per example between `x` and its reconstruction."""
    reconstructed = model.reconstruct(x, labels, batch_size=batch_size)
    return np.mean(np.square(reconstructed - x).reshape(len(x), -1), axis=1).astype(np.float64)


def _discriminator_inputs(model, x: tf.Tensor, labels) -> tf.Tensor:
    """What `model`'s discriminator network takes for `x` (label or cluster channels
    appended where it has them)."""
    if hasattr(model, "discriminator_inputs"):
        return model.discriminator_inputs(x, labels)
    return x


def _logits(model, x_public: tf.Tensor, labels) -> tf.Tensor:
    # labels None for a self-conditioned model: at the cluster of each example
    return model.discriminate(model.to_internal(x_public), labels, False)


def discriminator_scores(model, x: np.ndarray, labels, batch_size: int) -> np.ndarray:
    """Minus the discriminator's logit (or critic value) per example."""
    out = []
    for start in range(0, len(x), batch_size):
        batch_labels = None if labels is None else tf.constant(labels[start:start + batch_size])
        out.append(-_logits(model, tf.constant(x[start:start + batch_size]), batch_labels))
    return np.concatenate([np.asarray(o) for o in out]).astype(np.float64)


def feature_model(model) -> Any:
    """A callable from internal-range data (label channels added) to flat features."""
    outputs = model.discriminator.outputs
    if len(outputs) > 1:  # VAEGAN and projection discriminators return [logit, features]
        return lambda x: model.discriminator(x, training=False)[1]
    return discriminator_features(model.discriminator)


def latent_search_scores(model, x: np.ndarray, labels, batch_size: int, steps: int,
                         learning_rate: float, feature_weight: float, seed: int) -> np.ndarray:
    """The AnoGAN score `A(z)` after `steps` Adam steps on `z`, per example."""
    features = feature_model(model)
    out = []
    for start in range(0, len(x), batch_size):
        batch = tf.constant(x[start:start + batch_size])
        batch_labels = None if labels is None else tf.constant(labels[start:start + batch_size])
        z0 = model.prior.sample(len(batch), seed=tf.constant([seed, start], tf.int32))
        out.append(_search(model, features, batch, batch_labels, tf.cast(z0, tf.float32),
                           steps, learning_rate, feature_weight).numpy())
    return np.concatenate(out).astype(np.float64)


def _search(model, features, x, labels, z0, steps, learning_rate, feature_weight):
    z = tf.Variable(z0)
    if labels is None and getattr(model, "data_clusters", None) is not None:
        # self-conditioned: search codes of the cluster of each example
        labels = model.data_clusters.nearest(model.to_internal(x))
    target = tf.reshape(features(_discriminator_inputs(model, model.to_internal(x), labels)),
                        [tf.shape(x)[0], -1])
    axes = list(range(1, len(x.shape)))

    def loss_of(z_value):
        generated = _generate(model, z_value, labels)
        residual = tf.reduce_sum(tf.abs(x - generated), axis=axes)
        fake = tf.reshape(features(_discriminator_inputs(model, model.to_internal(generated),
                                                   labels)), [tf.shape(x)[0], -1])
        discrimination = tf.reduce_sum(tf.abs(target - fake), axis=-1)
        return (1.0 - feature_weight) * residual + feature_weight * discrimination

    return _adam_minimise(loss_of, z, steps, learning_rate)


def _generate(model, z, labels):
    if hasattr(model, "generator_inputs"):
        generator = model.ema_generator if model.ema_generator is not None else model.generator
        return model.to_public(generator(model.generator_inputs(z, labels), training=False))
    if hasattr(model, "decoder_output"):  # VAEGAN; labels: its clusters, self-conditioned
        return model.to_public(model.decoder_output(z, labels))
    return model.generate(z)


def _adam_minimise(loss_of, z: tf.Variable, steps: int, learning_rate: float) -> tf.Tensor:
    """Plain Adam on per-example losses (each example's code moves on its own loss)."""
    m = tf.zeros_like(z)
    v = tf.zeros_like(z)
    beta_1, beta_2, epsilon = 0.9, 0.999, 1e-7
    for t in range(1, steps + 1):
        with tf.GradientTape() as tape:
            tape.watch(z)
            total = tf.reduce_sum(loss_of(z))
        gradient = tape.gradient(total, z)
        m = beta_1 * m + (1 - beta_1) * gradient
        v = beta_2 * v + (1 - beta_2) * tf.square(gradient)
        step = learning_rate * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        z.assign_sub(step * m / (tf.sqrt(v) + epsilon))
    return loss_of(z)
