"""Training the small convnets that serve as domain-specific feature extractors.

`train_feature_extractor` trains a classifier on a user's own labelled images (any
height, width and channel count; the classes come from the labels) and returns it as a
`DomainClassifier`, whose penultimate layer gives the features of FID, KID, precision and
recall and whose softmax gives the classifier score. The package's shipped classifiers
(`domain_classifier("mnist10k")`, `domain_classifier("shapes")`) were trained with it by
`scripts/train_domain_classifiers.py`.

The network (`build_classifier_network`) is a compact convnet: four 3x3 conv +
batch-norm + ReLU blocks with max-pooling between them, global average pooling, a
128-unit ReLU layer named `"features"`, dropout and a softmax layer named
`"probabilities"`: about 200k weights whatever the image size, so its `.keras` file
stays under 1 MB. Training minimises the cross-entropy with Adam and a cosine-decayed
learning rate, and shifts each training batch at random in a wrapper around the network,
so the saved model holds no augmentation layer.

Example:

```python
import keras_genmodels as kg

(x_train, y_train), (x_test, y_test) = kg.datasets.load("mnist10k")
extractor = kg.metrics.train_feature_extractor(x_train, y_train, epochs=10, name="digits")
extractor.accuracy(x_test, y_test)        # about 0.985
extractor.save("digits.keras")
```
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_genmodels.metrics.domain_classifier import FEATURES_LAYER, DomainClassifier
from keras_genmodels.validation import (
    as_numpy,
    check_images,
    check_labels,
    check_non_negative,
    check_positive_int,
    check_shape_matches,
)

__all__ = ["build_classifier_network", "train_feature_extractor"]

# Every random stream of `train_feature_extractor`, derived from its `seed` by name.
_STREAMS = {"weights": 0, "dropout": 1, "shift": 2, "shuffle": 3}


def _stream_seed(seed: int, stream: str, index: int = 0) -> int:
    state = np.random.SeedSequence([seed, _STREAMS[stream], index]).generate_state(1)[0]
    return int(state % (2**31 - 1))


def train_feature_extractor(
    x: Any,
    y: Any,
    *,
    epochs: int = 10,
    batch_size: int = 64,
    seed: int = 0,
    validation_data: tuple[Any, Any] | None = None,
    name: str = "domain_classifier",
    shift: float = 0.1,
    learning_rate: float = 3e-3,
    filters: tuple[int, ...] = (32, 64, 96, 128),
    feature_dim: int = 128,
    verbose: int = 0,
) -> DomainClassifier:
    """Trains a small classifier on labelled images, to serve as a feature extractor.

    The classes are inferred from `y` (labels `0 .. max(y)`, or one-hot columns). Adam
    with a cosine-decayed learning rate minimises the cross-entropy; each training batch
    is shifted at random by up to `shift` of the image size. All randomness (weights,
    dropout, shifts, shuffling) derives from `seed`; no global state is changed, though
    the shuffling also depends on TensorFlow's global seed if one was set (e.g. by
    `keras.utils.set_random_seed`). With `epochs=15, shift=0.08` it reaches 98.8% on
    mnist10k's test digits (`scripts/train_domain_classifiers.py`).

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = kg.datasets.load("shapes")
    extractor = train_feature_extractor(x_train, y_train, epochs=5, name="sprites",
                                        validation_data=(x_test, y_test))
    extractor.history["val_accuracy"][-1]
    kg.metrics.fid(x_test, vae, extractor=extractor, num_samples=2000)
    ```

    Args:
        x: float32 images `(n, height, width, channels)` in [0, 1], any size and
            channel count.
        y: int class labels `(n,)` (or one-hot `(n, num_classes)`), at least 2 classes.
        epochs: int >= 1, passes over `x`.
        batch_size: int >= 1, images per training step.
        seed: int, seed of every random stream of the training.
        validation_data: optional `(x_val, y_val)`, evaluated after each epoch (in
            `history`).
        name: str, the extractor's `name` (used in reports and saved in the file).
        shift: float in [0, 0.5), largest random translation as a fraction of the
            height and width; 0 turns augmentation off.
        learning_rate: float > 0, Adam's initial learning rate.
        filters: convolution widths of the network, one block each (see
            `build_classifier_network`).
        feature_dim: int >= 1, the length of the feature vectors.
        verbose: int, Keras' `fit` verbosity.

    Returns:
        The trained `DomainClassifier`; its `history` holds Keras' per-epoch metrics.

    Raises:
        ValueError: if `x`, `y` or an option is invalid (the message names it).
    """
    x = check_images(x, "x", min_rank=4, max_rank=4)
    num_classes = _infer_num_classes(y)
    y = check_labels(y, num_classes, "y", len(x))
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    shift = check_non_negative(shift, "shift")
    if shift >= 0.5:
        raise ValueError(f"`shift` must be in [0, 0.5), got {shift}.")
    if check_non_negative(learning_rate, "learning_rate") == 0:
        raise ValueError(f"`learning_rate` must be > 0, got {learning_rate}.")
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"`name` must be a non-empty string without '/', got {name!r}.")
    validation = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("`validation_data` must be a tuple (x_val, y_val).")
        x_val = check_images(validation_data[0], "validation_data[0]", min_rank=4, max_rank=4)
        check_shape_matches(x_val, x.shape[1:], "validation_data[0]")
        y_val = check_labels(validation_data[1], num_classes, "validation_data[1]", len(x_val))
        validation = (x_val, y_val)

    feature_dim = check_positive_int(feature_dim, "feature_dim")
    filters = tuple(check_positive_int(width, "filters") for width in filters)
    network = build_classifier_network(x.shape[1:], num_classes, filters=filters,
                                       feature_dim=feature_dim, name=name, seed=seed)
    trainer = keras.Sequential([keras.Input(x.shape[1:])], name=f"{name}_trainer")
    if shift > 0:
        trainer.add(keras.layers.RandomTranslation(
            shift, shift, fill_mode="nearest", seed=_stream_seed(seed, "shift")))
    trainer.add(network)
    steps = epochs * -(-len(x) // batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    trainer.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    data = (
        tf.data.Dataset.from_tensor_slices((x, y))
        .shuffle(len(x), seed=_stream_seed(seed, "shuffle"), reshuffle_each_iteration=True)
        .batch(batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )
    history = trainer.fit(
        data, epochs=epochs, validation_data=validation, shuffle=False, verbose=verbose
    )
    classifier = DomainClassifier(network)
    classifier.history = {key: [float(v) for v in values] for key, values in
                          history.history.items()}
    return classifier


def build_classifier_network(
    input_shape: tuple[int, ...],
    num_classes: int,
    *,
    filters: tuple[int, ...] = (32, 64, 96, 128),
    feature_dim: int = 128,
    dropout: float = 0.3,
    name: str = "domain_classifier",
    seed: int = 0,
) -> keras.Model:
    """Builds the untrained convnet of `train_feature_extractor`.

    Each entry of `filters` is a 3x3 convolution, batch normalisation and ReLU, followed
    (except the last) by 2x2 max-pooling while the image is at least 4 pixels across;
    then global average pooling, the `"features"` layer (`feature_dim` ReLU units),
    dropout, and the softmax `"probabilities"` layer.

    Example:

    ```python
    network = build_classifier_network((28, 28, 1), 10)
    network.count_params()    # 203,690
    ```

    Args:
        input_shape: `(height, width, channels)` of the images.
        num_classes: int >= 2.
        filters: convolution widths, one block each.
        feature_dim: int >= 1, the length of the feature vectors.
        dropout: float in [0, 1), dropout rate before the softmax layer.
        name: str, the model's name.
        seed: int, seed of the initial weights and the dropout masks.

    Returns:
        An uncompiled functional `keras.Model` from images in [0, 1] to probabilities.
    """
    inputs = keras.Input(tuple(int(size) for size in input_shape), name="images")
    x = inputs
    side = min(int(size) for size in input_shape[:2])
    for index, width in enumerate(filters):
        x = keras.layers.Conv2D(
            width, 3, padding="same", use_bias=False, name=f"conv{index + 1}",
            kernel_initializer=keras.initializers.HeNormal(_stream_seed(seed, "weights", index)),
        )(x)
        # momentum 0.9: the moving statistics settle within ~50 steps, so a short
        # training on a small set is usable in inference mode too.
        x = keras.layers.BatchNormalization(momentum=0.9, name=f"norm{index + 1}")(x)
        x = keras.layers.ReLU(name=f"relu{index + 1}")(x)
        if index < len(filters) - 1 and side >= 4:
            x = keras.layers.MaxPooling2D(2, padding="same", name=f"pool{index + 1}")(x)
            side = -(-side // 2)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dense(
        feature_dim, activation="relu", name=FEATURES_LAYER,
        kernel_initializer=keras.initializers.HeNormal(
            _stream_seed(seed, "weights", len(filters))),
    )(x)
    x = keras.layers.Dropout(dropout, seed=_stream_seed(seed, "dropout"), name="dropout")(x)
    outputs = keras.layers.Dense(
        num_classes, activation="softmax", name="probabilities",
        kernel_initializer=keras.initializers.GlorotUniform(
            _stream_seed(seed, "weights", len(filters) + 1)),
    )(x)
    return keras.Model(inputs, outputs, name=name)


def _infer_num_classes(y: Any) -> int:
    if y is None or isinstance(y, (str, bytes, dict)):
        raise TypeError(f"`y` must be an array of class labels, got {type(y).__name__}.")
    labels = as_numpy(y)
    if labels.ndim == 2 and labels.shape[1] > 1:
        num_classes = labels.shape[1]
    elif labels.size and np.issubdtype(labels.dtype, np.number) and np.all(np.isfinite(labels)):
        num_classes = int(np.max(labels)) + 1
    else:
        raise ValueError(
            f"`y` must hold integer class labels 0 .. num_classes - 1, got shape "
            f"{labels.shape} and dtype {labels.dtype}."
        )
    if num_classes < 2:
        raise ValueError(
            f"`y` must hold at least 2 classes (labels 0 .. num_classes - 1), got labels up "
            f"to {num_classes - 1}."
        )
    return num_classes

