"""What the comparison measures on a trained run, and on the 2-D mixtures.

Every number has a name, a direction and a unit in `MEASURES`, which the report uses for
its tables; a measurement a model cannot have (a GAN's IWAE NLL) is `None` with the reason
in `unavailable`.

Reconstruction is measured for every model on the same held-out examples, as the mean
absolute error per dimension: a model with an encoder decodes its code
(`reconstruct(x)`); a GAN, which has none, is inverted by the latent search of the anomaly
scores (`applications.anomaly_scores.latent_search_scores`, AnoGAN's search with the
feature weight 0: `min_z sum |x - G(z)|` by `RECONSTRUCTION_SEARCH_STEPS` Adam steps from a
prior draw), so Table 7's "high reconstruction loss" is a number that can come out
either way.

Example:

```python
values, unavailable = measure_run(run, suite, x_test, num_samples=2000)
values["fid"], values["reconstruction_error"]   # 31.4, 0.061
```
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from keras_genmodels.compare.runs import Budget, Run, train_run
from keras_genmodels.metrics.coverage import mode_coverage
from keras_genmodels.metrics.path_length import perceptual_path_length
from keras_genmodels.metrics.precision_recall import density_coverage, precision_recall

__all__ = ["MEASURES", "Measure", "measure_mixture", "measure_run", "mixture_reference",
           "sharpness", "sharpness_error"]


@dataclass(frozen=True)
class Measure:
    """A measured quantity: its label in reports, whether lower is better (`None`: no
    direction, shown only), its unit."""

    label: str
    lower_is_better: bool | None
    unit: str = ""


#: the mixtures' measures of a run, per mixture: `{mixture}_{key}` for the plain model
#: (a GAN without self-conditioning) and `{mixture}_{key}_self_conditioned` for the
#: family's self-conditioned default.
MIXTURE_KEYS = ("modes", "recall", "coverage")
SELF_CONDITIONED = "self_conditioned"


def _mixture_measures() -> dict[str, Measure]:
    measures = {}
    for mixture, num_modes in (("ring8", 8), ("grid25", 25)):
        for suffix, variant in (("", ""), (f"_{SELF_CONDITIONED}", ", self-conditioned")):
            measures[f"{mixture}_modes{suffix}"] = Measure(
                f"{mixture} modes covered (of {num_modes}){variant}", False)
            measures[f"{mixture}_recall{suffix}"] = Measure(
                f"{mixture} recall (2-D points){variant}", False)
            measures[f"{mixture}_coverage{suffix}"] = Measure(
                f"{mixture} coverage (2-D points){variant}", False)
    return measures


MEASURES: dict[str, Measure] = {
    "train_seconds": Measure("training time", True, "s"),
    "seconds_per_epoch": Measure("time per epoch", True, "s"),
    "examples_per_second": Measure("training throughput", False, "examples/s"),
    "samples_per_second": Measure("sampling throughput", False, "samples/s"),
    "fid": Measure("FID (domain features)", True),
    "fid_at_equal_compute": Measure(
        "FID during training, at the shortest run's training seconds (equal compute)", True),
    "kid": Measure("KID (domain features)", True),
    "precision": Measure("precision (quality)", False),
    "recall": Measure("recall (diversity)", False),
    "density": Measure("density (quality)", False),
    "coverage": Measure("coverage (diversity)", False),
    "sharpness": Measure("sharpness vs real data (1 = as sharp as the data)", None, "ratio"),
    "sharpness_error": Measure("sharpness off the real data's, |log ratio|", True),
    "reconstruction_error": Measure("reconstruction error (mean absolute, per dimension)",
                                    True),
    "iwae_nll": Measure("IWAE NLL", True, "nats"),
    "path_length": Measure("perceptual path length", True),
    "nonfinite_losses": Measure("NaN/inf loss values", True, "count"),
    "fid_relapse_rate": Measure("FID relapses per evaluation during training", True),
    "fid_spread": Measure("FID spread across seeds (std / mean; one number, not judged)",
                          True),
    "loss_spread": Measure("loss spread, last 20% of steps", True, "std"),
    "time_to_threshold": Measure("time to reach the FID threshold", True, "s"),
    **_mixture_measures(),
}
#: a FID this much above the best so far counts as a relapse.
RELAPSE_FACTOR = 1.1
#: held-out examples every model reconstructs (the latent search makes more slow on CPU).
RECONSTRUCTION_EXAMPLES = 128
#: the latent search that inverts a GAN: `AnomalyDetector`'s defaults for
#: `"latent_search"` (100 Adam steps at 0.05), with the feature weight 0 (pixels only).
RECONSTRUCTION_SEARCH_STEPS = 100
RECONSTRUCTION_SEARCH_LEARNING_RATE = 0.05


def sharpness(images: np.ndarray) -> float:
    """Mean absolute discrete Laplacian of images (higher = more high-frequency detail).

    Blur lowers it, noise raises it; the report divides a model's by the real data's, so
    1 means as sharp as the data, below 1 blurrier and above 1 noisier than the data, and
    scores `|log ratio|`, the distance from the data's own 1.
    """
    images = np.asarray(images, np.float64)
    laplacian = (images[:, :-2, 1:-1] + images[:, 2:, 1:-1] + images[:, 1:-1, :-2]
                 + images[:, 1:-1, 2:] - 4.0 * images[:, 1:-1, 1:-1])
    return float(np.mean(np.abs(laplacian)))


def sharpness_error(ratio: float) -> float:
    """`|log ratio|`: how far a sharpness ratio (model over data) is from the data's 1,
    whichever way; blurrier and noisier than the data score alike.

    Example:

    ```python
    sharpness_error(1.0), sharpness_error(2.0) == sharpness_error(0.5)   # 0.0, True
    ```
    """
    return abs(math.log(ratio)) if ratio > 0 else math.inf


def _sampling_rate(model: Any, num_samples: int, labels: np.ndarray | None) -> float:
    model.sample(min(num_samples, 256), seed=0, labels=None if labels is None
                 else labels[: min(num_samples, 256)])  # traces the generator first
    started = time.perf_counter()
    model.sample(num_samples, seed=1, labels=labels)
    return num_samples / max(time.perf_counter() - started, 1e-9)


def _reconstruction(model: Any, x_test: np.ndarray, y_test: np.ndarray | None,
                    num_examples: int, seed: int) -> tuple[dict, dict]:
    values: dict[str, Any] = {}
    unavailable: dict[str, str] = {}
    x = x_test[:num_examples]
    labels = None if y_test is None or not model.conditional else y_test[:num_examples]
    dims = int(np.prod(x.shape[1:]))
    if callable(getattr(model, "encode", None)):
        values["reconstruction_method"] = "encoder"
        error = np.abs(model.reconstruct(x, labels) - x).reshape(len(x), -1).mean(axis=1)
        values["reconstruction_error"] = float(np.mean(error))
    elif hasattr(model, "discriminator") and hasattr(model, "generator"):
        from keras_genmodels.applications.anomaly_scores import latent_search_scores

        values["reconstruction_method"] = "latent search"
        l1 = latent_search_scores(model, x, labels, 256, RECONSTRUCTION_SEARCH_STEPS,
                                  RECONSTRUCTION_SEARCH_LEARNING_RATE, 0.0, seed)
        values["reconstruction_error"] = float(np.mean(l1) / dims)
    else:
        values["reconstruction_method"] = None
        values["reconstruction_error"] = None
        unavailable["reconstruction_error"] = "no encoder and no generator to search"
    if callable(getattr(model, "decoder_params", None)) and hasattr(model, "likelihood"):
        from keras_genmodels.metrics.likelihood import likelihood_density

        is_density, note = likelihood_density(model.likelihood, x)
        if is_density is False:
            values["iwae_nll"] = None
            unavailable["iwae_nll"] = f"n/a ({note})"
        else:
            from keras_genmodels.metrics.likelihood import importance_weighted_nll

            nll = importance_weighted_nll(model, x, num_samples=64, labels=labels, seed=seed)
            values["iwae_nll"] = float(nll["nll"])
            values["iwae_density_note"] = note
    else:
        values["iwae_nll"] = None
        unavailable["iwae_nll"] = ("no likelihood: no encoder" if not hasattr(model, "encode")
                                   else "no likelihood: the decoder is trained adversarially")
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
    # per evaluation: the count alone grows with how often a model is measured
    rate = relapses / (len(fids) - 1) if len(fids) > 1 else None
    main = next(iter(spread.values()), np.nan)
    return {"nonfinite_losses": float(nonfinite), "fid_relapses": float(relapses),
            "fid_evaluations": len(fids), "fid_relapse_rate": rate,
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
        per loss, `epochs`, `steps`, `fid_relapses` and `fid_evaluations`,
        `reconstruction_method`), and for each `None` value the reason.
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
        "load_average": None if run.load_average is None else list(run.load_average),
        "stopped_by": run.stopped_by,
        "training_precision": getattr(model, "precision", None),
        "samples_per_second": _sampling_rate(model, num_samples, labels),
    }
    samples = model.sample(num_samples, seed=run.seed, labels=labels, batch_size=batch_size)
    values.update(suite.score_features(suite.features(samples, batch_size), seed=run.seed))
    unavailable: dict[str, str] = {}
    if samples.ndim == 4:
        ratio = sharpness(samples) / max(sharpness(x_test[:num_samples]), 1e-12)
        values["sharpness"] = ratio
        values["sharpness_error"] = sharpness_error(ratio)
    else:
        for key in ("sharpness", "sharpness_error"):
            values[key] = None
            unavailable[key] = "not images"
    recon, missing = _reconstruction(model, x_test, y_test,
                                     min(len(x_test), RECONSTRUCTION_EXAMPLES), run.seed)
    values.update(recon)
    unavailable.update(missing)
    values["path_length"] = perceptual_path_length(model, suite.extractor, num_pairs=num_pairs,
                                                   seed=run.seed, batch_size=batch_size)
    values.update(_stability(run))
    return values, unavailable


def mixture_reference(mixture: str, num_samples: int = 2000) -> dict[str, float]:
    """What held-out data score on a mixture: `num_samples` training points against the
    test points, as `measure_mixture` scores a model's samples (the ceiling of each
    measure at this sample size)."""
    import keras_genmodels as kg

    (x, _), (x_test, _) = kg.datasets.load(mixture)
    return _score_points(x[:num_samples], x_test[:num_samples], mixture)


def _score_points(points: np.ndarray, x_test: np.ndarray, mixture: str) -> dict[str, float]:
    import keras_genmodels as kg

    centers, std = kg.datasets.mode_centers(mixture)
    # a diverged model's NaN samples cover nothing; the finite ones are scored
    points = points[np.all(np.isfinite(points), axis=1)]
    if len(points) <= 5:  # too few for the k-nearest-neighbour balls (k <= 5)
        return {"modes": 0, "num_modes": len(centers), "high_quality_fraction": 0.0,
                "recall": 0.0, "coverage": 0.0}
    coverage = mode_coverage(points, centers, std)
    return {"modes": int(coverage["modes_covered"]), "num_modes": int(coverage["num_modes"]),
            "high_quality_fraction": float(coverage["high_quality_fraction"]),
            "recall": precision_recall(x_test, points)["recall"],
            "coverage": density_coverage(x_test, points)["coverage"]}


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
    """Trains a new model of `factory` on a 2-D mixture and scores its samples: the modes
    it covers (`kg.metrics.mode_coverage`), and recall (`kg.metrics.precision_recall`)
    and coverage (`kg.metrics.density_coverage`) of the raw 2-D points against the
    mixture's held-out points, which see how much of each mode's spread the samples
    reach, not only whether they reach it.

    Returns:
        `{"modes", "num_modes", "high_quality_fraction", "recall", "coverage",
        "clusters", "samples": (n, 2)}` (`clusters`: what the model's self-conditioning
        resolved to, `None` for a plain model), or `{"modes": None, "error": why}` when
        the model cannot train on 2-D vectors.
    """
    import keras_genmodels as kg

    (x, y), (x_test, _) = kg.datasets.load(mixture)
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
    return {**_score_points(samples, x_test[:num_samples], mixture),
            "clusters": getattr(run.model, "clusters", None), "samples": samples}
