"""augment: labelled synthetic digits from conditional models, filtered by a classifier."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

import keras_genmodels as kg
from keras_genmodels.applications import augment


@pytest.fixture(scope="module")
def cvae(vae_trainer, digits):
    (x_train, y_train), _ = digits
    return vae_trainer(x_train, epochs=5, labels=y_train, num_classes=10)


@pytest.fixture(scope="module")
def classifier():
    return kg.metrics.domain_classifier("mnist10k")


def test_requested_labels_shapes_and_range(cvae):
    x, y = augment(cvae, n_per_class=7, batch_size=32)
    assert x.shape == (70, 28, 28, 1) and x.dtype == np.float32
    assert y.dtype == np.int32 and np.array_equal(np.bincount(y), np.full(10, 7))
    assert x.min() >= 0.0 and x.max() <= 1.0
    x_again, _ = augment(cvae, n_per_class=7, batch_size=32)
    np.testing.assert_array_equal(x, x_again)
    x_sub, y_sub = augment(cvae, n_per_class=3, classes=[2, 5])
    assert x_sub.shape[0] == 6 and y_sub.tolist() == [2, 2, 2, 5, 5, 5]


def test_filter_keeps_only_samples_the_classifier_assigns_to_their_label(cvae, classifier):
    x, y = augment(cvae, n_per_class=10, classifier=classifier, min_confidence=0.9,
                   batch_size=64)
    assert np.array_equal(np.bincount(y, minlength=10), np.full(10, 10))
    probabilities = classifier.probabilities(x)
    assert np.array_equal(np.argmax(probabilities, axis=1), y)
    assert np.all(probabilities[np.arange(len(y)), y] >= 0.9)
    named_x, named_y = augment(cvae, n_per_class=10, classifier="mnist10k", min_confidence=0.9,
                               batch_size=64)
    np.testing.assert_array_equal(named_x, x)


def test_unfiltered_draws_include_some_the_filter_would_drop(cvae, classifier):
    x, y = augment(cvae, n_per_class=30, batch_size=64)
    probabilities = classifier.probabilities(x)
    assert np.mean(np.argmax(probabilities, axis=1) == y) > 0.3  # chance is 0.1
    assert np.any(probabilities[np.arange(len(y)), y] < 0.999)


def test_unreachable_filter_warns_and_returns_what_passed(cvae, classifier):
    with pytest.warns(UserWarning, match="passed the classifier filter"):
        x, y = augment(cvae, n_per_class=50, classifier=classifier, min_confidence=1.0,
                       batch_size=16, max_rounds=1, classes=[8])
    assert len(x) == len(y) < 50


def test_dataset_of_single_examples(cvae):
    dataset = augment(cvae, n_per_class=2, as_dataset=True)
    assert isinstance(dataset, tf.data.Dataset)
    items = list(dataset.as_numpy_iterator())
    assert len(items) == 20 and items[0][0].shape == (28, 28, 1)
    assert sorted(int(label) for _, label in items) == sorted(list(range(10)) * 2)


def test_conditional_gan_draws_labelled_data():
    cgan = kg.ConditionalGAN(latent_dim=8, num_classes=3, data_shape=(16,), seed=0)
    x, y = augment(cgan, n_per_class=4)
    assert x.shape == (12, 16) and y.tolist() == [0] * 4 + [1] * 4 + [2] * 4


def test_clear_errors(cvae):
    unconditional = kg.VAE(4, data_shape=(16,))
    with pytest.raises(TypeError, match="conditional model"):
        augment(unconditional, 5)
    with pytest.raises(ValueError, match="needs a `classifier`"):
        augment(cvae, 5, min_confidence=0.5)
    with pytest.raises(ValueError, match="4 classes but the model has 10"):
        augment(cvae, 5, classifier="shapes")
    with pytest.raises(ValueError, match="n_per_class"):
        augment(cvae, 0)
    with pytest.raises(ValueError, match="`classes` must be labels in"):
        augment(cvae, 5, classes=[10])
