"""Specification of StyleGAN's regularisation and style mixing: the weights each penalty
enters the objectives with, R1's gamma heuristic, the lazy-regularisation correction of
the default optimizers, and the crossover of training-time style mixing."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from keras_genmodels.models.random_streams import Stream
from keras_genmodels.models.stylegan import StyleGAN

SIZE = 8


def tiny(**options) -> StyleGAN:
    options = {"latent_dim": 4, "channels": 4, "mapping_layers": 1, "seed": 0,
               "data_shape": (SIZE, SIZE, 1), **options}
    model = StyleGAN(**options)
    model.compile()
    return model


def _images(n: int, seed: int = 0) -> tf.Tensor:
    rng = np.random.default_rng(seed)
    return tf.constant(rng.uniform(-1, 1, size=(n, SIZE, SIZE, 1)).astype("float32"))


def _direct_r1(model: StyleGAN, real: tf.Tensor) -> float:
    # E_x |grad_x D(x)|^2, written out
    with tf.GradientTape() as tape:
        tape.watch(real)
        scores = tf.reduce_sum(model.discriminate(real, None, True))
    gradients = tape.gradient(scores, real)
    return float(tf.reduce_mean(tf.reduce_sum(tf.square(gradients), axis=[1, 2, 3])))


def test_r1_enters_the_objective_at_half_gamma_times_its_interval():
    model = tiny(r1_weight=2.0, r1_interval=4)
    real, fake = _images(8), _images(8, seed=1)
    on = model.discriminator_loss(real, fake, training=True, apply_r1=tf.constant(True))
    r1 = float(on["r1_penalty"][0])
    assert r1 == pytest.approx(_direct_r1(model, real), rel=1e-4) and r1 > 0
    assert float(on["objective"] - on["d_loss"]) == pytest.approx(0.5 * 2.0 * 4 * r1, rel=1e-5)
    off = model.discriminator_loss(real, fake, training=True, apply_r1=tf.constant(False))
    assert float(off["objective"]) == pytest.approx(float(off["d_loss"]), rel=1e-6)
    assert float(off["r1_penalty"][0]) == 0.0
    # evaluation: every batch, at the penalty's own weight (no interval)
    evaluated = model.discriminator_loss(real, fake, training=False)
    assert float(evaluated["objective"] - evaluated["d_loss"]) == pytest.approx(
        0.5 * 2.0 * r1, rel=1e-4)


def test_r1_gamma_heuristic_divides_by_the_minibatch():
    model = tiny(r1_weight=None)
    for batch in (4, 16):
        assert float(model.r1_gamma_of(batch)) == pytest.approx(0.0002 * SIZE**2 / batch)
    real, fake = _images(4), _images(4, seed=1)
    terms = model.discriminator_loss(real, fake, training=True, apply_r1=tf.constant(True))
    expected = 0.5 * (0.0002 * SIZE**2 / 4) * model.r1_interval * float(terms["r1_penalty"][0])
    assert float(terms["objective"] - terms["d_loss"]) == pytest.approx(expected, rel=1e-4)
    assert tiny(r1_weight=0.0).r1_enabled is False and tiny(r1_weight=None).r1_enabled


def test_path_length_enters_the_objective_at_its_weight_times_its_interval():
    model = tiny(pl_weight=3.0, pl_interval=2, style_mixing_prob=0.0)
    terms = model.generator_loss(8, tf.constant(True))
    penalty = float(terms["pl_penalty"][0])
    assert penalty > 0
    assert float(terms["objective"] - terms["g_loss"]) == pytest.approx(3.0 * 2 * penalty,
                                                                        rel=1e-5)
    assert int(terms["pl_n"]) == 4  # on half the batch, as the paper
    skipped = model.generator_loss(8, tf.constant(False))
    assert float(skipped["objective"]) == pytest.approx(float(skipped["g_loss"]), rel=1e-6)
    # the same draws measured directly: the penalty is the lengths' squared distance to
    # the running mean (0 before any step)
    z, noise, direction = model.path_length_inputs(tf.constant(4))
    ws = model.broadcast_styles(model.map_latent(z, training=True))
    with tf.GradientTape() as tape:
        tape.watch(ws)
        projection = tf.reduce_sum(model.synthesize_internal(ws, noise, training=True)
                                   * direction)
    lengths = np.sqrt(np.mean(np.sum(np.square(tape.gradient(projection, ws)), 2), 1) + 1e-8)
    assert penalty == pytest.approx(float(np.mean(lengths**2)), rel=1e-4)


@pytest.mark.parametrize("options, lazy_g, lazy_d", [
    ({}, True, True), ({"pl_weight": 0.0}, False, True), ({"r1_weight": 0.0}, True, False)])
def test_lazy_correction_only_where_a_lazy_penalty_is_on(options, lazy_g, lazy_d):
    model = tiny(**options)
    optimizers = model.default_optimizers()
    for slot, interval, lazy in (("g_optimizer", model.pl_interval, lazy_g),
                                 ("d_optimizer", model.r1_interval, lazy_d)):
        c = interval / (interval + 1.0) if lazy else 1.0
        optimizer = optimizers[slot]
        assert float(optimizer.learning_rate) == pytest.approx(2e-3 * c)
        assert optimizer.beta_2 == pytest.approx(0.99**c)


def _crossover(model: StyleGAN, ws: np.ndarray, w_1: np.ndarray, w_2: np.ndarray) -> int:
    """The first layer whose styles are w_2's (num_ws: none), checking every layer is one
    of the two codes' styles, w_1's before the crossover and w_2's after it."""
    first_layers = [np.allclose(ws[:, layer], w_1, atol=1e-6) for layer in range(model.num_ws)]
    crossover = first_layers.index(False) if False in first_layers else model.num_ws
    assert all(first_layers[:crossover])
    for layer in range(crossover, model.num_ws):
        np.testing.assert_allclose(ws[:, layer], w_2, atol=1e-6)
    return crossover


def test_training_style_mixing_crosses_over_between_the_two_codes():
    model = tiny(style_mixing_prob=1.0)
    crossovers = set()
    for step in range(12):
        model.optimizer.iterations.assign(step)
        ws = model.mixed_styles(4, Stream.DISCRIMINATOR_LATENT, 0).numpy()
        z_1 = model.prior_sample(4, Stream.DISCRIMINATOR_LATENT)
        z_2 = model.prior_sample(4, Stream.STYLE_MIXING_LATENT, 0)
        w_1 = model.map_latent(z_1, training=True).numpy()
        w_2 = model.map_latent(z_2, training=True).numpy()
        crossovers.add(_crossover(model, ws, w_1, w_2))
    # always mixed (a crossover inside), at more than one layer over the steps
    assert crossovers <= set(range(1, model.num_ws)) and len(crossovers) > 1
    unmixed = tiny(style_mixing_prob=0.0)
    ws = unmixed.mixed_styles(4, Stream.DISCRIMINATOR_LATENT, 0).numpy()
    w_1 = unmixed.map_latent(unmixed.prior_sample(4, Stream.DISCRIMINATOR_LATENT),
                             training=True).numpy()
    assert _crossover(unmixed, ws, w_1, w_1 + 1.0) == unmixed.num_ws
