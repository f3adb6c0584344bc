"""What each family's defaults are, and what tuning they got, for the comparison's report.

A comparison of defaults is a comparison of the effort spent on them as much as of the
families, so the report says, beside the numbers, what every compared family's defaults
resolve to on the comparison's data and on the 2-D mixtures (read from the models
themselves, `models.defaults`) and how they were chosen (`TUNING`, from the measurements
recorded in `models/defaults.py` and the README's "Defaults").

Example:

```python
rows = defaults_rows({"VAE": "vae", "GAN": "gan"}, data_shape=(28, 28, 1))
rows[0]   # ['VAE', 'Adam(learning_rate=0.001); ...', '...', 'images: none ...']
```
"""

from __future__ import annotations

from typing import Any

from keras_genmodels.compare.runs import FAMILIES

__all__ = ["TUNING", "defaults_rows"]

#: class name -> (how its image defaults were chosen, how its vector defaults were).
TUNING: dict[str, tuple[str, str]] = {
    "VAE": ("none on mnist10k: Adam(1e-3), the Bernoulli likelihood, no KL warm-up (the "
            "usual MNIST VAE)",
            "KL warm-up swept over 0, 200, 400 and 800 steps on ring8 and grid25, seeds 0-2 "
            "(400 kept); learning rate, likelihood and latent size not swept"),
    "ConditionalVAE": ("as VAE", "as VAE"),
    "GAN": ("none on mnist10k: DCGAN's Adam(2e-4, beta_1=0.5) (Radford et al., 2016)",
            "learning rate 2e-4 -> 2e-3 on ring8 (1/8 modes with the paper's); moving "
            "average 0.99 on ring8/grid25, seed 0; self-conditioning (50 clusters) on grid25, "
            "seeds 0-2; for the plain GAN 12 more changes tried on grid25, seeds 0-1 (R1, "
            "discriminator steps, PacGAN, minibatch discrimination, spectral norm, instance "
            "noise, dropout, hinge and least-squares losses, a mixture prior, ...), none kept"),
    "ConditionalGAN": ("as GAN", "as GAN, without self-conditioning (it has labels)"),
    "WGAN": ("none on mnist10k: the paper's RMSprop(5e-5), clip 0.01",
             "learning rate 20x the paper's; clip 0.01, 0.05 and 0.1 on ring8, seeds 0-2 "
             "(0.05 kept); moving average and self-conditioning as GAN"),
    "WGANGP": ("none on mnist10k: the paper's Adam(1e-4, 0, 0.9), penalty weight 10",
               "the paper's toy-experiment Adam with a 10x step; penalty weight 10 -> 1 on "
               "ring8, seed 0 (5/8 -> 8/8 modes); moving average and self-conditioning as "
               "GAN"),
    "VAEGAN": ("none on mnist10k: DCGAN's Adam(2e-4, beta_1=0.5)",
               "Adam(1e-3, beta_1=0.5); self-conditioning checked on ring8/grid25, seeds 0-2"),
}


def _optimizer(model: Any, kind: str) -> str:
    from keras_genmodels.models.defaults import OPTIMIZER_DEFAULTS

    row = OPTIMIZER_DEFAULTS.get(getattr(model, "optimizer_family", ""), {}).get(kind, {})
    parts = []
    for slot, (name, kwargs) in row.items():
        arguments = ", ".join(f"{k}={v:g}" for k, v in kwargs.items())
        parts.append(f"{'' if slot == '*' else slot + ' '}{name}({arguments})")
    return "; ".join(parts) or "-"


def _resolved(spec: str, data_shape: tuple[int, ...]) -> str:
    import keras_genmodels as kg

    class_name, latent_dim = FAMILIES[spec.lower()]
    model = getattr(kg, class_name)(latent_dim=latent_dim, data_shape=tuple(data_shape))
    kind = "image" if len(data_shape) == 3 else "vector"
    resolved = model.auto_arguments_config()["data_defaults"]
    words = [_optimizer(model, kind)]
    for name, value in resolved.items():
        if isinstance(value, dict):
            value = ", ".join(f"{v}" for v in value.values())
        words.append(f"{name} {value}")
    return "; ".join(words)


def defaults_rows(specs: dict[str, Any], data_shape: tuple[int, ...]) -> list[list[str]]:
    """One row per compared model: name, its defaults on `data_shape` and on the 2-D
    mixtures, and the tuning they got (`"as given"` for your own models)."""
    rows = []
    for name, spec in specs.items():
        if not (isinstance(spec, str) and spec.lower() in FAMILIES):
            rows.append([name, "as given", "as given", "your model: not a family default"])
            continue
        class_name = FAMILIES[spec.lower()][0]
        images, vectors = TUNING.get(class_name, ("not recorded", "not recorded"))
        resolved = []
        for shape in (data_shape, (2,)):
            try:
                resolved.append(_resolved(spec, shape))
            except (ValueError, TypeError) as error:  # no default networks for this shape
                resolved.append(f"not built: {error}")
        rows.append([name, *resolved, f"comparison data: {images}. Mixtures: {vectors}"])
    return rows
