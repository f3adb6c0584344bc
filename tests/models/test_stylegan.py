"""Specification of `kg.StyleGAN`: training with the paper's defaults, lazy regularisation,
truncation, style mixing, EMA sampling, W space for the latent tools, saving."""

from __future__ import annotations

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_genmodels as kg
from keras_genmodels.models.random_streams import Stream
from keras_genmodels.models.stylegan import StyleGAN
from keras_genmodels.networks import stylegan as sgn

STEPS = 6
#: the images' size: the networks work at 8x8, the model pads and crops
SIZE = 6


class _Recorder(keras.callbacks.Callback):
    """The path-length mean and w_avg after every batch."""

    def on_train_begin(self, logs=None):
        self.pl_means, self.logs = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.pl_means.append(float(self.model.path_length_mean.numpy()))
        self.logs.append(dict(logs))


def tiny(**options) -> StyleGAN:
    options = {"latent_dim": 8, "channels": 8, "mapping_layers": 1, "seed": 0, **options}
    return StyleGAN(**options)


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    # bright squares of random size on black: something a tiny model can tell apart
    x = np.zeros((STEPS * 8, SIZE, SIZE, 1), np.float32)
    for i, side in enumerate(rng.integers(2, SIZE, len(x))):
        x[i, :side, :side] = 1.0
    return x


@pytest.fixture(scope="module")
def trained(images):
    keras.utils.set_random_seed(0)
    model = tiny(pl_interval=2, r1_interval=3, r1_weight=1.0)
    model.compile()
    recorder = _Recorder()
    history = model.fit(images, epochs=1, batch_size=8, shuffle=False, verbose=0,
                        callbacks=[recorder])
    return model, history.history, recorder


def test_trains_in_graph_mode_with_the_default_optimizers(trained):
    model, history, recorder = trained
    assert not model.run_eagerly
    assert int(model.optimizer.iterations.numpy()) == STEPS
    assert all(np.isfinite(v[-1]) for v in history.values()), history
    assert {"d_loss", "g_loss", "d_real", "d_fake", "r1_penalty", "pl_penalty"} <= set(history)
    # the paper's Adam, corrected for lazy regularisation (c = k / (k + 1))
    assert model.optimizer.learning_rate.numpy() == pytest.approx(2e-3 * 2 / 3)
    assert model.d_optimizer.learning_rate.numpy() == pytest.approx(2e-3 * 3 / 4)
    assert model.optimizer.beta_1 == 0.0
    assert model.d_optimizer.beta_2 == pytest.approx(0.99 ** 0.75)


def test_lazy_path_length_updates_only_on_its_interval(trained):
    _, _, recorder = trained
    means = recorder.pl_means
    changed = [i for i in range(STEPS) if means[i] != (means[i - 1] if i else 0.0)]
    assert changed == [0, 2, 4], means
    # the penalties are averaged over the steps that computed them only
    assert recorder.logs[1]["r1_penalty"] == recorder.logs[0]["r1_penalty"] > 0.0
    assert recorder.logs[1]["pl_penalty"] == recorder.logs[0]["pl_penalty"] > 0.0


def test_truncation_psi_zero_gives_the_average_image_and_one_changes_nothing(trained):
    model, _, _ = trained
    z = model.sample_z(4, seed=3)
    # with one noise for every image (synthesize's fixed noise), psi 0 is w_avg's image
    at_average = model.synthesize(model.mapping(z, truncation=0.0))
    np.testing.assert_allclose(at_average, np.repeat(at_average[:1], 4, 0), atol=1e-6)
    average = model.synthesize(model.w_avg.numpy()[None])
    np.testing.assert_allclose(at_average[:1], average, atol=1e-6)
    np.testing.assert_allclose(model.sample(4, seed=3, truncation=1.0),
                               model.synthesize(model.mapping(z), noise_seed=3), atol=1e-6)
    assert not np.allclose(model.sample(4, seed=3, truncation=0.5),
                           model.sample(4, seed=3), atol=1e-4)


def test_style_mixing_changes_the_output(trained):
    model, _, _ = trained
    w = model.sample_w(2, seed=1)
    ws = np.repeat(w[:1, None], model.num_ws, 1)
    mixed = ws.copy()
    mixed[:, model.num_ws // 2 :] = w[1]
    plain, mix = model.synthesize(ws), model.synthesize(mixed)
    assert np.abs(plain - mix).max() > 1e-3
    np.testing.assert_allclose(plain, model.synthesize(w[:1]), atol=1e-6)


def test_sample_uses_the_moving_average_and_noise_of_its_own(trained):
    model, _, _ = trained
    z = model.sample_z(4, seed=0)
    noise = tf.random.stateless_normal(
        [4, sgn.noise_size(model.resolution)],
        tf.constant([0, int(Stream.SAMPLE_SYNTHESIS_NOISE)], tf.int32))
    ema = model.to_public(model.crop(model.synthesize_internal(
        model.map_latent(z, ema=True), noise, ema=True)))
    raw = model.to_public(model.crop(model.synthesize_internal(model.map_latent(z), noise)))
    sample = model.sample(4, seed=0)
    np.testing.assert_allclose(sample, ema.numpy(), atol=1e-6)
    assert np.abs(sample - raw.numpy()).max() > 1e-4
    np.testing.assert_array_equal(sample, model.sample(4, seed=0))
    # one code, four noise draws: four different images (the fixed noise gives one; the
    # noise strengths start at 0, so after a few steps the differences are small)
    w = np.repeat(model.sample_w(1, seed=3), 4, axis=0)
    drawn = model.synthesize(w, noise_seed=5)
    fixed = model.synthesize(w)
    np.testing.assert_allclose(fixed[1:], np.repeat(fixed[:1], 3, axis=0), atol=1e-7)
    assert min(np.abs(drawn[0] - drawn[i]).max() for i in (1, 2, 3)) > 1e-6


def test_latent_tools_work_in_w(trained, tmp_path):
    model, _, _ = trained
    assert model.latent_space == "w"
    w = model.sample_latent(3, seed=5).numpy()
    np.testing.assert_allclose(w, model.sample_w(3, seed=5), atol=1e-6)
    # generate: the fixed noise of the latent tools; sample: noise drawn per image
    np.testing.assert_allclose(model.generate_batched(w), model.synthesize(w), atol=1e-6)
    np.testing.assert_allclose(model.sample(3, seed=5), model.synthesize(w, noise_seed=5),
                               atol=1e-6)
    traversal = kg.callbacks.LatentTraversal(tmp_path / "t", z_ref=model.w_avg.numpy(),
                                             steps=3, max_dims=2)
    interpolation = kg.callbacks.LatentInterpolation(tmp_path / "i", pairs=(w[:2], w[1:]),
                                                     steps=3, method="linear")
    for callback in (traversal, interpolation):
        callback.set_model(model)
        assert callback.make_image().shape[-1] == 1
    ppl = kg.metrics.perceptual_path_length(model, num_pairs=4, seed=0)
    assert np.isfinite(ppl)


def test_latent_widgets_work_in_w(trained):
    from keras_genmodels.widgets import Interpolator, LatentExplorer

    model, _, _ = trained
    w = model.sample_w(2, seed=0)
    widget = Interpolator(model, z_a=w[0], z_b=w[1], steps=3, method="linear")
    widget.position.value = 1.0
    widget.update()
    np.testing.assert_allclose(widget.output, model.synthesize(w[1:])[0], atol=1e-5)
    explorer = LatentExplorer(model)
    explorer.set_code(w[0])
    assert explorer.output.shape == (SIZE, SIZE, 1)


def test_latent_tools_take_w_codes_of_their_own_size(tmp_path):
    # W of another size than Z: the tools size their codes by `code_dim` and start from
    # `latent_origin()` (the average w)
    model = tiny(w_dim=5, data_shape=(SIZE, SIZE, 1))
    assert model.code_dim == 5 and model.sample_latent(2, seed=0).shape == (2, 5)
    traversal = kg.callbacks.LatentTraversal(tmp_path, steps=2, max_dims=2)
    traversal.set_model(model)
    reference, dims, _ = traversal.reference_and_dims()
    np.testing.assert_array_equal(reference, model.w_avg.numpy())
    assert dims == [0, 1] and traversal.make_image().ndim == 3
    model.latent_space = "z"
    assert model.code_dim == 8 and model.sample_latent(2, seed=0).shape == (2, 8)
    np.testing.assert_array_equal(model.latent_origin(), np.zeros(8))


def test_bad_arguments_are_refused():
    for kwargs, name in [({"resolution": 48}, "resolution"), ({"resolution": 2}, "resolution"),
                         ({"latent_dim": 0}, "latent_dim"), ({"w_dim": -1}, "w_dim"),
                         ({"style_mixing_prob": 1.5}, "style_mixing_prob"),
                         ({"r1_interval": 0}, "r1_interval"), ({"pl_weight": -1}, "pl_weight"),
                         ({"latent_space": "x"}, "latent_space"), ({"ema_decay": 1.0},
                                                                   "ema_decay")]:
        with pytest.raises(ValueError, match=name):
            tiny(**kwargs)
    with pytest.raises(ValueError, match="square"):
        tiny(data_shape=(8, 16, 1))
    with pytest.raises(ValueError, match="resolution"):
        tiny(resolution=8, data_shape=(16, 16, 1))
    with pytest.raises(ValueError, match="num_classes"):
        tiny(num_classes=3)


def test_is_its_own_family_beside_gan():
    # StyleGAN shares the adversarial mixin with GAN, not GAN's constructor: it takes
    # none of GAN's arguments, so none has to be refused
    assert not issubclass(StyleGAN, kg.GAN)
    assert issubclass(StyleGAN, kg.models.GenerativeModel)
    for gan_only in ("generator", "loss", "discriminator_steps", "label_smoothing",
                     "instance_noise", "clusters"):
        assert gan_only not in inspect.signature(StyleGAN.__init__).parameters
    assert {"g_optimizer", "d_optimizer"} == set(StyleGAN.optimizer_slots)


def test_any_image_size_is_padded_to_a_power_of_two(trained):
    model, _, _ = trained
    assert model.resolution == 8
    assert model.discriminator.input.shape[1:] == (8, 8, 1)
    assert model.sample(2, seed=0).shape == (2, SIZE, SIZE, 1)
    assert StyleGAN(latent_dim=4, data_shape=(28, 28, 1)).resolution == 32


def test_saves_and_reloads_with_identical_samples_and_next_step(trained, images, tmp_path):
    # the loaded model also trains beside the first one in the same process
    model, _, _ = trained
    path = tmp_path / "stylegan.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert int(loaded.optimizer.iterations.numpy()) == STEPS
    assert loaded.path_length_mean.numpy() == model.path_length_mean.numpy()
    np.testing.assert_array_equal(loaded.w_avg.numpy(), model.w_avg.numpy())
    np.testing.assert_array_equal(loaded.sample(4, seed=0, truncation=0.7),
                                  model.sample(4, seed=0, truncation=0.7))
    logs = model.fit(images[:8], batch_size=8, verbose=0).history
    loaded_logs = loaded.fit(images[:8], batch_size=8, verbose=0).history
    assert logs == loaded_logs
    for a, b in zip(model.weights, loaded.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_sampling_runs_as_a_graph_and_gives_the_eager_images(trained):
    model, _, _ = trained
    images = model.sample(6, seed=3)
    # the same codes and noise through the networks op by op
    w = model.truncate(model.map_latent(model.sample_z(6, seed=3), ema=True),
                       model.truncation_psi)
    seed = tf.constant([3, int(Stream.SAMPLE_SYNTHESIS_NOISE)], tf.int32)
    noise = tf.random.stateless_normal([6, int(model.constant_noise(1).shape[1])], seed)
    eager = model.to_public(model.crop(model.synthesize_internal(w, noise, ema=True)))
    np.testing.assert_allclose(images, np.asarray(eager), atol=1e-5)
    traced = model.__dict__["_graph_functions"]  # other tests of `trained` may add some
    assert {"mapping", "synthesis_2"} <= set(traced)
    assert all(isinstance(f, tf.types.experimental.PolymorphicFunction)
               for f in traced.values())
    # per-layer styles (style mixing) get their own function, other batch sizes reuse them
    model.synthesize(np.repeat(model.sample_w(3, seed=0)[:, None], model.num_ws, 1))
    model.sample(11, seed=0)
    assert set(model.__dict__["_graph_functions"]) == {"mapping", "synthesis_2", "synthesis_3"}
