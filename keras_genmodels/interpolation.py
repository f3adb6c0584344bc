"""Paths between latent codes: linear and spherical (slerp) interpolation.

Mathematical Details

Linear: `z(t) = (1 - t) z_a + t z_b`. Spherical (Shoemake, 1985; White, 2016, for
Gaussian latent spaces): with `omega = arccos(<z_a, z_b> / (|z_a| |z_b|))`,
`z(t) = sin((1 - t) omega) / sin(omega) z_a + sin(t omega) / sin(omega) z_b`, which keeps
codes at the norm typical of a high-dimensional Gaussian; it falls back to linear when
the codes are (anti)parallel.

Example:

```python
import numpy as np
from keras_genmodels.interpolation import interpolate_latents

path = interpolate_latents(np.zeros((2, 8)), np.ones((2, 8)), steps=5)   # (2, 5, 8)
```
"""

from __future__ import annotations

import numpy as np

from keras_genmodels.validation import as_numpy, check_choice, check_positive_int

INTERPOLATION_METHODS = ("linear", "slerp")


def interpolate_latents(z_a, z_b, steps: int = 8, method: str = "linear") -> np.ndarray:
    """Returns `steps` codes from `z_a` to `z_b` (both ends included).

    Args:
        z_a: codes of shape `(batch, latent_dim)`.
        z_b: codes of the same shape.
        steps: number of points on each path, >= 2.
        method: `"linear"` or `"slerp"`.

    Returns:
        float32 array `(batch, steps, latent_dim)`.
    """
    steps = check_positive_int(steps, "steps", minimum=2)
    check_choice(method, "method", INTERPOLATION_METHODS)
    z_a = as_numpy(z_a).astype(np.float64)
    z_b = as_numpy(z_b).astype(np.float64)
    if z_a.shape != z_b.shape or z_a.ndim != 2:
        raise ValueError(
            f"`z_a` and `z_b` must both have shape (batch, latent_dim), got {z_a.shape} "
            f"and {z_b.shape}."
        )
    t = np.linspace(0.0, 1.0, steps)[None, :, None]
    linear = (1.0 - t) * z_a[:, None] + t * z_b[:, None]
    if method == "linear":
        return linear.astype(np.float32)
    norms = np.linalg.norm(z_a, axis=1) * np.linalg.norm(z_b, axis=1)
    cos = np.sum(z_a * z_b, axis=1) / np.maximum(norms, 1e-12)
    omega = np.arccos(np.clip(cos, -1.0, 1.0))[:, None, None]
    sin = np.sin(omega)
    safe = np.abs(sin) > 1e-6
    sin = np.where(safe, sin, 1.0)
    spherical = (
        np.sin((1.0 - t) * omega) / sin * z_a[:, None] + np.sin(t * omega) / sin * z_b[:, None]
    )
    return np.where(safe, spherical, linear).astype(np.float32)
