"""The package's model families, each a subclassed `keras.Model`."""

from keras_genmodels.models.base import GenerativeModel
from keras_genmodels.models.clusters import DataClusters
from keras_genmodels.models.cyclegan import CycleGAN
from keras_genmodels.models.gan import GAN, ConditionalGAN
from keras_genmodels.models.schedules import LinearDecay
from keras_genmodels.models.stylegan import StyleGAN
from keras_genmodels.models.vae import VAE, ConditionalVAE
from keras_genmodels.models.vaegan import VAEGAN
from keras_genmodels.models.wgan import WGAN, WGANGP

__all__ = [
    "GAN",
    "VAE",
    "VAEGAN",
    "WGAN",
    "WGANGP",
    "ConditionalGAN",
    "ConditionalVAE",
    "CycleGAN",
    "DataClusters",
    "GenerativeModel",
    "LinearDecay",
    "StyleGAN",
]
