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
import re as _re
import sys as _sys
import tempfile as _tempfile

from keras_genmodels.backend_check import check_backend_env as _check_backend_env

_check_backend_env()

# Lines TensorFlow's C++ runtime writes to stderr while it starts on a machine without a
# GPU, and on CPUs where it uses oneDNN its note that it does. TF_CPP_MIN_LOG_LEVEL does
# not hide them (absl logs them before its logging is initialised), so the
# `keras-genmodels` command filters them out itself.
_STARTUP_NOISE = _re.compile(
    r"All log messages before absl::InitializeLog\(\)|cudart_stub\.cc|Could not find cuda "
    r"drivers|failed call to cuInit|cpu_feature_guard\.cc|This TensorFlow binary is "
    r"optimized|To enable the following instructions|Unable to register cu(DNN|FFT|BLAS) "
    r"factory|TF-TRT Warning|computation_placer\.cc|port\.cc:\d+\] oneDNN custom operations"
)


def _started_as_command() -> bool:
    """Whether this process is the `keras-genmodels` command (console script or -m)."""
    script = _os.path.basename(_sys.argv[0]) if _sys.argv else ""
    if script in ("keras-genmodels", "keras-genmodels.exe", "keras-genmodels-script.py"):
        return True
    argv = list(getattr(_sys, "orig_argv", ()))
    return script == "-m" and any(
        a == "-m" and b == "keras_genmodels.cli" for a, b in zip(argv, argv[1:], strict=False))


def _start_tensorflow_quietly() -> None:
    """Imports TensorFlow and finds its devices with the C++ start-up lines filtered out
    of stderr (any other line is passed on); later INFO/WARNING lines are hidden by
    TF_CPP_MIN_LOG_LEVEL=2 unless the user set another level."""
    _os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    _sys.stderr.flush()
    saved = _os.dup(2)
    with _tempfile.TemporaryFile() as captured:
        _os.dup2(captured.fileno(), 2)
        try:
            import tensorflow

            tensorflow.config.list_physical_devices()  # where cuInit fails without a GPU
        finally:
            _sys.stderr.flush()
            _os.dup2(saved, 2)
            _os.close(saved)
            captured.seek(0)
            for line in captured.read().decode(errors="replace").splitlines(keepends=True):
                if not _STARTUP_NOISE.search(line):
                    _sys.stderr.write(line)


# Only the command: a library user importing the package sees TensorFlow's own output.
if _started_as_command() and _os.environ.get("TF_CPP_MIN_LOG_LEVEL") != "0":
    _start_tensorflow_quietly()

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
    if name == "distribute":
        import importlib

        return importlib.import_module("keras_genmodels.distribute")
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
    "__version__",
]
