"""Specification of the Wasserstein GANs: WGAN (weight clipping) and WGANGP (gradient
penalty). What they share with every GAN (saving, sampling, input forms) is in
test_gan.py."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

GAN_METRICS = {"d_loss", "g_loss", "d_real", "d_fake"}
METRICS = {"WGAN": GAN_METRICS | {"wasserstein"},
           "WGANGP": GAN_METRICS | {"wasserstein", "gradient_penalty"}}


def _critic_weights(model) -> tuple[np.ndarray, float]:
    """`(w, b)` of `make_model`'s one-layer critic f(x) = w.x + b, in float64."""
    kernel, bias = model.discriminator.get_layer("discriminator_dense").get_weights()
    return kernel[:, 0].astype(np.float64), float(bias[0])


def test_weight_clipping_bounds_every_critic_weight(make_model, vector_data):
    x, _ = vector_data
    model = make_model("WGAN", critic_steps=2, clip_value=0.02)
    model.compile(g_optimizer=keras.optimizers.RMSprop(1e-2),
                  d_optimizer=keras.optimizers.RMSprop(1e-2))
    history = model.fit(x, epochs=1, batch_size=32, verbose=0).history
    assert set(history) == METRICS["WGAN"]
    largest = max(np.max(np.abs(np.asarray(w))) for w in model.discriminator.trainable_weights)
    assert largest == pytest.approx(0.02)  # the bound is reached, and never passed


@pytest.mark.parametrize("weight", [0.0, 10.0])
def test_gradient_penalty_of_a_linear_critic(weight, make_model, vector_data):
    # grad_x f = w at every interpolate, so the penalty is (|w| - 1)^2 whatever the
    # interpolation weights, and d_loss = E[f(fake)] - E[f(real)] + lambda (|w| - 1)^2
    x, _ = vector_data
    real, fake = x[:32], 2.0 * x[32:]
    model = make_model("WGANGP", gradient_penalty_weight=weight)
    model.compile()
    w, b = _critic_weights(model)
    real_scores, fake_scores = real @ w + b, fake @ w + b
    penalty = (np.linalg.norm(w) - 1.0) ** 2
    assert penalty > 0.01  # so that a missing penalty shows

    terms = {k: float(v) for k, v in
             model.discriminator_loss(tf.constant(real), tf.constant(fake), None, 0).items()}

    assert terms["gradient_penalty"] == pytest.approx(penalty, rel=1e-4)
    assert terms["d_loss"] == pytest.approx(
        fake_scores.mean() - real_scores.mean() + weight * penalty, rel=1e-4, abs=1e-5)
    assert terms["wasserstein"] == pytest.approx(real_scores.mean() - fake_scores.mean(),
                                                 rel=1e-4, abs=1e-5)


@pytest.mark.parametrize("family", ["WGAN", "WGANGP"])
def test_validation_metrics_are_evaluate_on_the_validation_data(family, make_model,
                                                                 vector_data,
                                                                 validate_like_evaluate):
    x, _ = vector_data
    model = make_model(family, critic_steps=2)
    model.compile()
    result = validate_like_evaluate(model, (x[:48],), (x[48:],), METRICS[family])
    assert result["wasserstein"] == pytest.approx(result["d_real"] - result["d_fake"],
                                                  abs=1e-5)
    scores = model(x[48:])  # the critic's mean on the evaluated (real) data
    assert result["d_real"] == pytest.approx(float(np.mean(scores)), abs=1e-5)


def test_evaluate_measures_the_gradient_penalty(make_model, vector_data):
    # a linear critic's penalty is (|w| - 1)^2 > 0 at every point: `evaluate` (and the
    # val_ logs) must report it, not the 0 of a metric that was never updated
    x, _ = vector_data
    model = make_model("WGANGP")
    model.compile()
    w, _ = _critic_weights(model)
    result = model.evaluate(x, batch_size=16, verbose=0, return_dict=True)
    assert result["gradient_penalty"] == pytest.approx((np.linalg.norm(w) - 1.0) ** 2,
                                                       rel=1e-4)
