"""The claims of the two source articles, each checked against the measurements.

`../shared/seeds/` (the articles this package started from) compare GANs and VAEs in tables
1, 4, 5, 6, 7, 9 and 10. Each row of those tables becomes a `Claim` whose `check` reads the
comparison's measurements and returns the evidence, in words and numbers, and a verdict.

A measurement decides a pair of models (one GAN-side, one VAE-side) only when their seeds
separate: every seed of one is better than every seed of the other (disjoint ranges; with
3 seeds a side, a one-sided Mann-Whitney test at p = 1/20), with at least `MIN_SEEDS`
seeds each. Then, over all pairs:

- `"supported"`: every pair separates in the claimed direction;
- `"contradicted"`: every pair separates the other way;
- `"mixed"`: pairs separate in both directions;
- `"no difference"`: every pair ties exactly (e.g. every seed of every model at 0 NaNs);
- `"inconclusive"`: otherwise: some pair's ranges overlap, or it has too few seeds;
- `"not measured"`: the comparison lacks a model of one side or the number;
- `"definition"`: the row states what the models are, not how they behave.

A claim checked by several measurements gets a verdict only when they agree (the
"not measured" ones left out); `"mixed"` where some support it and others contradict it,
`"inconclusive"` otherwise.

GAN side: GAN, ConditionalGAN, WGAN, WGAN-GP. VAE side: VAE, ConditionalVAE. A VAE-GAN is a
hybrid: its numbers are shown beside the others but count for neither side. On the 2-D
mixtures the GAN side is the plain unconditional GAN (`clusters=None`); self-conditioning
is an intervention, checked in its own row against the same family without it.

Example:

```python
evidence = Evidence(summary, sides, loss_names, unavailable)
[(claim.source, claim.check(evidence)) for claim in CLAIMS]
```
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from keras_genmodels.compare.measurements import MEASURES, MIXTURE_KEYS, SELF_CONDITIONED

__all__ = ["CLAIMS", "Claim", "Evidence", "MIN_SEEDS", "VERDICTS", "compare_sides",
           "separation"]

VERDICTS = ("supported", "contradicted", "mixed", "inconclusive", "no difference",
            "not measured", "definition")
#: the fewest seeds a model needs for its range to decide anything.
MIN_SEEDS = 3
MIXTURES = ("ring8", "grid25")


@dataclass
class Evidence:
    """The comparison's numbers as the claims read them.

    Args:
        summary: model name -> measure key -> `{"median", "min", "max", "values"}` over
            seeds (`median` is `None` when the model cannot have the number; a run that
            never reached the FID threshold has the time `inf`).
        sides: model name -> `"gan"`, `"vae"` or `"hybrid"`.
        loss_names: model name -> the losses it reports.
        unavailable: model name -> measure key -> why the number is missing.
        reference: measure key -> what held-out data score on it (shown beside it).
        encoders: model name -> whether it has an encoder.
    """

    summary: dict[str, dict[str, dict[str, Any]]]
    sides: dict[str, str]
    loss_names: dict[str, list[str]]
    unavailable: dict[str, dict[str, str]]
    reference: dict[str, float] = field(default_factory=dict)
    encoders: dict[str, bool] = field(default_factory=dict)

    def values(self, name: str, key: str) -> list[float]:
        """The model's numbers over its seeds, missing and NaN ones left out."""
        raw = self.summary.get(name, {}).get(key, {}).get("values") or []
        return [float(v) for v in raw if v is not None and not math.isnan(float(v))]

    def median(self, name: str, key: str) -> float | None:
        value = self.summary.get(name, {}).get(key, {}).get("median")
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else value

    def on_side(self, side: str) -> list[str]:
        return [name for name, s in self.sides.items() if s == side]

    def describe(self, key: str) -> str:
        """`"FID: GAN 21.3 [19.0-24.1]; VAE 40.2 [...]"` for every model, hybrids marked."""
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
        if key in self.reference:
            parts.append(f"held-out data {_fmt(self.reference[key])}")
        return f"{MEASURES[key].label}: " + "; ".join(parts)


def _fmt(value: float) -> str:
    if math.isinf(value):
        return "not reached"
    return f"{value:.3g}" if abs(value) < 1e4 else f"{value:.3e}"


def separation(a: Sequence[float], b: Sequence[float], lower_is_better: bool) -> str:
    """How the seeds of `a` and `b` compare: `"a"` or `"b"` when that one's every seed is
    better than the other's every seed (with `MIN_SEEDS` seeds each), `"tie"` when all
    are one value, `"overlap"` when the ranges meet, `"few seeds"` with fewer seeds.

    Example:

    ```python
    separation([10, 11, 12], [20, 21, 25], lower_is_better=True)   # "a"
    separation([10, 11, 22], [20, 21, 25], lower_is_better=True)   # "overlap"
    ```
    """
    if not a or not b:
        return "few seeds"
    if len(set(a) | set(b)) == 1:
        return "tie"
    if min(len(a), len(b)) < MIN_SEEDS:
        return "few seeds"
    best_a, worst_a = (min(a), max(a)) if lower_is_better else (max(a), min(a))
    best_b, worst_b = (min(b), max(b)) if lower_is_better else (max(b), min(b))
    if (worst_a < best_b) if lower_is_better else (worst_a > best_b):
        return "a"
    if (worst_b < best_a) if lower_is_better else (worst_b > best_a):
        return "b"
    return "overlap"


def _verdict(outcomes: list[str]) -> str:
    """One verdict from pairs' outcomes (`"claimed"`, `"opposite"`, `"tie"`, other)."""
    kinds = set(outcomes)
    if kinds == {"tie"}:
        return "no difference"
    if kinds == {"claimed"}:
        return "supported"
    if kinds == {"opposite"}:
        return "contradicted"
    if {"claimed", "opposite"} <= kinds:
        return "mixed"
    return "inconclusive"


def _judge(pairs: list[tuple[str, list[float], list[float]]], key: str) -> tuple[str, str]:
    """Judges `(label, claimed better, claimed worse)` pairs of seed values on `key`:
    `(the pairs' outcomes in words, verdict)`."""
    lower = MEASURES[key].lower_is_better
    outcomes, words = [], []
    for label, better, worse in pairs:
        result = separation(better, worse, bool(lower))
        outcome = {"a": "claimed", "b": "opposite"}.get(result, result)
        outcomes.append(outcome)
        words.append(f"{label}: " + {"claimed": "as claimed", "opposite": "the other way",
                                      "tie": "tie", "overlap": "ranges overlap",
                                      "few seeds": f"fewer than {MIN_SEEDS} seeds"}[outcome])
    verdict = _verdict(outcomes)
    return "; ".join(words), verdict


def compare_sides(evidence: Evidence, key: str, gans_better: bool) -> tuple[str, str]:
    """Checks "GAN-side models score better than VAE-side ones on `key`" (or worse), pair
    by pair, on the seeds' ranges.

    Returns:
        `(evidence text, verdict)`.
    """
    values = {side: {n: evidence.values(n, key) for n in evidence.on_side(side)}
              for side in ("gan", "vae")}
    values = {side: {n: v for n, v in by_name.items() if v} for side, by_name in values.items()}
    text = evidence.describe(key)
    if not values["gan"] or not values["vae"]:
        return text, "not measured"
    pairs = []
    for g, g_values in values["gan"].items():
        for v, v_values in values["vae"].items():
            better, worse = (g_values, v_values) if gans_better else (v_values, g_values)
            pairs.append((f"{g} vs {v}", better, worse))
    words, verdict = _judge(pairs, key)
    return f"{text} ({words}: {verdict})", verdict


def _combine(results: list[tuple[str, str]]) -> tuple[str, str]:
    """One verdict from several measurements of one claim: theirs when they agree."""
    verdicts = {verdict for _, verdict in results if verdict != "not measured"}
    text = " | ".join(text for text, _ in results)
    if not verdicts:
        return text, "not measured"
    if len(verdicts) == 1:
        return text, verdicts.pop()
    if {"supported", "contradicted"} <= verdicts or "mixed" in verdicts:
        return text, "mixed"
    return text, "inconclusive"


def _can_reconstruct(evidence: Evidence) -> tuple[str, str]:
    with_encoder = [n for n in evidence.sides if evidence.encoders.get(n)]
    without = [n for n in evidence.sides if n not in with_encoder]
    text = (f"{', '.join(with_encoder) or 'no model'} {'has' if len(with_encoder) == 1 else 'have'}"
            f" an encoder (reconstruct(x) decodes its code); "
            f"{', '.join(without) or 'no model'} {'has' if len(without) == 1 else 'have'} none, "
            "so reconstructing needs a search over codes (measured in Table 7's row)")
    return text, "definition"


def _losses(evidence: Evidence) -> tuple[str, str]:
    text = "; ".join(f"{name} reports {', '.join(names)}"
                     for name, names in evidence.loss_names.items())
    return text, "definition"


def _stability(evidence: Evidence) -> tuple[str, str]:
    text, verdict = _combine([compare_sides(evidence, "fid_relapse_rate", gans_better=False)]
                             + _nonfinite(evidence))
    return f"{text} | shown, not judged: {evidence.describe('fid_spread')}", verdict


def _nonfinite(evidence: Evidence) -> list[tuple[str, str]]:
    counts = {n: evidence.values(n, "nonfinite_losses") for n in evidence.sides}
    if all(not any(c) for c in counts.values()):
        return [("no NaN or inf loss in any run", "not measured")]
    return [compare_sides(evidence, "nonfinite_losses", gans_better=False)]


def _mode_collapse(evidence: Evidence) -> tuple[str, str]:
    return _combine([compare_sides(evidence, f"{mixture}_{key}", gans_better=False)
                     for mixture in MIXTURES for key in MIXTURE_KEYS])


def _self_conditioning(evidence: Evidence) -> tuple[str, str]:
    results = []
    for mixture in MIXTURES:
        for key in MIXTURE_KEYS:
            plain, conditioned = f"{mixture}_{key}", f"{mixture}_{key}_{SELF_CONDITIONED}"
            names = [n for n in evidence.sides
                     if evidence.values(n, conditioned) and evidence.values(n, plain)]
            if not names:
                results.append((f"{MEASURES[plain].label}: no self-conditioned run",
                                "not measured"))
                continue
            pairs = [(n, evidence.values(n, conditioned), evidence.values(n, plain))
                     for n in names]
            words, verdict = _judge(pairs, plain)
            shown = "; ".join(f"{n} {_range(evidence, n, conditioned)} against "
                              f"{_range(evidence, n, plain)}" for n in names)
            results.append((f"{MEASURES[plain].label}, self-conditioned against plain: "
                            f"{shown} ({words}: {verdict})", verdict))
    return _combine(results)


def _range(evidence: Evidence, name: str, key: str) -> str:
    stats = evidence.summary[name][key]
    spread = f" [{_fmt(stats['min'])}-{_fmt(stats['max'])}]" if stats["min"] != stats["max"] \
        else ""
    return f"{_fmt(stats['median'])}{spread}"


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
          _can_reconstruct),
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
          "one", _sides(("reconstruction_error", False))),
    Claim("Table 9", "Sample quality", "GANs give higher-quality samples; VAEs better "
          "reconstructions", _sides(("fid", True), ("kid", True), ("precision", True),
                                    ("reconstruction_error", False))),
    Claim("Table 9", "Realism", "GANs generate realistic (sharp) data; VAEs more abstract "
          "(blurrier) outputs", _sides(("sharpness_error", True), ("density", True))),
    Claim("Table 10", "Training stability", "VAEs train more stably, without mode collapse",
          lambda e: _combine([_mode_collapse(e), _stability(e)])),
    Claim("Table 10", "Reconstruction", "VAEs can reconstruct their input; GANs cannot",
          _can_reconstruct),
    Claim("Overview", "Latent space", "VAEs have a smoother latent space than GANs",
          _sides(("path_length", False))),
    Claim("Intervention", "Mode coverage", "Self-conditioning on k-means clusters of the data "
          "(Liu et al., 2020; the vector default of GAN, WGAN, WGAN-GP and VAE-GAN) covers "
          "more of the mixtures than the same family without it", _self_conditioning),
)
