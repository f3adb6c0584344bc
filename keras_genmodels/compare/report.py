"""The comparison's report: every number as JSON, and Markdown and HTML with PNG figures.

`ComparisonReport` collects the runs of `kg.compare`, summarises each measurement over
seeds (median, min, max), sets the FID threshold of "time to threshold" from the data (a
fraction of the way from the untrained models' FID to the real data's own), checks the
source articles' claims (`claims.py`) and writes:
`report.json` (every number of every run), `report.md` and `report.html` (the claims table,
the measurements table, the figures) and the PNGs they show: sample grids, reconstructions,
FID during training, losses, and the mixtures' samples.

Example:

```python
report = kg.compare(["vae", "gan"], x_train, x_test, budget=2, seeds=(0,))
report.summary["VAE"]["fid"]        # {'median': 35.2, 'min': 35.2, 'max': 35.2, 'values': [...]}
paths = report.save("runs/compare")  # {'markdown': ..., 'html': ..., 'json': ..., ...}
```
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from keras_genmodels.compare.claims import CLAIMS, Evidence
from keras_genmodels.compare.measurements import MEASURES
from keras_genmodels.compare.runs import Run
from keras_genmodels.images import make_grid, save_png

__all__ = ["ComparisonReport"]

#: loss values kept per loss in the JSON and the plot (evenly spaced).
_MAX_LOSS_POINTS = 400
_GRID_SAMPLES = 64


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_none(v) for v in value]
    return value


def _thin(values: list[float]) -> list[float]:
    if len(values) <= _MAX_LOSS_POINTS:
        return list(values)
    index = np.linspace(0, len(values) - 1, _MAX_LOSS_POINTS).round().astype(int)
    return [values[i] for i in index]


class ComparisonReport:
    """The results of `kg.compare`: runs, per-model summary, claims, figures.

    Attributes:
        setup: what was compared and how (models, seeds, budget, data, feature space).
        runs: one dict per (model, seed): `name`, `seed`, `side`, `values`,
            `unavailable`, `progress` (FID during training), `losses` (thinned).
        summary: model name -> measure -> `{"median", "min", "max", "values"}`.
        claims: one dict per claim: `source`, `aspect`, `statement`, `evidence`, `verdict`.
        fid_threshold: the FID of the "time to threshold" measurement.
        threshold_basis: how it was set: `untrained_fid` (median over runs of the FID
            before the first step), `real_fid` (held-out data against the reference),
            `fraction`, or `given` for a threshold passed in.
        mixture_reference: mixture -> what held-out data score on it (modes, recall,
            coverage).
    """

    def __init__(self, setup: dict[str, Any]) -> None:
        self.setup = setup
        self.runs: list[dict[str, Any]] = []
        self.summary: dict[str, dict[str, dict[str, Any]]] = {}
        self.claims: list[dict[str, str]] = []
        self.fid_threshold: float | None = None
        self.threshold_basis: dict[str, Any] = {}
        self.mixture_reference: dict[str, dict[str, float]] = {}
        self._pictures: dict[str, dict[str, np.ndarray]] = {}
        self._mixtures: dict[str, dict[str, np.ndarray]] = {}

    def add_run(self, run: Run, values: dict[str, Any], unavailable: dict[str, str], side: str,
                x_test: np.ndarray, y_test: np.ndarray | None = None) -> None:
        """Adds one measured run; keeps the pictures of each model's first run."""
        self.runs.append({"name": run.name, "seed": run.seed, "side": side, "values": values,
                          "unavailable": unavailable, "progress": run.progress,
                          "losses": {k: _thin(v) for k, v in run.losses.items()}})
        if run.name not in self._pictures:
            self._pictures[run.name] = self._pictures_of(run.model, run.seed, x_test, y_test)

    @staticmethod
    def _pictures_of(model: Any, seed: int, x_test: np.ndarray,
                     y_test: np.ndarray | None) -> dict[str, np.ndarray]:
        labels = None
        if getattr(model, "conditional", False):
            labels = (np.arange(_GRID_SAMPLES) % int(model.num_classes)).astype(np.int32)
        pictures = {"samples": model.sample(_GRID_SAMPLES, seed=seed, labels=labels)}
        if callable(getattr(model, "encode", None)) and x_test.ndim == 4:
            x = x_test[:8]
            y = None if y_test is None or not model.conditional else y_test[:8]
            pictures["reconstructions"] = np.concatenate([x, model.reconstruct(x, y)])
        return pictures

    def run_state(self, mixtures: dict[str, dict[str, np.ndarray]]) -> dict[str, Any]:
        """The last run added, with its pictures (if it is its model's first) and
        `mixtures` (label -> mixture -> samples): what `restore_run` takes back."""
        run = self.runs[-1]
        first = sum(r["name"] == run["name"] for r in self.runs) == 1
        return {"run": run, "pictures": self._pictures.get(run["name"]) if first else None,
                "mixtures": mixtures}

    def restore_run(self, state: dict[str, Any]) -> None:
        """Adds a run saved by `run_state` (a resumed comparison)."""
        run = state["run"]
        self.runs.append(run)
        if state.get("pictures") is not None:
            self._pictures.setdefault(run["name"], state["pictures"])
        for label, by_mixture in state.get("mixtures", {}).items():
            for mixture, samples in by_mixture.items():
                self.add_mixture(label, run["seed"], mixture, samples)

    def add_mixture(self, name: str, seed: int, mixture: str, samples: np.ndarray) -> None:
        """Keeps a model's first samples on a 2-D mixture for the mixtures figure (`name`
        may carry its variant: `"GAN (self-conditioned)"`)."""
        self._mixtures.setdefault(name, {}).setdefault(mixture, samples)

    def finish(self, fid_threshold: float | None = None, threshold_fraction: float = 0.5,
               real_fid: float | None = None) -> None:
        """Computes time to threshold, the summary over seeds and the claims' verdicts.

        Args:
            fid_threshold: the FID whose first crossing is "time to threshold"; `None`
                sets it `threshold_fraction` of the way from the untrained FID (median
                over runs of the FID before the first step) down to `real_fid`.
            threshold_fraction: in (0, 1]; 1 asks for the real data's own FID.
            real_fid: FID of held-out real data against the reference (0 if `None`).
        """
        if fid_threshold is not None:
            self.threshold_basis = {"given": float(fid_threshold)}
        else:
            untrained = [r["progress"][0]["fid"] for r in self.runs
                         if r["progress"] and "fid" in r["progress"][0]
                         and math.isfinite(r["progress"][0]["fid"])]
            if untrained:
                start, end = float(np.median(untrained)), float(real_fid or 0.0)
                fid_threshold = start - threshold_fraction * (start - end)
                self.threshold_basis = {"untrained_fid": start, "real_fid": end,
                                        "fraction": threshold_fraction}
        self.fid_threshold = fid_threshold
        for run in self.runs:
            if not run["progress"]:
                run["values"]["time_to_threshold"] = None
                run["unavailable"]["time_to_threshold"] = "no FID measured during training"
                continue
            crossing = [p["seconds"] for p in run["progress"][1:]
                        if fid_threshold is not None and p.get("fid", math.inf) <= fid_threshold]
            # a run that never gets there ranks behind every run that does
            run["values"]["time_to_threshold"] = crossing[0] if crossing else math.inf
            if not crossing:
                run["unavailable"]["time_to_threshold"] = "not reached within the budget"
        self._equal_compute()
        self.summary = {name: self._summarise(name) for name in dict.fromkeys(
            r["name"] for r in self.runs)}
        reference = {f"{mixture}_{key}": values[key]
                     for mixture, values in self.mixture_reference.items()
                     for key in ("recall", "coverage", "modes") if key in values}
        evidence = Evidence(
            summary=self.summary,
            sides={r["name"]: r["side"] for r in self.runs},
            loss_names={r["name"]: list(r["losses"]) for r in self.runs},
            unavailable={r["name"]: r["unavailable"] for r in self.runs},
            reference=reference,
            encoders={r["name"]: r["values"].get("reconstruction_method") == "encoder"
                      for r in self.runs})
        self.claims = []
        for claim in CLAIMS:
            text, verdict = claim.check(evidence)
            self.claims.append({"source": claim.source, "aspect": claim.aspect,
                                "statement": claim.statement, "evidence": text,
                                "verdict": verdict})

    def _equal_compute(self) -> None:
        """Each run's training FID at the same training seconds, the shortest run's: the
        reading "at equal compute" beside the final one (which, under a plateau budget,
        is each family's plateau), from the last FID reading at or before that time."""
        ends = [r["progress"][-1]["seconds"] for r in self.runs
                if r["progress"] and "fid" in r["progress"][-1]]
        seconds = min(ends) if ends else None
        self.setup["equal_compute_seconds"] = seconds
        for run in self.runs:
            readings = [p for p in run["progress"]
                        if seconds is not None and p["seconds"] <= seconds and "fid" in p]
            run["values"]["fid_at_equal_compute"] = readings[-1]["fid"] if readings else None
            if not readings:
                run["unavailable"]["fid_at_equal_compute"] = "no FID measured during training"

    def _summarise(self, name: str) -> dict[str, dict[str, Any]]:
        runs = [r for r in self.runs if r["name"] == name]
        summary = {}
        for key in MEASURES:
            values = [r["values"].get(key) for r in runs]
            # inf stays: a time to threshold never reached ranks last, it is not dropped
            present = [float(v) for v in values if v is not None and not math.isnan(float(v))]
            summary[key] = {"median": float(np.median(present)) if present else None,
                            "min": min(present) if present else None,
                            "max": max(present) if present else None, "values": values}
        fids = [v for v in summary["fid"]["values"] if v is not None]
        if len(fids) > 1 and np.mean(fids) > 0:
            spread = float(np.std(fids) / np.mean(fids))
            summary["fid_spread"] = {"median": spread, "min": spread, "max": spread,
                                     "values": [spread]}
        return summary

    def to_dict(self) -> dict[str, Any]:
        """Every number of the report, JSON-ready (non-finite numbers become `None`)."""
        return _finite_or_none({"setup": self.setup, "fid_threshold": self.fid_threshold,
                                "threshold_basis": self.threshold_basis,
                                "mixture_reference": self.mixture_reference,
                                "summary": self.summary, "claims": self.claims,
                                "runs": self.runs})

    def save(self, folder: str | Path) -> dict[str, Path]:
        """Writes `report.md`, `report.html`, `report.json` and the PNG figures to `folder`.

        Returns:
            The paths written, keyed `markdown`, `html`, `json` and one per figure.
        """
        from keras_genmodels.compare.figures import write_figures
        from keras_genmodels.compare.markup import render_html, render_markdown

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path] = {}
        for name, pictures in self._pictures.items():
            for kind, images in pictures.items():
                if images.ndim == 4:
                    nrow = 8 if kind == "samples" else len(images) // 2
                    paths[f"{kind}_{name}"] = save_png(make_grid(images, nrow=nrow),
                                                       folder / f"{kind}_{_slug(name)}.png")
        paths.update(write_figures(self, folder))
        paths["json"] = folder / "report.json"
        paths["json"].write_text(json.dumps(self.to_dict(), indent=1, default=str))
        blocks = self.blocks({k: p.name for k, p in paths.items()})
        paths["markdown"] = folder / "report.md"
        paths["markdown"].write_text(render_markdown(blocks))
        paths["html"] = folder / "report.html"
        paths["html"].write_text(render_html(blocks, title="GAN vs VAE comparison"))
        return paths

    def blocks(self, figures: dict[str, str]) -> list[tuple]:
        """The report as blocks `("h1"|"h2"|"p", text)`, `("table", header, rows)` and
        `("img", file, caption)`, which `markup.py` renders as Markdown or HTML."""
        from keras_genmodels.compare.markup import report_blocks

        return report_blocks(self, figures)

    def pictures(self, name: str) -> dict[str, np.ndarray]:
        """The sample grid (and reconstructions) kept for model `name`."""
        return self._pictures[name]

    def mixture_samples(self) -> dict[str, dict[str, np.ndarray]]:
        """model name -> mixture -> the samples of the model's first run on it."""
        return self._mixtures


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)

