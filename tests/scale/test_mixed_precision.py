"""Mixed precision: every model trains under `mixed_float16` and `mixed_bfloat16` with
loss scaling on every optimizer, takes the same step as in float32, keeps its public
outputs, logits and distribution parameters in float32, and saves and loads under the
policy."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_genmodels.networks import build_dcgan_discriminator

MODELS = ("VAE", "ConditionalVAE", "GAN", "ConditionalGAN", "WGAN", "WGANGP", "VAEGAN")
VAES = ("VAE", "ConditionalVAE")
EXAMPLES, BATCH, EPOCHS = 128, 16, 3


def _slot_optimizers(model) -> dict[str, keras.optimizers.Optimizer]:
    return {slot: getattr(model, slot) for slot in model.optimizer_slots}


def _compute_dtypes(network: keras.Model) -> set[str]:
    return {layer.compute_dtype for layer in network.layers if layer.weights}


def _check_networks_follow_the_policy(model, policy: str) -> None:
    """Hidden layers compute in the policy's dtype, the last layer in float32."""
    compute = keras.mixed_precision.Policy(policy).compute_dtype
    networks = [n for n in (getattr(model, a, None) for a in (
        "encoder", "decoder", "generator", "discriminator")) if n is not None]
    for network in networks:
        assert compute in _compute_dtypes(network), network.name
        outputs = network.outputs if isinstance(network.outputs, list) else [network.outputs]
        assert all(o.dtype == "float32" for o in outputs), network.name


@pytest.mark.parametrize("name", MODELS)
def test_trains_under_mixed_precision(name, mixed_policy, tiny_image_model, mnist, tmp_path):
    (x_train, y_train), _ = mnist
    x, y = x_train[:EXAMPLES], y_train[:EXAMPLES]
    conditional = name.startswith("Conditional")
    fit_args = (x, y) if conditional else (x,)
    labels = np.arange(4) % 10 if conditional else None

    model = tiny_image_model(name)  # networks built under the global mixed policy
    model.compile()
    _check_networks_follow_the_policy(model, mixed_policy)
    optimizers = _slot_optimizers(model)
    # Keras wraps `model.optimizer` at compile, the base class the extra slots; bfloat16
    # has float32's exponent range and needs no loss scaling.
    scaled = mixed_policy == "mixed_float16"
    assert all(isinstance(o, keras.optimizers.LossScaleOptimizer) == scaled
               for o in optimizers.values()), optimizers
    before = [np.array(w) for w in model.trainable_weights]

    history = model.fit(*fit_args, epochs=EPOCHS, batch_size=BATCH, verbose=0,
                        shuffle=False).history

    assert all(np.isfinite(v).all() for v in history.values()), history
    assert all(np.isfinite(np.asarray(w)).all() for w in model.weights)
    # every network took steps: under mixed_float16 the loss scaler skips only the steps
    # whose float16 gradients overflowed (a VAE's summed log-likelihood overflows at the
    # initial scale 2**15 until the scale has halved a few times)
    batches = EPOCHS * EXAMPLES // BATCH
    d_steps = getattr(model, "discriminator_steps", 1)
    for slot, optimizer in optimizers.items():
        steps = batches * (d_steps if slot == "d_optimizer" else 1)
        if scaled:
            assert 0 < int(optimizer.iterations) <= steps, slot
        else:
            assert int(optimizer.iterations) == steps, slot
    after = [np.asarray(w) for w in model.trainable_weights]
    assert all(not np.array_equal(a, b) for a, b in zip(before, after, strict=True)
               if a.ndim > 1)  # every kernel moved
    if name in VAES:
        # the VAE minimises its loss; a GAN's losses are a two-player game that need not
        # decrease, so for the adversarial models we assert finite metrics, applied steps
        # and moved kernels above
        assert history["loss"][-1] < history["loss"][0], history["loss"]

    images = model.sample(4, seed=0, labels=labels)
    assert images.dtype == np.float32 and images.shape == (4, 28, 28, 1)
    assert 0.0 <= images.min() <= images.max() <= 1.0
    if hasattr(model, "encode"):
        posterior = model.encode(x[:4], y[:4] if conditional else None)
        assert posterior.dtype == "float32"
        assert posterior.mean().dtype == "float32" and posterior.stddev().dtype == "float32"
    if hasattr(model, "decode"):
        z = np.zeros((4, model.latent_dim), np.float32)
        likelihood = model.decode(z, labels)
        assert likelihood.mean().dtype == "float32"
        assert model.decoder_params(z, labels).dtype == "float32"
    if hasattr(model, "discriminate"):
        assert model(x[:4] if not conditional else (x[:4], y[:4])).dtype == "float32"

    model.save(tmp_path / "model.keras")
    restored = keras.models.load_model(tmp_path / "model.keras")
    _check_networks_follow_the_policy(restored, mixed_policy)
    for slot, optimizer in _slot_optimizers(restored).items():
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer) == scaled, slot
        assert int(optimizer.iterations) == int(optimizers[slot].iterations), slot
        if scaled:
            assert float(optimizer.dynamic_scale) == float(optimizers[slot].dynamic_scale)
    np.testing.assert_array_equal(restored.sample(4, seed=0, labels=labels), images)


def test_stylegan_trains_under_mixed_float16(set_policy, tiny_image_model, mnist, tmp_path):
    # styles, demodulation, the minibatch stddev, images and logits stay float32; the
    # convolutions (and R1's and path length's double backprop) run in float16
    set_policy("mixed_float16")
    (x_train, _), _ = mnist
    model = tiny_image_model("StyleGAN")
    model.compile()
    assert all(isinstance(o, keras.optimizers.LossScaleOptimizer)
               for o in _slot_optimizers(model).values())
    assert "float16" in _compute_dtypes(model.synthesis_network)
    assert model.synthesis_network.output.dtype == "float32"
    _check_networks_follow_the_policy(model, "mixed_float16")
    before = [np.array(w) for w in model.trainable_weights]
    history = model.fit(x_train[:EXAMPLES], epochs=1, batch_size=BATCH, verbose=0,
                        shuffle=False).history
    assert all(np.isfinite(v).all() for v in history.values()), history
    assert all(np.isfinite(np.asarray(w)).all() for w in model.weights)
    # the loss scaler skips the first steps, whose float16 gradients overflow at the
    # initial scale 2**15, until the scale has halved (measured: the generator's scale
    # fell to 2**11 and it took 4 of 8 steps, the discriminator 7 of 8)
    steps = EXAMPLES // BATCH
    assert 0 < int(model.optimizer.iterations) <= steps
    assert 0 < int(model.d_optimizer.iterations) <= steps
    assert any(not np.array_equal(a, np.asarray(b))
               for a, b in zip(before, model.trainable_weights, strict=True))
    images = model.sample(4, seed=0, truncation=0.7)
    assert images.dtype == np.float32 and images.shape == (4, 28, 28, 1)
    model.save(tmp_path / "stylegan.keras")
    restored = keras.models.load_model(tmp_path / "stylegan.keras")
    assert "float16" in _compute_dtypes(restored.synthesis_network)
    np.testing.assert_array_equal(restored.sample(4, seed=0, truncation=0.7), images)


def _one_sgd_step(model, x, y) -> dict[str, np.ndarray]:
    """Compiles `model` with SGD in every slot, takes one training step on `(x, y)` and
    returns each slot's update, all its variables flattened into one vector."""
    model.build((None, *x.shape[1:]))
    model.compile(**{slot: keras.optimizers.SGD(0.1) for slot in model.optimizer_slots})
    variables = model.optimizer_variables()
    before = {slot: [np.array(v) for v in vs] for slot, vs in variables.items()}
    model.train_step((x, y) if model.conditional else x)
    return {slot: np.concatenate([(np.asarray(v) - b).ravel()
                                  for v, b in zip(vs, before[slot], strict=True)])
            for slot, vs in variables.items()}


@pytest.mark.parametrize("name", MODELS)
def test_one_step_under_float16_equals_the_float32_step(name, set_policy, tiny_vector_model,
                                                        vectors):
    # SGD's update is the learning rate times the gradient, so a loss scale (2**15) that
    # is applied twice or never undone shows as an update 2**15 times too large, one
    # undone twice as an update 2**15 times too small; Adam's update would hide either
    # (it does not change when the gradient is multiplied by a constant).
    x, y = vectors  # 64 examples: one step on the whole batch
    reference = tiny_vector_model(name)
    reference.build((None, *x.shape[1:]))
    initial = reference.get_weights()
    expected = _one_sgd_step(reference, x, y)

    set_policy("mixed_float16")
    model = tiny_vector_model(name)
    model.build((None, *x.shape[1:]))
    model.set_weights(initial)
    updates = _one_sgd_step(model, x, y)

    assert set(updates) == set(model.optimizer_slots)
    for slot in model.optimizer_slots:
        optimizer = getattr(model, slot)
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer), slot
        assert float(optimizer.dynamic_scale) == 2.0**15, slot  # no step was skipped
        error = np.linalg.norm(updates[slot] - expected[slot])
        size = np.linalg.norm(expected[slot])
        assert size > 0.0, slot
        # float16 rounding moves the update by ~1e-3 of its size (a hidden unit whose
        # input is within float16's rounding of 0 may change side, hence the margin)
        assert error < 0.1 * size, (slot, error / size)


def test_spectral_normalization_keeps_float32_master_weights(mixed_policy):
    # Keras' SpectralNormalization writes the normalised kernel back into the variable on
    # every training call; computed in the mixed dtype, that rounds the float32 master
    # weight to float16/bfloat16 each step, so the builders run the wrapper in float32.
    discriminator = build_dcgan_discriminator((28, 28, 1), filters=(4, 8),
                                              spectral_normalization=True)
    x = np.random.default_rng(0).uniform(size=(2, 28, 28, 1)).astype("float32")
    assert discriminator(x, training=True).dtype == "float32"
    compute = keras.mixed_precision.Policy(mixed_policy).compute_dtype
    wrappers = [la for la in discriminator.layers
                if isinstance(la, keras.layers.SpectralNormalization)]
    assert len(wrappers) == 3
    assert discriminator.get_layer("conv_1_spectral_norm").layer.compute_dtype == compute
    for wrapper in wrappers:
        kernel = np.asarray(wrapper.layer.kernel)
        rounded = np.asarray(keras.ops.cast(keras.ops.cast(kernel, compute), "float32"))
        assert not np.array_equal(kernel, rounded), wrapper.name


@pytest.mark.parametrize(("saved_under", "loaded_under"),
                         [("mixed_float16", "float32"), ("float32", "mixed_float16")])
def test_loading_under_another_global_policy_keeps_the_model_policy(
        saved_under, loaded_under, set_policy, tiny_vector_model, vectors, tmp_path):
    x, _ = vectors
    set_policy(saved_under)
    model = tiny_vector_model("GAN")
    model.compile()
    model.fit(x, epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "model.keras")

    set_policy(loaded_under)
    restored = keras.models.load_model(tmp_path / "model.keras")

    # the networks keep the policy they were saved with, so loss scaling must follow it
    scaled = saved_under == "mixed_float16"
    assert restored.dtype_policy.name == saved_under
    for slot in model.optimizer_slots:
        optimizer = getattr(restored, slot)
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer) == scaled, slot
        assert int(optimizer.iterations) == int(getattr(model, slot).iterations) > 0, slot
