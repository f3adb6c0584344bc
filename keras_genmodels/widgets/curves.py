"""Loss curves drawn to PNG, one plot per metric, redrawn in place as training goes on.

`LossCurves` keeps one matplotlib figure whose plots and lines live as long as the set of
metrics stays the same; a redraw only replaces the lines' data and renders the figure,
which is several times cheaper than building the figure again, and allocates nothing
that outlives the call.

Example:

```python
from keras_genmodels.widgets.curves import LossCurves
from keras_genmodels.widgets.history import MetricHistory

history = MetricHistory()
history.append(1, {"loss": 0.9})
history.append(2, {"loss": 0.7, "val_loss": 0.8})
png = LossCurves().draw(history.series())
```
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from keras_genmodels.widgets.render import figure_to_png, new_figure

#: Plots per row.
CURVES_PER_ROW = 3


class LossCurves:
    """One plot per metric: the training curve as a line, `val_` values as dots.

    Example:

    ```python
    curves = LossCurves()
    png = curves.draw({"loss": (np.array([1, 2]), np.array([0.9, 0.7]))})
    ```

    Args:
        width: inches per plot.
        height: inches per plot.
    """

    def __init__(self, width: float = 3.0, height: float = 2.2):
        self.width = width
        self.height = height
        self._names: list[str] = []
        self._lines: dict[str, tuple[Any, Any, Any]] = {}
        self._figure = None

    def draw(self, series: dict[str, tuple[np.ndarray, np.ndarray]]) -> bytes:
        """Renders `{name: (steps, values)}` (validation as `val_{name}`) to PNG bytes.

        Args:
            series: the curves, e.g. `MetricHistory.series()`.

        Returns:
            The PNG file's bytes.
        """
        names = list(dict.fromkeys(name.removeprefix("val_") for name in series))
        if not names:
            raise ValueError("`series` is empty: there are no curves to draw yet.")
        if names != self._names:
            self._layout(names)
        for name, (axes, train, validation) in self._lines.items():
            train.set_data(*series.get(name, ([], [])))
            validation.set_data(*series.get(f"val_{name}", ([], [])))
            axes.relim()
            axes.autoscale_view()
        return figure_to_png(self._figure)

    def _layout(self, names: list[str]) -> None:
        columns = min(len(names), CURVES_PER_ROW)
        rows = math.ceil(len(names) / columns)
        if self._figure is None:
            self._figure = new_figure()
        figure = self._figure
        figure.clear()
        figure.set_size_inches(self.width * columns, self.height * rows)
        self._lines = {}
        for index, name in enumerate(names):
            axes = figure.add_subplot(rows, columns, index + 1)
            (train,) = axes.plot([], [], "-", color="C0", linewidth=1, label="train")
            (validation,) = axes.plot([], [], "o-", color="C1", markersize=3,
                                      label="validation")
            axes.set_title(name, fontsize=8)
            axes.tick_params(labelsize=6)
            axes.set_xlabel("batch", fontsize=7)
            self._lines[name] = (axes, train, validation)
        figure.subplots_adjust(left=0.1, right=0.97, bottom=0.16, top=0.9, wspace=0.35,
                               hspace=0.6)
        self._names = names
