"""Every random draw has its own seed: no two draws of a step share one whatever the
options, every evaluated batch draws its own noise, and `evaluate` is repeatable."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_genmodels.models.random_streams import Stream


def _record_seeds(model):
    seeds = []
    noise_seed = model.noise_seed

    def recording(stream, index=0):
        seed = noise_seed(stream, index)
        seeds.append((Stream(stream).name, index, tuple(np.asarray(seed).tolist())))
        return seed

    model.noise_seed = recording
    return seeds


@pytest.mark.parametrize("steps", [8, 100])
@pytest.mark.parametrize("family", ["GAN", "WGANGP"])
def test_no_two_draws_of_one_step_share_a_seed(make_model, vector_data, family, steps):
    x, _ = vector_data
    options = {"critic_steps": steps} if family == "WGANGP" else {
        "discriminator_steps": steps}
    model = make_model(family, instance_noise=0.1, **options)
    model.compile(run_eagerly=True)
    seeds = _record_seeds(model)
    model.fit(x[:8], batch_size=8, epochs=1, verbose=0)
    model.evaluate(x[:8], batch_size=8, verbose=0)
    # the latent codes, both halves' instance noise (and the penalty's interpolation
    # weights) of every update, the generator's codes, and the evaluation's codes (and
    # penalty weights)
    expected = steps * 4 + 3 if family == "WGANGP" else steps * 3 + 2
    assert len(seeds) == expected
    values = [seed for *_, seed in seeds]
    assert len(set(values)) == len(values), "two draws share a seed"


def _per_batch(model, x, metric):
    """The value of `metric` on each batch of `evaluate(x, batch_size=1)`."""
    running = []
    callback = keras.callbacks.LambdaCallback(
        on_test_batch_end=lambda batch, logs: running.append(float(logs[metric])))
    model.evaluate(x, batch_size=1, verbose=0, callbacks=[callback])
    running = np.array(running)
    counts = np.arange(1, len(running) + 1)
    return running * counts - np.concatenate([[0.0], running[:-1] * counts[:-1]])


@pytest.mark.parametrize(
    ("family", "metric"),
    [("VAE", "reconstruction"), ("GAN", "g_loss"), ("VAEGAN", "feature_reconstruction")])
def test_every_evaluated_batch_draws_its_own_noise(make_model, vector_data, family, metric):
    x, _ = vector_data
    model = make_model(family)
    model.compile()
    same_example = np.repeat(x[:1], 6, axis=0)
    values = _per_batch(model, same_example, metric)
    assert len(np.unique(np.round(values, 5))) == 6, values
    np.testing.assert_allclose(_per_batch(model, same_example, metric), values, rtol=1e-5)


def test_evaluate_is_repeatable_and_independent_of_training_noise(make_model, vector_data):
    x, _ = vector_data
    model = make_model("VAE")
    model.compile()
    first = model.evaluate(x, batch_size=16, verbose=0, return_dict=True)
    assert model.evaluate(x, batch_size=16, verbose=0, return_dict=True) == first


def test_the_evaluation_counter_is_not_a_weight(make_model, vector_data, tmp_path):
    # it restarts with every evaluate, and files saved without it (0.1) must still load
    model = make_model("GAN")
    model.compile()
    model.evaluate(vector_data[0], batch_size=16, verbose=0)
    assert int(model.eval_batches.numpy()) == 4
    assert not any("eval_batches" in weight.path for weight in model.weights)
    model.save(tmp_path / "gan.keras")
    restored = keras.models.load_model(tmp_path / "gan.keras")
    assert restored.evaluate(vector_data[0], batch_size=16, verbose=0) == pytest.approx(
        model.evaluate(vector_data[0], batch_size=16, verbose=0))
