"""Network builders: functions returning functional `keras.Model`s.

Each builder checks its arguments, names its layers, and keeps its last layer in float32
so that logits and distribution parameters stay float32 under mixed precision. Models
choose among them from the data's shape with `default_vae_networks` and
`default_gan_networks`; pass your own `keras.Model` to a model to use anything else.

Example:

```python
from keras_genmodels import networks

encoder, decoder = networks.default_vae_networks((28, 28, 1), latent_dim=10)
critic = networks.build_dcgan_discriminator((28, 28, 1), spectral_normalization=True)
```
"""

from keras_genmodels.networks.conv import build_conv_decoder, build_conv_encoder
from keras_genmodels.networks.dcgan import (
    build_dcgan_discriminator,
    build_dcgan_generator,
    discriminator_features,
)
from keras_genmodels.networks.defaults import default_gan_networks, default_vae_networks
from keras_genmodels.networks.mlp import (
    build_mlp,
    build_mlp_discriminator,
    build_mlp_generator,
)
from keras_genmodels.networks.shape_checks import SUPPORTED_IMAGE_SIZES

__all__ = [
    "SUPPORTED_IMAGE_SIZES",
    "build_conv_decoder",
    "build_conv_encoder",
    "build_dcgan_discriminator",
    "build_dcgan_generator",
    "build_mlp",
    "build_mlp_discriminator",
    "build_mlp_generator",
    "default_gan_networks",
    "default_vae_networks",
    "discriminator_features",
]
