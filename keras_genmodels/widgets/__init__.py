"""Interactive widgets for Jupyter notebooks: explore, interpolate, sample, watch training.

Each widget is a plain object holding one `ipywidgets` widget (`.widget`); a notebook
cell ending with the object shows it. They talk to models only through the public
methods (`sample_latent`, `generate_batched`, `encode`, `sample`), so they work for every
family of the package; images are shown as PNG, vector data as small plots. Controls
update on release and redraws are debounced, so dragging a slider decodes once per
settled value; `update()` redraws at once.

- `LatentExplorer(model, x=None)`: a slider per latent dimension (a VAE's inactive
  dimensions behind a toggle), random / reset / encode-this-example buttons.
- `Interpolator(model, x_a, x_b)` or `Interpolator(model, z_a=..., z_b=...)`: linear or
  slerp path, a slider along it, the whole strip.
- `ConditionalSampler(model)`: class, number of samples, seed, truncation, re-sample.
- `Traversal(model, x)`: one row per latent dimension over an adjustable span.
- `LiveTraining(every_n_batches=50)`: a callback showing samples and loss curves during
  `fit`, leaving a static PNG when it ends.
- `tensorboard(logdir)`: a TensorBoard server shown inline.

Needs the notebook extras: `pip install "keras-genmodels[notebooks]"` (ipywidgets 8,
matplotlib). `import keras_genmodels` does not import this package: `kg.widgets` loads it
on first use, and without the extras that (or `import keras_genmodels.widgets`) raises an
`ImportError` saying what to install.

Example:

```python
import keras_genmodels as kg

vae = kg.VAE(latent_dim=8)
vae.compile()
vae.fit(x_train, epochs=5, callbacks=[kg.widgets.LiveTraining()])
kg.widgets.LatentExplorer(vae, x_test[:100])
```
"""

from keras_genmodels.widgets.optional import require as _require

_require("ipywidgets")
_require("matplotlib")

from keras_genmodels.widgets.explorer import LatentExplorer  # noqa: E402
from keras_genmodels.widgets.interpolator import Interpolator  # noqa: E402
from keras_genmodels.widgets.live import LiveTraining  # noqa: E402
from keras_genmodels.widgets.sampler import ConditionalSampler  # noqa: E402
from keras_genmodels.widgets.tensorboard import TensorBoardServer, tensorboard  # noqa: E402
from keras_genmodels.widgets.traversal import Traversal  # noqa: E402

__all__ = [
    "ConditionalSampler",
    "Interpolator",
    "LatentExplorer",
    "LiveTraining",
    "TensorBoardServer",
    "Traversal",
    "tensorboard",
]
