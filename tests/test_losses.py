"""Adversarial losses and penalties: values by hand, stability, and the penalties' geometry."""

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
