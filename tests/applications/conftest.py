"""Small models trained on mnist10k digits, shared by the application tests."""

from __future__ import annotations

import keras
import pytest


def mlp_vae_networks(latent_dim: int, conditional_dim: int = 0, hidden: int = 256,
                     params_per_dim: int = 1):
    """A dense encoder/decoder pair for 28x28x1 images: the fastest VAE that works. A
    conditional encoder reads the one-hot label from one pixel of its label channels
    (they are constant over the image), not from all 784 of them."""
    inputs = keras.Input((28, 28, 1 + conditional_dim))
    features = keras.layers.Flatten()(inputs[..., :1])
    if conditional_dim:
        features = keras.layers.Concatenate()([features, inputs[:, 0, 0, 1:]])
    hidden_layer = keras.layers.Dense(hidden, activation="relu")(features)
    encoder = keras.Model(inputs, keras.layers.Dense(2 * latent_dim)(hidden_layer))
    decoder = keras.Sequential([
        keras.Input((latent_dim + conditional_dim,)),
        keras.layers.Dense(hidden, activation="relu"), keras.layers.Dense(784 * params_per_dim),
        keras.layers.Reshape((28, 28, params_per_dim))])
    return encoder, decoder


def train_vae(x, epochs: int, latent_dim: int = 8, labels=None, num_classes=None,
              likelihood="auto"):
    import keras_genmodels as kg

    keras.utils.set_random_seed(0)
    conditional_dim = num_classes or 0
    encoder, decoder = mlp_vae_networks(
        latent_dim, conditional_dim,
        params_per_dim=2 if likelihood == "discretized_logistic" else 1)
    kind = kg.ConditionalVAE if num_classes else kg.VAE
    options = {"num_classes": num_classes} if num_classes else {}
    vae = kind(latent_dim, encoder=encoder, decoder=decoder, likelihood=likelihood, seed=0,
               **options)
    vae.compile(optimizer=keras.optimizers.Adam(2e-3))
    if labels is None:
        vae.fit(x, epochs=epochs, batch_size=64, verbose=0)
    else:
        vae.fit(x, labels, epochs=epochs, batch_size=64, verbose=0)
    return vae


@pytest.fixture(scope="session")
def vae_trainer():
    """`train_vae(x, epochs, latent_dim=8, labels=None, num_classes=None,
    likelihood="auto")`."""
    return train_vae


@pytest.fixture(scope="session")
def digits(mnist):
    """mnist10k as ((x_train, y_train), (x_test, y_test))."""
    return mnist


@pytest.fixture(scope="session")
def low_digits_vae(digits):
    """A dense VAE trained on the mnist10k training digits 0-4 only (the 'normal' half),
    4 epochs (~260 Adam steps)."""
    (x_train, y_train), _ = digits
    return train_vae(x_train[y_train < 5], epochs=4)


@pytest.fixture(scope="session")
def digits_vae(digits):
    """A dense VAE trained on all 8000 mnist10k training digits."""
    (x_train, _), _ = digits
    return train_vae(x_train, epochs=8, latent_dim=16)


@pytest.fixture(scope="session")
def digits_cvae(digits):
    """A dense ConditionalVAE trained on all 8000 mnist10k training digits."""
    (x_train, y_train), _ = digits
    return train_vae(x_train, epochs=6, labels=y_train, num_classes=10)
