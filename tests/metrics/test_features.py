"""Specification of the feature extractors' shared contract, Inception-v3 and `resolve_extractor`.

Inception-v3 is built once for the module with random weights (`weights=None`): the tests
check the preprocessing and plumbing (shapes, gray-to-RGB, resizing, [0, 1] -> [-1, 1],
weight files, the offline error), which do not depend on what the weights learned. No
test touches the network: Keras' `get_file` is replaced wherever the ImageNet weights are
asked for.
"""

from __future__ import annotations

import keras
import keras.src.utils.file_utils
import numpy as np
import pytest
import tensorflow as tf

import keras_genmodels as kg
from keras_genmodels.metrics import features as features_module
from keras_genmodels.metrics.domain_classifier import DomainClassifier
from keras_genmodels.metrics.extractor import FeatureExtractor
from keras_genmodels.metrics.features import (
    INCEPTION_WEIGHTS_FILE,
    INCEPTION_WEIGHTS_URL,
    InceptionFeatures,
    resolve_extractor,
)


def _images(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.0, 1.0, shape).astype(np.float32)


@pytest.fixture(scope="module")
def inception() -> InceptionFeatures:
    keras.utils.set_random_seed(0)
    return InceptionFeatures(weights=None)


@pytest.fixture
def offline(monkeypatch):
    """Makes every Keras download fail at once, as on a machine without network."""

    def no_network(*args, **kwargs):
        raise Exception(f"URL fetch failure on {args[1] if len(args) > 1 else '?'}: "
                        "[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(keras.utils, "get_file", no_network)
    monkeypatch.setattr(keras.src.utils.file_utils, "get_file", no_network)


# --- Inception-v3 -----------------------------------------------------------------------


def test_inception_features_of_gray_and_rgb_images_are_finite_and_deterministic(inception):
    gray, rgb = _images((3, 28, 28, 1)), _images((2, 32, 32, 3), seed=1)
    for images in (gray, rgb):
        features, probabilities = inception.features_and_probabilities(images, batch_size=2)
        assert features.shape == (len(images), 2048) and features.dtype == np.float32
        assert probabilities.shape == (len(images), 1000)
        assert np.all(np.isfinite(features)) and np.all(features >= 0)  # ReLU then avg pool
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
        np.testing.assert_array_equal(inception.features(images, batch_size=2), features)
    # Another batch size runs other kernels: equal up to float32 rounding.
    np.testing.assert_allclose(inception.probabilities(rgb), probabilities, rtol=1e-4, atol=1e-8)
    assert (inception.name, inception.feature_dim, inception.num_classes) == (
        "inception_v3", 2048, 1000)


def test_inception_tiles_gray_resizes_bilinearly_and_maps_to_minus_one_one(inception):
    gray = _images((2, 28, 28, 1), seed=2)
    rgb = np.repeat(gray, 3, axis=-1)
    # The same computation written out: tile, half-pixel bilinear resize, 2x - 1.
    resized = tf.image.resize(rgb, (299, 299), method="bilinear").numpy()
    expected_features, expected_probabilities = inception.model.predict_on_batch(
        2.0 * resized - 1.0)
    features, probabilities = inception.features_and_probabilities(gray)
    np.testing.assert_allclose(features, expected_features, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(probabilities, expected_probabilities, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(inception.features(rgb), features, rtol=1e-5, atol=1e-6)
    # Batching does not change the answer.
    np.testing.assert_allclose(inception.features(gray, batch_size=1), features, rtol=1e-4,
                               atol=1e-5)


def test_inception_loads_a_local_weights_file(inception, tmp_path):
    path = tmp_path / "inception.weights.h5"
    inception.model.save_weights(path)
    images = _images((2, 32, 32, 3), seed=3)
    keras.utils.set_random_seed(1)  # a different random start, replaced by the file
    loaded = InceptionFeatures(weights=str(path))
    np.testing.assert_allclose(loaded.features(images), inception.features(images),
                               rtol=1e-5, atol=1e-6)


def test_inception_offline_error_says_how_to_give_a_local_file(offline, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    with pytest.raises(FileNotFoundError) as error:
        InceptionFeatures()
    message = str(error.value)
    assert INCEPTION_WEIGHTS_URL in message and "weights='/path/to/" in message
    assert str(tmp_path / "keras_home" / "models" / INCEPTION_WEIGHTS_FILE) in message
    assert "Temporary failure in name resolution" in message
    with pytest.raises(FileNotFoundError, match="could not be downloaded"):
        resolve_extractor("inception")


def test_inception_weights_argument_is_checked(tmp_path):
    with pytest.raises(FileNotFoundError, match="`weights`"):
        InceptionFeatures(weights=str(tmp_path / "missing.h5"))
    with pytest.raises(TypeError, match="`weights`"):
        InceptionFeatures(weights=3)
    not_weights = tmp_path / "notes.weights.h5"
    not_weights.write_text("not an HDF5 file")
    with pytest.raises(ValueError, match=r"`weights` .*notes.weights.h5' could not be loaded"):
        InceptionFeatures(weights=not_weights)


def test_inception_rejects_images_it_cannot_read(inception):
    with pytest.raises(ValueError, match=r"`images`.*channels"):
        inception.features(_images((2, 28, 28, 2)))
    with pytest.raises(ValueError, match=r"`images`.*rank"):
        inception.features(_images((2, 28, 28)))


# --- the contract every extractor shares --------------------------------------------------


@pytest.fixture(scope="module")
def digits() -> DomainClassifier:
    return kg.metrics.domain_classifier("mnist10k")


@pytest.mark.parametrize(
    ("images", "pattern"),
    [
        (np.zeros((4, 28, 28), np.float32), r"`images` must have rank 4"),
        (np.zeros((4, 784), np.float32), r"`images` must have rank 4"),
        (np.full((4, 28, 28, 1), 2.0, np.float32), r"`images` must hold values in \[0, 1\]"),
        (np.full((4, 28, 28, 1), -0.5, np.float32), r"`images` must hold values in \[0, 1\]"),
        (np.full((4, 28, 28, 1), np.nan, np.float32), r"`images` contains 3136 NaN"),
        (np.zeros((4, 28, 28, 1), np.uint8), r"`images` is uint8"),
        (np.zeros((0, 28, 28, 1), np.float32), r"`images` is empty"),
        (np.zeros((4, 32, 32, 1), np.float32), r"`images` has per-image shape \(32, 32, 1\)"),
    ],
)
def test_extractors_reject_bad_images_naming_the_argument(digits, images, pattern):
    with pytest.raises(ValueError, match=pattern):
        digits.features(images)
    with pytest.raises(ValueError, match=pattern):
        digits.probabilities(images)


def test_batch_size_is_checked(digits):
    with pytest.raises(ValueError, match="`batch_size`"):
        digits.features(np.zeros((2, 28, 28, 1), np.float32), batch_size=0)


def test_extractors_accept_tensors(digits):
    images = _images((5, 28, 28, 1))
    np.testing.assert_array_equal(digits.features(tf.constant(images)), digits.features(images))


# --- resolve_extractor ------------------------------------------------------------------


def test_resolve_extractor_none_and_extractors_pass_through(digits):
    assert resolve_extractor(None) is None
    assert resolve_extractor(digits) is digits


@pytest.mark.parametrize(("name", "classes"), [("mnist10k", 10), ("shapes", 4)])
def test_resolve_extractor_loads_shipped_classifiers_once(name, classes):
    extractor = resolve_extractor(name)
    assert isinstance(extractor, DomainClassifier) and isinstance(extractor, FeatureExtractor)
    assert (extractor.name, extractor.num_classes) == (name, classes)
    assert resolve_extractor(name) is extractor


def test_resolve_extractor_loads_a_keras_file(digits, tmp_path):
    path = tmp_path / "digits.keras"
    digits.save(path)
    images = _images((3, 28, 28, 1))
    for spec in (path, str(path)):
        extractor = resolve_extractor(spec)
        assert isinstance(extractor, DomainClassifier) and extractor.name == "mnist10k"
        np.testing.assert_array_equal(extractor.features(images), digits.features(images))


def test_inception_imagenet_weights_come_from_keras_cache(monkeypatch):
    calls = []

    def cached(*args, **kwargs):
        calls.append((args, kwargs))
        return "/cache/models/" + INCEPTION_WEIGHTS_FILE

    monkeypatch.setattr(keras.utils, "get_file", cached)
    assert features_module._imagenet_weights_path() == "/cache/models/" + INCEPTION_WEIGHTS_FILE
    assert calls == [((INCEPTION_WEIGHTS_FILE, INCEPTION_WEIGHTS_URL), {
        "cache_subdir": "models", "file_hash": "9a0d58056eeedaa3f26cb7ebd46da564"})]


def test_resolve_extractor_builds_inception_once(monkeypatch):
    built = []

    class Stub(FeatureExtractor):
        def __init__(self):
            built.append(self)

    monkeypatch.setattr(features_module, "InceptionFeatures", Stub)
    features_module._named_extractor.cache_clear()
    try:
        assert resolve_extractor("inception") is resolve_extractor("inception") is built[0]
        assert len(built) == 1
    finally:
        features_module._named_extractor.cache_clear()


@pytest.mark.parametrize(
    ("spec", "error", "pattern"),
    [
        ("inception_v4", ValueError, r"Unknown `extractor` 'inception_v4'.*'mnist10k', 'shapes'"),
        ("mnist", ValueError, r"Unknown `extractor` 'mnist'"),
        ("missing.keras", FileNotFoundError, r"`extractor` 'missing.keras'.*does not exist"),
        (3, TypeError, r"`extractor` must be None, a string.*got int"),
        (keras.layers.Dense(2), TypeError, r"`extractor`.*got Dense"),
    ],
)
def test_resolve_extractor_rejects_anything_else(spec, error, pattern):
    with pytest.raises(error, match=pattern):
        resolve_extractor(spec)
