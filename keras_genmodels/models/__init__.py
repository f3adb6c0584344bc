"""The package's model families, each a subclassed `keras.Model`.

Each name is re-exported by an explicit `import X as X` (PEP 484's re-export form), and
`__all__` is computed from them, so the public list is written once.
"""

from keras_genmodels.models.base import GenerativeModel as GenerativeModel
from keras_genmodels.models.clusters import DataClusters as DataClusters
from keras_genmodels.models.cyclegan import CycleGAN as CycleGAN
from keras_genmodels.models.gan import GAN as GAN
from keras_genmodels.models.gan import ConditionalGAN as ConditionalGAN
from keras_genmodels.models.schedules import LinearDecay as LinearDecay
from keras_genmodels.models.stylegan import StyleGAN as StyleGAN
from keras_genmodels.models.vae import VAE as VAE
from keras_genmodels.models.vae import ConditionalVAE as ConditionalVAE
from keras_genmodels.models.vaegan import VAEGAN as VAEGAN
from keras_genmodels.models.wgan import WGAN as WGAN
from keras_genmodels.models.wgan import WGANGP as WGANGP

__all__ = sorted(name for name, value in list(globals().items())
                 if isinstance(value, type) and not name.startswith("_"))
