"""Specification of `compile()`'s defaults: the papers' settings for images, settings that
learn for vectors.

The coverage tests are the 0.2 hardening issue's budget as a user meets it:
`Model(latent_dim=8)`, `compile()` with no argument, 40 epochs at batch 256 on the packaged
`ring8` / `grid25`, then `kg.metrics.mode_coverage` of 2000 samples with its defaults; a
conditional model must also draw each label's samples from that label's mode.
`benchmarks/defaults_coverage.py` runs the same check over several seeds.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_genmodels as kg
from keras_genmodels.models.defaults import OPTIMIZER_DEFAULTS

#: The papers' settings, which the image rows must keep.
PAPER_SETTINGS = {
    "GAN": ("Adam", {"learning_rate": 2e-4, "beta_1": 0.5}),
    "WGAN": ("RMSprop", {"learning_rate": 5e-5}),
    "WGANGP": ("Adam", {"learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.9}),
    "VAEGAN": ("Adam", {"learning_rate": 2e-4, "beta_1": 0.5}),
}
FAMILIES = {
    "GAN": lambda k, **kw: kg.GAN(latent_dim=8, **kw),
    "ConditionalGAN": lambda k, **kw: kg.ConditionalGAN(latent_dim=8, num_classes=k, **kw),
    "WGAN": lambda k, **kw: kg.WGAN(latent_dim=8, **kw),
    "WGANGP": lambda k, **kw: kg.WGANGP(latent_dim=8, **kw),
    "VAEGAN": lambda k, **kw: kg.VAEGAN(latent_dim=8, **kw),
}
THRESHOLDS = {"ring8": 7, "grid25": 20}


def _matches(optimizer, setting) -> bool:
    name, kwargs = setting
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    if type(optimizer).__name__ != name:
        return False
    return all(
        float(getattr(optimizer, key)) == pytest.approx(value) for key, value in kwargs.items()
    )


def _slots(model):
    return {
        slot: model.optimizer if slot == model.optimizer_slots[0] else getattr(model, slot)
        for slot in model.optimizer_slots
    }


def _row(model, kind):
    row = OPTIMIZER_DEFAULTS[model.optimizer_family][kind]
    return {slot: row[slot] if slot in row else row["*"] for slot in model.optimizer_slots}


@pytest.mark.parametrize("family", sorted(PAPER_SETTINGS))
def test_image_rows_keep_the_papers_settings(family):
    row = OPTIMIZER_DEFAULTS[family]["image"]
    assert set(row) == {"*"} and row["*"][0] == PAPER_SETTINGS[family][0]
    assert row["*"][1] == pytest.approx(PAPER_SETTINGS[family][1])


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_compile_before_fit_takes_the_row_of_the_data(family):
    vector = FAMILIES[family](3, seed=0)
    vector.compile()  # before any data: nothing to choose from yet
    vector.build((None, 2))  # what fit does with the first batch
    image = FAMILIES[family](3, seed=0, data_shape=(28, 28, 1))
    image.compile()
    for model, kind in ((vector, "vector"), (image, "image")):
        row = _row(model, kind)
        for slot, optimizer in _slots(model).items():
            assert _matches(optimizer, row[slot]), (family, kind, slot, optimizer.get_config())


@pytest.mark.parametrize("family", ["GAN", "WGANGP", "VAEGAN"])
def test_an_explicit_optimizer_is_never_replaced(family):
    model = FAMILIES[family](3, seed=0)
    mine = keras.optimizers.SGD(0.123)
    slot, *others = model.optimizer_slots[::-1]  # the discriminator's slot
    model.compile(**{slot: mine})
    model.build((None, 2))
    slots = _slots(model)
    assert slots[slot] is mine
    assert all(_matches(slots[other], _row(model, "vector")[other]) for other in others)


@pytest.mark.parametrize("family", ["GAN", "ConditionalGAN", "WGAN", "WGANGP"])
def test_moving_average_and_clip_follow_the_data(family):
    vector = FAMILIES[family](3, seed=0)
    assert vector.get_config()["ema_decay"] == "auto"  # nothing to choose from yet
    vector.build((None, 2))
    image = FAMILIES[family](3, seed=0, data_shape=(28, 28, 1))
    assert (vector.ema_decay, image.ema_decay) == (0.99, None)
    assert vector.ema_generator is not None and image.ema_generator is None
    if family == "WGAN":
        assert (vector.clip_value, image.clip_value) == (0.05, 0.01)  # the paper's for images
    if family == "WGANGP":
        assert (vector.gradient_penalty_weight, image.gradient_penalty_weight) == (1.0, 10.0)
    for model in (vector, image):  # "auto" survives a config round trip, resolved again
        config = model.get_config()
        restored = type(model).from_config(config)
        for name in ("ema_decay", "clip_value", "gradient_penalty_weight"):
            if name in config:
                assert config[name] == "auto", name
                assert getattr(restored, name) == getattr(model, name), name
        assert (restored.ema_generator is None) == (model.ema_generator is None)


@pytest.mark.parametrize("family", ["GAN", "WGAN", "WGANGP"])
def test_an_explicit_moving_average_clip_or_penalty_is_never_replaced(family):
    options = {"WGAN": {"clip_value": 0.05}, "WGANGP": {"gradient_penalty_weight": 10.0}}
    model = FAMILIES[family](3, seed=0, ema_decay=None, **options.get(family, {}))
    model.build((None, 2))
    assert model.ema_decay is None and model.ema_generator is None
    assert model.get_config()["ema_decay"] is None
    for name, value in options.get(family, {}).items():
        assert getattr(model, name) == model.get_config()[name] == value
    with pytest.raises(ValueError, match="ema_decay"):
        FAMILIES[family](3, ema_decay="fast")


def test_the_vector_moving_average_warms_up():
    # at generator step t the default's decay is min(0.99, (1 + t) / (10 + t)): 0.1 at 0
    model = kg.GAN(3, seed=0)
    model.compile()
    model.build((None, 2))
    for weight in model.generator.weights:
        weight.assign(weight + 1.0)
    before = [np.asarray(w) for w in model.ema_generator.weights]
    model.update_ema()
    for ema, old, new in zip(model.ema_generator.weights, before, model.generator.weights,
                             strict=True):
        np.testing.assert_allclose(np.asarray(ema), 0.1 * old + 0.9 * np.asarray(new),
                                   rtol=1e-5, atol=1e-6)


def _coverage(family: str, dataset: str, seed: int = 0) -> dict:
    (x, y), _ = kg.datasets.load(dataset)
    centers, std = kg.datasets.mode_centers(dataset)
    keras.utils.set_random_seed(seed)
    model = FAMILIES[family](len(centers), seed=seed)
    # one epoch per `train_function` call: the same steps, noise and weights as
    # `compile()` (the samples are bit-identical; the stateless noise is keyed by the
    # optimizer's step), 30% faster on CPU, where Keras' per-step overhead is large
    model.compile(steps_per_execution=40)
    conditional = family == "ConditionalGAN"
    model.fit(x, y if conditional else None, epochs=40, batch_size=256, verbose=0)
    labels = np.arange(2000) % len(centers) if conditional else None
    samples = np.asarray(model.sample(2000, seed=0, labels=labels))
    result = kg.metrics.mode_coverage(samples, centers, std)
    if conditional:  # the fraction of samples nearest to the centre of their label
        nearest = np.argmin(np.linalg.norm(samples[:, None] - centers[None], axis=-1), axis=1)
        result["label_accuracy"] = float(np.mean(nearest == labels))
    return result


#: Family/data pairs whose defaults reach the issue's threshold on every seed measured
#: (seed 0 here; seeds 0-2 in the README's "Defaults"): all of them but WGAN and WGAN-GP
#: on ring8, left out of the suite to keep its time (8/8 on seeds 0-2; grid25, the harder
#: set, is run for both). benchmarks/defaults_coverage.py measures every pair.
REACHED = [("ConditionalGAN", "ring8"), ("ConditionalGAN", "grid25"), ("GAN", "ring8"),
           ("GAN", "grid25"), ("VAEGAN", "ring8"), ("VAEGAN", "grid25"), ("WGAN", "grid25"),
           ("WGANGP", "grid25")]


@pytest.mark.parametrize(("family", "dataset"), REACHED,
                         ids=[f"{family}-{dataset}" for family, dataset in REACHED])
def test_defaults_cover_the_modes(family, dataset):
    result = _coverage(family, dataset)
    assert result["modes_covered"] >= THRESHOLDS[dataset], result
    if family == "ConditionalGAN":  # a sample of label k is drawn from mode k
        assert result["label_accuracy"] > 0.9, result
