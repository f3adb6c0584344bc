"""Feature extractors for the sample-quality metrics: Inception-v3 and domain classifiers.

FID, KID, precision/recall and the Inception Score compare images through a network's
features rather than pixel by pixel. `InceptionFeatures` gives the usual choice, the
2048-d pool-3 features and 1000-way ImageNet softmax of Inception-v3; `domain_classifier`
gives small classifiers trained on the package's own datasets, whose features suit 28x28
digits and 32x32 sprites better (see `keras_genmodels.metrics.domain_classifier`).
`resolve_extractor` turns what a metric's `extractor` argument was given into one of them.

Mathematical Details

Inception-v3 (Szegedy et al., 2016, "Rethinking the Inception Architecture for Computer
Vision") takes 299x299 RGB images in [-1, 1]. An image `x` in [0, 1] with `C` channels
becomes

    x' = 2 * resize_bilinear(tile_3(x), 299, 299) - 1,

where `tile_3` repeats a single gray channel three times (an `x` with 3 channels is kept)
and the bilinear resize uses half-pixel centres without anti-aliasing, as the FID
reference code does. The features are the global average pool of the last mixed block
(`avg_pool`, 2048-d), the probabilities the softmax `predictions` layer on top of it;
FID (Heusel et al., 2017) uses the first, the Inception Score (Salimans et al., 2016) the
second. Keras' ImageNet weights are not the 2015 TensorFlow graph the original FID and
Inception Score code loads, so values computed here rank models consistently but are not
comparable digit for digit with numbers published with that code.

Example:

```python
import keras_genmodels as kg

(_, _), (x_test, _) = kg.datasets.load("mnist10k")
inception = kg.metrics.InceptionFeatures()           # ImageNet weights, downloaded once
inception.features(x_test[:64]).shape                  # (64, 2048)
digits = kg.metrics.resolve_extractor("mnist10k")      # the shipped digit classifier
digits.features(x_test[:64]).shape                     # (64, 128)
```
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_genmodels.metrics.domain_classifier import (
    SHIPPED_CLASSIFIERS,
    DomainClassifier,
    domain_classifier,
)
from keras_genmodels.metrics.extractor import FeatureExtractor

__all__ = ["FeatureExtractor", "InceptionFeatures", "resolve_extractor"]

INCEPTION_SIZE = 299
# The complete Inception-v3 file (with the 1000-class top) keras.applications loads.
INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
INCEPTION_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
    + INCEPTION_WEIGHTS_FILE
)
INCEPTION_WEIGHTS_MD5 = "9a0d58056eeedaa3f26cb7ebd46da564"


class InceptionFeatures(FeatureExtractor):
    """Inception-v3 pool-3 features (2048-d) and ImageNet class probabilities (1000).

    Images of any size with 1 or 3 channels are accepted: gray images are repeated to
    three channels, every image is resized bilinearly to 299x299 and mapped from [0, 1]
    to [-1, 1] (see the module's Mathematical Details). The network is built once, and
    each batch runs through one compiled graph that yields both outputs.

    It is heavy on a CPU: measured on 2 shared cores, about 8 images per second (10,000
    images take about 20 minutes), and a batch of 128 images raised the peak memory by
    1.4 GB (256, the default, by about twice that); pass a smaller `batch_size` when
    memory is short. For digits and sprites, `domain_classifier` is the cheaper and more
    telling choice.

    `weights="imagenet"` uses the file Keras caches under `~/.keras/models/` (or
    `$KERAS_HOME/models/`), downloading it (about 95 MB) if it is not there. On a machine
    without internet access, download it elsewhere and copy it into that folder, or pass
    its path as `weights`.

    Example:

    ```python
    inception = InceptionFeatures()                        # ImageNet weights
    inception = InceptionFeatures(weights="inception_v3_weights_tf_dim_ordering_tf_kernels.h5")
    features, probabilities = inception.features_and_probabilities(images, batch_size=64)
    features.shape, probabilities.shape                   # ((n, 2048), (n, 1000))
    ```

    Args:
        weights: `"imagenet"` (the default), the path of a weights file for the complete
            `keras.applications.InceptionV3` (with its 1000-class top: Keras'
            `inception_v3_weights_tf_dim_ordering_tf_kernels.h5`, or a `.weights.h5`
            written by `save_weights`), or None for random weights (tests only: the
            features then mean nothing).

    Raises:
        FileNotFoundError: if `weights="imagenet"` and the file is neither cached nor
            downloadable (the message says where to get it and where to put it), or
            `weights` is a path that does not exist.
        TypeError: if `weights` is neither a string, a path nor None.
        ValueError: if the file at `weights` does not hold Inception-v3 weights with the
            1000-class top.

    Attributes:
        name: `"inception_v3"`.
        feature_dim: 2048.
        num_classes: 1000.
    """

    def __init__(self, weights: str | os.PathLike | None = "imagenet"):
        self.name = "inception_v3"
        self.feature_dim = 2048
        self.num_classes = 1000
        if weights == "imagenet":
            weights_path: str | None = _imagenet_weights_path()
        elif weights is None:
            weights_path = None
        elif isinstance(weights, (str, os.PathLike)):
            weights_path = str(weights)
            if not Path(weights_path).is_file():
                raise FileNotFoundError(
                    f"`weights` {weights_path!r} does not exist or is not a file. Expected "
                    f"'imagenet', None or the path of {INCEPTION_WEIGHTS_FILE} (or a "
                    "'.weights.h5' file of keras.applications.InceptionV3)."
                )
        else:
            raise TypeError(
                "`weights` must be 'imagenet', None or the path of a weights file, got "
                f"{type(weights).__name__}."
            )
        base = keras.applications.InceptionV3(
            include_top=True, weights=None, input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3)
        )
        if weights_path is not None:
            try:
                base.load_weights(weights_path)
            except (ValueError, OSError, KeyError) as error:
                raise ValueError(
                    f"`weights` {weights_path!r} could not be loaded into Inception-v3 with "
                    f"its 1000-class top ({error}). Expected {INCEPTION_WEIGHTS_FILE} (not "
                    "the '_notop' file) or a '.weights.h5' file of the same network."
                ) from error
        self.model = keras.Model(
            base.inputs, [base.get_layer("avg_pool").output, base.outputs[0]],
            name="inception_v3_features",
        )
        self._forward = tf.function(
            self._preprocess_and_run,
            input_signature=[tf.TensorSpec((None, None, None, 3), tf.float32)],
            autograph=False,
        )

    def _check_shape(self, images: np.ndarray) -> None:
        if images.shape[-1] not in (1, 3):
            raise ValueError(
                f"`images` must have 1 (gray) or 3 (RGB) channels for Inception-v3, got shape "
                f"{images.shape}."
            )

    def _prepare(self, batch: np.ndarray) -> np.ndarray:
        return np.repeat(batch, 3, axis=-1) if batch.shape[-1] == 1 else batch

    def _preprocess_and_run(self, batch: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        batch = tf.image.resize(batch, (INCEPTION_SIZE, INCEPTION_SIZE), method="bilinear")
        features, probabilities = self.model(2.0 * batch - 1.0, training=False)
        return features, probabilities


def _keras_cache_file() -> Path:
    home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return Path(home) / "models" / INCEPTION_WEIGHTS_FILE


def _imagenet_weights_path() -> str:
    """Returns the cached ImageNet weights file, downloading it if needed."""
    try:
        # Looked up at call time, so tests can replace it and never touch the network.
        return keras.utils.get_file(
            INCEPTION_WEIGHTS_FILE,
            INCEPTION_WEIGHTS_URL,
            cache_subdir="models",
            file_hash=INCEPTION_WEIGHTS_MD5,
        )
    except Exception as error:  # any failure to fetch the file gets the same advice
        raise FileNotFoundError(
            f"The Inception-v3 ImageNet weights are not in Keras' cache ({_keras_cache_file()})"
            f" and could not be downloaded ({type(error).__name__}: {error}). On a machine "
            f"with internet access, download {INCEPTION_WEIGHTS_URL} (about 95 MB, md5 "
            f"{INCEPTION_WEIGHTS_MD5}), then either copy it to {_keras_cache_file()} or pass "
            "its path: InceptionFeatures(weights='/path/to/"
            f"{INCEPTION_WEIGHTS_FILE}') (e.g. as a metric's `extractor`). A digit or sprite "
            "model can use extractor='mnist10k' or 'shapes' instead, which need no download."
        ) from error


@functools.cache
def _named_extractor(name: str) -> FeatureExtractor:
    return InceptionFeatures() if name == "inception" else domain_classifier(name)


def resolve_extractor(extractor: Any) -> FeatureExtractor | None:
    """Turns a metric's `extractor` argument into a feature extractor.

    Example:

    ```python
    resolve_extractor(None)                 # None: the metric uses the raw, flattened data
    resolve_extractor("inception")          # InceptionFeatures() with ImageNet weights
    resolve_extractor("mnist10k")           # domain_classifier("mnist10k")
    resolve_extractor("runs/faces.keras")   # DomainClassifier.load("runs/faces.keras")
    resolve_extractor(my_extractor)         # a FeatureExtractor is returned as it is
    ```

    Named extractors are built once per process and shared by later calls (they are
    only ever used for inference), so a metric computed every epoch does not rebuild
    Inception-v3 each time.

    Args:
        extractor: None; `"inception"`; the name of a shipped classifier (`"mnist10k"`,
            `"shapes"`); the path (str or `os.PathLike`) of a `.keras` file written by
            `DomainClassifier.save`; or a `FeatureExtractor`.

    Returns:
        A `FeatureExtractor`, or None if `extractor` is None.

    Raises:
        TypeError: if `extractor` is of another type.
        ValueError: if `extractor` is a string that is none of the above.
        FileNotFoundError: if `extractor` names a `.keras` file that does not exist, or
            is `"inception"` and the ImageNet weights cannot be had (see
            `InceptionFeatures`).
    """
    if extractor is None or isinstance(extractor, FeatureExtractor):
        return extractor
    if isinstance(extractor, (str, os.PathLike)):
        text = str(extractor)
        if text == "inception" or text in SHIPPED_CLASSIFIERS:
            return _named_extractor(text)
        if text.endswith(".keras"):
            if not Path(text).is_file():
                raise FileNotFoundError(
                    f"`extractor` {text!r} looks like a .keras file but does not exist."
                )
            return DomainClassifier.load(text)
        raise ValueError(
            f"Unknown `extractor` {text!r}. Expected None, 'inception', "
            f"{', '.join(repr(name) for name in sorted(SHIPPED_CLASSIFIERS))}, the path of "
            "a .keras file written by DomainClassifier.save, or a FeatureExtractor."
        )
    raise TypeError(
        "`extractor` must be None, a string ('inception', a shipped classifier's name or a "
        f".keras path) or a FeatureExtractor, got {type(extractor).__name__}."
    )
