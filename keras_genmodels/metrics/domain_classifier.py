"""Small image classifiers whose penultimate layer serves as a domain-specific feature space.

Inception-v3 learned its features from 299x299 ImageNet photographs; 28x28 digits or
32x32 sprites, blown up to that size, are far from anything it saw. A small classifier
trained on the domain itself has features that separate what matters there (which digit,
which shape), so FID, KID, precision and recall computed on them measure what a model of
that domain gets right or wrong, and its probabilities give a domain "Inception Score"
(the classifier score). The package ships one for `"mnist10k"` (the ten digits) and one
for `"shapes"` (the shape factor: square, ellipse, triangle, heart), trained by
`scripts/train_domain_classifiers.py`; `train_feature_extractor` trains one for a user's
own labelled images.

A `DomainClassifier` wraps any Keras softmax classifier with a layer named `"features"`
and saves to (and loads from) a `.keras` file; the training lives in
`keras_genmodels.metrics.classifier_training`.

Example:

```python
import keras_genmodels as kg

(x_train, y_train), (x_test, y_test) = kg.datasets.load("mnist10k")
classifier = kg.metrics.domain_classifier("mnist10k")     # shipped, no training
classifier.accuracy(x_test, y_test)                         # 0.988
own = kg.metrics.train_feature_extractor(x_train, y_train, epochs=5, name="digits")
own.save("digits.keras")
same = kg.metrics.load_feature_extractor("digits.keras")
```
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_genmodels.metrics.extractor import FeatureExtractor
from keras_genmodels.validation import check_choice, check_labels

__all__ = [
    "SHIPPED_CLASSIFIERS",
    "DomainClassifier",
    "domain_classifier",
    "load_feature_extractor",
]

# Shipped classifiers: name -> file in keras_genmodels/metrics/weights/.
SHIPPED_CLASSIFIERS: dict[str, str] = {
    "mnist10k": "mnist10k_classifier.keras",
    "shapes": "shapes_classifier.keras",
    "fashion_mnist": "fashion_mnist_classifier.keras",
}
FEATURES_LAYER = "features"


class DomainClassifier(FeatureExtractor):
    """A Keras image classifier used as a feature extractor for one image domain.

    `features` are the outputs of the model's layer named `features_layer` (the
    penultimate layer of the networks `train_feature_extractor` builds) and
    `probabilities` are the model's softmax outputs. Use `domain_classifier(name)` for the
    shipped ones, `train_feature_extractor` to train one, or wrap any Keras classifier
    whose output is a softmax.

    Example:

    ```python
    classifier = DomainClassifier.load("digits.keras")
    classifier.features(x_test).shape          # (n, 128)
    classifier.accuracy(x_test, y_test)
    ```

    Args:
        model: a `keras.Model` mapping float32 images `(n, height, width, channels)` in
            [0, 1] to class probabilities `(n, num_classes)`; its `name` becomes the
            extractor's `name`.
        features_layer: str, the name of the layer whose output is the feature vector.

    Raises:
        TypeError: if `model` is not a `keras.Model`.
        ValueError: if `model` has no layer `features_layer`, is not built for rank-4
            images, or its outputs are not probabilities.

    Attributes:
        model: the wrapped `keras.Model` (images to probabilities).
        name: str, the model's name.
        input_shape: `(height, width, channels)` the model takes.
        feature_dim: int, the length of a feature vector.
        num_classes: int, the number of classes.
        history: dict of per-epoch training metrics (empty unless just trained by
            `train_feature_extractor`).
    """

    def __init__(self, model: keras.Model, features_layer: str = FEATURES_LAYER):
        if not isinstance(model, keras.Model):
            raise TypeError(f"`model` must be a keras.Model, got {type(model).__name__}.")
        layer_names = [layer.name for layer in model.layers]
        if features_layer not in layer_names:
            raise ValueError(
                f"`features_layer` {features_layer!r} is not a layer of `model` "
                f"{model.name!r}; its layers are {layer_names}."
            )
        input_shape = tuple(model.inputs[0].shape[1:]) if model.inputs else ()
        if len(input_shape) != 3 or None in input_shape:
            raise ValueError(
                f"`model` must take images of a fixed shape (height, width, channels), got "
                f"input shape {input_shape}."
            )
        self.model = model
        self.name = model.name
        self.input_shape: tuple[int, ...] = tuple(int(size) for size in input_shape)
        self._network = keras.Model(
            model.inputs, [model.get_layer(features_layer).output, model.outputs[0]]
        )
        self._forward = tf.function(
            self._run,
            input_signature=[tf.TensorSpec((None, *self.input_shape), tf.float32)],
            autograph=False,
        )
        features, probabilities = self._forward(tf.zeros((1, *self.input_shape)))
        self.feature_dim = int(np.prod(features.shape[1:]))
        self.num_classes = int(probabilities.shape[-1])
        total = float(tf.reduce_sum(probabilities))
        if len(features.shape) != 2 or tf.reduce_min(probabilities) < 0 or abs(total - 1) > 1e-3:
            raise ValueError(
                f"`model` {model.name!r} must output class probabilities (a softmax) and "
                f"`features_layer` a vector per image; got outputs of shapes "
                f"{tuple(probabilities.shape)} summing to {total:.4g} and features of shape "
                f"{tuple(features.shape)}."
            )
        self.history: dict[str, list[float]] = {}

    def accuracy(self, images: Any, labels: Any, batch_size: int = 256) -> float:
        """Returns the fraction of `images` whose most probable class is their label.

        Example:

        ```python
        kg.metrics.domain_classifier("mnist10k").accuracy(x_test, y_test)   # 0.988
        ```

        Args:
            images: float32 images `(n, height, width, channels)` in [0, 1].
            labels: int class labels `(n,)` (or one-hot `(n, num_classes)`).
            batch_size: int >= 1, images per forward pass.

        Returns:
            The accuracy, a float in [0, 1].
        """
        probabilities = self.probabilities(images, batch_size)
        labels = check_labels(labels, self.num_classes, "labels", len(probabilities))
        return float(np.mean(np.argmax(probabilities, axis=1) == labels))

    def save(self, path: str | os.PathLike) -> None:
        """Writes the classifier to a `.keras` file (`DomainClassifier.load` reads it).

        Example:

        ```python
        classifier.save("digits.keras")
        ```

        Args:
            path: file path ending in `.keras`.

        Raises:
            ValueError: if `path` does not end in `.keras`.
        """
        self.model.save(_keras_path(path))

    @classmethod
    def load(cls, path: str | os.PathLike) -> DomainClassifier:
        """Reads a classifier written by `save` (or any `.keras` softmax classifier with
        a layer named `"features"`).

        Example:

        ```python
        classifier = DomainClassifier.load("digits.keras")
        ```

        Args:
            path: a `.keras` file.

        Returns:
            The `DomainClassifier`.

        Raises:
            FileNotFoundError: if `path` is not a file.
            ValueError: if `path` does not end in `.keras` or holds no such classifier.
        """
        path = _keras_path(path)
        if not path.is_file():
            raise FileNotFoundError(f"`path` {str(path)!r} does not exist or is not a file.")
        model = keras.saving.load_model(path, compile=False)
        if not isinstance(model, keras.Model) or FEATURES_LAYER not in [
            layer.name for layer in model.layers
        ]:
            raise ValueError(
                f"`path` {str(path)!r} holds no classifier with a {FEATURES_LAYER!r} layer; "
                "expected a file written by DomainClassifier.save."
            )
        return cls(model)

    def _run(self, batch: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        features, probabilities = self._network(batch, training=False)
        return features, probabilities

    def _check_shape(self, images: np.ndarray) -> None:
        if tuple(images.shape[1:]) != self.input_shape:
            raise ValueError(
                f"`images` has per-image shape {tuple(images.shape[1:])}, but the "
                f"{self.name!r} classifier takes {self.input_shape}."
            )


def load_feature_extractor(path: str | os.PathLike) -> DomainClassifier:
    """Reads a classifier saved by `DomainClassifier.save`; same as `DomainClassifier.load`.

    Example:

    ```python
    extractor = load_feature_extractor("digits.keras")
    ```

    Args:
        path: a `.keras` file.

    Returns:
        The `DomainClassifier`.
    """
    return DomainClassifier.load(path)


def domain_classifier(name: str) -> DomainClassifier:
    """Loads a classifier shipped with the package for one of its datasets.

    `"mnist10k"` takes `(28, 28, 1)` digits and predicts the digit (98.8% on the
    mnist10k test split); `"shapes"` takes the default `(32, 32, 1)` sprites of
    `kg.datasets.load("shapes")` and predicts the shape (`SHAPE_NAMES` order; 100% on
    its test split). Both were trained on their dataset's train split by
    `scripts/train_domain_classifiers.py`.

    Example:

    ```python
    classifier = domain_classifier("shapes")
    classifier.probabilities(x_test).shape     # (n, 4)
    ```

    Args:
        name: `"mnist10k"` or `"shapes"`.

    Returns:
        The `DomainClassifier`, with `name` equal to `name`.

    Raises:
        ValueError: if `name` is not a shipped classifier (the message lists them).
    """
    check_choice(name, "name", SHIPPED_CLASSIFIERS)
    # The package is installed unpacked (not zip-safe), so its files are real paths.
    path = resources.files("keras_genmodels.metrics").joinpath(
        "weights", SHIPPED_CLASSIFIERS[name]
    )
    return DomainClassifier.load(str(path))


def _keras_path(path: str | os.PathLike) -> Path:
    if not isinstance(path, (str, os.PathLike)) or not str(path).endswith(".keras"):
        raise ValueError(f"`path` must be a file name ending in '.keras', got {path!r}.")
    return Path(path)
