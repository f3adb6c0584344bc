"""Fixtures for the network builder tests."""

import keras
import pytest


@pytest.fixture
def mixed_precision():
    """Runs a test under the `mixed_float16` global policy and always restores float32."""
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.fixture
def output_dtypes():
    """A function giving the dtype policy names of the layers that produce a model's outputs."""

    def dtypes(model: keras.Model) -> list[str]:
        return [output._keras_history.operation.dtype_policy.name for output in model.outputs]

    return dtypes
