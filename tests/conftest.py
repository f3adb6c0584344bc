"""Shared fixtures: the real MNIST digits shipped in the package, and small trained models."""

from __future__ import annotations

import os
from pathlib import Path

import keras
import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The suite's numbers are float32 arithmetic whatever the CPU: `precision="auto"` takes
# float32 as on a machine without bfloat16 units (subprocesses inherit it). The tests of
# bfloat16 itself pass `precision=` or set the variable (tests/test_precision.py).
os.environ.setdefault("KERAS_GENMODELS_NATIVE_BFLOAT16", "0")

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def mnist10k_path() -> Path:
    """The packaged mnist10k `.npz` (uint8, Keras' layout), for code that reads files."""
    from keras_genmodels.datasets import packaged_path

    return packaged_path("mnist10k")


@pytest.fixture(scope="session")
def mnist():
    """((x_train, y_train), (x_test, y_test)) from the packaged mnist10k: 8000 and 2000
    real digits, float32 NHWC in [0, 1], int32 labels."""
    import keras_genmodels as kg

    return kg.datasets.load("mnist10k")


@pytest.fixture
def small_vae_networks():
    """A factory of tiny conv encoder/decoder pairs for 28x28x1 images."""
    from keras_genmodels.networks import build_conv_decoder, build_conv_encoder

    def make(latent_dim: int, conditional_dim: int = 0, params_per_dim: int = 1):
        encoder = build_conv_encoder((28, 28, 1 + conditional_dim), 2 * latent_dim,
                                     filters=(8, 16), dense_units=64)
        decoder = build_conv_decoder(latent_dim + conditional_dim, (28, 28, params_per_dim),
                                     filters=(16, 8), dense_units=64)
        return encoder, decoder

    return make


@pytest.fixture(scope="session")
def trained_vae(mnist):
    """A small VAE trained for 4 epochs on the 8000 mnist10k digits (shared, do not mutate)."""
    import keras_genmodels as kg
    from keras_genmodels.networks import build_conv_decoder, build_conv_encoder

    keras.utils.set_random_seed(0)
    (x_train, _), _ = mnist
    encoder = build_conv_encoder((28, 28, 1), 16, filters=(16, 32), dense_units=128)
    decoder = build_conv_decoder(8, (28, 28, 1), filters=(32, 16), dense_units=128)
    vae = kg.VAE(8, encoder=encoder, decoder=decoder, seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(x_train, epochs=4, batch_size=64, verbose=0)
    return vae


@pytest.fixture(scope="session")
def mnist_classifier():
    """The digit classifier shipped in the package (98.8% on the mnist10k test split), to
    check what generated digits look like."""
    import keras_genmodels as kg

    return kg.metrics.domain_classifier("mnist10k")


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)
