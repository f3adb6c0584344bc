"""Bounded metric histories: curves over thousands of batches in a fixed amount of memory.

`MetricHistory` keeps one series of `(step, value)` points per metric. A series holds at
most `max_points` points: when it is full, neighbouring points are averaged in pairs and
from then on every new point is the mean of twice as many batches (its `stride`
doubles). The curve keeps its shape at an even resolution, and memory stays flat however
long training runs.

Example:

```python
from keras_genmodels.widgets.history import MetricHistory

history = MetricHistory(max_points=100)
for step in range(1, 10_001):
    history.append(step, {"loss": 1.0 / step})
steps, values = history.series()["loss"]
len(steps) <= 100                            # True
```
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from keras_genmodels.validation import check_positive_int


class BoundedSeries:
    """One metric's `(step, value)` points, at most `max_points`, averaged in bins.

    Each point is the mean of the measurements it stands for (merged points are weighted
    by how many measurements each holds).

    Example:

    ```python
    series = BoundedSeries(max_points=4)
    for step in range(1, 10):
        series.append(step, float(step))
    series.steps, series.stride      # ([2.5, 6.0, 8.5], 4)
    ```

    Args:
        max_points: int >= 2, the most points kept.
    """

    def __init__(self, max_points: int = 512):
        self.max_points = check_positive_int(max_points, "max_points", minimum=2)
        self.steps: list[float] = []
        self.values: list[float] = []
        #: Measurements averaged into each new point.
        self.stride = 1
        self._counts: list[int] = []
        self._bin: list[tuple[float, float]] = []

    def __len__(self) -> int:
        return len(self.steps)

    def append(self, step: float, value: float) -> None:
        """Adds one measurement (it lands in the current bin of `stride` measurements)."""
        self._bin.append((float(step), float(value)))
        if len(self._bin) < self.stride:
            return
        steps, values = zip(*self._bin, strict=True)
        self._bin = []
        self.steps.append(math.fsum(steps) / len(steps))
        self.values.append(math.fsum(values) / len(values))
        self._counts.append(len(steps))
        if len(self.steps) > self.max_points:
            self._halve()

    def _halve(self) -> None:
        """Merges neighbouring points in pairs (an odd last point stays) and doubles
        `stride`."""
        steps, values, counts = [], [], []
        for i in range(0, len(self.steps), 2):
            pair = slice(i, i + 2)
            weights = self._counts[pair]
            total = sum(weights)
            steps.append(sum(s * w for s, w in zip(self.steps[pair], weights, strict=True))
                         / total)
            values.append(sum(v * w for v, w in zip(self.values[pair], weights, strict=True))
                          / total)
            counts.append(total)
        self.steps, self.values, self._counts = steps, values, counts
        self.stride *= 2

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """`(steps, values)` as float arrays, the unfinished bin's mean last."""
        steps, values = list(self.steps), list(self.values)
        if self._bin:
            bin_steps, bin_values = zip(*self._bin, strict=True)
            steps.append(float(np.mean(bin_steps)))
            values.append(float(np.mean(bin_values)))
        return np.asarray(steps), np.asarray(values)


class MetricHistory:
    """A `BoundedSeries` per metric name, fed with Keras `logs` dicts.

    Example:

    ```python
    history = MetricHistory()
    history.append(1, {"loss": 0.7, "kl": 2.1})
    history.series()["kl"]           # (array([1.]), array([2.1]))
    ```

    Args:
        max_points: int >= 2, the most points kept per metric.
    """

    def __init__(self, max_points: int = 512):
        self.max_points = check_positive_int(max_points, "max_points", minimum=2)
        self._series: dict[str, BoundedSeries] = {}

    def append(self, step: float, logs: dict[str, Any] | None) -> None:
        """Adds every finite number of `logs` at `step`; other entries are skipped."""
        for name, value in (logs or {}).items():
            number = _as_number(value)
            if number is None:
                continue
            if name not in self._series:
                self._series[name] = BoundedSeries(self.max_points)
            self._series[name].append(step, number)

    def names(self) -> list[str]:
        """The metric names seen, in order of first appearance."""
        return list(self._series)

    def lengths(self) -> dict[str, int]:
        """The number of points kept per metric."""
        return {name: len(series) for name, series in self._series.items()}

    def series(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """`{name: (steps, values)}` for every metric."""
        return {name: series.arrays() for name, series in self._series.items()}


def _as_number(value: Any) -> float | None:
    try:
        number = float(np.asarray(value).reshape(-1)[0]) if np.size(value) == 1 else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and math.isfinite(number) else None
