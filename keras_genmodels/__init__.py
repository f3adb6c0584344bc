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

import os as _os

from keras_genmodels.backend_check import check_backend_env as _check_backend_env

_check_backend_env()

from keras_genmodels import quiet_start as _quiet_start  # noqa: E402

# Only the command: a library user importing the package sees TensorFlow's own output.
# The filter must run before anything imports TensorFlow (see quiet_start.py).
if _quiet_start.started_as_command() and _os.environ.get("TF_CPP_MIN_LOG_LEVEL") != "0":
    _quiet_start.start_tensorflow_quietly()

from keras_genmodels.backend_check import check_loaded_backend as _check_loaded_backend  # noqa: E402

_check_loaded_backend()

from keras_genmodels import (  # noqa: E402
    applications,
    callbacks,
    datasets,
    distributions,
    images,
    losses,
    metrics,
    networks,
    precision,
)

# The comparison sits on the top floor; `kg.compare` is its function (the package
# `keras_genmodels.compare` stays importable with `from keras_genmodels.compare import ...`).
from keras_genmodels.compare import compare  # noqa: E402
from keras_genmodels.models import (  # noqa: E402
    GAN,
    VAE,
    VAEGAN,
    WGAN,
    WGANGP,
    ConditionalGAN,
    ConditionalVAE,
    CycleGAN,
    GenerativeModel,
    StyleGAN,
)

__version__ = "0.1.0"


def __getattr__(name: str):
    # `kg.distribute` is imported on first use: imported here eagerly, it would make
    # `python -m keras_genmodels.distribute` warn that the module was already loaded.
    # `kg.widgets` too: it needs the notebook extras (ipywidgets), and without them its
    # import raises an ImportError that names the extra to install (so it is not in
    # `__all__`: `from keras_genmodels import *` works without the extras).
    if name in ("distribute", "widgets"):
        import importlib

        return importlib.import_module(f"keras_genmodels.{name}")
    raise AttributeError(f"module 'keras_genmodels' has no attribute {name!r}")


__all__ = [
    "GAN",
    "VAE",
    "VAEGAN",
    "WGAN",
    "WGANGP",
    "ConditionalGAN",
    "ConditionalVAE",
    "CycleGAN",
    "GenerativeModel",
    "StyleGAN",
    "applications",
    "callbacks",
    "compare",
    "datasets",
    "distribute",
    "distributions",
    "images",
    "losses",
    "metrics",
    "networks",
    "precision",
    "__version__",
]
