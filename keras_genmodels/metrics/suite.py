"""Several sample-quality metrics at once, on features extracted once.

`GenerativeMetrics` (the callback) and `kg.compare` ask for metrics by name. Extracting
features is the expensive part of FID, KID, precision/recall and density/coverage, so
`MetricSuite` extracts the reference set's features once, the generated set's once per
call, and hands the same two feature arrays to every metric.

| name                   | keys it returns            | better   |
|------------------------|----------------------------|----------|
| `"fid"`                | `fid`                      | lower    |
| `"kid"`                | `kid`, `kid_std`           | lower    |
| `"precision_recall"`   | `precision`, `recall`      | higher   |
| `"density_coverage"`   | `density`, `coverage`      | higher   |
| `"sliced_wasserstein"` | `sliced_wasserstein`       | lower    |

`"precision"`, `"recall"`, `"density"` and `"coverage"` are accepted as names too and
select the pair they belong to.

Example:

```python
suite = MetricSuite(x_test[:1000], metrics=("fid", "kid"), extractor="mnist10k")
suite(vae, num_samples=1000, seed=0)   # {'fid': 12.3, 'kid': 0.011, 'kid_std': 0.001}
```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_genmodels.metrics.fid import frechet_distance, kid
from keras_genmodels.metrics.precision_recall import density_coverage, precision_recall
from keras_genmodels.metrics.sets import features_of
from keras_genmodels.metrics.sliced_wasserstein import sliced_wasserstein

__all__ = ["LOWER_IS_BETTER", "METRIC_NAMES", "MetricSuite", "check_metric_names"]

#: metric name -> the group computed for it.
_GROUPS = {
    "fid": "fid",
    "kid": "kid",
    "precision_recall": "precision_recall",
    "precision": "precision_recall",
    "recall": "precision_recall",
    "density_coverage": "density_coverage",
    "density": "density_coverage",
    "coverage": "density_coverage",
    "sliced_wasserstein": "sliced_wasserstein",
}
METRIC_NAMES: tuple[str, ...] = tuple(_GROUPS)
#: keys of the results for which a smaller number is a better model.
LOWER_IS_BETTER = frozenset({"fid", "kid", "sliced_wasserstein"})


def check_metric_names(metrics: Any, name: str = "metrics") -> tuple[str, ...]:
    """Returns the metric groups to compute, in order, for the names in `metrics`."""
    if isinstance(metrics, str):
        metrics = (metrics,)
    if not isinstance(metrics, Sequence) or not metrics:
        raise TypeError(f"`{name}` must be a non-empty list of metric names, got {metrics!r}.")
    groups: list[str] = []
    for metric in metrics:
        if metric not in _GROUPS:
            raise ValueError(f"`{name}` has unknown metric {metric!r}; expected names from "
                             f"{sorted(METRIC_NAMES)}.")
        if _GROUPS[metric] not in groups:
            groups.append(_GROUPS[metric])
    return tuple(groups)


def _compute(group: str, real: np.ndarray, fake: np.ndarray, seed: int) -> dict[str, float]:
    if group == "fid":
        return {"fid": frechet_distance(real, fake)}
    if group == "kid":
        subset_size = min(1000, len(real), len(fake))
        return kid(real, fake, extractor=None, subset_size=subset_size, seed=seed)
    if group == "precision_recall":
        return precision_recall(real, fake, extractor=None)
    if group == "density_coverage":
        return density_coverage(real, fake, extractor=None)
    return {"sliced_wasserstein": sliced_wasserstein(real, fake, seed=seed)}


class MetricSuite:
    """Chosen metrics of generated sets against one reference set, in one feature space.

    Example:

    ```python
    suite = MetricSuite(x_test, metrics=("fid", "precision_recall"), extractor="mnist10k")
    results = suite(gan, num_samples=2000, seed=0)   # {'fid': ..., 'precision': ..., ...}
    ```

    Args:
        reference: the real set: an array, a `tf.data.Dataset` or a model to sample.
        metrics: names from `METRIC_NAMES`.
        extractor: what features the metrics compare (see
            `kg.metrics.resolve_extractor`): `None` for the raw data flattened (vectors),
            `"mnist10k"`/`"shapes"` for the shipped domain classifiers, `"inception"`, a
            `.keras` path or a `FeatureExtractor`.
        num_reference: how many reference examples to use (`None`: all of an array).
        batch_size: examples per feature-extraction and sampling batch.
    """

    def __init__(
        self,
        reference: Any,
        metrics: Sequence[str] = ("fid",),
        extractor: Any = None,
        num_reference: int | None = None,
        batch_size: int = 256,
    ) -> None:
        from keras_genmodels.metrics.features import resolve_extractor

        self.groups = check_metric_names(metrics)
        self.extractor = resolve_extractor(extractor)
        self.batch_size = batch_size
        self.reference_features = features_of(reference, "reference", self.extractor,
                                              num_samples=num_reference, batch_size=batch_size)

    def features(self, data: Any, num_samples: int | None = None, seed: int = 0) -> np.ndarray:
        """Features of `data` (an array, a dataset or a model to sample) in the suite's space."""
        return features_of(data, "generated", self.extractor, num_samples=num_samples,
                           seed=seed, batch_size=self.batch_size)

    def __call__(self, generated: Any, num_samples: int | None = None,
                 seed: int = 0) -> dict[str, float]:
        """Every metric of the suite for `generated` (an array, a dataset or a model).

        Args:
            generated: the set to score; a model is sampled `num_samples` times with `seed`.
            num_samples: how many generated examples (required for a model).
            seed: sampling seed, and the seed of the metrics' random subsets.

        Returns:
            A dict of float results, keyed as in the module's table.
        """
        return self.score_features(self.features(generated, num_samples, seed), seed)

    def score_features(self, features: np.ndarray, seed: int = 0) -> dict[str, float]:
        """Every metric of the suite for generated `features` already extracted."""
        results: dict[str, float] = {}
        for group in self.groups:
            results.update({k: float(v) for k, v in
                            _compute(group, self.reference_features, features, seed).items()})
        return results

