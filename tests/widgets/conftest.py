"""Tiny untrained models for the widget tests (the widgets only decode and encode)."""

from __future__ import annotations

import numpy as np
import pytest

import keras_genmodels as kg
from keras_genmodels.networks import (
    build_conv_decoder,
    build_conv_encoder,
    build_dcgan_discriminator,
    build_dcgan_generator,
)

IMAGE = (28, 28, 1)


def image_batch(n: int, seed: int = 0) -> np.ndarray:
    """`n` random 28x28 grayscale images in [0, 1]."""
    return np.random.default_rng(seed).uniform(size=(n, *IMAGE)).astype("float32")


def conv_vae(latent_dim: int = 3, num_classes: int | None = None) -> kg.VAE:
    """A conv VAE with a few hundred weights per layer, built for 28x28x1 images."""
    extra = num_classes or 0
    networks = dict(
        encoder=build_conv_encoder((28, 28, 1 + extra), 2 * latent_dim, filters=(4, 8),
                                   dense_units=16),
        decoder=build_conv_decoder(latent_dim + extra, IMAGE, filters=(8, 4), dense_units=16),
        seed=0, data_shape=IMAGE)
    if num_classes:
        return kg.ConditionalVAE(latent_dim, num_classes=num_classes, **networks)
    return kg.VAE(latent_dim, **networks)


@pytest.fixture(scope="session")
def vae():
    return conv_vae()


@pytest.fixture(scope="session")
def cvae():
    return conv_vae(num_classes=3)


@pytest.fixture(scope="session")
def gan():
    return kg.GAN(4, generator=build_dcgan_generator(4, IMAGE, filters=(8, 4)),
                  discriminator=build_dcgan_discriminator(IMAGE, filters=(4, 8)),
                  seed=0, data_shape=IMAGE)


@pytest.fixture(scope="session")
def vector_vae():
    return kg.VAE(2, data_shape=(16,), seed=0)


@pytest.fixture(scope="session")
def point_gan():
    """A GAN of 2-D points (default MLP networks)."""
    return kg.GAN(2, data_shape=(2,), seed=0)


@pytest.fixture(scope="session")
def x():
    return image_batch(12)
