"""When a training curve has flattened: the plateau rule of "train until plateau or a cap".

A quality curve (FID over training seconds, lower is better) has reached its plateau when
its best value improved by less than `improvement` (relative) over the last `window` of
the run: with readings up to `T` training seconds,

    best(all readings) > (1 - improvement) * best(readings at or before (1 - window) * T)

and `T >= min_seconds` (a curve read only a few times early on is never called flat).
The readings come on a fixed schedule of training seconds (`PlateauRule.schedule`): at
each of `first`, then every `every` seconds up to the cap, the same for every model, so
no model is read more often than another.

Example:

```python
rule = PlateauRule()                     # 5% over the last third, after 5 minutes
rule.schedule(600)                       # [15, 30, 60, 120, 180, ..., 600]
readings = [{"seconds": 60, "fid": 40.0}, {"seconds": 240, "fid": 20.0},
            {"seconds": 480, "fid": 19.5}, {"seconds": 600, "fid": 19.4}]
rule.holds(readings)                     # True: 20.0 -> 19.4 since 400 s is 3%
```
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["PlateauRule"]


@dataclass(frozen=True)
class PlateauRule:
    """The best `metric` improved by less than `improvement` over the last `window` of the run.

    Args:
        metric: the progress reading the rule watches (lower is better), e.g. `"fid"`.
        improvement: the relative improvement of the best reading, over the last `window`
            of the run, below which the curve is flat (0.05: 5%).
        window: the fraction of the run's training seconds the improvement is taken over.
        min_seconds: training seconds before the rule may hold.
        first: the first reading times (training seconds), before the regular ones.
        every: seconds between the regular readings after `first`.
    """

    metric: str = "fid"
    improvement: float = 0.05
    window: float = 1 / 3
    min_seconds: float = 300.0
    first: tuple[float, ...] = (15.0, 30.0, 60.0)
    every: float = 60.0

    def __post_init__(self) -> None:
        if not isinstance(self.metric, str) or not self.metric:
            raise TypeError(f"`metric` must be a progress reading's name, got {self.metric!r}.")
        for name, low, high in (("improvement", 0.0, 1.0), ("window", 0.0, 1.0)):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not low < value < high:
                raise ValueError(f"`{name}` must lie in ({low:g}, {high:g}), got {value!r}.")
        for name in ("min_seconds", "every"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"`{name}` must be a positive number of seconds, "
                                 f"got {value!r}.")
        if any(not isinstance(t, (int, float)) or t <= 0 for t in self.first) or list(
                self.first) != sorted(self.first):
            raise ValueError(f"`first` must be increasing positive seconds, got {self.first!r}.")

    def schedule(self, cap_seconds: float) -> list[float]:
        """The reading times (training seconds) up to and including `cap_seconds`."""
        times = [t for t in self.first if t < cap_seconds]
        next_time = (times[-1] if times else 0.0) + self.every
        while next_time < cap_seconds:
            times.append(next_time)
            next_time += self.every
        return [*times, float(cap_seconds)]

    def holds(self, readings: Sequence[dict[str, Any]]) -> bool:
        """Whether the curve of `readings` (dicts with `"seconds"` and `metric`, in time
        order; a reading at 0 s is the untrained model) has reached its plateau."""
        points = [(float(r["seconds"]), float(r[self.metric])) for r in readings
                  if self.metric in r and r[self.metric] == r[self.metric]]  # not NaN
        if not points or points[-1][0] < self.min_seconds:
            return False
        cutoff = (1.0 - self.window) * points[-1][0]
        before = [value for seconds, value in points if seconds <= cutoff]
        if not before:
            return False
        best_before, best = min(before), min(value for _, value in points)
        return best > (1.0 - self.improvement) * best_before

    def describe(self) -> str:
        """`"best fid improved < 5% over the last third, after 300 s"`."""
        window = {1 / 3: "third", 1 / 2: "half", 1 / 4: "quarter"}.get(self.window)
        span = f"last {window}" if window else f"last {self.window:.0%}"
        return (f"best {self.metric} improved < {self.improvement:.0%} over the {span}, "
                f"after {self.min_seconds:g} s")
