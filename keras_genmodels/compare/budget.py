"""How long each model of a comparison trains: epochs, seconds, or until a plateau rule
holds (with a cap in seconds).

Example:

```python
Budget.parse("90s")                 # Budget(epochs=None, seconds=90.0)
Budget.parse("plateau or 30min")    # until PlateauRule() holds, at most 30 minutes
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from keras_genmodels.compare.plateau import PlateauRule
from keras_genmodels.validation import check_positive_int

__all__ = ["PLATEAU_CAP_SECONDS", "Budget"]

_BUDGET_PATTERN = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|epochs?|e)\s*$")
_PLATEAU_PATTERN = re.compile(r"^\s*(?:until\s+)?plateau(?:\s*(?:,|or|<=)?\s*(.+?))?\s*$")
#: the cap of a plateau budget given without one: the convergence protocol's 60 minutes.
PLATEAU_CAP_SECONDS = 3600.0


@dataclass(frozen=True)
class Budget:
    """How long each model trains: `epochs` or wall-clock `seconds` of training (one of
    them), or until a `PlateauRule` holds with `seconds` as the cap.

    Example:

    ```python
    Budget.parse(5)                  # Budget(epochs=5, seconds=None)
    Budget.parse("2min")             # Budget(epochs=None, seconds=120.0)
    Budget.parse("3 epochs")         # Budget(epochs=3, seconds=None)
    Budget.parse("plateau")          # until the default PlateauRule holds, at most 60 min
    Budget.parse("plateau or 20min") # ... at most 20 minutes
    Budget(seconds=600.0, plateau=PlateauRule(improvement=0.02, min_seconds=120))
    ```
    """

    epochs: int | None = None
    seconds: float | None = None
    plateau: PlateauRule | None = None

    def __post_init__(self) -> None:
        if self.plateau is not None:
            if not isinstance(self.plateau, PlateauRule):
                raise TypeError(f"`plateau` must be a PlateauRule, got "
                                f"{type(self.plateau).__name__}.")
            if self.seconds is None or self.epochs is not None:
                raise ValueError("a plateau budget needs a cap in `seconds` (and no `epochs`), "
                                 f"got epochs={self.epochs!r}, seconds={self.seconds!r}.")

    @classmethod
    def parse(cls, value: Any, name: str = "budget") -> Budget:
        """A `Budget` from an int (epochs), a string such as `"90s"`, `"2min"`, `"5 epochs"`,
        a dict `{"epochs": n}` / `{"seconds": s}`, or a `Budget`."""
        if isinstance(value, Budget):
            return value
        if isinstance(value, dict) and set(value) == {"plateau"}:
            cap = value["plateau"]
            return cls.parse("plateau" if cap is None else f"plateau {cap}", name)
        plateau = _PLATEAU_PATTERN.match(value) if isinstance(value, str) else None
        if plateau is not None:
            cap = PLATEAU_CAP_SECONDS if plateau.group(1) is None else cls.parse(
                plateau.group(1), name).seconds
            if cap is None:
                raise ValueError(f"`{name}`: the cap of a plateau budget must be a duration "
                                 f"such as '30min', got {value!r}.")
            return cls(seconds=cap, plateau=PlateauRule())
        if isinstance(value, dict) and len(value) == 1 and set(value) <= {"epochs", "seconds"}:
            key, amount = next(iter(value.items()))
            return cls.parse(f"{amount} {key}", name)
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return cls(epochs=check_positive_int(value, name))
        match = _BUDGET_PATTERN.match(value) if isinstance(value, str) else None
        if match is None:
            raise ValueError(f"`{name}` must be a number of epochs (int), a duration such as "
                             f"'90s' or '2min', '5 epochs', or 'plateau' with an optional cap "
                             f"('plateau or 30min'); got {value!r}.")
        amount, unit = float(match.group(1)), match.group(2)
        if unit.startswith("e"):
            if amount != int(amount) or amount < 1:
                raise ValueError(f"`{name}` must be a whole number of epochs >= 1, got {value!r}.")
            return cls(epochs=int(amount))
        seconds = amount * (60.0 if unit.startswith("m") else 1.0)
        if not seconds > 0:
            raise ValueError(f"`{name}` must be a positive duration, got {value!r}.")
        return cls(seconds=seconds)

    def describe(self) -> str:
        """`"5 epochs"`, `"90 s"` or `"until plateau (best fid improved < 5% ...) or 3600 s"`."""
        if self.plateau is not None:
            return f"until plateau ({self.plateau.describe()}) or {self.seconds:g} s"
        return f"{self.epochs} epochs" if self.epochs else f"{self.seconds:g} s"
