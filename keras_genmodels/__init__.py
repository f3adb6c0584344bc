"""keras_genmodels: generative models for Keras 3 on TensorFlow and TensorFlow Probability.

Example:

```python
import keras_genmodels as kg

(x_train, _), (x_test, _) = kg.datasets.load("shapes")
vae = kg.VAE(latent_dim=8)
vae.compile()
vae.fit(x_train, epochs=2, batch_size=128)
images = vae.sample(16, seed=0)
```
"""

from keras_genmodels.backend_check import check_backend_env as _check_backend_env

_check_backend_env()

from keras_genmodels.backend_check import check_loaded_backend as _check_loaded_backend  # noqa: E402

_check_loaded_backend()

from keras_genmodels import callbacks, datasets, distributions, images, losses, metrics, networks  # noqa: E402
from keras_genmodels.models import (  # noqa: E402
    GAN,
    VAE,
    VAEGAN,
    WGAN,
    WGANGP,
    ConditionalGAN,
    ConditionalVAE,
    GenerativeModel,
)

__version__ = "0.1.0"

__all__ = [
    "GAN",
    "VAE",
    "VAEGAN",
    "WGAN",
    "WGANGP",
    "ConditionalGAN",
    "ConditionalVAE",
    "GenerativeModel",
    "callbacks",
    "datasets",
    "distributions",
    "images",
    "losses",
    "metrics",
    "networks",
    "__version__",
]
