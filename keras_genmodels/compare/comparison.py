"""`kg.compare`: train several models on the same data and budget, measure, and report.

Example:

```python
import keras_genmodels as kg

(x_train, y_train), (x_test, y_test) = kg.datasets.load("mnist10k")
report = kg.compare(["vae", "gan", "wgangp", "vaegan"], x_train, x_test,
                    budget="3min", seeds=(0, 1, 2), extractor="mnist10k")
report.save("docs/gan-vs-vae")     # report.md, report.html, report.json and PNGs
```
"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_genmodels.compare.measurements import measure_mixture, measure_run
from keras_genmodels.compare.report import ComparisonReport
from keras_genmodels.compare.runs import FAMILIES, Budget, family_side, make_factory, train_run
from keras_genmodels.validation import check_positive_int

__all__ = ["compare"]

MIXTURES = ("ring8", "grid25")
#: generated examples per FID measurement during training (time to threshold).
_PROGRESS_SAMPLES = 500


def _model_specs(models: Any) -> dict[str, Any]:
    if isinstance(models, dict):
        specs = dict(models)
    elif isinstance(models, Sequence) and not isinstance(models, (str, bytes)):
        specs = {}
        for spec in models:
            if not isinstance(spec, str):
                raise TypeError("`models` given as a list must hold family names; pass a dict "
                                "{name: callable} for your own models, got "
                                f"{type(spec).__name__}.")
            specs[FAMILIES.get(spec.lower(), (spec,))[0]] = spec
    else:
        raise TypeError("`models` must be a list of family names or a dict {name: family name "
                        "or callable returning a new model}, got "
                        f"{type(models).__name__}.")
    if not specs:
        raise ValueError("`models` is empty; expected at least one model to compare.")
    for spec in specs.values():
        make_factory(spec)  # checks every name before any training
    return {str(name): spec for name, spec in specs.items()}


def _resolve_extractor(extractor: Any, x_train: np.ndarray, y_train: Any, seed: int) -> Any:
    from keras_genmodels.metrics.classifier_training import train_feature_extractor
    from keras_genmodels.metrics.features import resolve_extractor

    if not (isinstance(extractor, str) and extractor == "auto"):
        return resolve_extractor(extractor)
    if x_train.ndim == 2:
        return None
    if y_train is not None:
        return train_feature_extractor(x_train, y_train, seed=seed, name="trained_on_labels")
    return resolve_extractor("inception")


def _checked(x: Any, name: str) -> np.ndarray:
    array = np.asarray(x)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"`{name}` must be a numeric array, got dtype {array.dtype}.")
    if array.ndim not in (2, 4) or len(array) < 2:
        raise ValueError(f"`{name}` must be vectors (n, d) or images (n, H, W, C) with n >= 2, "
                         f"got shape {array.shape}.")
    return array.astype(np.float32)


def compare(
    models: Any,
    x_train: Any,
    x_test: Any,
    y_train: Any = None,
    y_test: Any = None,
    budget: Any = 5,
    seeds: Sequence[int] = (0, 1, 2),
    batch_size: int = 64,
    extractor: Any = "auto",
    num_samples: int = 2000,
    mixtures: Sequence[str] = MIXTURES,
    mixture_budget: Any = "20 epochs",
    fid_threshold: float | None = None,
    verbose: int = 1,
) -> ComparisonReport:
    """Trains each model on the same data for the same budget over several seeds, measures it.

    Every model is trained from scratch once per seed with its family's defaults (or as
    your callable builds it), then measured: training time and throughput, sampling
    speed; FID, KID, precision, recall, density and coverage in domain features against
    `x_test`; sharpness against the real data; reconstruction error and IWAE NLL where the
    model can reconstruct; stability (NaN/inf losses, the spread of the last 20% of the
    losses, FID relapses while training, FID spread across seeds); latent smoothness (the
    perceptual path length); the training time each needs to reach a FID threshold; and,
    trained again on the 2-D mixtures, the modes it covers. The report checks the claims
    of the source articles against these numbers.

    Example:

    ```python
    report = kg.compare(["vae", "gan"], x_train, x_test, budget="60s", seeds=(0,),
                        extractor="mnist10k")
    report.claims[0]   # {'source': 'Table 1', 'aspect': 'Training', ..., 'verdict': ...}
    report.save("runs/compare")
    ```

    Args:
        models: family names (`"vae"`, `"cvae"`, `"gan"`, `"cgan"`, `"wgan"`, `"wgangp"`,
            `"vaegan"`), or a dict `{name: family name or callable returning a new model}`
            (a callable may take `seed`).
        x_train, x_test: training and held-out data (images float32 in [0, 1], NHWC, or
            vectors `(n, d)`).
        y_train, y_test: labels, needed by conditional models and by `extractor="auto"` to
            train a domain classifier.
        budget: per run: epochs (int, `"5 epochs"`) or training seconds (`"90s"`, `"3min"`).
        seeds: one run per seed and model.
        batch_size: examples per training step.
        extractor: feature space of the sample metrics: `"auto"` (the raw data for vectors;
            a classifier trained on `y_train` for labelled images; InceptionV3 otherwise),
            `"mnist10k"`, `"shapes"`, `"inception"`, a `.keras` path or a `FeatureExtractor`.
        num_samples: generated (and reference) examples per measurement.
        mixtures: 2-D mixtures on which each model is also trained for mode coverage;
            `()` skips them.
        mixture_budget: budget of each mixture run (batch 256).
        fid_threshold: the FID whose first crossing is the "time to threshold"; `None`
            takes the worst of the models' best FIDs, a quality every model reached.
        verbose: 1 shows Keras' progress bars and a line per run; 0 is silent.

    Returns:
        A `ComparisonReport` (`.summary`, `.claims`, `.runs`, `.save(folder)`).
    """
    specs = _model_specs(models)
    x_train, x_test = _checked(x_train, "x_train"), _checked(x_test, "x_test")
    if x_train.shape[1:] != x_test.shape[1:]:
        raise ValueError(f"`x_test` examples have shape {x_test.shape[1:]}, `x_train` examples "
                         f"{x_train.shape[1:]}; expected the same.")
    budget = Budget.parse(budget)
    mixture_budget = Budget.parse(mixture_budget, "mixture_budget")
    seeds = [check_positive_int(s, "seeds", minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("`seeds` is empty; expected at least one seed.")
    for mixture in mixtures:
        if mixture not in MIXTURES:
            raise ValueError(f"`mixtures` has {mixture!r}; expected names from {MIXTURES}.")
    num_samples = min(check_positive_int(num_samples, "num_samples", minimum=10), len(x_test))
    from keras_genmodels.callbacks.evaluation import GenerativeMetrics
    from keras_genmodels.metrics.suite import MetricSuite

    features = _resolve_extractor(extractor, x_train, y_train, seeds[0])
    suite = MetricSuite(x_test, ("fid", "kid", "precision_recall", "density_coverage"),
                        features, num_reference=num_samples)
    progress = GenerativeMetrics(x_test, ("fid",), features, seed=seeds[0],
                                 num_samples=min(_PROGRESS_SAMPLES, num_samples),
                                 num_reference=min(_PROGRESS_SAMPLES, num_samples))
    report = ComparisonReport(setup={
        "models": list(specs), "seeds": seeds, "budget": budget.describe(),
        "batch_size": batch_size, "train_examples": len(x_train), "test_examples": len(x_test),
        "data_shape": list(x_train.shape[1:]), "num_samples": num_samples,
        "extractor": getattr(features, "name", "raw data"),
        "mixtures": list(mixtures), "mixture_budget": mixture_budget.describe(),
        "machine": f"{platform.machine()}, {platform.system()}, Python "
                   f"{platform.python_version()}",
    })
    for name, spec in specs.items():
        factory = make_factory(spec)
        for seed in seeds:
            if verbose:
                print(f"[compare] {name}, seed {seed}: training for {budget.describe()}")
            run = train_run(name, factory, seed, x_train, budget, y_train, batch_size,
                            progress, verbose)
            values, unavailable = measure_run(run, suite, x_test, y_test, num_samples)
            for mixture in mixtures:
                result = measure_mixture(name, make_factory(spec), seed,
                                         mixture, mixture_budget)
                values[f"{mixture}_modes"] = result.get("modes")
                if "error" in result:
                    unavailable[f"{mixture}_modes"] = result["error"]
                else:
                    report.add_mixture(name, seed, mixture, result["samples"])
            report.add_run(run, values, unavailable, family_side(run.model),
                           x_test, y_test)
    report.finish(fid_threshold)
    return report
