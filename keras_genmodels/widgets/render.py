"""Turns a model's outputs into the PNG bytes an `ipywidgets.Image` shows.

Images (`(n, H, W, C)` in [0, 1]) become one grid through `keras_genmodels.images`
(`make_grid`, `to_png`). Vectors (`(n, d)`) become a small matplotlib plot: 2-D points
in the plane (optionally over a gray cloud of reference points, e.g. the model's samples,
so a moving point can be seen against the distribution), other sizes as one line per
vector over the feature index (over the reference's gray min-max band). Figures are drawn
with matplotlib's Agg canvas directly, never through `pyplot`, so no figure is kept in a
global registry and none leaks.

Example:

```python
import numpy as np
from keras_genmodels.widgets.render import render_outputs

png = render_outputs(np.random.uniform(size=(9, 28, 28, 1)).astype("float32"), nrow=3)
png = render_outputs(np.random.normal(size=(5, 2)), reference=np.random.normal(size=(500, 2)))
```
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

from keras_genmodels.images import make_grid, to_png
from keras_genmodels.validation import as_numpy
from keras_genmodels.widgets.optional import require

#: Pixels per inch of the plots (small, to keep PNGs and redraws cheap).
DPI = 80


def new_figure(width: float = 3.2, height: float = 3.2) -> Any:
    """A matplotlib `Figure` on an Agg canvas, outside `pyplot`'s registry.

    Example:

    ```python
    figure = new_figure(4, 3)
    figure.add_subplot().plot([0, 1], [1, 0])
    png = figure_to_png(figure)
    ```

    Args:
        width: inches (at `DPI` pixels per inch).
        height: inches.

    Returns:
        A `matplotlib.figure.Figure`.
    """
    require("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def figure_to_png(figure: Any) -> bytes:
    """Renders a matplotlib figure to PNG bytes.

    Example:

    ```python
    png = figure_to_png(new_figure())
    ```

    Args:
        figure: a `matplotlib.figure.Figure`.

    Returns:
        The PNG file's bytes.
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def render_outputs(
    outputs: Any,
    nrow: int | None = None,
    reference: Any = None,
    connect: bool = False,
) -> bytes:
    """PNG bytes of a batch of model outputs: an image grid, or a plot of vectors.

    Example:

    ```python
    png = render_outputs(model.sample(16, seed=0), nrow=4)
    ```

    Args:
        outputs: `(n, H, W, C)` images in [0, 1] or `(n, d)` vectors.
        nrow: items per row of the grid (images), or per colour group (vectors);
            defaults to `ceil(sqrt(n))` for images and `n` for vectors.
        reference: optional `(m, d)` vectors drawn in gray behind vector outputs.
        connect: for vectors, join the points of each group with a line (a path).

    Returns:
        The PNG file's bytes.
    """
    array = as_numpy(outputs).astype(np.float32, copy=False)
    if array.ndim in (3, 4):
        return to_png(make_grid(array, nrow=nrow))
    if array.ndim != 2:
        raise ValueError(f"`outputs` must be images (n, H, W, C) or vectors (n, d), got shape "
                         f"{array.shape}.")
    return _plot_vectors(array, nrow or len(array), reference, connect)


def _plot_vectors(vectors: np.ndarray, per_group: int, reference: Any, connect: bool) -> bytes:
    figure = new_figure()
    axes = figure.add_subplot()
    groups = [vectors[i : i + per_group] for i in range(0, len(vectors), per_group)]
    colours = [f"C{i % 10}" for i in range(len(groups))]
    reference = None if reference is None else as_numpy(reference).astype(np.float32)
    if vectors.shape[1] == 2:
        if reference is not None:
            axes.scatter(reference[:, 0], reference[:, 1], s=4, c="0.75", linewidths=0)
        for group, colour in zip(groups, colours, strict=True):
            if connect and len(group) > 1:
                axes.plot(group[:, 0], group[:, 1], "-", color=colour, alpha=0.5)
            axes.scatter(group[:, 0], group[:, 1], s=24, color=colour, zorder=3)
        axes.set_aspect("equal", adjustable="datalim")
    else:
        index = np.arange(vectors.shape[1])
        if reference is not None:
            axes.fill_between(index, reference.min(axis=0), reference.max(axis=0), color="0.85")
        for group, colour in zip(groups, colours, strict=True):
            alpha = max(0.25, 1.0 / math.sqrt(len(group)))
            for vector in group:
                axes.plot(index, vector, "-", color=colour, alpha=alpha, linewidth=1)
        axes.set_xlabel("feature")
    axes.tick_params(labelsize=7)
    figure.tight_layout()
    return figure_to_png(figure)


def join_pngs(*pngs: bytes) -> bytes:
    """Places PNG images side by side (tops aligned, white background) in one PNG.

    Example:

    ```python
    png = join_pngs(render_outputs(samples), figure_to_png(curves))
    ```

    Args:
        *pngs: PNG file contents; empty ones are skipped.

    Returns:
        The joined image's PNG bytes.
    """
    from PIL import Image

    pictures = [Image.open(io.BytesIO(bytes(png))).convert("RGB") for png in pngs if png]
    if not pictures:
        raise ValueError("`join_pngs` needs at least one non-empty PNG.")
    gap = 8
    width = sum(p.width for p in pictures) + gap * (len(pictures) - 1)
    joined = Image.new("RGB", (width, max(p.height for p in pictures)), "white")
    left = 0
    for picture in pictures:
        joined.paste(picture, (left, 0))
        left += picture.width + gap
    buffer = io.BytesIO()
    joined.save(buffer, format="PNG")
    return buffer.getvalue()
