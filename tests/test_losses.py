"""Adversarial losses and penalties: values by hand, stability, and the penalties' geometry."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_genmodels import losses

REAL = np.array([2.0, -1.0], dtype=np.float32)
FAKE = np.array([-3.0, 0.5], dtype=np.float32)
SEED = tf.constant([3, 7], dtype=tf.int32)


def _softplus(x):
    return np.log1p(np.exp(x))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# Reference values written from the papers' formulas in terms of D = sigmoid(logit).
REFERENCE = {
    "minimax_d": -np.mean(np.log(_sigmoid(REAL))) - np.mean(np.log(1 - _sigmoid(FAKE))),
    "minimax_g": np.mean(np.log(1 - _sigmoid(FAKE))),
    "non_saturating_g": -np.mean(np.log(_sigmoid(FAKE))),
    "hinge_d": np.mean(np.maximum(0, 1 - REAL)) + np.mean(np.maximum(0, 1 + FAKE)),
    "hinge_g": -np.mean(FAKE),
    "least_squares_d": 0.5 * np.mean((REAL - 1) ** 2) + 0.5 * np.mean(FAKE**2),
    "least_squares_g": 0.5 * np.mean((FAKE - 1) ** 2),
    "wasserstein_d": np.mean(FAKE) - np.mean(REAL),
    "wasserstein_g": -np.mean(FAKE),
}


@pytest.mark.parametrize(
    "fn, key",
    [
        (losses.minimax_discriminator_loss, "minimax_d"),
        (losses.hinge_discriminator_loss, "hinge_d"),
        (losses.least_squares_discriminator_loss, "least_squares_d"),
        (losses.wasserstein_critic_loss, "wasserstein_d"),
    ],
)
def test_discriminator_losses_match_hand_computed_values(fn, key):
    value = fn(REAL, FAKE)
    assert value.dtype == tf.float32 and value.shape == ()
    np.testing.assert_allclose(value.numpy(), REFERENCE[key], rtol=1e-5)


@pytest.mark.parametrize(
    "fn, key",
    [
        (losses.minimax_generator_loss, "minimax_g"),
        (losses.non_saturating_generator_loss, "non_saturating_g"),
        (losses.hinge_generator_loss, "hinge_g"),
        (losses.least_squares_generator_loss, "least_squares_g"),
        (losses.wasserstein_generator_loss, "wasserstein_g"),
    ],
)
def test_generator_losses_match_hand_computed_values(fn, key):
    value = fn(FAKE)
    assert value.dtype == tf.float32 and value.shape == ()
    np.testing.assert_allclose(value.numpy(), REFERENCE[key], rtol=1e-5)


def test_loss_values_do_not_depend_on_trailing_unit_axis_or_input_dtype():
    for d_fn, g_fn in losses.ADVERSARIAL_LOSSES.values():
        flat = d_fn(REAL, FAKE).numpy()
        column = d_fn(REAL[:, None].astype(np.float16), tf.constant(FAKE[:, None], tf.float64))
        assert column.dtype == tf.float32
        np.testing.assert_allclose(column.numpy(), flat, rtol=1e-3)
        np.testing.assert_allclose(g_fn(FAKE[:, None]).numpy(), g_fn(FAKE).numpy(), rtol=1e-6)


def test_label_smoothing_sets_the_real_target_to_one_minus_smoothing():
    target = 0.9
    expected = -np.mean(
        target * np.log(_sigmoid(REAL)) + (1 - target) * np.log(1 - _sigmoid(REAL))
    ) - np.mean(np.log(1 - _sigmoid(FAKE)))
    value = losses.minimax_discriminator_loss(REAL, FAKE, label_smoothing=0.1)
    np.testing.assert_allclose(value.numpy(), expected, rtol=1e-5)


def test_cross_entropy_losses_are_finite_for_huge_logits():
    huge = np.array([1e4, -1e4], dtype=np.float32)
    values = [losses.minimax_discriminator_loss(huge, huge, label_smoothing=0.1)]
    for d_fn, g_fn in losses.ADVERSARIAL_LOSSES.values():
        values += [d_fn(huge, huge), d_fn(huge, -huge), g_fn(huge), g_fn(-huge)]
    assert all(np.isfinite(v.numpy()) for v in values)
    # softplus, not log(sigmoid): a confidently rejected fake costs its logit, not inf.
    np.testing.assert_allclose(losses.non_saturating_generator_loss([-1e4]).numpy(), 1e4, rtol=1e-6)


def test_cross_entropy_gradients_are_finite_for_huge_logits():
    huge = tf.Variable([1e4, -1e4])
    with tf.GradientTape() as tape:
        loss = losses.minimax_discriminator_loss(huge, huge) + losses.non_saturating_generator_loss(
            huge
        )
    assert np.all(np.isfinite(tape.gradient(loss, huge).numpy()))


def test_registry_pairs_and_lookup():
    assert set(losses.ADVERSARIAL_LOSSES) == {
        "minimax",
        "non_saturating",
        "hinge",
        "least_squares",
        "wasserstein",
    }
    d_fn, g_fn = losses.get_adversarial_loss("non_saturating")
    assert d_fn is losses.minimax_discriminator_loss
    assert g_fn is losses.non_saturating_generator_loss


def test_unknown_loss_name_lists_the_valid_names():
    with pytest.raises(ValueError) as info:
        losses.get_adversarial_loss("wgan")
    message = str(info.value)
    assert "'wgan'" in message
    for name in losses.ADVERSARIAL_LOSSES:
        assert name in message


def test_losses_run_under_xla():
    @tf.function(jit_compile=True)
    def all_losses(real, fake):
        return [d(real, fake) + g(fake) for d, g in losses.ADVERSARIAL_LOSSES.values()]

    values = all_losses(tf.constant(REAL), tf.constant(FAKE))
    expected = [
        REFERENCE["minimax_d"] + REFERENCE["minimax_g"],
        REFERENCE["minimax_d"] + REFERENCE["non_saturating_g"],
        REFERENCE["hinge_d"] + REFERENCE["hinge_g"],
        REFERENCE["least_squares_d"] + REFERENCE["least_squares_g"],
        REFERENCE["wasserstein_d"] + REFERENCE["wasserstein_g"],
    ]
    np.testing.assert_allclose([v.numpy() for v in values], expected, rtol=1e-5)


# --- penalties -----------------------------------------------------------------------------


def _linear_critic(shape, scale=1.0, seed=0):
    """A keras critic f(x) = scale * <w, x> with ||w||_2 = 1, and its weight vector."""
    dim = int(np.prod(shape))
    w = np.random.default_rng(seed).normal(size=(dim, 1)).astype(np.float32)
    w *= scale / np.linalg.norm(w)
    critic = keras.Sequential(
        [keras.Input(shape), keras.layers.Flatten(), keras.layers.Dense(1, use_bias=False)]
    )
    critic.layers[-1].set_weights([w])
    return critic, w


def _batch(shape, seed):
    return tf.constant(np.random.default_rng(seed).uniform(size=(6, *shape)), tf.float32)


@pytest.mark.parametrize("shape", [(8, 8, 3), (5,)], ids=["images", "vectors"])
def test_gradient_penalty_is_zero_for_a_one_lipschitz_linear_critic(shape):
    critic, _ = _linear_critic(shape)
    gp = losses.gradient_penalty(critic, _batch(shape, 1), _batch(shape, 2), SEED)
    assert gp.dtype == tf.float32 and gp.shape == ()
    assert gp.numpy() < 1e-5


@pytest.mark.parametrize("shape", [(8, 8, 3), (5,)], ids=["images", "vectors"])
def test_gradient_penalty_is_squared_excess_norm_for_a_steep_critic(shape):
    critic, _ = _linear_critic(shape, scale=3.0)
    gp = losses.gradient_penalty(critic, _batch(shape, 1), _batch(shape, 2), SEED)
    np.testing.assert_allclose(gp.numpy(), (3.0 - 1.0) ** 2, rtol=1e-4)


def test_gradient_penalty_target_norm():
    critic, _ = _linear_critic((5,), scale=3.0)
    gp = losses.gradient_penalty(critic, _batch((5,), 1), _batch((5,), 2), SEED, target_norm=3.0)
    assert gp.numpy() < 1e-5


def test_gradient_penalty_accepts_a_plain_callable():
    w = tf.constant([[0.6], [0.8]])
    gp = losses.gradient_penalty(lambda x: 2.0 * x @ w, _batch((2,), 1), _batch((2,), 2), SEED)
    np.testing.assert_allclose(gp.numpy(), 1.0, rtol=1e-5)


def test_gradient_penalty_gradient_is_finite_when_real_equals_fake():
    # A ReLU critic whose units are all inactive at x has a gradient of exactly 0 there:
    # without the epsilon, d sqrt(sum g^2) / d weights is 0/0 = NaN (keras-io issue 624).
    critic = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(1)]
    )
    critic.layers[0].set_weights([np.ones((4, 3), "float32"), -10 * np.ones(3, "float32")])
    x = _batch((4,), 1)
    with tf.GradientTape() as tape:
        gp = losses.gradient_penalty(critic, x, x, SEED)
    grads = tape.gradient(gp, critic.trainable_variables)
    np.testing.assert_allclose(gp.numpy(), 1.0, rtol=1e-5)
    assert all(np.all(np.isfinite(g.numpy())) for g in grads if g is not None)

    linear, _ = _linear_critic((4,), scale=2.0)
    with tf.GradientTape() as tape:
        gp = losses.gradient_penalty(linear, x, x, SEED)
    (grad,) = tape.gradient(gp, linear.trainable_variables)
    assert np.all(np.isfinite(grad.numpy())) and np.any(grad.numpy() != 0)


def test_gradient_penalty_interpolates_per_example_on_the_segments():
    seen = []

    def recording_critic(x):
        seen.append(x)
        return tf.reduce_sum(x, axis=[1, 2, 3])

    def recording_critic_2d(x):
        seen.append(x)
        return tf.reduce_sum(x, axis=1)

    real = tf.ones((16, 4, 4, 2))
    fake = tf.zeros((16, 4, 4, 2))
    losses.gradient_penalty(recording_critic, real, fake, SEED)
    x_hat = seen[0].numpy()
    # With real = 1 and fake = 0, x_hat = eps: constant within an example ...
    eps = x_hat[:, 0, 0, 0]
    np.testing.assert_allclose(x_hat, np.broadcast_to(eps[:, None, None, None], x_hat.shape))
    # ... uniform on [0, 1] and different across examples.
    assert np.all((eps >= 0) & (eps <= 1))
    assert len(np.unique(eps)) == len(eps)

    seen.clear()
    real, fake = _batch((3,), 1), _batch((3,), 2)
    losses.gradient_penalty(recording_critic_2d, real, fake, SEED)
    # For vectors too, x_hat = fake + eps * (real - fake) with one eps per row.
    eps = ((seen[0] - fake) / (real - fake)).numpy()
    np.testing.assert_allclose(eps, np.broadcast_to(eps[:, :1], eps.shape), rtol=1e-4)
    assert len(np.unique(np.round(eps[:, 0], 5))) == len(eps)


def test_gradient_penalty_is_deterministic_in_the_seed():
    critic, _ = _linear_critic((5,), scale=2.0)
    critic = keras.Sequential([critic, keras.layers.Activation("tanh")])
    real, fake = _batch((5,), 1), _batch((5,), 2)
    first = losses.gradient_penalty(critic, real, fake, SEED).numpy()
    again = losses.gradient_penalty(critic, real, fake, SEED).numpy()
    other = losses.gradient_penalty(critic, real, fake, tf.constant([4, 7])).numpy()
    assert first == again and first != other


def test_gradient_penalty_rejects_mismatched_shapes():
    critic, _ = _linear_critic((5,))
    with pytest.raises(ValueError, match="same shape"):
        losses.gradient_penalty(critic, _batch((5,), 1), _batch((4,), 2), SEED)


def test_penalties_run_inside_a_compiled_function():
    critic, _ = _linear_critic((8, 8, 3), scale=3.0)

    @tf.function(jit_compile=True)
    def penalties(real, fake, seed):
        with tf.GradientTape() as tape:
            gp = losses.gradient_penalty(critic, real, fake, seed)
        grads = tape.gradient(gp, critic.trainable_variables)
        return gp, losses.r1_penalty(critic, real), grads

    gp, r1, grads = penalties(_batch((8, 8, 3), 1), _batch((8, 8, 3), 2), SEED)
    np.testing.assert_allclose(gp.numpy(), 4.0, rtol=1e-4)
    np.testing.assert_allclose(r1.numpy(), 9.0, rtol=1e-4)
    assert np.all(np.isfinite(grads[0].numpy()))


@pytest.mark.parametrize("shape", [(8, 8, 3), (5,)], ids=["images", "vectors"])
def test_r1_penalty_is_squared_weight_norm_for_a_linear_discriminator(shape):
    disc, w = _linear_critic(shape, scale=1.7)
    r1 = losses.r1_penalty(disc, _batch(shape, 1))
    assert r1.dtype == tf.float32 and r1.shape == ()
    np.testing.assert_allclose(r1.numpy(), np.sum(w**2), rtol=1e-5)
