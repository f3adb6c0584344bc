"""Sets for the sample-based metrics: arrays, tf.data and models all become one array."""

import numpy as np
import pytest
import tensorflow as tf

import keras_genmodels as kg
from keras_genmodels.metrics.sets import collect, features_of, paired_features, set_seed

X = np.random.default_rng(0).uniform(size=(37, 4, 4, 1)).astype("float32")


class FakeExtractor:
    """Features = per-image mean and max; records the batch size it was given."""

    name = "fake"

    def features(self, images, batch_size=256):
        self.batch_size = batch_size
        flat = images.reshape(len(images), -1)
        return np.stack([flat.mean(1), flat.max(1)], axis=1).astype("float32")

    def probabilities(self, images, batch_size=256):
        return np.full((len(images), 2), 0.5, "float32")


def test_arrays_and_tensors_are_taken_as_given():
    np.testing.assert_array_equal(collect(X, "real"), X)
    np.testing.assert_array_equal(collect(tf.constant(X), "real", num_samples=10), X[:10])
    ints = collect(np.arange(6).reshape(3, 2), "real")
    assert ints.dtype == np.float32 and ints.shape == (3, 2)
    # a request for more than the set holds gives all of it
    assert collect(X, "real", num_samples=1000).shape == X.shape


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("form", ["x", "(x,)", "(x, y)"])
def test_datasets_batched_or_not_with_or_without_labels(form, batched):
    labels = np.arange(len(X))
    elements = {"x": X, "(x,)": (X,), "(x, y)": (X, labels)}[form]
    dataset = tf.data.Dataset.from_tensor_slices(elements)
    if batched:
        dataset = dataset.batch(8)
    np.testing.assert_array_equal(collect(dataset, "real", batch_size=5), X)
    np.testing.assert_array_equal(collect(dataset, "real", num_samples=11), X[:11])


def test_vector_datasets_and_infinite_datasets():
    vectors = X.reshape(len(X), -1)
    unbatched = tf.data.Dataset.from_tensor_slices(vectors)
    np.testing.assert_array_equal(collect(unbatched, "real"), vectors)
    np.testing.assert_array_equal(collect(unbatched.batch(4), "real"), vectors)
    infinite = unbatched.repeat()
    assert collect(infinite, "real", num_samples=50).shape == (50, 16)
    with pytest.raises(ValueError, match="`real` is an infinite dataset"):
        collect(infinite, "real")


def test_a_model_is_sampled_with_its_seed():
    model = kg.VAE(latent_dim=2)
    model.build((None, 3))
    samples = collect(model, "generated", num_samples=12, seed=3, batch_size=5)
    assert samples.shape == (12, 3) and samples.dtype == np.float32
    np.testing.assert_array_equal(samples, model.sample(12, seed=3, batch_size=5))
    with pytest.raises(ValueError, match="`generated` is a model: pass `num_samples`"):
        collect(model, "generated")


def test_a_conditional_model_is_sampled_with_balanced_labels():
    class Conditional:
        conditional, num_classes = True, 3

        def sample(self, n, seed=None, labels=None, batch_size=256):
            return np.asarray(labels, "float32")[:, None]

    samples = collect(Conditional(), "generated", num_samples=7)
    np.testing.assert_array_equal(samples[:, 0], [0, 1, 2, 0, 1, 2, 0])


def test_features_are_flattened_or_extracted():
    raw = features_of(X, "real")
    assert raw.shape == (37, 16) and raw.dtype == np.float64
    extractor = FakeExtractor()
    extracted = features_of(X, "real", extractor=extractor, batch_size=7)
    assert extracted.shape == (37, 2) and extractor.batch_size == 7
    np.testing.assert_allclose(extracted[:, 1], X.reshape(37, -1).max(1), rtol=1e-6)


def test_bad_sets_raise_errors_naming_the_argument():
    with pytest.raises(TypeError, match="`real` must be an array"):
        collect("images.npz", "real")
    with pytest.raises(TypeError, match="`generated` must be a numeric array"):
        collect(np.array(["a", "b"]), "generated")
    with pytest.raises(ValueError, match=r"`real` must have a batch axis first"):
        collect(np.zeros(5), "real")
    with pytest.raises(ValueError, match="`real` is empty"):
        collect(np.zeros((0, 3)), "real")
    with pytest.raises(ValueError, match="`real` contains 1 NaN"):
        collect(np.array([[0.0, np.nan]]), "real")
    with pytest.raises(ValueError, match="`num_samples` must be an integer >= 1"):
        collect(X, "real", num_samples=0)
    with pytest.raises(TypeError, match="`real` must be a dataset of x"):
        collect(tf.data.Dataset.from_tensor_slices({"image": X}), "real")
    with pytest.raises(ValueError, match="`real` has 16 features per example but `generated` "
                                         "has 3"):
        paired_features(X, np.zeros((5, 3)))


def test_one_model_as_both_sets_gives_two_independent_samples():
    class Model:
        def sample(self, n, seed=None, batch_size=256):
            return np.random.default_rng(seed).normal(size=(n, 3))

    real, generated = paired_features(Model(), Model(), num_samples=20, seed=4)
    np.testing.assert_allclose(generated, Model().sample(20, seed=4), rtol=1e-6)
    np.testing.assert_allclose(real, Model().sample(20, seed=set_seed(4, "real")), rtol=1e-6)
    assert not np.allclose(real, generated)
    assert 0 <= set_seed(4, "real") < 2**31 and set_seed(4, "real") != set_seed(5, "real")
