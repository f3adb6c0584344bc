"""One behaviour for every conditional model: `fit(x, y)`, `fit((x, y))`, a `tf.data`
or `PyDataset` of `(x, y)` batches train, evaluate and predict; anything else is refused
with a clear error before any tracing."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

CONDITIONAL = ("ConditionalVAE", "ConditionalGAN", "WGANGP")


class Pairs(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]


def _conditional(make_model, family):
    if family == "WGANGP":  # a conditional model of the Wasserstein family
        return make_model("WGANGP", num_classes=3, critic_steps=1)
    return make_model(family)


def _forms(x, y):
    return {
        "fit(x, y)": ((x, y), {}),
        "fit((x, y))": (((x, y),), {}),
        "tf.data": ((tf.data.Dataset.from_tensor_slices((x, y)).batch(16),), {}),
        "PyDataset": ((Pairs(x, y, 16),), {}),
    }


@pytest.mark.parametrize("family", CONDITIONAL)
def test_every_input_form_trains_and_evaluates_the_same(make_model, vector_data, family):
    x, y = vector_data
    results = {}
    for form, (args, kwargs) in _forms(x, y).items():
        model = _conditional(make_model, family)
        model.compile()
        history = model.fit(*args, batch_size=None if len(args) == 1 and form != "fit((x, y))"
                            else 16, epochs=1, shuffle=False, verbose=0, **kwargs)
        assert int(model.optimizer.iterations) == 4, form
        results[form] = (history.history,
                         model.evaluate(*args, verbose=0, return_dict=True,
                                        **({"batch_size": 16} if form.startswith("fit")
                                           else {})))
    reference = results["fit(x, y)"]
    for form, (history, evaluation) in results.items():
        for name, values in history.items():
            np.testing.assert_allclose(values, reference[0][name], rtol=1e-5, err_msg=form)
        for name, value in evaluation.items():
            assert value == pytest.approx(reference[1][name], rel=1e-5), (form, name)


@pytest.mark.parametrize("family", CONDITIONAL)
def test_predict_takes_pairs(make_model, vector_data, family):
    x, y = vector_data
    model = _conditional(make_model, family)
    from_tuple = model.predict((x, y), batch_size=16, verbose=0)
    from_dataset = model.predict(tf.data.Dataset.from_tensor_slices((x, y)).batch(16),
                                 verbose=0)
    assert len(from_tuple) == len(x)
    np.testing.assert_allclose(from_tuple, from_dataset, rtol=1e-6)
    with pytest.raises(ValueError, match="without labels"):
        model.predict(x, verbose=0)


@pytest.mark.parametrize("family", CONDITIONAL)
@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        ("no labels", ValueError, "without labels"),
        ("dataset of x", ValueError, "without labels"),
        ("dataset of dicts", TypeError, "dicts"),
        ("generator", TypeError, "generator"),
        ("y with a dataset", ValueError, "`y` must be None"),
        ("labels out of range", ValueError, r"labels in \[0, 2\]"),
    ],
)
def test_bad_input_is_refused_before_tracing(make_model, vector_data, family, bad, error,
                                             match):
    x, y = vector_data
    inputs = {
        "no labels": ((x,), {}),
        "dataset of x": ((tf.data.Dataset.from_tensor_slices(x).batch(8),), {}),
        "dataset of dicts": ((tf.data.Dataset.from_tensor_slices({"x": x, "y": y}).batch(8),),
                             {}),
        "generator": ((((x[i : i + 8], y[i : i + 8]) for i in range(0, 64, 8)),), {}),
        "y with a dataset": ((tf.data.Dataset.from_tensor_slices((x, y)).batch(8), y), {}),
        "labels out of range": ((x, y + 1), {}),
    }
    model = _conditional(make_model, family)
    model.compile()
    args, kwargs = inputs[bad]
    for method in (model.fit, model.evaluate):
        with pytest.raises(error, match=match):
            method(*args, verbose=0, **kwargs)
    assert model.train_function is None and model.test_function is None  # nothing traced


def test_unconditional_models_ignore_labels(make_model, vector_data):
    x, y = vector_data
    with_labels, without = make_model("GAN"), make_model("GAN")
    for model, args in ((with_labels, (x, y)), (without, (x,))):
        model.compile()
        model.fit(*args, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(with_labels.get_weights(), without.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
