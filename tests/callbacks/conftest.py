"""Tiny models trained once per session with the picture callbacks, and event readers."""

from __future__ import annotations

import math
from types import SimpleNamespace

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator

import keras_genmodels as kg
from keras_genmodels.networks import (
    build_conv_decoder,
    build_conv_encoder,
    build_dcgan_discriminator,
    build_dcgan_generator,
)

IMAGE_SHAPE = (28, 28, 1)


def images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(size=(n, *IMAGE_SHAPE)).astype("float32")


def grid_size(count: int, nrow: int, height: int = 28, width: int = 28, padding: int = 2):
    """`(height, width)` of `make_grid(count images, nrow)`: its documented formula."""
    cols, rows = min(nrow, count), math.ceil(count / nrow)
    return rows * height + (rows + 1) * padding, cols * width + (cols + 1) * padding


def tiny_vae(latent_dim: int = 4, num_classes: int | None = None) -> kg.VAE:
    extra = num_classes or 0
    encoder = build_conv_encoder((28, 28, 1 + extra), 2 * latent_dim, filters=(8, 16),
                                 dense_units=32)
    decoder = build_conv_decoder(latent_dim + extra, IMAGE_SHAPE, filters=(16, 8),
                                 dense_units=32)
    if num_classes:
        model = kg.ConditionalVAE(latent_dim, num_classes=num_classes, encoder=encoder,
                                  decoder=decoder, seed=0)
    else:
        model = kg.VAE(latent_dim, encoder=encoder, decoder=decoder, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(5e-3))
    return model


def tiny_gan(latent_dim: int = 8) -> kg.GAN:
    model = kg.GAN(latent_dim,
                   generator=build_dcgan_generator(latent_dim, IMAGE_SHAPE, filters=(16, 8)),
                   discriminator=build_dcgan_discriminator(IMAGE_SHAPE, filters=(8, 16)),
                   seed=0)
    model.compile()
    return model


def read_images(log_dir) -> dict[str, list[tuple[int, np.ndarray]]]:
    """Every image summary under `log_dir`: `{tag: [(step, uint8 HWC array), ...]}`."""
    accumulator = event_accumulator.EventAccumulator(str(log_dir),
                                                     size_guidance={"tensors": 0})
    accumulator.Reload()
    found = {}
    for tag in accumulator.Tags()["tensors"]:
        events = accumulator.Tensors(tag)
        values = [tf.make_ndarray(e.tensor_proto) for e in events]
        if values[0].ndim != 1 or values[0].shape[0] < 3:
            continue  # not an image summary: [width, height, png, ...]
        found[tag] = [(e.step, tf.image.decode_png(v[2]).numpy())
                      for e, v in zip(events, values, strict=True)]
    return found


def read_texts(log_dir) -> dict[str, list[tuple[int, str]]]:
    """Every text summary under `log_dir`: `{tag: [(step, text), ...]}`."""
    accumulator = event_accumulator.EventAccumulator(str(log_dir),
                                                     size_guidance={"tensors": 0})
    accumulator.Reload()
    found = {}
    for tag in accumulator.Tags()["tensors"]:
        values = [(e.step, tf.make_ndarray(e.tensor_proto)) for e in accumulator.Tensors(tag)]
        if values[0][1].ndim == 0:
            found[tag] = [(step, value.item().decode()) for step, value in values]
    return found


@pytest.fixture(scope="session")
def callback_helpers():
    return SimpleNamespace(images=images, grid_size=grid_size, read_images=read_images,
                           read_texts=read_texts, tiny_vae=tiny_vae, tiny_gan=tiny_gan)


@pytest.fixture(scope="session")
def vae_run(tmp_path_factory):
    """A tiny VAE trained 2 epochs with every callback writing to one log_dir."""
    keras.utils.set_random_seed(0)
    log_dir = tmp_path_factory.mktemp("vae_run")
    x = images(64)
    x_ref = x[:6]
    model = tiny_vae()
    callbacks = SimpleNamespace(
        samples=kg.callbacks.SampleGrid(log_dir, num_samples=10, png_dir=log_dir / "png"),
        reconstructions=kg.callbacks.ReconstructionGrid(log_dir, x_ref),
        traversal=kg.callbacks.LatentTraversal(log_dir, x_ref=x[:32], steps=5),
        interpolation=kg.callbacks.LatentInterpolation(log_dir, (x[:3], x[3:6]), steps=4,
                                                       method="linear"),
        projector=kg.callbacks.EmbeddingProjector(log_dir / "projector", x[:50],
                                                  labels=np.arange(50) % 10),
    )
    model.fit(x, epochs=2, batch_size=32, verbose=0, callbacks=list(vars(callbacks).values()))
    return SimpleNamespace(model=model, log_dir=log_dir, x=x, x_ref=x_ref, callbacks=callbacks,
                           images=read_images(log_dir), texts=read_texts(log_dir))


@pytest.fixture(scope="session")
def gan_run(tmp_path_factory):
    """A tiny GAN trained 2 epochs with the callbacks that need no encoder."""
    keras.utils.set_random_seed(0)
    log_dir = tmp_path_factory.mktemp("gan_run")
    model = tiny_gan()
    rng = np.random.default_rng(1)
    z_a, z_b = rng.normal(size=(3, 8)), rng.normal(size=(3, 8))
    callbacks = SimpleNamespace(
        samples=kg.callbacks.SampleGrid(log_dir, num_samples=9),
        traversal=kg.callbacks.LatentTraversal(log_dir, max_dims=5, steps=4),
        interpolation=kg.callbacks.LatentInterpolation(log_dir, (z_a, z_b), steps=6),
    )
    model.fit(images(64), epochs=2, batch_size=32, verbose=0,
              callbacks=list(vars(callbacks).values()))
    return SimpleNamespace(model=model, log_dir=log_dir, z_a=z_a, z_b=z_b,
                           callbacks=callbacks, images=read_images(log_dir))


@pytest.fixture(scope="session")
def cvae_run(tmp_path_factory):
    """A tiny ConditionalVAE (3 classes) trained 2 epochs with every callback."""
    keras.utils.set_random_seed(0)
    log_dir = tmp_path_factory.mktemp("cvae_run")
    x, y = images(64), np.arange(64) % 3
    model = tiny_vae(num_classes=3)
    callbacks = SimpleNamespace(
        samples=kg.callbacks.SampleGrid(log_dir, num_samples=12),
        reconstructions=kg.callbacks.ReconstructionGrid(log_dir, x[:4], labels=y[:4]),
        traversal=kg.callbacks.LatentTraversal(log_dir, x_ref=x[:8], label=1, min_kl=0.0),
        interpolation=kg.callbacks.LatentInterpolation(log_dir, (x[:2], x[2:4]),
                                                       labels=[0, 2]),
        projector=kg.callbacks.EmbeddingProjector(log_dir, x[:20], labels=y[:20]),
    )
    model.fit(x, y, epochs=2, batch_size=32, verbose=0,
              callbacks=list(vars(callbacks).values()))
    return SimpleNamespace(model=model, log_dir=log_dir, x=x, y=y, callbacks=callbacks,
                           images=read_images(log_dir))
