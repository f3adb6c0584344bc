"""Perceptual path length: how smoothly a model's outputs change along its latent space.

A smooth latent space maps a small step in `z` to a small change of the output. Karras et
al. (2019, "A Style-Based Generator Architecture for GANs") measure it as the expected
squared distance, in a perceptual feature space, between the outputs at two nearby points
of random interpolation paths, divided by the squared step.

#### Mathematical Details

For latent codes `z_1, z_2 ~ p(z)`, `t ~ U(0, 1)`, a step `epsilon`, the generator `g` and
a feature map `phi`:

```none
PPL = E[ || phi(g(lerp(z_1, z_2, t))) - phi(g(lerp(z_1, z_2, t + epsilon))) ||^2 ] / epsilon^2
```

As in the paper, the pairs below the 1st and above the 99th percentile are discarded
before averaging. Karras et al. use VGG features with LPIPS weights; here `phi` is any
`FeatureExtractor` (the shipped domain classifiers make it comparable across machines),
or the raw data when `extractor=None`. Lower is smoother.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_genmodels.validation import check_non_negative, check_positive_int

__all__ = ["perceptual_path_length"]


def perceptual_path_length(
    model: Any,
    extractor: Any = None,
    num_pairs: int = 512,
    epsilon: float = 1e-2,
    seed: int = 0,
    batch_size: int = 256,
) -> float:
    """Perceptual path length of a model's latent space (Karras et al. 2019).

    Example:

    ```python
    kg.metrics.perceptual_path_length(vae, extractor="mnist10k", num_pairs=256)   # 41.7
    ```

    Args:
        model: a built model of the package (anything with `sample_latent` and
            `generate_batched`); conditional models get the labels `0, 1, 2, ...` in turn.
        extractor: the feature space (see `kg.metrics.resolve_extractor`); `None`
            compares the raw outputs.
        num_pairs: int >= 2, interpolation pairs.
        epsilon: float > 0, the step along each path.
        seed: seed of the codes and of the positions `t`.
        batch_size: examples per generation and feature batch.

    Returns:
        The path length, a float >= 0.

    Raises:
        TypeError: if `model` cannot sample codes and generate from them.
        ValueError: if a count or `epsilon` is out of range.
    """
    for method in ("sample_latent", "generate_batched"):
        if not callable(getattr(model, method, None)):
            raise TypeError(f"`model` must be a model of the package (with `{method}`), got "
                            f"{type(model).__name__}.")
    num_pairs = check_positive_int(num_pairs, "num_pairs", minimum=2)
    epsilon = check_non_negative(epsilon, "epsilon")
    if not 0.0 < epsilon < 1.0:
        raise ValueError(f"`epsilon` must be in (0, 1), got {epsilon}.")
    seed = check_positive_int(seed, "seed", minimum=0)
    from keras_genmodels.metrics.features import resolve_extractor

    extractor = resolve_extractor(extractor)
    z_1 = np.asarray(model.sample_latent(num_pairs, seed=seed), np.float32)
    z_2 = np.asarray(model.sample_latent(num_pairs, seed=seed + 1), np.float32)
    t = np.random.default_rng(seed).uniform(0.0, 1.0 - epsilon, size=(num_pairs, 1))
    start = z_1 + t.astype(np.float32) * (z_2 - z_1)
    end = z_1 + (t + epsilon).astype(np.float32) * (z_2 - z_1)
    labels = None
    if getattr(model, "conditional", False):
        labels = (np.arange(num_pairs) % int(model.num_classes)).astype(np.int32)
    outputs = [model.generate_batched(z, labels, batch_size) for z in (start, end)]
    if extractor is None:
        features = [o.reshape(num_pairs, -1).astype(np.float64) for o in outputs]
    else:
        features = [extractor.features(o, batch_size=batch_size).astype(np.float64)
                    for o in outputs]
    distances = np.sum((features[0] - features[1]) ** 2, axis=1) / epsilon**2
    low, high = np.percentile(distances, [1, 99])
    kept = distances[(distances >= low) & (distances <= high)]
    return float(np.mean(kept))
