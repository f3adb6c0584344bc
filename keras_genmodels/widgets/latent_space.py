"""Which latent dimensions matter: a VAE's dimensions ranked by KL, and posterior means.

A VAE's posterior collapses onto the prior in some dimensions ("inactive units"): moving
such a dimension barely changes the decoded output. `rank_dimensions` orders dimensions
by their KL from the prior averaged over some data (the examples given, else the model's
own samples encoded back), the measure `kg.callbacks.LatentTraversal` uses, and splits
them into active (KL >= `min_kl` nats) and inactive ones. Models without an encoder
(GANs), or whose posterior or prior does not factorise per dimension, keep the natural
order with every dimension active.

Example:

```python
from keras_genmodels.widgets.latent_space import rank_dimensions

ranking = rank_dimensions(vae, x_test[:256])
ranking.active, ranking.kl        # e.g. [3, 0, 7], array of 8 KLs in nats
```
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from keras_genmodels import distributions as kgd
from keras_genmodels.callbacks.latent import rank_by_kl
from keras_genmodels.latent_codes import code_size
from keras_genmodels.validation import as_numpy, check_non_negative, check_positive_int


@dataclasses.dataclass(frozen=True)
class DimensionRanking:
    """Latent dimensions ordered by importance.

    Example:

    ```python
    DimensionRanking(order=[1, 0], kl=np.array([0.001, 2.3]), active=[1], inactive=[0])
    ```

    Args:
        order: every dimension, most informative first.
        kl: average KL per dimension in nats, or `None` when not measured.
        active: dimensions with KL >= the threshold (at least one), in `order`.
        inactive: the others, in `order`.
    """

    order: list[int]
    kl: np.ndarray | None
    active: list[int]
    inactive: list[int]


def can_encode(model: Any) -> bool:
    """Whether `model` has a public `encode` (VAE, ConditionalVAE, VAEGAN).

    Example:

    ```python
    can_encode(kg.VAE(2)), can_encode(kg.GAN(2))     # (True, False)
    ```

    Args:
        model: any model of the package.

    Returns:
        A bool.
    """
    return callable(getattr(model, "encode", None))


def posterior_means(model: Any, x: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
    """The posterior means `E[z | x]` of a batch, through `model.encode`.

    Example:

    ```python
    z = posterior_means(vae, x_test[:4], None)      # (4, latent_dim)
    ```

    Args:
        x: a batch `(n, *data_shape)`.
        labels: `(n,)` class labels (conditional models) or `None`.

    Returns:
        float32 array `(n, latent_dim)`.
    """
    return as_numpy(model.encode(x, labels).mean()).astype(np.float32)


def rank_dimensions(
    model: Any,
    x: np.ndarray | None = None,
    labels: np.ndarray | None = None,
    min_kl: float = 0.01,
    num_examples: int = 256,
    seed: int = 0,
) -> DimensionRanking:
    """Ranks a model's latent dimensions by their average KL from the prior.

    Example:

    ```python
    ranking = rank_dimensions(vae, x_test, min_kl=0.05)
    ```

    Args:
        model: a built model of the package.
        x: data to average the KL over (the first `num_examples` are used); `None`
            encodes `num_examples` of the model's own samples (drawn with `seed`).
        labels: class labels of `x` for conditional models.
        min_kl: float >= 0, nats below which a dimension is inactive.
        num_examples: int >= 1, how many examples to encode at most.
        seed: int >= 0, seed of the samples when `x` is `None`.

    Returns:
        A `DimensionRanking`.
    """
    min_kl = check_non_negative(min_kl, "min_kl")
    num_examples = check_positive_int(num_examples, "num_examples")
    natural = list(range(code_size(model)))
    if not can_encode(model):
        return DimensionRanking(natural, None, natural, [])
    if x is None:
        if getattr(model, "conditional", False):
            labels = np.arange(num_examples, dtype=np.int32) % model.num_classes
        x = model.sample(num_examples, seed=seed, labels=labels)
    x = x[:num_examples]
    labels = None if labels is None else labels[:num_examples]
    kl = kgd.kl_per_dimension(model.encode(x, labels), model.prior)
    if kl is None:
        return DimensionRanking(natural, None, natural, [])
    kl = as_numpy(kl).mean(axis=0)
    order, active = rank_by_kl(kl, min_kl)
    inactive = [d for d in order if d not in active]
    return DimensionRanking(order, kl, active, inactive)
