"""CycleGAN: unpaired translation, its image pools, its learning-rate decay, its inputs."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_genmodels as kg
from keras_genmodels.models.image_pool import ImagePool
from keras_genmodels.models.schedules import LinearDecay
from keras_genmodels.networks.cyclegan import build_patchgan_discriminator, build_resnet_generator

SHAPE = (28, 28, 1)
STEPS_PER_EPOCH, EPOCHS, BATCH = 3, 8, 16
RATE = 2e-3


def tiny_networks(shape=SHAPE):
    """The smallest generator and discriminator pair that shows the behaviour."""

    def generator(name):
        return keras.Sequential([
            keras.Input(shape), keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(shape[-1], 3, padding="same", activation="tanh",
                                dtype="float32")], name=name)

    def discriminator(name):
        return keras.Sequential([
            keras.Input(shape), keras.layers.Conv2D(4, 4, strides=2, padding="same"),
            keras.layers.LeakyReLU(0.2), keras.layers.Conv2D(1, 3, dtype="float32")], name=name)

    return {"generator_ab": generator("g_ab"), "generator_ba": generator("g_ba"),
            "discriminator_a": discriminator("d_a"), "discriminator_b": discriminator("d_b")}


def tiny_model(**options) -> kg.CycleGAN:
    keras.utils.set_random_seed(0)
    return kg.CycleGAN(**tiny_networks(options.pop("shape", SHAPE)), seed=0, **options)


@pytest.fixture(scope="module")
def domains():
    return kg.datasets.load("shapes_filled_outlined", num_train=64, num_test=16)


@pytest.fixture(scope="module")
def trained(domains):
    """A tiny model fit on 48 A and 32 B images (different lengths) with validation."""
    (a, b), (a_test, b_test) = domains
    model = tiny_model(pool_size=20, learning_rate=RATE)  # 10x the paper's: few steps
    model.compile()
    history = model.fit(x=(a[:48], b[:32][::-1]), epochs=EPOCHS, batch_size=BATCH,
                        validation_data=(a_test, b_test), verbose=0)
    return model, history.history


def test_fit_reports_every_loss(trained):
    _, history = trained
    for name in ("g_loss", "d_a_loss", "d_b_loss", "cycle_loss", "identity_loss"):
        assert len(history[name]) == EPOCHS and np.all(np.isfinite(history[name]))
        assert np.isfinite(history[f"val_{name}"]).all()


def test_cycle_loss_goes_down(trained):
    _, history = trained
    assert history["cycle_loss"][-1] < 0.7 * history["cycle_loss"][0]


def test_arrays_of_different_lengths_cycle_the_shorter(trained):
    model, _ = trained
    # 48 pairs a batch of 16: 3 steps per epoch, from the longer set's length
    assert int(model.optimizer.iterations) == EPOCHS * STEPS_PER_EPOCH
    assert int(model.d_optimizer.iterations) == EPOCHS * STEPS_PER_EPOCH


def test_pools_hold_generated_images_and_are_saved_variables(trained):
    model, _ = trained
    for pool in (model.pool_a, model.pool_b):
        assert int(pool.count.numpy()) == 20  # full after 24 steps of 16 images
        images = pool.images.numpy()
        assert images.min() >= -1.0 and images.max() <= 1.0
        assert np.all(np.abs(images).reshape(20, -1).max(axis=1) > 0)  # every slot filled
        assert any(v is pool.images for v in model.non_trainable_weights)
        assert not pool.trainable_weights


def test_learning_rate_decays_linearly_to_zero_over_the_second_half_of_fit(trained):
    model, _ = trained
    total = EPOCHS * STEPS_PER_EPOCH
    for optimizer in (model.optimizer, model.d_optimizer):
        schedule = optimizer._learning_rate
        assert isinstance(schedule, LinearDecay)
        assert (schedule.decay_start, schedule.decay_steps) == (total // 2, total - total // 2)
        assert float(optimizer.learning_rate) == 0.0  # after the last step
    rates = np.array([float(schedule(t)) for t in range(total + 1)])
    np.testing.assert_allclose(rates[: total // 2 + 1], RATE)
    np.testing.assert_allclose(np.diff(rates[total // 2:]), -RATE / (total // 2), rtol=1e-4)
    assert rates[-1] == 0.0


def test_linear_decay_schedule():
    schedule = LinearDecay(1.0, decay_start=10, decay_steps=4)
    assert [float(schedule(t)) for t in (0, 10, 11, 12, 14, 100)] == [1, 1, 0.75, 0.5, 0, 0]
    assert float(LinearDecay(0.5)(10**6)) == 0.5  # no decay
    restored = keras.optimizers.schedules.deserialize(
        keras.optimizers.schedules.serialize(schedule))
    assert isinstance(restored, LinearDecay) and restored.get_config() == schedule.get_config()
    with pytest.raises(ValueError, match="decay_start"):
        kg.CycleGAN(decay_start=5)


def test_translate_both_directions(trained, domains):
    model, _ = trained
    _, (a_test, b_test) = domains
    fake_b = model.translate(a_test, direction="a_to_b")
    fake_a = model.translate(b_test, direction="b_to_a")
    for x in (fake_a, fake_b):
        assert x.shape == a_test.shape and x.dtype == np.float32
        assert 0.0 <= x.min() and x.max() <= 1.0
    assert not np.allclose(fake_a, fake_b)
    np.testing.assert_allclose(model.predict(a_test, verbose=0), fake_b, atol=1e-6)
    np.testing.assert_allclose(model.translate(a_test, batch_size=5), fake_b, atol=1e-6)
    error = kg.metrics.translation_error(model, a_test, b_test, direction="a_to_b")
    assert error == pytest.approx(float(np.mean(np.abs(fake_b - b_test))), rel=1e-5)
    assert kg.metrics.translation_error(None, a_test, b_test) == pytest.approx(
        float(np.mean(np.abs(a_test - b_test))))
    with pytest.raises(ValueError, match="direction"):
        model.translate(a_test, direction="sideways")
    with pytest.raises(ValueError, match="direction"):
        kg.metrics.translation_error(model, a_test, b_test, direction="up")
    with pytest.raises(ValueError, match="shape"):
        model.translate(np.zeros((2, 32, 32, 1), "float32"))


def test_sampling_is_refused(trained):
    model, _ = trained
    with pytest.raises(TypeError, match="translate"):
        model.sample(4)


def test_saved_model_reloads_with_identical_outputs_and_state(trained, domains, tmp_path):
    model, _ = trained
    _, (a_test, b_test) = domains
    model.save(tmp_path / "cyclegan.keras")
    restored = keras.saving.load_model(tmp_path / "cyclegan.keras")
    assert isinstance(restored, kg.CycleGAN)
    for direction, x in (("a_to_b", a_test), ("b_to_a", b_test)):
        np.testing.assert_array_equal(restored.translate(x, direction=direction),
                                      model.translate(x, direction=direction))
    for name in ("pool_a", "pool_b"):
        np.testing.assert_array_equal(getattr(restored, name).images.numpy(),
                                      getattr(model, name).images.numpy())
    assert int(restored.optimizer.iterations) == int(model.optimizer.iterations)
    assert int(restored.d_optimizer.iterations) == int(model.d_optimizer.iterations)
    assert restored.get_config()["pool_size"] == 20


def test_image_pool_follows_the_papers_rule():
    pool = ImagePool(3, (2, 2, 1))
    first = tf.constant(np.arange(2 * 4, dtype="float32").reshape(2, 2, 2, 1))
    # while filling, images are stored and returned as they are
    np.testing.assert_array_equal(pool.query(first, [1, 2], [3, 4]), first)
    assert int(pool.count.numpy()) == 2
    new = tf.constant(np.full((20, 2, 2, 1), 100.0, "float32") + np.arange(20)[:, None, None,
                                                                          None])
    returned = pool.query(new, [5, 6], [7, 8]).numpy()
    assert int(pool.count.numpy()) == 3
    # the first image fills the last slot; of the rest about half are swapped for an older one
    np.testing.assert_array_equal(returned[0], new[0])
    swapped = np.flatnonzero(returned[1:, 0, 0, 0] != new.numpy()[1:, 0, 0, 0])
    assert 4 <= len(swapped) <= 15
    stored = set(pool.images.numpy()[:, 0, 0, 0].tolist())
    seen = set(np.asarray(first)[:, 0, 0, 0].tolist()) | set(new.numpy()[:, 0, 0, 0].tolist())
    assert stored <= seen
    # the same seeds give the same answer
    again = ImagePool(3, (2, 2, 1))
    again.query(first, [1, 2], [3, 4])
    np.testing.assert_array_equal(again.query(new, [5, 6], [7, 8]), returned)


def test_fit_on_a_dataset_of_pairs_and_a_second_model_in_the_process(domains, trained):
    (a, b), _ = domains
    dataset = tf.data.Dataset.from_tensor_slices((a[:32], b[:32][::-1])).batch(16)
    model = tiny_model(pool_size=0, identity_weight=0.0, shape=SHAPE)
    model.compile()
    history = model.fit(dataset, epochs=1, verbose=0).history
    assert np.isfinite(history["g_loss"]).all() and history["identity_loss"] == [0.0]
    assert model.pool_a is None and int(model.optimizer.iterations) == 2
    assert kg.CycleGAN.from_config(model.get_config()).get_config() == model.get_config()


@pytest.mark.parametrize("x, y, error, match", [
    (np.zeros((4, 28, 28, 1), "float32"), None, TypeError, "pair"),
    ((np.zeros((4, 28, 28, 1), "float32"),) * 3, None, TypeError, "pair"),
    ((np.zeros((4, 28, 28, 1), "float32"), np.zeros((4, 32, 32, 1), "float32")), None,
     ValueError, "one shape"),
    ((np.zeros((4, 28, 28, 1), "uint8"), np.zeros((4, 28, 28, 1), "float32")), None,
     ValueError, r"x\[0\] \(domain A\)"),
    ((np.zeros((4, 28, 28, 1), "float32"), np.full((4, 28, 28, 1), 2.0, "float32")), None,
     ValueError, r"x\[1\] \(domain B\)"),
    ((np.zeros((4, 28, 28), "float32"),) * 2, None, ValueError, "rank"),
    (None, None, TypeError, "required"),
    ("images", None, TypeError, "pair"),
])
def test_bad_inputs_raise_before_tracing(x, y, error, match):
    model = kg.CycleGAN(seed=0)
    model.compile()
    with pytest.raises(error, match=match):
        model.fit(x, y, epochs=1, verbose=0)


def test_bad_datasets_raise():
    model = kg.CycleGAN(seed=0)
    model.compile()
    single = tf.data.Dataset.from_tensor_slices(np.zeros((4, 28, 28, 1), "float32")).batch(2)
    with pytest.raises(TypeError, match="pairs"):
        model.fit(single, verbose=0)
    pairs = tf.data.Dataset.from_tensor_slices((np.zeros((4, 28, 28, 1), "float32"),) * 2)
    with pytest.raises(ValueError, match="`y` must be None"):
        model.fit(pairs.batch(2), np.zeros(4), verbose=0)


@pytest.mark.parametrize("kwargs, match", [
    ({"pool_size": -1}, "pool_size"), ({"cycle_weight": -1.0}, "cycle_weight"),
    ({"identity_weight": "x"}, "identity_weight"), ({"learning_rate": 0.0}, "learning_rate"),
    ({"decay_start": 0, "decay_steps": -1}, "decay_steps"),
])
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        kg.CycleGAN(**kwargs)


@pytest.mark.slow
def test_no_argument_model_fits_28px_domains(domains):
    (a, b), _ = domains
    model = kg.CycleGAN()
    model.compile()
    history = model.fit(x=(a[:16], b[:16]), epochs=1, batch_size=16, verbose=0).history
    assert all(np.isfinite(v).all() for v in history.values())
    assert model.generator_ab.get_layer("conv_in").filters == 16  # the 28 px default size
    assert model.discriminator_a.output_shape == (None, 12, 12, 1)  # 16x16 patches


@pytest.mark.slow
def test_translates_better_than_the_identity_map():
    """Tiny ResNet generators and PatchGAN critics, 10x the paper's rate, 16 epochs of 640
    unpaired 16 px sprites with 1 px outlines (640 steps, about 3 minutes on two busy cores).

    On these domains the identity map (translate(x) = x) is wrong by 0.025 per pixel in both
    directions (only the interiors differ) and a blank image by 0.052 (A->B) and 0.077
    (B->A). A model that changes nothing, or draws nothing, fails the bars below; the error
    measured against the known answer was 0.89, 0.89, 0.88 of the identity's from filled to
    outlined and 0.75, 0.72, 0.71 from outlined to filled (seeds 0, 1, 2).
    """
    shape = (16, 16, 1)
    (a, b), (a_test, b_test) = kg.datasets.load("shapes_filled_outlined", image_size=16,
                                                stroke_width=1.0, num_train=640, num_test=200)
    keras.utils.set_random_seed(0)
    model = kg.CycleGAN(
        build_resnet_generator(shape, 8, 2, 1), build_resnet_generator(shape, 8, 2, 1),
        build_patchgan_discriminator(shape, 8, 1), build_patchgan_discriminator(shape, 8, 1),
        learning_rate=2e-3, seed=0, data_shape=shape)
    model.compile()
    unpaired = b[np.random.default_rng(0).permutation(len(b))]
    model.fit(x=(a, unpaired), epochs=16, batch_size=16, verbose=0)
    error = kg.metrics.translation_error
    for direction, x, target, bar in (("a_to_b", a_test, b_test, 0.95),
                                      ("b_to_a", b_test, a_test, 0.85)):
        identity = error(None, x, target)
        blank = error(None, np.zeros_like(x), target)
        assert identity < blank
        translated = error(model, x, target, direction=direction)
        assert translated < bar * identity, (direction, translated, identity)
