"""The package's model families, each a subclassed `keras.Model`."""

from keras_genmodels.models.base import GenerativeModel
from keras_genmodels.models.vae import VAE, ConditionalVAE

__all__ = ["GenerativeModel", "VAE", "ConditionalVAE"]
