"""The comparison report's plots (matplotlib, drawn off-screen).

`write_figures(report, folder)` draws FID against training time for every run, each
model's losses per step, and each model's samples on the 2-D mixtures, and returns the
paths it wrote.

Example:

```python
paths = write_figures(report, "runs/compare")   # {'fid_progress': ..., 'losses': ..., ...}
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["write_figures"]


def _figure(**kwargs: Any) -> Any:
    # A bare Figure draws with Agg when saved and leaves pyplot's backend alone, so a
    # notebook's inline plots keep working after a report is saved.
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def _fid_progress(report: Any, path: Path) -> bool:
    runs = [r for r in report.runs if any("fid" in p for p in r["progress"])]
    if not runs:
        return False
    figure = _figure(figsize=(7, 4))
    axis = figure.subplots()
    colours = {}
    for run in runs:
        colour = colours.setdefault(run["name"], f"C{len(colours)}")
        seconds = [p["seconds"] for p in run["progress"] if "fid" in p]
        fids = [p["fid"] for p in run["progress"] if "fid" in p]
        axis.plot(seconds, fids, marker="o", markersize=3, color=colour,
                  label=run["name"] if run["seed"] == report.setup["seeds"][0] else None)
    if report.fid_threshold is not None:
        axis.axhline(report.fid_threshold, linestyle="--", color="grey", linewidth=1)
    if report.threshold_basis.get("real_fid"):
        axis.axhline(report.threshold_basis["real_fid"], linestyle=":", color="grey",
                     linewidth=1)
    axis.set(xlabel="training time (s)", ylabel="FID", yscale="log")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return True


def _losses(report: Any, path: Path) -> bool:
    first = {}
    for run in report.runs:
        first.setdefault(run["name"], run)
    if not first:
        return False
    figure = _figure(figsize=(4 * len(first), 3))
    axes = figure.subplots(1, len(first), squeeze=False)
    for axis, (name, run) in zip(axes[0], first.items(), strict=True):
        for key, values in run["losses"].items():
            axis.plot(values, label=key, linewidth=1)
        axis.set(title=name, xlabel="step (thinned)")
        axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return True


def _mixtures(report: Any, path: Path) -> bool:
    import keras_genmodels as kg

    samples = report.mixture_samples()
    mixtures = report.setup["mixtures"]
    if not samples or not mixtures:
        return False
    figure = _figure(figsize=(2.6 * len(samples), 2.6 * len(mixtures)))
    axes = figure.subplots(len(mixtures), len(samples), squeeze=False)
    for column, (name, by_mixture) in enumerate(samples.items()):
        for row, mixture in enumerate(mixtures):
            axis = axes[row][column]
            centers, _ = kg.datasets.mode_centers(mixture)
            points = by_mixture.get(mixture)
            if points is not None:
                axis.scatter(points[:, 0], points[:, 1], s=1, alpha=0.4)
            axis.scatter(centers[:, 0], centers[:, 1], marker="x", color="red", s=12)
            axis.set(title=f"{name}, {mixture}", xticks=[], yticks=[],
                     xlim=(centers.min() - 1.5, centers.max() + 1.5),
                     ylim=(centers.min() - 1.5, centers.max() + 1.5))
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return True


def write_figures(report: Any, folder: str | Path) -> dict[str, Path]:
    """Draws the report's plots into `folder`; returns `{figure key: path}` of those drawn."""
    folder = Path(folder)
    written = {}
    for key, draw in (("fid_progress", _fid_progress), ("losses", _losses),
                      ("mixtures", _mixtures)):
        path = folder / f"{key}.png"
        if draw(report, path):
            written[key] = path
    return written
