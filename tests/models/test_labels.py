"""Specification of the labels conditional models take: class indices, one-hot rows (as
`keras.utils.to_categorical` makes) and soft rows, in `fit`, `evaluate`, `predict` and
`sample`; any other shape is refused at the boundary, before TensorFlow traces."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_genmodels as kg

CLASSES = 3


def _data():
    rng = np.random.default_rng(0)
    return (rng.uniform(size=(64, 6)).astype("float32"),
            rng.integers(0, CLASSES, 64).astype("int32"))


def _model(family: str, **options):
    keras.utils.set_random_seed(0)
    model = getattr(kg, family)(4, num_classes=CLASSES, seed=0, **options)
    model.compile()
    return model


FAMILIES = [("ConditionalVAE", {"likelihood": "bernoulli"}), ("ConditionalGAN", {}),
            ("ConditionalGAN", {"projection_discriminator": True})]


@pytest.mark.parametrize("family, options", FAMILIES)
def test_one_hot_labels_train_like_class_indices(family, options):
    x, y = _data()
    one_hot = keras.utils.to_categorical(y, CLASSES)
    runs = {}
    for name, labels in (("indices", y), ("one_hot", one_hot)):
        model = _model(family, **options)
        logs = model.fit(x, labels, epochs=2, batch_size=16, shuffle=False, verbose=0).history
        runs[name] = (model, logs)
    (indices, logs), (hot, hot_logs) = runs["indices"], runs["one_hot"]
    assert logs == hot_logs
    for a, b in zip(indices.get_weights(), hot.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert indices.evaluate(x, y, verbose=0) == hot.evaluate(x, one_hot, verbose=0)
    np.testing.assert_array_equal(indices.predict((x, y), verbose=0),
                                  hot.predict((x, one_hot), verbose=0))
    np.testing.assert_array_equal(hot.sample(4, seed=1, labels=one_hot[:4]),
                                  hot.sample(4, seed=1, labels=y[:4]))
    # a dataset of one-hot batches too
    dataset = tf.data.Dataset.from_tensor_slices((x, one_hot)).batch(16)
    assert np.isfinite(list(hot.evaluate(dataset, verbose=0, return_dict=True).values())).all()


@pytest.mark.parametrize("family, options", FAMILIES)
def test_soft_labels_condition_on_a_mixture_of_classes(family, options):
    x, y = _data()
    model = _model(family, **options)
    soft = 0.8 * keras.utils.to_categorical(y, CLASSES) + 0.2 / CLASSES
    history = model.fit(x, soft, epochs=1, batch_size=16, verbose=0).history
    assert all(np.isfinite(v).all() for v in history.values())
    halfway = model.sample(4, seed=1, labels=np.tile([[0.5, 0.5, 0.0]], (4, 1)))
    pure = [model.sample(4, seed=1, labels=c) for c in (0, 1)]
    assert all(np.abs(halfway - p).max() > 1e-6 for p in pure)


@pytest.mark.parametrize("labels, message", [
    (np.zeros((64, CLASSES + 1)), "y"),                 # rows of the wrong width
    (np.full((64, CLASSES), 0.5), "summing to 1"),      # not a distribution
    (-keras.utils.to_categorical(np.zeros(64), CLASSES), "non-negative"),
    (np.zeros((64, 2, 2)), "shape"),
])
def test_other_label_shapes_are_refused_before_tracing(labels, message):
    x, _ = _data()
    for family, options in FAMILIES[:2]:
        model = _model(family, **options)
        with pytest.raises(ValueError, match=message):
            model.fit(x, labels, epochs=1, verbose=0)
        assert model.optimizer.iterations.numpy() == 0
    with pytest.raises(ValueError, match="labels"):
        _model("ConditionalVAE", data_shape=(6,)).sample(4, labels=np.ones((4, CLASSES + 1)))
