"""Mode coverage of every adversarial family with `compile()`'s defaults on 2-D mixtures.

The check behind the vector rows of `keras_genmodels/models/defaults.py`: for each family,
data set and seed, `Model(latent_dim=8, seed=s)` (ConditionalGAN: `num_classes=K`, trained
on `(x, y)`), `compile()` with no argument, `fit(x, epochs=40, batch_size=256)` on
`kg.datasets.load(name)`, then `kg.metrics.mode_coverage` of 2000 samples (seed 0; a
conditional model draws labels `0..K-1` in turn). Prints one line per run and the minimum
over seeds per family and data set.

```bash
python benchmarks/defaults_coverage.py                           # every family, both sets
python benchmarks/defaults_coverage.py --families GAN WGAN --datasets ring8 --seeds 0 1 2
python benchmarks/defaults_coverage.py --families WGAN \
    --table '{"WGAN": {"*": ["RMSprop", {"learning_rate": 5e-4}]}}'   # try another row
python benchmarks/defaults_coverage.py --families GAN --datasets grid25 \
    --model-kwargs '{"clusters": null}'                             # the plain GAN
```

Options: `--families`, `--datasets`, `--seeds` (0..4), `--epochs` (40), `--batch-size`
(256), `--samples` (2000), `--latent-dim` (8), `--table JSON` (vector rows to use instead
of the package's, family -> slot -> [optimizer class, kwargs]), `--model-kwargs JSON`
(extra constructor arguments, e.g. `{"real_batches": "fresh"}`), `--json PATH`.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_genmodels as kg  # noqa: E402
from keras_genmodels.models import defaults  # noqa: E402

FAMILIES = ("GAN", "ConditionalGAN", "WGAN", "WGANGP", "VAEGAN")
TABLE_FAMILY = {"ConditionalGAN": "GAN"}


def coverage_run(
    family: str,
    dataset: str,
    seed: int,
    epochs: int = 40,
    batch_size: int = 256,
    samples: int = 2000,
    latent_dim: int = 8,
    **model_kwargs,
) -> dict:
    """Trains one model with `compile()`'s defaults and returns its mode coverage."""
    (x, y), _ = kg.datasets.load(dataset)
    centers, std = kg.datasets.mode_centers(dataset)
    keras.utils.set_random_seed(seed)
    conditional = family == "ConditionalGAN"
    if conditional:
        model = kg.ConditionalGAN(
            latent_dim=latent_dim, num_classes=len(centers), seed=seed, **model_kwargs
        )
    else:
        model = getattr(kg, family)(latent_dim=latent_dim, seed=seed, **model_kwargs)
    model.compile()
    start = time.perf_counter()
    model.fit(x, y if conditional else None, epochs=epochs, batch_size=batch_size, verbose=0)
    seconds = time.perf_counter() - start
    labels = np.arange(samples) % len(centers) if conditional else None
    result = kg.metrics.mode_coverage(model.sample(samples, seed=0, labels=labels), centers, std)
    return {
        "family": family,
        "dataset": dataset,
        "seed": seed,
        "modes_covered": result["modes_covered"],
        "num_modes": result["num_modes"],
        "high_quality_fraction": round(result["high_quality_fraction"], 3),
        "kl_to_uniform": round(result["kl_to_uniform"], 3),
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="+", default=list(FAMILIES), choices=FAMILIES)
    parser.add_argument("--datasets", nargs="+", default=["ring8", "grid25"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--latent-dim", type=int, default=8)
    parser.add_argument("--table", type=json.loads, default=None)
    parser.add_argument("--model-kwargs", type=json.loads, default={})
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    for family, row in (args.table or {}).items():
        defaults.OPTIMIZER_DEFAULTS[family]["vector"] = {
            slot: (name, kwargs) for slot, (name, kwargs) in row.items()
        }
    runs = []
    for family in args.families:
        for dataset in args.datasets:
            for seed in args.seeds:
                run = coverage_run(
                    family,
                    dataset,
                    seed,
                    args.epochs,
                    args.batch_size,
                    args.samples,
                    args.latent_dim,
                    **args.model_kwargs,
                )
                runs.append(run)
                print(json.dumps(run), flush=True)
            covered = [
                r["modes_covered"]
                for r in runs
                if r["family"] == family and r["dataset"] == dataset
            ]
            print(
                f"{family:15s} {dataset:7s} min {min(covered)} "
                f"/ {runs[-1]['num_modes']}  all {covered}",
                flush=True,
            )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "runs": runs}, f, indent=1)


if __name__ == "__main__":
    main()
