"""What the comparison measures on a trained run, and on the 2-D mixtures.

Every number has a name, a direction and a unit in `MEASURES`, which the report uses for
its tables; a measurement a model cannot have (a GAN's reconstruction error) is `None`
with the reason in `unavailable`.

Example:

```python
values, unavailable = measure_run(run, suite, x_test, num_samples=2000)
values["fid"], unavailable.get("reconstruction_mse")   # 31.4, 'cannot reconstruct ...'
```
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from keras_genmodels.compare.runs import Budget, Run, train_run
from keras_genmodels.metrics.coverage import mode_coverage
from keras_genmodels.metrics.path_length import perceptual_path_length

__all__ = ["MEASURES", "Measure", "measure_mixture", "measure_run", "sharpness"]


@dataclass(frozen=True)
class Measure:
    """A measured quantity: its label in reports, whether lower is better, its unit."""

    label: str
    lower_is_better: bool
    unit: str = ""


MEASURES: dict[str, Measure] = {
    "train_seconds": Measure("training time", True, "s"),
    "seconds_per_epoch": Measure("time per epoch", True, "s"),
    "examples_per_second": Measure("training throughput", False, "examples/s"),
    "samples_per_second": Measure("sampling throughput", False, "samples/s"),
    "fid": Measure("FID (domain features)", True),
    "kid": Measure("KID (domain features)", True),
    "precision": Measure("precision (quality)", False),
    "recall": Measure("recall (diversity)", False),
    "density": Measure("density (quality)", False),
    "coverage": Measure("coverage (diversity)", False),
    "sharpness": Measure("sharpness vs real data", False, "ratio"),
    "reconstruction_mse": Measure("reconstruction error (MSE)", True),
    "iwae_nll": Measure("IWAE NLL", True, "nats"),
    "path_length": Measure("perceptual path length", True),
    "nonfinite_losses": Measure("NaN/inf loss values", True, "count"),
    "fid_relapses": Measure("FID relapses during training", True, "count"),
    "fid_spread": Measure("FID spread across seeds (std / mean)", True),
    "loss_spread": Measure("loss spread, last 20% of steps", True, "std"),
    "time_to_threshold": Measure("time to reach the FID threshold", True, "s"),
    "ring8_modes": Measure("ring8 modes covered (of 8)", False),
    "grid25_modes": Measure("grid25 modes covered (of 25)", False),
}
#: a FID this much above the best so far counts as a relapse.
RELAPSE_FACTOR = 1.1


def sharpness(images: np.ndarray) -> float:
    """Mean absolute discrete Laplacian of images (higher = more high-frequency detail).

    Blur lowers it; the report divides a model's by the real data's, so 1 means as sharp
    as the data and below 1 blurrier.
    """
    images = np.asarray(images, np.float64)
    laplacian = (images[:, :-2, 1:-1] + images[:, 2:, 1:-1] + images[:, 1:-1, :-2]
                 + images[:, 1:-1, 2:] - 4.0 * images[:, 1:-1, 1:-1])
    return float(np.mean(np.abs(laplacian)))


def _sampling_rate(model: Any, num_samples: int, labels: np.ndarray | None) -> float:
    model.sample(min(num_samples, 256), seed=0, labels=None if labels is None
                 else labels[: min(num_samples, 256)])  # traces the generator first
    started = time.perf_counter()
    model.sample(num_samples, seed=1, labels=labels)
    return num_samples / max(time.perf_counter() - started, 1e-9)


def _reconstruction(model: Any, x_test: np.ndarray, y_test: np.ndarray | None,
                    num_examples: int, seed: int) -> tuple[dict, dict]:
    values: dict[str, float | None] = {}
    unavailable: dict[str, str] = {}
    if not callable(getattr(model, "encode", None)):
        for key in ("reconstruction_mse", "iwae_nll"):
            values[key] = None
            unavailable[key] = "cannot reconstruct: no encoder"
        return values, unavailable
    x = x_test[:num_examples]
    labels = None if y_test is None or not model.conditional else y_test[:num_examples]
    values["reconstruction_mse"] = float(np.mean((model.reconstruct(x, labels) - x) ** 2))
    if callable(getattr(model, "decoder_params", None)) and hasattr(model, "likelihood"):
        from keras_genmodels.metrics.likelihood import importance_weighted_nll

        nll = importance_weighted_nll(model, x, num_samples=64, labels=labels, seed=seed)
        values["iwae_nll"] = float(nll["nll"])
    else:
        values["iwae_nll"] = None
        unavailable["iwae_nll"] = "no likelihood: the decoder is trained adversarially"
    return values, unavailable


def _stability(run: Run) -> dict[str, float]:
    losses = {k: np.asarray(v, np.float64) for k, v in run.losses.items() if v}
    nonfinite = sum(int(np.sum(~np.isfinite(v))) for v in losses.values())
    spread = {}
    for key, values in losses.items():
        tail = values[-max(2, len(values) // 5):]
        spread[key] = float(np.std(tail[np.isfinite(tail)])) if np.isfinite(tail).any() else np.nan
    fids = [p["fid"] for p in run.progress if "fid" in p]
    relapses = sum(1 for i in range(1, len(fids)) if fids[i] > RELAPSE_FACTOR * min(fids[:i]))
    main = next(iter(spread.values()), np.nan)
    return {"nonfinite_losses": float(nonfinite), "fid_relapses": float(relapses),
            "loss_spread": main, "loss_spreads": spread}


def measure_run(
    run: Run,
    suite: Any,
    x_test: np.ndarray,
    y_test: np.ndarray | None = None,
    num_samples: int = 2000,
    num_pairs: int = 256,
    batch_size: int = 256,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Measures a trained run: speed, sample quality, reconstruction, stability, smoothness.

    Args:
        run: a `Run` from `train_run`.
        suite: a `kg.metrics.MetricSuite` against the test set (FID, KID, precision/recall,
            density/coverage) in domain features.
        x_test, y_test: held-out data (labels for conditional models).
        num_samples: generated examples scored.
        num_pairs: interpolation pairs of the perceptual path length.
        batch_size: examples per batch.

    Returns:
        `(values, unavailable)`: the numbers keyed as in `MEASURES` (plus `loss_spreads`
        per loss, `epochs`, `steps`), and for each `None` value the reason.
    """
    model = run.model
    labels = None
    if getattr(model, "conditional", False):
        labels = (np.arange(num_samples) % int(model.num_classes)).astype(np.int32)
    values: dict[str, Any] = {
        "train_seconds": run.train_seconds,
        "seconds_per_epoch": run.train_seconds / max(run.epochs, 1),
        "examples_per_second": run.examples_per_second,
        "epochs": run.epochs,
        "steps": run.steps,
        "samples_per_second": _sampling_rate(model, num_samples, labels),
    }
    samples = model.sample(num_samples, seed=run.seed, labels=labels, batch_size=batch_size)
    values.update(suite.score_features(suite.features(samples, batch_size), seed=run.seed))
    unavailable: dict[str, str] = {}
    if samples.ndim == 4:
        values["sharpness"] = sharpness(samples) / max(sharpness(x_test[:num_samples]), 1e-12)
    else:
        values["sharpness"] = None
        unavailable["sharpness"] = "not images"
    recon, missing = _reconstruction(model, x_test, y_test, min(len(x_test), 512), run.seed)
    values.update(recon)
    unavailable.update(missing)
    values["path_length"] = perceptual_path_length(model, suite.extractor, num_pairs=num_pairs,
                                                   seed=run.seed, batch_size=batch_size)
    values.update(_stability(run))
    return values, unavailable


def measure_mixture(
    name: str,
    factory: Any,
    seed: int,
    mixture: str,
    budget: Budget,
    batch_size: int = 256,
    num_train: int | None = None,
    num_samples: int = 2000,
) -> dict[str, Any]:
    """Trains a new model of `factory` on a 2-D mixture and counts the modes it covers.

    Returns:
        `{"modes": covered, "num_modes": K, "high_quality_fraction": ..., "samples": (n, 2)}`,
        or `{"modes": None, "error": why}` when the model cannot train on 2-D vectors.
    """
    import keras_genmodels as kg

    (x, y), _ = kg.datasets.load(mixture)
    if num_train is not None:
        x, y = x[:num_train], y[:num_train]
    try:
        run = train_run(name, factory, seed, x, budget, y_train=y, batch_size=batch_size,
                        verbose=0)
    except (ValueError, TypeError) as error:  # e.g. a user's image-only model
        return {"modes": None, "error": f"could not train on {mixture}: {error}"}
    labels = None
    if getattr(run.model, "conditional", False):
        labels = (np.arange(num_samples) % int(run.model.num_classes)).astype(np.int32)
    samples = run.model.sample(num_samples, seed=seed, labels=labels)
    centers, std = kg.datasets.mode_centers(mixture)
    coverage = mode_coverage(samples, centers, std)
    return {"modes": int(coverage["modes_covered"]), "num_modes": int(coverage["num_modes"]),
            "high_quality_fraction": float(coverage["high_quality_fraction"]),
            "samples": samples}
