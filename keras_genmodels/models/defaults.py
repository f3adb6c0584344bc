"""The optimizers `compile()` gives each family when none is passed.

Image data keep the settings of each family's paper; vector data (2-D mixtures, tabular
features) get settings measured on `ring8` and `grid25` (see the README's "Defaults").
A model picks the table row from the shape of its data, like its networks: `compile()`
before the data is seen is resolved again when the networks are built.

Example:

```python
from keras_genmodels.models.defaults import default_optimizers

optimizers = default_optimizers("WGANGP", ("g_optimizer", "d_optimizer"), "vector")
```
"""

from __future__ import annotations

from typing import Any

import keras

#: family -> data kind ("image" or "vector") -> slot -> (optimizer class name, kwargs).
#: A slot missing from a family's row takes the row's "*" entry.
OPTIMIZER_DEFAULTS: dict[str, dict[str, dict[str, tuple[str, dict[str, Any]]]]] = {
    "VAE": {
        "image": {"*": ("Adam", {"learning_rate": 1e-3})},
        "vector": {"*": ("Adam", {"learning_rate": 1e-3})},
    },
    # Radford et al. (2016)
    # vectors: a 10x larger step; the paper's 2e-4 covers 1 of 8 ring modes in 40 epochs
    "GAN": {
        "image": {"*": ("Adam", {"learning_rate": 2e-4, "beta_1": 0.5})},
        "vector": {"*": ("Adam", {"learning_rate": 2e-3, "beta_1": 0.5})},
    },
    # Arjovsky et al. (2017), Algorithm 1
    # vectors: a 10x larger step (coverage measured in the README's "Defaults")
    "WGAN": {
        "image": {"*": ("RMSprop", {"learning_rate": 5e-5})},
        "vector": {"*": ("RMSprop", {"learning_rate": 5e-4})},
    },
    # Gulrajani et al. (2017), Algorithm 1
    # vectors: the setting of the paper's own toy experiments (gan_toy.py: beta_1 0.5)
    # with a 10x larger step
    "WGANGP": {
        "image": {"*": ("Adam", {"learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.9})},
        "vector": {"*": ("Adam", {"learning_rate": 1e-3, "beta_1": 0.5, "beta_2": 0.9})},
    },
    # The DCGAN setting the default networks are tuned for (Larsen et al. used RMSprop(3e-4))
    "VAEGAN": {
        "image": {"*": ("Adam", {"learning_rate": 2e-4, "beta_1": 0.5})},
        "vector": {"*": ("Adam", {"learning_rate": 1e-3, "beta_1": 0.5})},
    },
}


def default_optimizers(
    family: str, slots: tuple[str, ...], data_kind: str
) -> dict[str, keras.optimizers.Optimizer]:
    """New optimizers for each of `slots`, from `OPTIMIZER_DEFAULTS[family][data_kind]`.

    Args:
        family: a key of `OPTIMIZER_DEFAULTS` (e.g. `"GAN"`).
        slots: the model's optimizer slots (e.g. `("g_optimizer", "d_optimizer")`).
        data_kind: `"image"` or `"vector"`.

    Returns:
        A dict slot -> a fresh `keras.optimizers.Optimizer`.
    """
    row = OPTIMIZER_DEFAULTS[family][data_kind]
    optimizers = {}
    for slot in slots:
        name, kwargs = row[slot] if slot in row else row["*"]
        optimizers[slot] = getattr(keras.optimizers, name)(**kwargs)
    return optimizers
