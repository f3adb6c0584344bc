"""The optimizers `compile()` gives each family when none is passed.

Image data keep the settings of each family's paper; vector data (2-D mixtures, tabular
features) get settings measured on `ring8` and `grid25` (see the README's "Defaults").
A model picks the table row from the shape of its data, like its networks: `compile()`
before the data is seen is resolved again when the networks are built.

Five model arguments follow the data the same way (`DATA_DEFAULTS`), resolved by
`models.data_defaults.DataDefaults` when the networks are built from the data's shape (an
explicit argument is never replaced; `get_config` keeps `"auto"` and the value it took,
which a restored model keeps): `ema_decay="auto"` of the GANs (`EMA_DECAY_DEFAULTS`: no
moving average for images, 0.99 for vectors), `clip_value="auto"` of `WGAN`
(`CLIP_VALUE_DEFAULTS`: the paper's 0.01 for images, 0.05 for vectors),
`gradient_penalty_weight="auto"` of `WGANGP` (`PENALTY_WEIGHT_DEFAULTS`: the paper's 10
for images, 1 for vectors), `clusters="auto"` of the GANs and `VAEGAN`
(`CLUSTERS_DEFAULTS`) and `likelihood="auto"` of the VAEs (`LIKELIHOOD_DEFAULTS`:
Bernoulli for images, a learned-scale Gaussian for vectors).

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
    # vectors: a 20x larger step; with the vector clip of 0.05 (CLIP_VALUE_DEFAULTS) and
    # the generator's moving average it covered 8/8 ring8 modes on seeds 0-2 (7, 7, 4 with
    # clip 0.1), where RMSprop(5e-4) and clip 0.01 covered 3/8 (6/8 with the average)
    "WGAN": {
        "image": {"*": ("RMSprop", {"learning_rate": 5e-5})},
        "vector": {"*": ("RMSprop", {"learning_rate": 1e-3})},
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


#: data kind -> the decay of the generator's moving average that `ema_decay="auto"` (the
#: default of `GAN`, `ConditionalGAN`, `WGAN`, `WGANGP`) takes; `None`: no average.
#: Vectors: in 40 epochs on ring8/grid25 the averaged generator covered as many modes or
#: more (GAN grid25 13 -> 15, WGAN-GP grid25 17 -> 20, WGAN ring8 3 -> 6, seed 0) and its
#: samples were sharper (README, "Defaults"). Images keep the papers' plain generator.
EMA_DECAY_DEFAULTS: dict[str, float | None] = {"image": None, "vector": 0.99}


#: data kind -> the critic's weight clip that `WGAN(clip_value="auto")` (the default)
#: takes: the paper's 0.01 for images; 0.05 for vectors, where 0.01 leaves a small MLP
#: critic too weak to separate sharp modes, and 0.1 covered 7, 7 and 4 of the 8 ring8 modes
#: on seeds 0-2 against 8, 8, 8 with 0.05 (README, "Defaults").
CLIP_VALUE_DEFAULTS: dict[str, float] = {"image": 0.01, "vector": 0.05}


#: data kind -> the gradient penalty's weight `lambda` that
#: `WGANGP(gradient_penalty_weight="auto")` (the default) takes: the paper's 10 for images;
#: 1 for vectors, where 10 kept the critic too smooth to pull samples onto sharp modes in
#: 40 epochs (ring8: 5/8 modes, 0.5% of samples within 3 std of a centre; with 1: 8/8,
#: 71%, seed 0; README, "Defaults").
PENALTY_WEIGHT_DEFAULTS: dict[str, float] = {"image": 10.0, "vector": 1.0}


#: data kind -> the number of data clusters a GAN conditions on with `clusters="auto"`
#: (the default of `GAN`, `WGAN`, `WGANGP` with their default networks and prior):
#: self-conditioning (Liu et al., 2020) for vectors, where it took `grid25` from 12-20 of
#: the 25 modes to 25 in 40 epochs; none for images, which keep the papers' unconditional
#: GANs. 50 over-clusters the 25 modes of `grid25` (each mode takes whole clusters).
CLUSTERS_DEFAULTS: dict[str, int | None] = {"image": None, "vector": 50}


#: data kind -> the likelihood `VAE(likelihood="auto")` (the default of `VAE` and
#: `ConditionalVAE`) takes, as `distributions.get_likelihood` specs: Bernoulli for images
#: in [0, 1] (the papers' choice for MNIST-like data); for vectors, which may take any
#: value, a Gaussian whose per-dimension scale is learned by the decoder (a Bernoulli is
#: no density of unbounded data, and a fixed scale sets the reconstruction/KL trade-off by
#: hand).
LIKELIHOOD_DEFAULTS: dict[str, dict[str, Any]] = {
    "image": {"name": "bernoulli"},
    "vector": {"name": "gaussian", "scale": "learned"},
}

#: data kind -> the KL warm-up `VAE(kl_warmup_steps="auto")` (the default) takes, in
#: optimizer steps: none for images (as the papers' MNIST VAEs); 400 for vectors, where
#: without it the learned-scale Gaussian decoder explains the 2-D mixtures by its scale and
#: the posterior collapses (KL 0.02-0.3 nats, samples one blob). Measured with `VAE(16)`,
#: `compile()`, 40 epochs at batch 256 (1,600 steps), seeds 0-2, modes covered / recall
#: of 2,000 samples: no warm-up ring8 2/8, grid25 1/25 (seed 0); 200 steps 8, 8, 6 and 21,
#: 19, 20; 400 steps 8, 8, 8 (recall 0.93-0.99) and 25, 22, 14 (recall 0.90-1.0); 800 steps
#: 7, 7, 6 and 16, 14, 17. The GANs' vector rows had the same kind of sweep on these sets.
KL_WARMUP_DEFAULTS: dict[str, int] = {"image": 0, "vector": 400}

#: The families whose `precision="auto"` trains in mixed bfloat16 where the hardware
#: computes it natively (`keras_genmodels.precision`): those whose bfloat16 quality was
#: measured no worse than float32's at the same steps and seeds
#: (`benchmarks/precision_quality.py`, 256 steps of 64 mnist10k digits, seeds 0-2, AMD
#: EPYC with AVX512-BF16, 7 December 2026): VAE test IWAE NLL 144.7 +- 3.1 nats in
#: bfloat16 against 147.9 +- 4.0 in float32, ConditionalVAE 134.9 +- 2.6 against
#: 138.3 +- 4.2; DCGAN FID (mnist10k features) 78.5 +- 30.7 against 80.0 +- 13.9, WGAN-GP
#: 86.1 +- 9.0 against 83.6 +- 7.6, ConditionalGAN 84.3 +- 25.4 against 86.3 +- 46.5,
#: VAE-GAN 156.1 +- 11.9 against 160.4 +- 17.8, WGAN (weight clipping) 111.3 +- 8.2
#: against 111.3 +- 8.7 (within the seed spread, which at 256 steps is wide for the
#: GANs: weak evidence, to be measured again at a plateau). There
#: the default (bfloat16) trained 1.26x (VAE), 1.30x (DCGAN) and 1.36x (WGAN-GP) faster
#: than the keras.io twins in float32 (`benchmarks/precision_speed.py`, paired steps).
#: The other families stay float32 under "auto" until measured (they train
#: in bfloat16 with `precision="mixed_bfloat16"`), and so does every family on vectors,
#: where nothing was measured (`ModelPrecision.auto_precision`).
NATIVE_BFLOAT16_FAMILIES: frozenset[str] = frozenset(
    {"VAE", "ConditionalVAE", "GAN", "ConditionalGAN", "WGAN", "WGANGP", "VAEGAN"})

#: argument -> data kind -> what its `"auto"` means. The one table `DataDefaults`
#: resolves every data-dependent default from (a family may narrow a row, e.g. `clusters`
#: only for its default networks).
DATA_DEFAULTS: dict[str, dict[str, Any]] = {
    "ema_decay": EMA_DECAY_DEFAULTS,
    "clip_value": CLIP_VALUE_DEFAULTS,
    "gradient_penalty_weight": PENALTY_WEIGHT_DEFAULTS,
    "clusters": CLUSTERS_DEFAULTS,
    "likelihood": LIKELIHOOD_DEFAULTS,
    "kl_warmup_steps": KL_WARMUP_DEFAULTS,
}


def data_default(argument: str, data_kind: str) -> Any:
    """What `argument="auto"` means for `data_kind` (`"image"` or `"vector"`) data.

    Example:

    ```python
    data_default("gradient_penalty_weight", "vector")   # 1.0
    ```
    """
    return DATA_DEFAULTS[argument][data_kind]


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
