"""Classifier (Inception) score: from 1 for one repeated prediction to the number of classes."""

import numpy as np
import pytest
import scipy.stats

from keras_genmodels.metrics import features
from keras_genmodels.metrics.classifier_score import classifier_score, inception_score


class TableClassifier:
    """Reads each image's first value as the row of a table of softmax outputs."""

    name = "table"

    def __init__(self, table):
        self.table = np.asarray(table, "float32")

    def probabilities(self, images, batch_size=256):
        return self.table[images.reshape(len(images), -1)[:, 0].astype(int)]


def _indices(n):
    return np.arange(n, dtype="float32")[:, None]


def test_confident_uniform_predictions_score_the_number_of_classes():
    one_hot = np.eye(10)[np.arange(100) % 10]
    assert classifier_score(_indices(100), TableClassifier(one_hot)) == pytest.approx(10, rel=1e-6)
    assert classifier_score(_indices(100), TableClassifier(one_hot), num_splits=1) == (
        pytest.approx(10, rel=1e-6))


def test_identical_predictions_score_one():
    same = np.tile([0.7, 0.2, 0.1], (60, 1))
    assert classifier_score(_indices(60), TableClassifier(same), num_splits=3) == pytest.approx(
        1.0, abs=1e-6)
    collapsed = np.eye(10)[np.zeros(60, int)]  # confident, but always the same class
    assert classifier_score(_indices(60), TableClassifier(collapsed)) == pytest.approx(1.0)


def test_matches_the_formula_written_out_with_scipy():
    probabilities = np.random.default_rng(0).dirichlet(np.full(5, 0.3), size=103)
    expected = np.mean([
        np.exp(np.mean([scipy.stats.entropy(p, part.mean(0)) for p in part]))
        for part in np.array_split(probabilities, 4)
    ])
    got = classifier_score(_indices(103), TableClassifier(probabilities), num_splits=4)
    assert got == pytest.approx(expected, rel=1e-5)
    assert 1.0 < got < 5.0


def test_scores_a_model_and_takes_num_samples():
    class Model:
        def sample(self, n, seed=None, batch_size=256):
            return _indices(n)

    one_hot = np.eye(4)[np.arange(40) % 4]
    assert classifier_score(Model(), TableClassifier(one_hot), num_splits=2,
                            num_samples=40) == pytest.approx(4.0, rel=1e-6)
    # the first 8 of 40 samples, in 2 splits of one of each class
    assert classifier_score(_indices(40), TableClassifier(one_hot), num_splits=2,
                            num_samples=8) == pytest.approx(4.0, rel=1e-6)


def test_bad_inputs_raise_errors_naming_the_argument():
    table = TableClassifier(np.eye(3))
    with pytest.raises(TypeError, match="`classifier` must be an object with a `probabilities"):
        classifier_score(_indices(3), 42)
    with pytest.raises(ValueError, match=r"`num_splits` must be at most the number of samples "
                                         r"\(3\), got 4"):
        classifier_score(_indices(3), table, num_splits=4)
    with pytest.raises(ValueError, match="`classifier` must return softmax probabilities"):
        classifier_score(_indices(3), TableClassifier(2 * np.eye(3)), num_splits=1)
    with pytest.raises(ValueError, match="`num_splits` must be an integer >= 1"):
        classifier_score(_indices(3), table, num_splits=0)


def test_inception_score_uses_inception_features_with_the_weights(monkeypatch):
    made = []

    class FakeInception(TableClassifier):
        def __init__(self, weights="imagenet"):
            made.append(weights)
            super().__init__(np.eye(5))

    monkeypatch.setattr(features, "InceptionFeatures", FakeInception)
    images = (np.arange(50) % 5).astype("float32")[:, None]
    assert inception_score(images, weights="w.h5", num_splits=5) == pytest.approx(5.0, rel=1e-6)
    assert made == ["w.h5"]


def test_real_digits_score_high_with_the_shipped_mnist_classifier(mnist):
    _, (x_test, y_test) = mnist
    assert classifier_score(x_test[:1000], "mnist10k") > 8.5
    assert classifier_score(x_test[y_test == 3][:200], "mnist10k", num_splits=2) < 1.2
