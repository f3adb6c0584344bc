"""The latent codes a model's pictures are drawn from: their size and their origin.

The latent callbacks and widgets move through the codes that `model.sample_latent`
returns and `model.generate_batched` decodes. For most models these are the prior's `z`,
of size `latent_dim`, centred on zero; a StyleGAN working in W space has codes of size
`w_dim` centred on its average `w`. `code_size` and `code_origin` hide the difference.

Example:

```python
from keras_genmodels.latent_codes import code_origin, code_size

code_size(vae)     # vae.latent_dim
code_origin(vae)   # zeros, (vae.latent_dim,) float32
```
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["code_origin", "code_size"]


def code_size(model: Any) -> int:
    """Size of the codes `model.sample_latent` returns and `model.generate_batched` takes:
    the model's `code_dim` if it has one (a StyleGAN working in W space: `w_dim`), else
    its `latent_dim`."""
    return int(getattr(model, "code_dim", None) or model.latent_dim)


def code_origin(model: Any) -> np.ndarray:
    """The code the latent tools start from: the model's `latent_origin()` if it has one
    (a StyleGAN in W space: the average `w`), else zeros, `(code_size(model),)` float32."""
    origin = getattr(model, "latent_origin", None)
    if callable(origin):
        return np.asarray(origin(), np.float32).reshape([code_size(model)])
    return np.zeros(code_size(model), np.float32)
