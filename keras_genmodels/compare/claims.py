"""The claims of the two source articles, each checked against the measurements.

`../shared/seeds/` (the articles this package started from) compare GANs and VAEs in tables
1, 4, 5, 6, 7, 9 and 10. Each row of those tables becomes a `Claim` whose `check` reads the
comparison's measurements and returns the evidence, in words and numbers, and a verdict:

- `"supported"`: every GAN-side model beats every VAE-side model in the claimed direction
  (medians over seeds), or the opposite for a claim in the VAEs' favour;
- `"contradicted"`: every pair goes the other way;
- `"mixed"`: some pairs go each way, or some are ties;
- `"no difference"`: every pair ties (e.g. every model at 0 recall);
- `"not measured"`: the comparison lacks a model of one side or the number;
- `"definition"`: the row states what the models are, not how they behave.

GAN side: GAN, ConditionalGAN, WGAN, WGAN-GP. VAE side: VAE, ConditionalVAE. A VAE-GAN is a
hybrid: its numbers are shown beside the others but count for neither side.

Example:

```python
evidence = Evidence(summary, sides, loss_names)
[(claim.source, claim.check(evidence)) for claim in CLAIMS]
```
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from keras_genmodels.compare.measurements import MEASURES

__all__ = ["CLAIMS", "Claim", "Evidence", "VERDICTS"]

VERDICTS = ("supported", "contradicted", "mixed", "no difference", "not measured", "definition")
_SIDE_NAMES = {"gan": "GAN", "vae": "VAE"}


@dataclass
class Evidence:
    """The comparison's numbers as the claims read them.

    Args:
        summary: model name -> measure key -> `{"median", "min", "max", "values"}` over
            seeds (`median` is `None` when the model cannot have the number).
        sides: model name -> `"gan"`, `"vae"` or `"hybrid"`.
        loss_names: model name -> the losses it reports.
        unavailable: model name -> measure key -> why the number is missing.
    """

    summary: dict[str, dict[str, dict[str, Any]]]
    sides: dict[str, str]
    loss_names: dict[str, list[str]]
    unavailable: dict[str, dict[str, str]]

    def median(self, name: str, key: str) -> float | None:
        value = self.summary.get(name, {}).get(key, {}).get("median")
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else value

    def on_side(self, side: str) -> list[str]:
        return [name for name, s in self.sides.items() if s == side]

    def describe(self, key: str) -> str:
        """`"GAN 21.3 [19.0-24.1]; VAE 40.2 [...]"` for every model, hybrids marked."""
        parts = []
        for name in self.sides:
            stats = self.summary.get(name, {}).get(key, {})
            if stats.get("median") is None:
                reason = self.unavailable.get(name, {}).get(key, "not measured")
                parts.append(f"{name}: {reason}")
                continue
            spread = ""
            if stats.get("min") is not None and stats["min"] != stats["max"]:
                spread = f" [{_fmt(stats['min'])}-{_fmt(stats['max'])}]"
            hybrid = " (hybrid)" if self.sides[name] == "hybrid" else ""
            parts.append(f"{name}{hybrid} {_fmt(stats['median'])}{spread}")
        return f"{MEASURES[key].label}: " + "; ".join(parts)


def _fmt(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1e4 else f"{value:.3e}"


def compare_sides(evidence: Evidence, key: str, gans_better: bool) -> tuple[str, str]:
    """Checks "GAN-side models score better than VAE-side ones on `key`" (or worse).

    Returns:
        `(evidence text, verdict)`.
    """
    lower = MEASURES[key].lower_is_better
    medians = {side: {n: evidence.median(n, key) for n in evidence.on_side(side)}
               for side in ("gan", "vae")}
    medians = {side: {n: v for n, v in values.items() if v is not None}
               for side, values in medians.items()}
    text = evidence.describe(key)
    if not medians["gan"] or not medians["vae"]:
        return text, "not measured"
    # +1 where the GAN-side model is better, -1 where worse, 0 for a tie
    signs = {int(math.copysign(1, v - g) if lower else math.copysign(1, g - v)) if g != v else 0
             for g in medians["gan"].values() for v in medians["vae"].values()}
    if signs == {0}:
        return text, "no difference"
    if signs == {1}:
        return text, "supported" if gans_better else "contradicted"
    if signs == {-1}:
        return text, "contradicted" if gans_better else "supported"
    return text, "mixed"


def _combine(results: list[tuple[str, str]]) -> tuple[str, str]:
    """One verdict from several measurements of one claim."""
    verdicts = {verdict for _, verdict in results if verdict != "not measured"}
    text = " | ".join(text for text, _ in results)
    if not verdicts:
        return text, "not measured"
    return text, verdicts.pop() if len(verdicts) == 1 else "mixed"


def _reconstruction(evidence: Evidence) -> tuple[str, str]:
    can = {n: evidence.median(n, "reconstruction_mse") is not None for n in evidence.sides}
    gans, vaes = evidence.on_side("gan"), evidence.on_side("vae")
    text = evidence.describe("reconstruction_mse")
    if not gans or not vaes:
        return text, "not measured"
    if all(not can[n] for n in gans) and all(can[n] for n in vaes):
        return text, "supported"
    return text, "contradicted" if all(can[n] for n in gans) else "mixed"


def _losses(evidence: Evidence) -> tuple[str, str]:
    text = "; ".join(f"{name} reports {', '.join(names)}"
                     for name, names in evidence.loss_names.items())
    return text, "definition"


def _stability(evidence: Evidence) -> tuple[str, str]:
    return _combine([compare_sides(evidence, "fid_spread", gans_better=False),
                     compare_sides(evidence, "fid_relapses", gans_better=False)]
                    + _nonfinite(evidence))


def _nonfinite(evidence: Evidence) -> list[tuple[str, str]]:
    counts = {n: evidence.median(n, "nonfinite_losses") for n in evidence.sides}
    if all(not c for c in counts.values()):
        return [("no NaN or inf loss in any run", "not measured")]
    return [compare_sides(evidence, "nonfinite_losses", gans_better=False)]


def _mode_collapse(evidence: Evidence) -> tuple[str, str]:
    return _combine([compare_sides(evidence, key, gans_better=False)
                     for key in ("ring8_modes", "grid25_modes")])


@dataclass(frozen=True)
class Claim:
    """One row of a source table: where it is, what it says, and how it is checked."""

    source: str
    aspect: str
    statement: str
    check: Callable[[Evidence], tuple[str, str]]


def _definition(text: str) -> Callable[[Evidence], tuple[str, str]]:
    return lambda evidence: (text, "definition")


def _not_measured(text: str) -> Callable[[Evidence], tuple[str, str]]:
    return lambda evidence: (text, "not measured")


def _sides(*checks: tuple[str, bool]) -> Callable[[Evidence], tuple[str, str]]:
    return lambda evidence: _combine([compare_sides(evidence, k, b) for k, b in checks])


CLAIMS: tuple[Claim, ...] = (
    Claim("Table 1", "Training", "GANs learn unsupervised; VAEs both supervised and unsupervised",
          _definition("every model here trained without labels; the package's ConditionalGAN "
                      "and ConditionalVAE train on labels, so both families can do both")),
    Claim("Table 1", "Reconstruction", "GANs cannot reconstruct input data directly; VAEs can",
          _reconstruction),
    Claim("Table 1", "Loss function", "GANs: adversarial loss; VAEs: reconstruction and "
          "regularisation losses", _losses),
    Claim("Table 1", "Sample quality", "GANs give high-quality samples",
          _sides(("fid", True), ("precision", True))),
    Claim("Table 1", "Diversity", "GAN samples may lack diversity (less diverse than VAEs')",
          _sides(("recall", False), ("coverage", False))),
    Claim("Table 1", "Training stability", "GANs are prone to mode collapse",
          _mode_collapse),
    Claim("Table 1", "Training stability", "GANs are prone to training instability; VAEs "
          "train more stably", _stability),
    Claim("Table 4", "Training time", "GANs need longer training than VAEs (12 h vs 6 h)",
          _sides(("time_to_threshold", False))),
    Claim("Table 5", "Diversity (CelebA)", "GANs give diverse faces; VAEs blurred, less "
          "diverse faces", _not_measured("CelebA is not part of this comparison's data")),
    Claim("Table 5", "Diversity (MNIST)", "GANs give diverse, high-quality digits; VAEs less "
          "diverse digits", _sides(("recall", True), ("coverage", True), ("precision", True))),
    Claim("Table 6", "Training stability", "GANs: mode collapse and instability; VAEs: more "
          "stable", lambda e: _combine([_mode_collapse(e), _stability(e)])),
    Claim("Table 7", "Reconstruction loss", "GANs have a high reconstruction loss; VAEs a low "
          "one", _reconstruction),
    Claim("Table 9", "Sample quality", "GANs give higher-quality samples; VAEs better "
          "reconstructions", _sides(("fid", True), ("kid", True), ("precision", True))),
    Claim("Table 9", "Realism", "GANs generate realistic (sharp) data; VAEs more abstract "
          "(blurrier) outputs", _sides(("sharpness", True), ("density", True))),
    Claim("Table 10", "Training stability", "VAEs train more stably, without mode collapse",
          lambda e: _combine([_mode_collapse(e), _stability(e)])),
    Claim("Table 10", "Reconstruction", "VAEs can reconstruct their input; GANs cannot",
          _reconstruction),
    Claim("Overview", "Latent space", "VAEs have a smoother latent space than GANs",
          _sides(("path_length", False))),
)
