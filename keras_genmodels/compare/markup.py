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
from typing import Any

from keras_genmodels.compare.measurements import MEASURES

__all__ = ["render_html", "render_markdown", "report_blocks"]

_FIGURE_CAPTIONS = {
    "fid_progress": "FID (domain features, a small sample after every epoch) against "
                    "training time, every run; the dashed line is the threshold of 'time to "
                    "threshold'.",
    "losses": "Every reported loss per training step (first seed of each model).",
    "mixtures": "Samples of each model trained on the 2-D mixtures (first seed); "
                "red crosses are the true modes.",
}


def _cell(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        text = f"{value:.3g}" if abs(value) < 1e4 else f"{value:.3e}"
    else:
        text = str(value)
    return f"{text} {unit}".strip()


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
            rows.append(row)
    return rows


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
              f"once per seed {setup['seeds']}; measured on {setup['num_samples']} samples "
              f"against {setup['test_examples']} held-out examples in the feature space "
              f"`{setup['extractor']}`. Mode coverage: each model trained again on "
              f"{', '.join(setup['mixtures']) or 'no mixture'} for {setup['mixture_budget']} "
              f"(batch 256). Machine: {setup['machine']}."),
        ("p", "Numbers are medians over seeds, with [min-max] when they differ. A verdict is "
              "'supported' when every GAN-side model (GAN, WGAN, WGAN-GP) beats every VAE-side "
              "model in the claimed direction, 'contradicted' when every pair goes the other "
              "way, 'mixed' otherwise ('no difference' when all tie); VAE-GAN is a hybrid, "
              "shown but counted for neither side. These are the numbers of this budget and "
              "these networks, not a law."),
        ("h2", "The articles' claims"),
        ("table", ["source", "aspect", "claim", "measured", "verdict"],
         [[c["source"], c["aspect"], c["statement"], c["evidence"],
           c["verdict"]] for c in report.claims]),
        ("h2", "Measurements"),
        ("p", f"Time to threshold: training seconds until the FID measured after an epoch "
              f"first fell to {_cell(report.fid_threshold)} or below."),
        ("table", ["measure", *names], _measurement_rows(report)),
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
