"""Perceptual path length: how smoothly a model's outputs change along its latent space.

A smooth latent space maps a small step in `z` to a small change of the output. Karras et
al. (2019, "A Style-Based Generator Architecture for GANs", section 4.2) measure it as the
expected squared distance, in a perceptual feature space, between the outputs at two
nearby points of random interpolation paths, divided by the squared step.

#### Mathematical Details

For codes `z_1, z_2` drawn as the model's `sample_latent` draws them, `t ~ U(0, 1)`, a
step `epsilon`, the generator `g` and a feature map `phi`:

```none
PPL = E[ || phi(g(c(t))) - phi(g(c(t + epsilon))) ||^2 ] / epsilon^2
```

where the path `c` is the paper's: in Z, the space of the prior's codes, the spherical
interpolation (Shoemake, 1985), with `omega = arccos(<z_1, z_2> / (|z_1| |z_2|))`,

```none
c(t) = sin((1 - t) omega) / sin(omega) z_1 + sin(t omega) / sin(omega) z_2,
```

and in StyleGAN's W (`kg.StyleGAN(latent_space="w")`, whose codes are `w = f(z)`) the
linear one, `c(t) = (1 - t) z_1 + t z_2`: the paper's `l_Z` and `l_W`, with its
`epsilon = 1e-4`. As in the paper's code, the pairs below the 1st percentile (rounded down to a
pair) and above the 99th (rounded up) are discarded before averaging. Karras et al. use
the LPIPS distance (itself a weighted squared distance of normalised VGG features); here
the squared distance of `phi`, any `FeatureExtractor` (the shipped domain classifiers make
it comparable across machines), or of the raw data when `extractor=None`. Lower is
smoother. Their code's slerp first projects both codes onto the unit sphere: StyleGAN's
mapping normalises `z`, so there the two paths differ only through the codes' unequal
norms, while for a generator that takes `z` as it is (a VAE's decoder, a GAN's
generator) the formula above keeps the codes at the norms the prior gives them.

The paths are computed in float64 and rounded once to the float32 codes the generator
takes, and the feature differences are taken in float64; what remains is the generator's
own float32 round-off, divided by `epsilon^2` like the signal: about
`P (u |g|)^2 / epsilon^2` for `P` outputs of size `|g|` and float32's `u = 6e-8`, some
3e-4 for 784 pixels in [0, 1] at the default step, well below the lengths of trained
models (the tests measure it against a float64 computation of the same network).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_genmodels.validation import check_choice, check_non_negative, check_positive_int

__all__ = ["perceptual_path_length"]

#: the values of `interpolation`; `"linear"` is `"lerp"` under `interpolate`'s name
INTERPOLATIONS = ("auto", "lerp", "linear", "slerp")


def perceptual_path_length(
    model: Any,
    extractor: Any = None,
    num_pairs: int = 512,
    epsilon: float = 1e-4,
    seed: int = 0,
    batch_size: int = 256,
    interpolation: str = "auto",
) -> float:
    """Perceptual path length of a model's latent space (Karras et al. 2019).

    Example:

    ```python
    kg.metrics.perceptual_path_length(vae, extractor="mnist10k", num_pairs=256)
    kg.metrics.perceptual_path_length(vae, interpolation="lerp", epsilon=1e-2)  # straight, longer
    ```

    Args:
        model: a built model of the package (anything with `sample_latent` and
            `generate_batched`); conditional models get the labels `0, 1, 2, ...` in turn.
        extractor: the feature space (see `kg.metrics.resolve_extractor`); `None`
            compares the raw outputs.
        num_pairs: int >= 2, interpolation pairs.
        epsilon: float in (0, 1), the step along each path; the paper's `1e-4` by
            default (this package took `1e-2` before 0.3).
        seed: seed of the codes and of the positions `t`.
        batch_size: examples per generation and feature batch.
        interpolation: the path between two codes: `"auto"` (default) follows the paper
            from the space of the model's codes, `"lerp"` (linear) for a StyleGAN whose
            `latent_space` is `"w"` and `"slerp"` (spherical) for codes of the prior;
            `"slerp"` or `"lerp"` (also spelled `"linear"`, as in `interpolate`)
            choose one (e.g. `"lerp"` for a prior that is not Gaussian, whose support
            a great circle may leave).

    Returns:
        The path length, a float >= 0.

    Raises:
        TypeError: if `model` cannot sample codes and generate from them.
        ValueError: if a count, `epsilon` or `interpolation` is out of range.
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
    path = _PATHS[_interpolation_of(model, interpolation)]
    from keras_genmodels.metrics.features import resolve_extractor

    extractor = resolve_extractor(extractor)
    z_1 = np.asarray(model.sample_latent(num_pairs, seed=seed), np.float64)
    z_2 = np.asarray(model.sample_latent(num_pairs, seed=seed + 1), np.float64)
    t = np.random.default_rng(seed).uniform(0.0, 1.0, size=(num_pairs, 1))
    # the path in float64, rounded to the generator's float32 once
    ends = [path(z_1, z_2, t).astype(np.float32), path(z_1, z_2, t + epsilon).astype(np.float32)]
    labels = None
    if getattr(model, "conditional", False):
        labels = (np.arange(num_pairs) % int(model.num_classes)).astype(np.int32)
    outputs = [model.generate_batched(z, labels, batch_size) for z in ends]
    if extractor is None:
        features = [o.reshape(num_pairs, -1).astype(np.float64) for o in outputs]
    else:
        features = [extractor.features(o, batch_size=batch_size).astype(np.float64)
                    for o in outputs]
    distances = np.sum((features[0] - features[1]) ** 2, axis=1) / epsilon**2
    low = np.percentile(distances, 1, method="lower")
    high = np.percentile(distances, 99, method="higher")
    return float(np.mean(distances[(distances >= low) & (distances <= high)]))


def _interpolation_of(model: Any, interpolation: str) -> str:
    """`"lerp"` or `"slerp"`: `interpolation`, with `"auto"` resolved from the space of
    the model's codes as the paper does (see the module notes)."""
    check_choice(interpolation, "interpolation", INTERPOLATIONS)
    if interpolation == "auto":
        return "lerp" if getattr(model, "latent_space", "z") == "w" else "slerp"
    return "lerp" if interpolation == "linear" else interpolation


def _lerp(z_1: np.ndarray, z_2: np.ndarray, t: np.ndarray) -> np.ndarray:
    return z_1 + t * (z_2 - z_1)


def _slerp(z_1: np.ndarray, z_2: np.ndarray, t: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(z_1, axis=1, keepdims=True) * np.linalg.norm(z_2, axis=1,
                                                                         keepdims=True)
    cos = np.sum(z_1 * z_2, axis=1, keepdims=True) / np.maximum(norms, 1e-300)
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    sin = np.sin(omega)
    # (anti)parallel codes have no plane to turn in: their path is the straight one
    parallel = sin < 1e-6
    sin = np.where(parallel, 1.0, sin)
    spherical = (np.sin((1.0 - t) * omega) * z_1 + np.sin(t * omega) * z_2) / sin
    return np.where(parallel, _lerp(z_1, z_2, t), spherical)


_PATHS = {"lerp": _lerp, "slerp": _slerp}
