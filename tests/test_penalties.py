"""Specification of the discriminator's penalties (`keras_genmodels.penalties`), also
exported by `keras_genmodels.losses`."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_genmodels import losses, penalties

SEED = tf.constant([3, 7], dtype=tf.int32)


def test_losses_exports_the_penalties():
    assert losses.gradient_penalty is penalties.gradient_penalty
    assert losses.r1_penalty is penalties.r1_penalty


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
    gp = penalties.gradient_penalty(critic, _batch(shape, 1), _batch(shape, 2), SEED)
    assert gp.dtype == tf.float32 and gp.shape == ()
    assert gp.numpy() < 1e-5


@pytest.mark.parametrize("shape", [(8, 8, 3), (5,)], ids=["images", "vectors"])
def test_gradient_penalty_is_squared_excess_norm_for_a_steep_critic(shape):
    critic, _ = _linear_critic(shape, scale=3.0)
    gp = penalties.gradient_penalty(critic, _batch(shape, 1), _batch(shape, 2), SEED)
    np.testing.assert_allclose(gp.numpy(), (3.0 - 1.0) ** 2, rtol=1e-4)


def test_gradient_penalty_target_norm():
    critic, _ = _linear_critic((5,), scale=3.0)
    gp = penalties.gradient_penalty(critic, _batch((5,), 1), _batch((5,), 2), SEED, target_norm=3.0)
    assert gp.numpy() < 1e-5


def test_gradient_penalty_accepts_a_plain_callable():
    w = tf.constant([[0.6], [0.8]])
    gp = penalties.gradient_penalty(lambda x: 2.0 * x @ w, _batch((2,), 1), _batch((2,), 2), SEED)
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
        gp = penalties.gradient_penalty(critic, x, x, SEED)
    grads = tape.gradient(gp, critic.trainable_variables)
    np.testing.assert_allclose(gp.numpy(), 1.0, rtol=1e-5)
    assert all(np.all(np.isfinite(g.numpy())) for g in grads if g is not None)

    linear, _ = _linear_critic((4,), scale=2.0)
    with tf.GradientTape() as tape:
        gp = penalties.gradient_penalty(linear, x, x, SEED)
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
    penalties.gradient_penalty(recording_critic, real, fake, SEED)
    x_hat = seen[0].numpy()
    # With real = 1 and fake = 0, x_hat = eps: constant within an example ...
    eps = x_hat[:, 0, 0, 0]
    np.testing.assert_allclose(x_hat, np.broadcast_to(eps[:, None, None, None], x_hat.shape))
    # ... uniform on [0, 1] and different across examples.
    assert np.all((eps >= 0) & (eps <= 1))
    assert len(np.unique(eps)) == len(eps)

    seen.clear()
    real, fake = _batch((3,), 1), _batch((3,), 2)
    penalties.gradient_penalty(recording_critic_2d, real, fake, SEED)
    # For vectors too, x_hat = fake + eps * (real - fake) with one eps per row.
    eps = ((seen[0] - fake) / (real - fake)).numpy()
    np.testing.assert_allclose(eps, np.broadcast_to(eps[:, :1], eps.shape), rtol=1e-4)
    assert len(np.unique(np.round(eps[:, 0], 5))) == len(eps)


def test_gradient_penalty_is_deterministic_in_the_seed():
    critic, _ = _linear_critic((5,), scale=2.0)
    critic = keras.Sequential([critic, keras.layers.Activation("tanh")])
    real, fake = _batch((5,), 1), _batch((5,), 2)
    first = penalties.gradient_penalty(critic, real, fake, SEED).numpy()
    again = penalties.gradient_penalty(critic, real, fake, SEED).numpy()
    other = penalties.gradient_penalty(critic, real, fake, tf.constant([4, 7])).numpy()
    assert first == again and first != other


def test_gradient_penalty_rejects_mismatched_shapes():
    critic, _ = _linear_critic((5,))
    with pytest.raises(ValueError, match="same shape"):
        penalties.gradient_penalty(critic, _batch((5,), 1), _batch((4,), 2), SEED)


def test_penalties_run_inside_a_compiled_function():
    critic, _ = _linear_critic((8, 8, 3), scale=3.0)

    @tf.function(jit_compile=True)
    def both(real, fake, seed):
        with tf.GradientTape() as tape:
            gp = penalties.gradient_penalty(critic, real, fake, seed)
        grads = tape.gradient(gp, critic.trainable_variables)
        return gp, penalties.r1_penalty(critic, real), grads

    gp, r1, grads = both(_batch((8, 8, 3), 1), _batch((8, 8, 3), 2), SEED)
    np.testing.assert_allclose(gp.numpy(), 4.0, rtol=1e-4)
    np.testing.assert_allclose(r1.numpy(), 9.0, rtol=1e-4)
    assert np.all(np.isfinite(grads[0].numpy()))


@pytest.mark.parametrize("shape", [(8, 8, 3), (5,)], ids=["images", "vectors"])
def test_r1_penalty_is_squared_weight_norm_for_a_linear_discriminator(shape):
    disc, w = _linear_critic(shape, scale=1.7)
    r1 = penalties.r1_penalty(disc, _batch(shape, 1))
    assert r1.dtype == tf.float32 and r1.shape == ()
    np.testing.assert_allclose(r1.numpy(), np.sum(w**2), rtol=1e-5)
