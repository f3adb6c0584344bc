"""The interface every feature extractor of the metrics shares: images in, vectors out.

A feature extractor maps a batch of images (float32 NHWC in [0, 1]) to two things the
sample-quality metrics need: a feature vector per image, on which FID, KID, precision and
recall compare two sets, and class probabilities, from which the Inception Score and the
classifier score are computed. Both come from one forward pass of one network, run in
graph mode batch by batch, so a metric that needs both pays for one pass.

Example:

```python
import keras_genmodels as kg

extractor = kg.metrics.domain_classifier("mnist10k")
(_, _), (x_test, _) = kg.datasets.load("mnist10k")
extractor.features(x_test[:100]).shape         # (100, 128)
extractor.probabilities(x_test[:100]).shape    # (100, 10)
```
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from keras_genmodels.validation import check_images, check_positive_int

__all__ = ["FeatureExtractor"]


class FeatureExtractor:
    """Base class of the feature extractors: features and class probabilities of images.

    A subclass sets `name`, `feature_dim` and `num_classes`, and implements two hooks:
    `_prepare(batch)`, which checks and converts one batch of checked images (numpy,
    float32 NHWC in [0, 1]) for the network, and `_forward(batch)`, a graph-mode function
    returning `(features, probabilities)` tensors for it. Everything else (the input
    checks, batching, concatenation) is shared here, so every extractor treats its input
    the same way.

    Example:

    ```python
    extractor = kg.metrics.resolve_extractor("shapes")
    isinstance(extractor, FeatureExtractor)     # True
    features, probabilities = extractor.features_and_probabilities(images)
    ```

    Attributes:
        name: str, what the extractor is: `"inception_v3"`, `"mnist10k"`, `"shapes"` or
            the name a user gave a classifier.
        feature_dim: int, the length `d` of a feature vector.
        num_classes: int, the number of classes of `probabilities`.
    """

    name: str
    feature_dim: int
    num_classes: int

    def features(self, images: Any, batch_size: int = 256) -> np.ndarray:
        """Returns the feature vectors of `images`.

        Example:

        ```python
        extractor.features(images).shape    # (n, extractor.feature_dim)
        ```

        Args:
            images: float32 array or tensor, shape `(n, height, width, channels)`, values
                in [0, 1].
            batch_size: int >= 1, images per forward pass.

        Returns:
            float32 array of shape `(n, feature_dim)`.

        Raises:
            ValueError: if `images` is not a finite rank-4 batch in [0, 1] of a shape the
                extractor accepts.
        """
        return self.features_and_probabilities(images, batch_size)[0]

    def probabilities(self, images: Any, batch_size: int = 256) -> np.ndarray:
        """Returns the class probabilities (softmax outputs) of `images`.

        Example:

        ```python
        extractor.probabilities(images).sum(axis=1)    # all close to 1
        ```

        Args:
            images: float32 array or tensor, shape `(n, height, width, channels)`, values
                in [0, 1].
            batch_size: int >= 1, images per forward pass.

        Returns:
            float32 array of shape `(n, num_classes)`, rows summing to 1.

        Raises:
            ValueError: as `features`.
        """
        return self.features_and_probabilities(images, batch_size)[1]

    def features_and_probabilities(
        self, images: Any, batch_size: int = 256
    ) -> tuple[np.ndarray, np.ndarray]:
        """Returns features and class probabilities of `images` from one pass.

        Example:

        ```python
        features, probabilities = extractor.features_and_probabilities(images)
        ```

        Args:
            images: float32 array or tensor, shape `(n, height, width, channels)`, values
                in [0, 1].
            batch_size: int >= 1, images per forward pass.

        Returns:
            `(features, probabilities)`: float32 arrays of shapes `(n, feature_dim)` and
            `(n, num_classes)`.

        Raises:
            ValueError: as `features`.
        """
        images = check_images(images, "images", min_rank=4, max_rank=4)
        batch_size = check_positive_int(batch_size, "batch_size")
        self._check_shape(images)
        features, probabilities = [], []
        for start in range(0, len(images), batch_size):
            batch = self._prepare(images[start : start + batch_size])
            batch_features, batch_probabilities = self._forward(tf.constant(batch))
            features.append(batch_features.numpy())
            probabilities.append(batch_probabilities.numpy())
        return (
            np.concatenate(features).astype(np.float32, copy=False),
            np.concatenate(probabilities).astype(np.float32, copy=False),
        )

    def __repr__(self) -> str:
        # getattr: the repr may be asked for while a subclass is still being built.
        fields = ", ".join(
            f"{field}={getattr(self, field, None)!r}"
            for field in ("name", "feature_dim", "num_classes")
        )
        return f"{type(self).__name__}({fields})"

    def _check_shape(self, images: np.ndarray) -> None:
        """Raises `ValueError` naming `images` if their per-image shape does not fit."""

    def _prepare(self, batch: np.ndarray) -> np.ndarray:
        """Converts one checked batch to the network's input (identity by default)."""
        return batch

    def _forward(self, batch: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        raise NotImplementedError(f"{type(self).__name__} must implement `_forward`.")
