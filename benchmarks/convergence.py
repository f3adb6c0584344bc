"""Every family trained to a plateau: quality curves in domain features, until the plateau
rule holds or a cap.

Each run trains one family with its defaults (`kg.compare`'s families and latent sizes:
VAE 16, GAN/WGAN/WGAN-GP/CGAN 64, VAE-GAN 32; `kg.StyleGAN()`, `kg.CycleGAN()`; each
family's `compile()` defaults, `precision="auto"`, batch 64, batch 16 for CycleGAN) with
`kg.compare`'s `train_run` and a plateau budget (`kg.compare.PlateauRule()`: the best FID
improved by less than 5% over the last third of the run, after at least 300 s; readings
at 15, 30 and 60 training seconds, then every 60 s), capped at `--cap-minutes` (60) of
training, "capped" when the cap comes first. At each reading, in the data set's shipped
domain classifier's features (`mnist10k`, `fashion_mnist`, `shapes`), 2000 samples
(latent seed 0, the same codes at every reading) against the first 2000 test images: FID,
KID, precision/recall (k = 3) and density/coverage (k = 5); for conditional models also
the fraction of samples (labels 0-9 in turn) that the classifier assigns their label.
CycleGAN (`shapes_filled_outlined`, B shuffled so pairs are unknown) is read on its 1000
test pairs: the translation error (MAE, [0, 1] pixels) both ways against the known
answer, beside the identity map's; its plateau rule watches the mean of the two (the
shipped `shapes` classifier takes 32 px images, these are 28 px, so no FID).
Only training is timed; readings and checkpoints are not.

Resumable twice over: each finished run is written to `--json` at once (a rerun skips
it), and a run in progress is checkpointed at every reading (the model as `.keras`, its
readings as JSON, under `--state`), so a killed run goes on from its last reading (the
data order restarts there; the run records `resumed`). `--report` prints the table and
draws the curves (`--png`) from the JSON alone; after every finished run the table is
written to `table.md` beside the JSON and the curves are drawn again.

Usage:

    python benchmarks/convergence.py                       # every required run, in order
    python benchmarks/convergence.py --only vae:mnist10k:0,gan:fashion_mnist:1
    python benchmarks/convergence.py --report --png docs/convergence/curves.png
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_genmodels as kg  # noqa: E402
from keras_genmodels.compare.plateau import PlateauRule  # noqa: E402
from keras_genmodels.compare.runs import Budget, Run, make_factory, train_run  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark_cli import machine  # noqa: E402

#: the comparison's four families on both data sets, three seeds; then one seed each of
#: the others. In running order: every seed 0 first, so each family has a curve early.
COMPARED = ("vae", "gan", "wgangp", "vaegan")
DATASETS = ("mnist10k", "fashion_mnist")
SINGLES = (("cvae", "mnist10k"), ("cgan", "mnist10k"), ("wgan", "mnist10k"),
           ("stylegan", "mnist10k"), ("cyclegan", "shapes_filled_outlined"))
EXTRACTORS = {"mnist10k": "mnist10k", "fashion_mnist": "fashion_mnist"}
METRICS = ("fid", "kid", "precision_recall", "density_coverage")
SAMPLES, SAMPLE_SEED = 2000, 0
RULE = PlateauRule()
#: CycleGAN's curve: the mean translation error of both directions.
TRANSLATION_RULE = PlateauRule("mae")


def rule_of(family: str) -> PlateauRule:
    return TRANSLATION_RULE if family == "cyclegan" else RULE


def required_runs() -> list[tuple[str, str, int]]:
    """The issue's required runs, in running order."""
    first = [(f, d, 0) for d in DATASETS for f in COMPARED] + [(f, d, 0) for f, d in SINGLES]
    return first + [(f, d, s) for s in (1, 2) for d in DATASETS for f in COMPARED]


def run_key(family: str, dataset: str, seed: int) -> str:
    return f"{family}-{dataset}-seed{seed}"


def load(dataset: str) -> dict[str, np.ndarray]:
    """Train and test arrays; CycleGAN's B domain shuffled (the pairs unknown)."""
    (x, y), (x_test, y_test) = kg.datasets.load(dataset)
    if dataset == "shapes_filled_outlined":
        order = np.random.default_rng(0).permutation(len(y))
        return {"x": (x, y[order]), "a_test": x_test, "b_test": y_test}
    return {"x": x, "y": y, "x_test": x_test[:SAMPLES], "y_test": y_test[:SAMPLES]}


def factory(family: str):
    if family == "stylegan":
        return lambda seed: kg.StyleGAN(seed=seed)
    if family == "cyclegan":
        return lambda seed: kg.CycleGAN(seed=seed)
    if family in ("cvae", "cgan"):
        return make_factory(family, num_classes=10)
    return make_factory(family)


class Readings:
    """`model -> the reading's numbers`, in the data set's domain-classifier features."""

    def __init__(self, dataset: str, data: dict[str, np.ndarray]) -> None:
        self.extractor = EXTRACTORS.get(dataset)
        self.data = data
        if self.extractor is not None:
            self.suite = kg.metrics.MetricSuite(data["x_test"], METRICS, self.extractor)
            self.classifier = kg.metrics.domain_classifier(self.extractor)
        self.labels = (np.arange(SAMPLES) % 10).astype(np.int32)

    def baselines(self) -> dict[str, float]:
        """What a translation must beat: the identity map (none for the generators)."""
        if "b_test" not in self.data:
            return {}
        a, b = self.data["a_test"], self.data["b_test"]
        return {"identity_a_to_b_mae": kg.metrics.translation_error(None, a, b),
                "identity_b_to_a_mae": kg.metrics.translation_error(None, b, a)}

    def __call__(self, model: Any) -> dict[str, float]:
        if "b_test" in self.data:
            a, b = self.data["a_test"], self.data["b_test"]
            result = {"a_to_b_mae": kg.metrics.translation_error(model, a, b, "a_to_b"),
                      "b_to_a_mae": kg.metrics.translation_error(model, b, a, "b_to_a")}
            return {"mae": (result["a_to_b_mae"] + result["b_to_a_mae"]) / 2, **result}
        conditional = getattr(model, "conditional", False)
        labels = self.labels if conditional else None
        samples = model.sample(SAMPLES, seed=SAMPLE_SEED, labels=labels)
        result = self.suite.score_features(self.suite.features(samples), seed=SAMPLE_SEED)
        if conditional:
            result["label_accuracy"] = self.classifier.accuracy(samples, self.labels)
        return result


class Checkpoint:
    """Keeps a run in progress on disk at every reading: the model and its readings."""

    def __init__(self, folder: Path, key: str) -> None:
        self.model_path = folder / f"{key}.keras"
        self.state_path = folder / f"{key}.json"
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, model: Any, progress: list[dict[str, float]]) -> None:
        last = progress[-1]
        temporary = self.model_path.with_suffix(".partial.keras")
        model.save(temporary)
        os.replace(temporary, self.model_path)  # a kill mid-save keeps the last one
        state = {"progress": progress, "train_seconds": last["seconds"], "steps": last["step"]}
        self.state_path.write_text(json.dumps(state))

    def restore(self, name: str, seed: int) -> Run | None:
        if not (self.model_path.exists() and self.state_path.exists()):
            return None
        state = json.loads(self.state_path.read_text())
        model = keras.saving.load_model(self.model_path)
        return Run(name=name, seed=seed, model=model, train_seconds=state["train_seconds"],
                   epochs=0, steps=state["steps"], examples=0, progress=state["progress"])

    def clear(self) -> None:
        for path in (self.model_path, self.state_path):
            path.unlink(missing_ok=True)


def print_reading(key: str, metric: str):
    def report(model: Any, progress: list[dict[str, float]]) -> None:
        last, best = progress[-1], min(p[metric] for p in progress)
        extra = "".join(f", {k} {last[k]:.3f}" for k in ("coverage", "label_accuracy")
                        if k in last)
        print(f"[convergence] {key}: {last['seconds']:.0f} s, step {last['step']}, "
              f"{metric} {last[metric]:.4g} (best {best:.4g}){extra}", flush=True)
    return report


def one_run(family: str, dataset: str, seed: int, cap_seconds: float, state: Path,
            data: dict[str, Any]) -> dict[str, Any]:
    key = run_key(family, dataset, seed)
    readings = Readings(dataset, data)
    checkpoint = Checkpoint(state, key)
    earlier = checkpoint.restore(key, seed)
    rule = rule_of(family)
    budget = Budget(seconds=cap_seconds, plateau=rule)
    shown = print_reading(key, rule.metric)

    def on_reading(model: Any, progress: list[dict[str, float]]) -> None:
        shown(model, progress)
        checkpoint(model, progress)

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    if earlier is not None:
        print(f"[convergence] {key}: resumed at {earlier.train_seconds:.0f} s of training",
              flush=True)
    done = earlier is not None and (rule.holds(earlier.progress)
                                    or earlier.train_seconds >= cap_seconds)
    if done:
        run = earlier
        run.stopped_by = "plateau" if rule.holds(earlier.progress) else "cap"
    else:
        batch = 16 if family == "cyclegan" else 64
        run = train_run(key, factory(family), seed, data["x"], budget, data.get("y"),
                        batch_size=batch, progress_metrics=readings, verbose=0,
                        continue_from=earlier, on_reading=on_reading)
    best = min(run.progress, key=lambda p: p[rule.metric])
    result = {
        "family": family, "dataset": dataset, "seed": seed,
        "model": type(run.model).__name__, "precision": getattr(run.model, "precision", None),
        "extractor": readings.extractor, "stopped_by": run.stopped_by,
        "train_seconds": run.train_seconds, "steps": run.steps,
        "wall_seconds_this_part": time.perf_counter() - started,
        "resumed": earlier is not None, "load_1min": [load_before, os.getloadavg()[0]],
        "rule": rule.describe(), "cap_seconds": cap_seconds,
        "rule_metric": rule.metric, "baselines": readings.baselines(),
        "final": run.progress[-1], "best": best,
        "progress": run.progress,
    }
    checkpoint.clear()
    return result


def report(results: dict[str, Any]) -> str:
    """The convergence table: per family and data set, the last reading's quality (median
    and range over seeds), training seconds and how each run ended."""
    caps = sorted({r["cap_seconds"] for r in results["runs"]})
    lines = [f"Machine: {results['machine']}. Plateau rule: {RULE.describe()} (CycleGAN: "
             f"of the translation MAE); cap {', '.join(f'{c:g}' for c in caps)} s of "
             f"training.", "",
             "| family | data | seeds | FID (final) | FID (best) | KID | precision | recall "
             "| coverage | training s | steps | ended | trained in |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    groups: dict[tuple[str, str], list[dict]] = {}
    for run in results["runs"]:
        groups.setdefault((run["family"], run["dataset"]), []).append(run)

    def cell(values, digits=1):
        if not values or None in values:
            return "-"
        if len(values) == 1:
            return f"{values[0]:.{digits}f}"
        return (f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-"
                f"{max(values):.{digits}f})")

    for (_, dataset), runs in groups.items():
        if dataset not in EXTRACTORS:
            continue  # a translation: below
        final = [r["final"] for r in runs]
        ended = ", ".join(sorted({"capped" if r["stopped_by"] == "cap" else "plateau"
                                  for r in runs}))
        lines.append(
            f"| {runs[0]['model']} | {dataset} | {len(runs)} | "
            f"{cell([f['fid'] for f in final])} | {cell([r['best']['fid'] for r in runs])} | "
            f"{cell([f['kid'] for f in final], 4)} | {cell([f['precision'] for f in final], 3)} | "
            f"{cell([f['recall'] for f in final], 3)} | "
            f"{cell([f['coverage'] for f in final], 3)} | "
            f"{cell([r['train_seconds'] for r in runs], 0)} | "
            f"{cell([r['steps'] for r in runs], 0)} | {ended} | {runs[0]['precision']} |")
    extras = []
    for run in results["runs"]:
        final = run["final"]
        if "label_accuracy" in final:
            extras.append(f"- {run['model']} ({run['dataset']}, seed {run['seed']}): samples "
                          f"classified as their label {final['label_accuracy']:.1%}.")
        if run["baselines"]:
            b = run["baselines"]
            ended = "capped" if run["stopped_by"] == "cap" else "plateau"
            extras.append(
                f"- {run['model']} ({run['dataset']}, seed {run['seed']}, {ended} after "
                f"{run['train_seconds']:.0f} s, {run['steps']} steps): translation MAE "
                f"A->B {final['a_to_b_mae']:.4f}, B->A {final['b_to_a_mae']:.4f}; the "
                f"identity map {b['identity_a_to_b_mae']:.4f}, {b['identity_b_to_a_mae']:.4f}.")
    return "\n".join(lines + ([""] + extras if extras else []))


def draw(results: dict[str, Any], path: Path) -> None:
    """FID against training seconds, one panel per data set, a line per run (a dot at
    its end where it reached the plateau, a cross where it was capped)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = sorted({r["dataset"] for r in results["runs"]} & set(EXTRACTORS))
    figure, axes = plt.subplots(1, len(datasets), figsize=(6 * len(datasets), 4.5),
                                squeeze=False)
    colours: dict[str, Any] = {}
    for axis, dataset in zip(axes[0], datasets, strict=True):
        for run in (r for r in results["runs"] if r["dataset"] == dataset):
            points = [p for p in run["progress"] if p["step"] > 0]  # trained readings
            colour = colours.setdefault(run["model"], f"C{len(colours)}")
            axis.plot([p["seconds"] for p in points], [p["fid"] for p in points],
                      color=colour, alpha=0.8,
                      label=run["model"] if run["seed"] == 0 else None)
            # the end: a dot where the plateau rule held, a cross where the cap came first
            axis.plot(points[-1]["seconds"], points[-1]["fid"], color=colour,
                      marker="o" if run["stopped_by"] == "plateau" else "x")
        axis.set(xscale="log", yscale="log", xlabel="training seconds",
                 ylabel=f"FID ({EXTRACTORS[dataset]} features)", title=dataset)
        axis.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", default="docs/convergence/convergence.json")
    parser.add_argument("--png", default="docs/convergence/curves.png")
    parser.add_argument("--state", default="runs/convergence-state",
                        help="checkpoints of the run in progress")
    parser.add_argument("--cap-minutes", type=float, default=60.0)
    parser.add_argument("--only", default=None,
                        help="comma-separated family:dataset:seed runs (default: all required)")
    parser.add_argument("--max-runs", type=int, default=None, help="stop after this many")
    parser.add_argument("--report", action="store_true", help="print the table, draw, exit")
    args = parser.parse_args(argv)
    path = Path(args.json)
    results = {"machine": machine(), "samples": SAMPLES, "runs": []}
    if path.exists():
        results["runs"] = json.loads(path.read_text())["runs"]
    if args.report:
        print(report(results))
        publish(results, path, Path(args.png))
        return 0
    todo = required_runs()
    if args.only:
        todo = []
        for item in args.only.split(","):
            family, dataset, seed = item.split(":")
            todo.append((family, dataset, int(seed)))
    done = {(r["family"], r["dataset"], r["seed"]) for r in results["runs"]}
    todo = [run for run in todo if run not in done][:args.max_runs]
    cache: dict[str, dict] = {}
    for family, dataset, seed in todo:
        if dataset not in cache:
            cache = {dataset: load(dataset)}  # one data set in memory at a time
        results["runs"].append(one_run(family, dataset, seed, args.cap_minutes * 60,
                                       Path(args.state), cache[dataset]))
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".partial")
        temporary.write_text(json.dumps(results, indent=1))
        shutil.move(temporary, path)
        publish(results, path, Path(args.png))  # each finished run: table and curves
        keras.backend.clear_session(free_memory=True)
    print(report(results))
    publish(results, path, Path(args.png))
    return 0


def publish(results: dict[str, Any], path: Path, png: Path) -> None:
    """The table as `table.md` beside the JSON, and the curves as `png`."""
    if results["runs"]:
        (path.parent / "table.md").write_text(report(results) + "\n")
        draw(results, png)


if __name__ == "__main__":
    sys.exit(main())
