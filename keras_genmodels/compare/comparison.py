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

import gc
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from keras_genmodels.compare.measurements import (
    RECONSTRUCTION_EXAMPLES,
    RECONSTRUCTION_SEARCH_LEARNING_RATE,
    RECONSTRUCTION_SEARCH_STEPS,
    SELF_CONDITIONED,
    measure_mixture,
    measure_run,
    mixture_reference,
)
from keras_genmodels.compare.report import ComparisonReport
from keras_genmodels.compare.runs import (
    FAMILIES,
    PROGRESS_FRACTIONS,
    Budget,
    family_side,
    make_factory,
    self_conditions_by_default,
    train_run,
)
from keras_genmodels.compare.tuning import defaults_rows
from keras_genmodels.precision import cpu_name
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
            if isinstance(spec, str):
                name = FAMILIES.get(spec.lower(), (spec,))[0]
            elif isinstance(spec, keras.Model):
                name = type(spec).__name__
            else:
                raise TypeError("`models` given as a list must hold family names or models; "
                                "pass a dict {name: callable} for your own factories, got "
                                f"{type(spec).__name__}.")
            if name in specs:
                raise ValueError(f"`models` has two models named {name!r}; pass a dict "
                                 "{name: model} to name them apart.")
            specs[name] = spec
    else:
        raise TypeError("`models` must be a list of family names or models, or a dict {name: "
                        "family name, model, or callable returning a new model}, got "
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


def _machine() -> str:
    import tensorflow as tf

    devices = [d.device_type for d in tf.config.list_logical_devices()]
    gpus = devices.count("GPU")
    return (f"{cpu_name()}, {os.cpu_count()} logical cores"
            f"{f', {gpus} GPU' if gpus else ', no GPU'}; {platform.system()} "
            f"{platform.machine()}, Python {platform.python_version()}, TensorFlow "
            f"{tf.__version__}, Keras {keras.__version__}")


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
    threshold_fraction: float = 0.5,
    resume: str | Path | None = None,
    verbose: int = 1,
) -> ComparisonReport:
    """Trains each model on the same data for the same budget over several seeds, measures it.

    Every model is trained from scratch once per seed with its family's defaults (or as
    your callable builds it, or cloned from your model with fresh weights), then
    measured: training time and throughput, sampling speed; FID, KID, precision, recall,
    density and coverage in domain features against `x_test`; sharpness against the real
    data (`|log ratio|`: as sharp as the data is best); reconstruction error on held-out
    data (a GAN inverted by a latent search), and the IWAE NLL where the likelihood is a
    density of the data; stability (NaN/inf losses, the spread of the last 20% of the
    losses, FID relapses per evaluation while training, FID spread across seeds); latent
    smoothness (the perceptual path length); the training time each needs to reach a FID
    threshold set from the data (FID measured at the same fractions of the budget for
    every model; runs that never reach it rank last); and, trained again on the 2-D
    mixtures, the modes it covers and the recall and coverage of its 2-D points, as the
    plain model (`clusters=None`) and, for the self-conditioned families, as their
    default. The report checks the claims of the source articles against these numbers;
    a verdict needs the seeds' ranges to separate.

    Example:

    ```python
    report = kg.compare(["vae", "gan"], x_train, x_test, budget="60s", seeds=(0,),
                        extractor="mnist10k")
    report.claims[0]   # {'source': 'Table 1', 'aspect': 'Training', ..., 'verdict': ...}
    report.save("runs/compare")
    ```

    Args:
        models: family names (`"vae"`, `"cvae"`, `"gan"`, `"cgan"`, `"wgan"`, `"wgangp"`,
            `"vaegan"`) or models, or a dict `{name: family name, model or callable
            returning a new model}` (a callable may take `seed`). A model is a template:
            each seed trains `type(model).from_config(config)` with the seed replaced
            (fresh weights; a compiled model's optimizers carried over).
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
            sets it `threshold_fraction` of the way from the untrained models' FID (median
            over runs, measured before the first step) down to the FID of held-out real
            data (`x_train` examples against the same reference).
        threshold_fraction: in (0, 1], see `fid_threshold`.
        resume: a folder where each model and seed is saved once measured; a later call
            with the same arguments and data reads those back instead of training them
            again (see `compare.resume.RunStore`). `None` keeps nothing.
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
    if not (isinstance(threshold_fraction, (int, float)) and 0 < threshold_fraction <= 1):
        raise ValueError(f"`threshold_fraction` must lie in (0, 1], got {threshold_fraction!r}.")
    from keras_genmodels.metrics.suite import MetricSuite

    features = _resolve_extractor(extractor, x_train, y_train, seeds[0])
    suite = MetricSuite(x_test, ("fid", "kid", "precision_recall", "density_coverage"),
                        features, num_reference=num_samples)
    num_progress = min(_PROGRESS_SAMPLES, num_samples, len(x_train))
    progress_suite = MetricSuite(x_test, ("fid",), features, num_reference=num_progress)

    def progress(model: Any) -> dict[str, float]:
        return progress_suite(model, num_samples=num_progress, seed=seeds[0])

    real_fid = progress_suite.score_features(progress_suite.features(x_train[:num_progress]))
    report = ComparisonReport(setup={
        "models": list(specs), "seeds": seeds, "budget": budget.describe(),
        "batch_size": batch_size, "train_examples": len(x_train), "test_examples": len(x_test),
        "data_shape": list(x_train.shape[1:]), "num_samples": num_samples,
        "extractor": getattr(features, "name", "raw data"),
        "mixtures": list(mixtures), "mixture_budget": mixture_budget.describe(),
        "progress_samples": num_progress, "progress_fractions": list(PROGRESS_FRACTIONS),
        "progress_seconds": None if budget.plateau is None else budget.plateau.schedule(
            budget.seconds),
        "threshold_fraction": threshold_fraction,
        "reconstruction": {"examples": min(len(x_test), RECONSTRUCTION_EXAMPLES),
                           "search_steps": RECONSTRUCTION_SEARCH_STEPS,
                           "search_learning_rate": RECONSTRUCTION_SEARCH_LEARNING_RATE},
        "precision": keras.config.dtype_policy().name,
        "machine": _machine(),
        "defaults": defaults_rows(specs, tuple(x_train.shape[1:])),
    })
    for mixture in mixtures:
        report.mixture_reference[mixture] = mixture_reference(mixture)
    store = None
    if resume is not None:
        from keras_genmodels.compare.resume import RunStore, data_fingerprint

        key = {k: v for k, v in report.setup.items() if k not in ("machine", "defaults")}
        key.update(specs={n: s if isinstance(s, str) else type(s).__name__
                          for n, s in specs.items()},
                   data=data_fingerprint(x_train, x_test, y_train, y_test))
        store = RunStore(resume, key)
    for name, spec in specs.items():
        factory = make_factory(spec)
        # on the mixtures the plain model is the family's row; self-conditioning, where
        # the family's vector default has it, is an intervention measured beside it
        variants = {"": make_factory(spec)}
        if self_conditions_by_default(spec):
            variants = {"": make_factory(spec, clusters=None),
                        SELF_CONDITIONED: make_factory(spec)}
        for seed in seeds:
            state = None if store is None else store.load(name, seed)
            if state is not None:
                if verbose:
                    print(f"[compare] {name}, seed {seed}: read back from {resume}")
                report.restore_run(state)
                continue
            if verbose:
                print(f"[compare] {name}, seed {seed}: training for {budget.describe()}")
            run = train_run(name, factory, seed, x_train, budget, y_train, batch_size,
                            progress, verbose)
            values, unavailable = measure_run(run, suite, x_test, y_test, num_samples)
            samples: dict[str, dict[str, np.ndarray]] = {}
            for mixture in mixtures:
                for variant, mixture_factory in variants.items():
                    suffix = f"_{variant}" if variant else ""
                    if verbose:
                        print(f"[compare] {name}{' ' + variant if variant else ''}, seed "
                              f"{seed}: {mixture} for {mixture_budget.describe()}")
                    result = measure_mixture(name, mixture_factory, seed, mixture,
                                             mixture_budget)
                    for key in ("modes", "recall", "coverage"):
                        values[f"{mixture}_{key}{suffix}"] = result.get(key)
                        if "error" in result:
                            unavailable[f"{mixture}_{key}{suffix}"] = result["error"]
                    if "error" not in result:
                        label = f"{name} (self-conditioned)" if variant else name
                        samples.setdefault(label, {})[mixture] = result["samples"]
                        report.add_mixture(label, seed, mixture, result["samples"])
            report.add_run(run, values, unavailable, family_side(run.model),
                           x_test, y_test)
            if store is not None:
                store.save(name, seed, report.run_state(samples))
            # TensorFlow keeps every traced function of every model: free them, or a long
            # comparison grows until the machine runs out of memory
            del run
            keras.backend.clear_session()
            gc.collect()
    report.finish(fid_threshold, threshold_fraction, real_fid["fid"])
    return report
