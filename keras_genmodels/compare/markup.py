"""The comparison report's text: its blocks, rendered as Markdown or as standalone HTML.

The report is written once as a list of blocks, `("h1" | "h2" | "p", text)`,
`("table", header, rows)` and `("img", file, caption)`, and rendered twice, so the
Markdown and the HTML always say the same thing.

Example:

```python
blocks = [("h1", "Results"), ("table", ["model", "FID"], [["VAE", "35.2"]])]
render_markdown(blocks)   # '# Results\\n\\n| model | FID |\\n|---|---|\\n| VAE | 35.2 |\\n'
```
"""

from __future__ import annotations

import html
import math
from typing import Any

from keras_genmodels.compare.claims import MIN_SEEDS
from keras_genmodels.compare.measurements import MEASURES, MIXTURE_KEYS

__all__ = ["render_html", "render_markdown", "report_blocks"]

_FIGURE_CAPTIONS = {
    "fid_progress": "FID (domain features, a small sample before the first step and at "
                    "fixed fractions of the budget) against training time, every run; the "
                    "dashed line is the threshold of 'time to threshold', the dotted one "
                    "held-out real data's FID.",
    "losses": "Every reported loss per training step (first seed of each model).",
    "mixtures": "Samples of each model trained on the 2-D mixtures (first seed), plain and, "
                "where the family has it, self-conditioned; red crosses are the true modes.",
}


def _cell(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "not reached"
    if isinstance(value, float):
        text = f"{value:.3g}" if abs(value) < 1e4 else f"{value:.3e}"
    else:
        text = str(value)
    return f"{text} {unit}".strip()


def _reference_cell(report: Any, key: str) -> str:
    mixture, _, measure = key.partition("_")
    values = report.mixture_reference.get(mixture, {})
    return _cell(values.get(measure)) if measure in MIXTURE_KEYS else "-"


def _measurement_rows(report: Any) -> list[list[str]]:
    rows = []
    for key, measure in MEASURES.items():
        row = [measure.label + (" (lower is better)" if measure.lower_is_better else "")]
        present = False
        for name, stats in report.summary.items():
            stats = stats.get(key, {})
            if stats.get("median") is None:
                reasons = {r["unavailable"].get(key) for r in report.runs if r["name"] == name}
                reasons.discard(None)
                row.append(next(iter(reasons), "-"))
                continue
            present = True
            text = _cell(stats["median"], measure.unit)
            if stats["min"] != stats["max"]:
                text += f" [{_cell(stats['min'])}-{_cell(stats['max'])}]"
            row.append(text)
        if present:
            rows.append(row + [_reference_cell(report, key)])
    return rows


def _precision_text(report: Any) -> str:
    """The precision the models trained in ("auto" resolves per family and machine)."""
    by_model: dict[str, set[str]] = {}
    for run in report.runs:
        if run["values"].get("training_precision"):
            by_model.setdefault(run["name"], set()).add(run["values"]["training_precision"])
    used = {p for found in by_model.values() for p in found}
    if len(used) == 1:
        return used.pop()
    if not used:
        return report.setup.get("precision", "float32")
    return ", ".join(f"{name} {'/'.join(sorted(found))}" for name, found in by_model.items())


def _load_text(report: Any) -> str:
    loads = [v for r in report.runs for v in (r["values"].get("load_average") or [])]
    if not loads:
        return ""
    return (f"; its 1-minute load average at the start and end of the training runs was "
            f"{min(loads):.1f}-{max(loads):.1f} (above the core count, other jobs shared "
            "the cores and a seconds budget bought less training)")


def _threshold_text(report: Any) -> str:
    basis, setup = report.threshold_basis, report.setup
    fractions = ", ".join(f"{f:g}" for f in setup.get("progress_fractions", []))
    when = (f"at the fractions {fractions} of each run's budget ({setup['budget']}; in "
            "training seconds for a seconds budget, steps for an epochs budget)")
    if setup.get("progress_seconds"):  # a plateau budget: its rule's fixed schedule
        seconds = setup["progress_seconds"]
        when = (f"at {', '.join(f'{t:g}' for t in seconds[:4])}, ... training seconds up to "
                f"the cap ({setup['budget']}; a run stops at the first reading where the "
                "rule holds)")
    schedule = (f"FID of {setup.get('progress_samples')} samples against as many held-out "
                f"examples, measured before the first step and {when}, the same points for "
                "every model whatever its epoch length")
    if "given" in basis:
        threshold = f"the threshold given, {_cell(basis['given'])}"
    elif basis:
        threshold = (f"the threshold {_cell(report.fid_threshold)}, {basis['fraction']:g} of "
                     f"the way from the untrained models' FID ({_cell(basis['untrained_fid'])}"
                     f", median over runs before the first step) to held-out real data's "
                     f"({_cell(basis['real_fid'])})")
    else:
        threshold = "no threshold (no FID measured)"
    equal = setup.get("equal_compute_seconds")
    equal_text = ("" if equal is None else
                  f" FID at equal compute: each run's last such reading at or before "
                  f"{equal:.1f} training seconds, where the shortest run ended; the other "
                  f"numbers are read at each run's end.")
    return (f"Time to threshold: {schedule}; the first measured training time at or below "
            f"{threshold}. A run that never reaches it ranks behind every run that does "
            "(shown 'not reached'), so it counts against its model instead of dropping out "
            "of the median. Relapses: evaluations whose FID is over 1.1 times the best "
            "before it, per evaluation." + equal_text)


def _reconstruction_text(report: Any) -> str:
    recon = report.setup.get("reconstruction", {})
    return (f"Reconstruction: mean absolute error per dimension on the first "
            f"{recon.get('examples')} held-out examples, the same for every model. A model "
            "with an encoder decodes its code (reconstruct(x)); a GAN, which has none, is "
            "inverted by the latent search of the anomaly scores (AnoGAN's, pixels only: "
            f"min over z of sum |x - G(z)|, {recon.get('search_steps')} Adam steps at "
            f"{recon.get('search_learning_rate')} from a prior draw). Sharpness: the mean "
            "absolute Laplacian of samples over that of real data; the verdict scores "
            "|log ratio|, so as sharp as the data is best and sharper than real is no "
            "better. IWAE NLL (64 importance samples): only where the likelihood is a "
            "density of the data as given (a Bernoulli is one only of binary data; on grey "
            "levels it is reported n/a, not binarized).")


def _mixture_text(report: Any) -> str:
    reference = "; ".join(
        f"{m}: {_cell(v.get('modes'))} modes, recall {_cell(v.get('recall'))}, coverage "
        f"{_cell(v.get('coverage'))}" for m, v in report.mixture_reference.items())
    return ("Mixtures: each model trained again on each mixture (batch 256, "
            f"{report.setup['mixture_budget']}), 2,000 samples scored by the modes they "
            "cover (kg.metrics.mode_coverage) and by recall (k = 3) and coverage (k = 5) of "
            "the raw 2-D points against 2,000 held-out points, which see whether each mode's "
            "spread is reached, not only the mode. The GAN-side models are the plain "
            "unconditional GANs (clusters=None); the self-conditioned defaults of the "
            "families that have them are measured beside them and judged in the "
            "'Intervention' row. 2,000 training points scored the same way against the "
            f"held-out points: {reference or 'no mixture'}.")


def report_blocks(report: Any, figures: dict[str, str]) -> list[tuple]:
    """The blocks of a `ComparisonReport`, with `figures` mapping figure keys to file names."""
    setup = report.setup
    names = list(report.summary)
    sides = {r["name"]: r["side"] for r in report.runs}
    blocks: list[tuple] = [
        ("h1", "GAN vs VAE, measured"),
        ("p", f"Models: {', '.join(f'{n} ({sides[n]})' for n in names)}. Each trained from "
              f"scratch for {setup['budget']} (batch {setup['batch_size']}) on "
              f"{setup['train_examples']} examples of shape {tuple(setup['data_shape'])}, "
              f"once per seed {setup['seeds']}, with its family's defaults; measured on "
              f"{setup['num_samples']} samples against {setup['test_examples']} held-out "
              f"examples in the feature space `{setup['extractor']}`. Mode coverage: each "
              f"model trained again on {', '.join(setup['mixtures']) or 'no mixture'} for "
              f"{setup['mixture_budget']} (batch 256). Precision: "
              f"{_precision_text(report)}. Machine: {setup['machine']}"
              f"{_load_text(report)}."),
        ("p", "Numbers are medians over seeds, with [min-max] when they differ. A pair of "
              "models (one GAN-side, one VAE-side) is decided on a measure only when their "
              f"seeds separate: every seed of one better than every seed of the other, with "
              f"at least {MIN_SEEDS} seeds each (with 3 a side, a one-sided Mann-Whitney "
              "test at p = 1/20). A verdict is 'supported' when every pair separates in the "
              "claimed direction, 'contradicted' when every pair separates the other way, "
              "'mixed' when pairs separate both ways, 'no difference' when all tie exactly, "
              "and 'inconclusive' otherwise (some ranges overlap). A claim checked by "
              "several measures gets their verdict only when they agree. GAN side: GAN, "
              "WGAN, WGAN-GP; VAE side: VAE; VAE-GAN is a hybrid, shown but counted for "
              "neither side. These are the numbers of this budget and these networks, not a "
              "law."),
        ("h2", "The articles' claims"),
        ("table", ["source", "aspect", "claim", "measured", "verdict"],
         [[c["source"], c["aspect"], c["statement"], c["evidence"],
           c["verdict"]] for c in report.claims]),
        ("h2", "How the numbers are measured"),
        ("p", _threshold_text(report)),
        ("p", _reconstruction_text(report)),
        ("p", _mixture_text(report)),
        ("h2", "The defaults compared, and the tuning they got"),
        ("p", "Every model runs with its family's defaults; these are what they resolve to "
              "on the comparison's data and on the 2-D mixtures, and how they were chosen. "
              "On the mixtures the mode-collapse row trains the GANs with clusters=None."),
        ("table", ["model", "defaults on this data", "defaults on the mixtures",
                   "tuning they got"], setup.get("defaults", [])),
        ("h2", "Measurements"),
        ("table", ["measure", *names, "held-out data"], _measurement_rows(report)),
        ("h2", "Samples"),
    ]
    for name in names:
        if f"samples_{name}" in figures:
            blocks.append(("img", figures[f"samples_{name}"], f"{name}: 64 samples, seed "
                           f"{setup['seeds'][0]}"))
        if f"reconstructions_{name}" in figures:
            blocks.append(("img", figures[f"reconstructions_{name}"],
                           f"{name}: test examples (top) and reconstructions (bottom)"))
    blocks.append(("h2", "Figures"))
    for key, caption in _FIGURE_CAPTIONS.items():
        if key in figures:
            blocks.append(("img", figures[key], caption))
    return blocks


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(blocks: list[tuple]) -> str:
    """Renders blocks as GitHub-flavoured Markdown."""
    out = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2"):
            out.append(f"{'#' * int(kind[1])} {block[1]}\n")
        elif kind == "p":
            out.append(f"{block[1]}\n")
        elif kind == "table":
            header, rows = block[1], block[2]
            lines = ["| " + " | ".join(_md_escape(h) for h in header) + " |",
                     "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in rows]
            out.append("\n".join(lines) + "\n")
        elif kind == "img":
            out.append(f"![{block[2]}]({block[1]})\n\n*{block[2]}*\n")
    return "\n".join(out)


def render_html(blocks: list[tuple], title: str) -> str:
    """Renders blocks as one standalone HTML page (images referenced beside it)."""
    body = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "p"):
            text = html.escape(str(block[1])).replace("`", "")
            body.append(f"<{kind}>{text}</{kind}>")
        elif kind == "table":
            head = "".join(f"<th>{html.escape(str(h))}</th>" for h in block[1])
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row)
                           + "</tr>" for row in block[2])
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif kind == "img":
            body.append(f'<figure><img src="{html.escape(block[1])}" alt="'
                        f'{html.escape(block[2])}"><figcaption>{html.escape(block[2])}'
                        "</figcaption></figure>")
    style = ("body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
             "padding:.3em .5em;vertical-align:top;font-size:90%}img{max-width:100%;"
             "image-rendering:pixelated}figure{margin:1em 0}")
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
            f"</title><style>{style}</style></head><body>\n" + "\n".join(body)
            + "\n</body></html>\n")
