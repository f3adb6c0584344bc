"""Shared pieces of the application benchmarks: small networks, timing, tables, JSON.

The three `applications_*.py` benchmarks train small dense models on the packaged
mnist10k digits (8000 training, 2000 test), so that each runs in about ten minutes on two
CPU cores; the networks are here so that all three use the same ones.
"""

from __future__ import annotations

import json
import os
import platform
import time
from typing import Any

import keras
import numpy as np

import keras_genmodels as kg

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def mlp_vae(latent_dim: int, num_classes: int | None = None, hidden: int = 400,
            seed: int = 0, likelihood: str = "auto") -> kg.VAE:
    """A dense VAE (or ConditionalVAE) for 28x28x1 digits, Bernoulli likelihood (the
    images' "auto" default) unless `likelihood` names another: one hidden layer of
    `hidden` ReLU units each side (Kingma & Welling, 2014). A conditional encoder reads
    the one-hot label from one pixel of its label channels."""
    keras.utils.set_random_seed(seed)
    params_per_dim = 2 if likelihood == "discretized_logistic" else 1
    conditional = num_classes or 0
    inputs = keras.Input((28, 28, 1 + conditional))
    features = keras.layers.Flatten()(inputs[..., :1])
    if conditional:
        features = keras.layers.Concatenate()([features, inputs[:, 0, 0, 1:]])
    hidden_layer = keras.layers.Dense(hidden, activation="relu")(features)
    encoder = keras.Model(inputs, keras.layers.Dense(2 * latent_dim)(hidden_layer))
    decoder = keras.Sequential([
        keras.Input((latent_dim + conditional,)),
        keras.layers.Dense(hidden, activation="relu"), keras.layers.Dense(784 * params_per_dim),
        keras.layers.Reshape((28, 28, params_per_dim))])
    if num_classes:
        return kg.ConditionalVAE(latent_dim, num_classes=num_classes, encoder=encoder,
                                 decoder=decoder, likelihood=likelihood, seed=seed)
    return kg.VAE(latent_dim, encoder=encoder, decoder=decoder, likelihood=likelihood,
                  seed=seed)


def mlp_conditional_gan(latent_dim: int, num_classes: int, hidden: int = 256,
                        seed: int = 0) -> kg.ConditionalGAN:
    """A dense ConditionalGAN for 28x28x1 digits: generator `[z, y] -> tanh` pixels,
    discriminator `[pixels, y] -> logit` (it reads the label from one pixel of its label
    channels), LeakyReLU, two hidden layers each."""
    keras.utils.set_random_seed(seed)
    generator = keras.Sequential([
        keras.Input((latent_dim + num_classes,)),
        keras.layers.Dense(hidden), keras.layers.LeakyReLU(0.2),
        keras.layers.Dense(2 * hidden), keras.layers.LeakyReLU(0.2),
        keras.layers.Dense(784, activation="tanh"), keras.layers.Reshape((28, 28, 1))])
    inputs = keras.Input((28, 28, 1 + num_classes))
    features = keras.layers.Concatenate()([keras.layers.Flatten()(inputs[..., :1]),
                                           inputs[:, 0, 0, 1:]])
    h = keras.layers.LeakyReLU(0.2)(keras.layers.Dense(2 * hidden)(features))
    h = keras.layers.LeakyReLU(0.2)(keras.layers.Dense(hidden)(h))
    discriminator = keras.Model(inputs, keras.layers.Dense(1)(h))
    return kg.ConditionalGAN(latent_dim, num_classes=num_classes, generator=generator,
                             discriminator=discriminator, seed=seed)


def machine() -> dict[str, Any]:
    return {"platform": platform.platform(), "cpus": os.cpu_count(),
            "keras_genmodels": getattr(kg, "__version__", "?")}


class Clock:
    """Seconds since construction."""

    def __init__(self):
        self.start = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.start


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table; floats printed with 4 significant digits."""
    def cell(value):
        return f"{value:.4g}" if isinstance(value, float) else str(value)
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write_json(path: str | None, results: dict[str, Any]) -> None:
    if path:
        with open(path, "w") as handle:
            json.dump(results, handle, indent=2, default=float)
        print(f"\nwrote {path}")


def load_digits() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """mnist10k: 8000 training and 2000 test digits, float32 NHWC in [0, 1]."""
    return kg.datasets.load("mnist10k")


FASHION_MNIST = "/usr/share/datasets/fashion-mnist"  # Debian's dataset-fashion-mnist


def load_fashion_mnist(folder: str = FASHION_MNIST, train: int = 8000, test: int = 2000
                       ) -> tuple[np.ndarray, np.ndarray] | None:
    """The first `train` training and `test` test images of Fashion-MNIST (the sizes of
    mnist10k) from the original idx files, float32 NHWC in [0, 1]; `None` when the folder
    lacks them."""
    if not os.path.isdir(folder):
        return None
    try:
        (x_train, _), (x_test, _) = kg.datasets.load("fashion_mnist", path=folder)
    except FileNotFoundError:
        return None
    return x_train[:train], x_test[:test]
