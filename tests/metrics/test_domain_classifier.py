"""Specification of the domain classifiers: the shipped ones, training one, saving it.

The shipped classifiers are scored on the test splits of their datasets, which they never
saw (`scripts/train_domain_classifiers.py` trains on the train splits). Training is
checked on a few hundred digits made non-square and coloured, so that nothing in it
assumes 28x28 gray images.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_genmodels as kg
from keras_genmodels.metrics import DomainClassifier, train_feature_extractor
from keras_genmodels.metrics.classifier_training import build_classifier_network
from keras_genmodels.metrics.domain_classifier import SHIPPED_CLASSIFIERS

ONE_MB = 1_000_000


# --- shipped classifiers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "input_shape", "num_classes", "minimum_accuracy"),
    # Measured: 0.988 on mnist10k's 2,000 test digits, 1.0 on the 2,000 test sprites,
    # 0.9155 on Fashion-MNIST's first 2,000 of 10,000 test images (Debian's package).
    [("mnist10k", (28, 28, 1), 10, 0.98), ("shapes", (32, 32, 1), 4, 0.995),
     ("fashion_mnist", (28, 28, 1), 10, 0.90)],
)
def test_shipped_classifier_scores_high_on_its_test_split(name, input_shape, num_classes,
                                                          minimum_accuracy):
    (_, _), (x_test, y_test) = kg.datasets.load(name)
    x_test, y_test = x_test[:2000], y_test[:2000]
    classifier = kg.metrics.domain_classifier(name)
    assert (classifier.name, classifier.input_shape) == (name, input_shape)
    assert (classifier.num_classes, classifier.feature_dim) == (num_classes, 128)
    assert len(x_test) == 2000
    assert classifier.accuracy(x_test, y_test) >= minimum_accuracy
    features, probabilities = classifier.features_and_probabilities(x_test[:100])
    assert features.shape == (100, 128) and np.all(features >= 0)   # ReLU layer
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_shipped_files_are_small():
    from importlib import resources

    for filename in SHIPPED_CLASSIFIERS.values():
        path = resources.files("keras_genmodels.metrics").joinpath("weights", filename)
        assert 0 < path.stat().st_size < ONE_MB


def test_unknown_shipped_name_lists_the_known_ones():
    with pytest.raises(ValueError,
                       match=r"Unknown `name` 'cifar10'.*fashion_mnist, mnist10k, shapes"):
        kg.metrics.domain_classifier("cifar10")


# --- training one ------------------------------------------------------------------------


def _tinted(x: np.ndarray, seed: int) -> np.ndarray:
    """Digits padded to 28x36 and tinted with a random colour each: (n, 28, 36, 3)."""
    colour = np.random.default_rng(seed).uniform(0.3, 1.0, (len(x), 1, 1, 3))
    return np.pad(x, ((0, 0), (0, 0), (4, 4), (0, 0))) * colour.astype(np.float32)


@pytest.fixture(scope="module")
def digits():
    (x_train, y_train), (x_test, y_test) = kg.datasets.load("mnist10k")
    return (_tinted(x_train[:512], 1), y_train[:512]), (_tinted(x_test[:200], 2), y_test[:200])


@pytest.fixture(scope="module")
def trained(digits):
    (x, y), validation = digits
    return train_feature_extractor(x, y, epochs=3, batch_size=32, seed=0, name="tinted",
                                   validation_data=validation)


def test_training_learns_any_image_shape(trained, digits):
    _, (x_val, y_val) = digits
    assert trained.name == "tinted" and trained.input_shape == (28, 36, 3)
    assert trained.num_classes == 10 and trained.feature_dim == 128   # classes from `y`
    assert len(trained.history["val_accuracy"]) == 3
    # Chance is about 0.1; 512 digits and 3 epochs reach about 0.85.
    assert trained.accuracy(x_val, y_val) >= 0.6
    assert trained.features(x_val[:5]).shape == (5, 128)


def test_keras_round_trip_gives_identical_outputs(trained, digits, tmp_path):
    _, (x_val, _) = digits
    path = tmp_path / "tinted.keras"
    trained.save(path)
    assert path.stat().st_size < ONE_MB
    features, probabilities = trained.features_and_probabilities(x_val)
    for loaded in (DomainClassifier.load(path), kg.metrics.load_feature_extractor(str(path))):
        assert (loaded.name, loaded.input_shape, loaded.num_classes) == ("tinted", (28, 36, 3),
                                                                         10)
        loaded_features, loaded_probabilities = loaded.features_and_probabilities(x_val)
        np.testing.assert_array_equal(loaded_features, features)
        np.testing.assert_array_equal(loaded_probabilities, probabilities)
    # The saved model is a plain Keras classifier: images in, probabilities out.
    model = keras.saving.load_model(path)
    np.testing.assert_allclose(model.predict_on_batch(x_val[:8]), probabilities[:8],
                               rtol=1e-5, atol=1e-7)


def test_training_is_determined_by_its_seed_and_takes_one_hot_labels(digits):
    (x, y), _ = digits
    x, y = x[:96], y[:96]
    first, second = (
        train_feature_extractor(x, labels, epochs=1, batch_size=32, seed=0).model.get_weights()
        for labels in (y, keras.utils.to_categorical(y, 10))
    )
    for a, b in zip(first, second, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # Another seed starts from other weights.
    start = [build_classifier_network((28, 36, 3), 10, seed=seed).get_weights() for seed in (0, 1)]
    assert not np.allclose(start[0][0], start[1][0])


# --- errors ------------------------------------------------------------------------------

X = np.zeros((4, 28, 28, 1), np.float32)
Y = np.array([0, 1, 0, 1])


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"x": X[..., 0]}, ValueError, r"`x` must have rank 4"),
        ({"x": X + 2.0}, ValueError, r"`x` must hold values in \[0, 1\]"),
        ({"x": X * np.nan}, ValueError, r"`x` contains .* NaN"),
        ({"y": np.zeros(4, int)}, ValueError, r"`y` must hold at least 2 classes"),
        ({"y": np.array([0, 1, 0])}, ValueError, r"`y` has 3 labels for 4 examples"),
        ({"y": np.array([0, 1, -1, 1])}, ValueError, r"`y` must hold labels in \[0, 1\]"),
        ({"y": np.array([0.5, 1, 0, 1])}, TypeError, r"`y` must hold integer class labels"),
        ({"y": "digits"}, TypeError, r"`y` must be an array of class labels"),
        ({"epochs": 0}, ValueError, r"`epochs`"),
        ({"batch_size": 0}, ValueError, r"`batch_size`"),
        ({"shift": 0.5}, ValueError, r"`shift` must be in \[0, 0.5\)"),
        ({"learning_rate": 0.0}, ValueError, r"`learning_rate` must be > 0"),
        ({"name": "a/b"}, ValueError, r"`name` must be a non-empty string"),
        ({"validation_data": X}, ValueError, r"`validation_data` must be a tuple"),
        ({"validation_data": (np.zeros((2, 32, 32, 1), np.float32), Y[:2])}, ValueError,
         r"`validation_data\[0\]` has per-example shape \(32, 32, 1\)"),
        ({"validation_data": (X, np.array([0, 1, 2, 1]))}, ValueError,
         r"`validation_data\[1\]` must hold labels in \[0, 1\]"),
    ],
)
def test_training_checks_its_arguments(kwargs, error, pattern):
    arguments = {"x": X, "y": Y, **kwargs}
    with pytest.raises(error, match=pattern):
        train_feature_extractor(arguments.pop("x"), arguments.pop("y"), **arguments)


def test_domain_classifier_needs_a_softmax_model_with_a_features_layer(tmp_path):
    inputs = keras.Input((8, 8, 1))
    hidden = keras.layers.Dense(4, name="features")(keras.layers.Flatten()(inputs))
    logits = keras.Model(inputs, keras.layers.Dense(3)(hidden), name="logits")
    with pytest.raises(ValueError, match=r"`model` 'logits' must output class probabilities"):
        DomainClassifier(logits)
    softmax = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(hidden))
    assert DomainClassifier(softmax).num_classes == 3
    with pytest.raises(ValueError, match=r"`features_layer` 'penultimate' is not a layer"):
        DomainClassifier(softmax, features_layer="penultimate")
    with pytest.raises(TypeError, match="`model` must be a keras.Model"):
        DomainClassifier("model.keras")
    plain = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(3, activation="softmax")])
    plain.save(tmp_path / "plain.keras")
    with pytest.raises(ValueError, match=r"holds no classifier with a 'features' layer"):
        DomainClassifier.load(tmp_path / "plain.keras")


def test_save_and_load_check_the_path(tmp_path):
    classifier = kg.metrics.domain_classifier("shapes")
    with pytest.raises(ValueError, match=r"`path` must be a file name ending in '.keras'"):
        classifier.save(tmp_path / "shapes.h5")
    with pytest.raises(FileNotFoundError, match=r"`path` .*missing.keras"):
        DomainClassifier.load(tmp_path / "missing.keras")
