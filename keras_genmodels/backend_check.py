"""Checks, at import time, that Keras runs on the TensorFlow backend.

Every model in this package overrides `train_step` with TensorFlow code and uses
`tensorflow_probability`, so another Keras backend cannot work. The check runs before
Keras is imported (so a misconfigured `KERAS_BACKEND` gives our message rather than a
failure inside Keras) and again after (a `~/.keras/keras.json` can pick the backend too).
"""

from __future__ import annotations

import os

_FIX = (
    "keras_genmodels needs Keras 3 on the TensorFlow backend. "
    "Unset KERAS_BACKEND or set it with `export KERAS_BACKEND=tensorflow` "
    "(and check the \"backend\" entry of ~/.keras/keras.json) before importing keras."
)


def check_backend_env() -> None:
    """Raises `ImportError` if `KERAS_BACKEND` names a backend other than TensorFlow."""
    requested = os.environ.get("KERAS_BACKEND")
    if requested and requested.strip().lower() != "tensorflow":
        raise ImportError(f"KERAS_BACKEND is {requested!r}. {_FIX}")


def check_loaded_backend() -> None:
    """Raises `ImportError` if the imported Keras runs on a backend other than TensorFlow."""
    import keras

    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise ImportError(f"Keras is using the {backend!r} backend. {_FIX}")
