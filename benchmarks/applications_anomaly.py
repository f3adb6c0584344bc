"""Anomaly detection on mnist10k (and Fashion-MNIST): every VAE score against baselines.

Splits (normal data = what the models are trained on; the test set holds normal and
anomalous examples):

- one-class, each digit `d`: train on the ~800 training `d`s; the test set's other nine
  digits are the anomalies (~90% of the 2000 test digits);
- leave-one-digit-out, each digit `d`: train on the other nine (~7200); the test `d`s are
  the anomalies (~10%);
- half-and-half: digits 0-4 normal, 5-9 anomalous (~4000 training digits), and the
  reverse;
- cross-dataset (Nalisnick et al., 2019; Serra et al., 2020): train on the first 8000
  Fashion-MNIST training images; anomalies are the 2000
  mnist10k test digits among 2000 Fashion-MNIST test images, and the reverse. Needs
  Debian's `dataset-fashion-mnist` (`/usr/share/datasets/fashion-mnist/`, or
  `--fashion-mnist FOLDER` with the four idx `.gz` files); skipped without it.

Detectors, all fitted on the same training pixels, each split repeated for every seed:

- `kg.applications.AnomalyDetector` on a dense VAE (`applications_common.mlp_vae`:
  784-400-2x16 encoder, 16-400-784 decoder, Adam 1e-3, batch 64) with the Bernoulli
  likelihood, the package's default for images: `score="elbo"` (K = 16 posterior
  samples), `"iwae"` (K = 64), `"reconstruction"` (squared error of the decoder mean at
  the posterior mean) and `"input_complexity"` (K = 64);
- the same VAE with a discretised logistic likelihood (decoder 16-400-2x784), whose
  `-log2 p(x)` is a code length of the 8-bit image like the PNG's: `"iwae"`,
  `"input_complexity"` and `"reconstruction"`;
- the PNG code length alone, `-L(x)` (what `"input_complexity"` reduces to when the
  model's bits are negligible beside the PNG's: a model-free baseline);
- PCA reconstruction error (scikit-learn `PCA`, components explaining 90% of the
  training variance) and scikit-learn `IsolationForest` on the 784 pixels (200 trees).

Epochs give each model about 1000 Adam steps: 40 one-class, 8 leave-one-out, 15
half-and-half, 8 cross-dataset. Reported: AUROC and average precision (AUPRC) on the test
set; per group of splits the mean over its splits, then mean +- standard deviation of
that over the seeds.

Usage:

    python benchmarks/applications_anomaly.py --json out.json --markdown out.md  # ~2 h, 2 CPUs
    python benchmarks/applications_anomaly.py --quick    # 2 splits, 1 seed, few epochs
    python benchmarks/applications_anomaly.py --json out.json --resume   # after a crash

`seconds` in the JSON counts only the last invocation's time when runs were resumed
(`resumed`); each run records its own `seconds`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import keras
import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from applications_common import (  # noqa: E402
    FASHION_MNIST,
    Clock,
    load_digits,
    load_fashion_mnist,
    machine,
    markdown_table,
    mlp_vae,
    write_json,
)

from keras_genmodels.applications import AnomalyDetector, auroc, average_precision  # noqa: E402
from keras_genmodels.applications.anomaly_scores import png_bits  # noqa: E402

DETECTORS = ("VAE ELBO", "VAE IWAE", "VAE reconstruction", "VAE input complexity",
             "DL-VAE IWAE", "DL-VAE reconstruction", "DL-VAE input complexity",
             "PNG bits, -L(x)", "PCA reconstruction", "IsolationForest")
GROUPS = {"one-class": 40, "leave-one-out": 8, "half-and-half": 15, "cross-dataset": 8}


def splits(digits, fashion) -> list[dict]:
    """Every split: its group, name, training images, test images and anomaly labels."""
    (x_train, y_train), (x_test, y_test) = digits
    out = []
    for d in range(10):
        out.append({"group": "one-class", "name": f"digit {d}", "train": x_train[y_train == d],
                    "test": x_test, "is_anomaly": y_test != d})
    for d in range(10):
        out.append({"group": "leave-one-out", "name": f"digit {d}",
                    "train": x_train[y_train != d], "test": x_test, "is_anomaly": y_test == d})
    out.append({"group": "half-and-half", "name": "0-4 normal", "train": x_train[y_train < 5],
                "test": x_test, "is_anomaly": y_test >= 5})
    out.append({"group": "half-and-half", "name": "5-9 normal", "train": x_train[y_train >= 5],
                "test": x_test, "is_anomaly": y_test < 5})
    if fashion is not None:
        f_train, f_test = fashion
        both = np.concatenate([f_test, x_test])
        labels = np.r_[np.zeros(len(f_test), bool), np.ones(len(x_test), bool)]
        out.append({"group": "cross-dataset", "name": "Fashion normal, MNIST anomalous",
                    "train": f_train, "test": both, "is_anomaly": labels})
        out.append({"group": "cross-dataset", "name": "MNIST normal, Fashion anomalous",
                    "train": x_train, "test": both, "is_anomaly": ~labels})
    return out


def trained_vae(x_train: np.ndarray, likelihood: str, epochs: int, seed: int):
    vae = mlp_vae(16, seed=seed, likelihood=likelihood)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(x_train, epochs=epochs, batch_size=64, verbose=0)
    return vae


def detector_scores(x_train: np.ndarray, x_test: np.ndarray, epochs: int,
                    seed: int) -> dict[str, np.ndarray]:
    """Every detector's test scores after fitting on `x_train` (higher = more anomalous)."""
    vae = trained_vae(x_train, "auto", epochs, seed)
    dl_vae = trained_vae(x_train, "discretized_logistic", epochs, seed)
    # the Bernoulli VAE's input complexity is measured on purpose, despite its warning
    warnings.filterwarnings("ignore", message="`score='input_complexity'` with a Bernoulli")
    flat_train, flat_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    pca = PCA(n_components=0.9, random_state=seed).fit(flat_train)
    reconstructed = pca.inverse_transform(pca.transform(flat_test))
    forest = IsolationForest(n_estimators=200, random_state=seed).fit(flat_train)
    return {
        "VAE ELBO": AnomalyDetector(vae, "elbo", num_samples=16, seed=seed).score(x_test),
        "VAE IWAE": AnomalyDetector(vae, "iwae", num_samples=64, seed=seed).score(x_test),
        "VAE reconstruction": AnomalyDetector(vae, "reconstruction").score(x_test),
        "VAE input complexity": AnomalyDetector(vae, "input_complexity", num_samples=64,
                                                seed=seed).score(x_test),
        "DL-VAE IWAE": AnomalyDetector(dl_vae, "iwae", num_samples=64, seed=seed).score(x_test),
        "DL-VAE reconstruction": AnomalyDetector(dl_vae, "reconstruction").score(x_test),
        "DL-VAE input complexity": AnomalyDetector(dl_vae, "input_complexity", num_samples=64,
                                                   seed=seed).score(x_test),
        "PNG bits, -L(x)": -png_bits(x_test),
        "PCA reconstruction": np.mean(np.square(flat_test - reconstructed), axis=1),
        "IsolationForest": -forest.score_samples(flat_test),
    }


def summarise(runs: list[dict], seeds: list[int]) -> dict:
    """Per group and detector: the mean over the group's splits for each seed, then the
    mean and standard deviation (ddof=1 when there are several seeds) over the seeds."""
    summary = {}
    for group in GROUPS:
        members = [r for r in runs if r["group"] == group]
        if not members:
            continue
        summary[group] = {}
        for detector in DETECTORS:
            summary[group][detector] = {}
            for metric in ("auroc", "auprc"):
                per_seed = [np.mean([r["results"][detector][metric] for r in members
                                     if r["seed"] == s]) for s in seeds]
                summary[group][detector][metric] = {
                    "mean": float(np.mean(per_seed)),
                    "std": float(np.std(per_seed, ddof=1)) if len(seeds) > 1 else 0.0,
                    "per_seed": [float(v) for v in per_seed]}
    return summary


def per_split(runs: list[dict], metric: str) -> dict:
    """`{(group, name): {detector: [values over seeds]}}`."""
    table: dict = {}
    for r in runs:
        row = table.setdefault((r["group"], r["name"]), {d: [] for d in DETECTORS})
        for detector in DETECTORS:
            row[detector].append(r["results"][detector][metric])
    return table


def markdown_report(results: dict) -> str:
    seeds = results["args"]["seeds"]

    def cell(stats):
        return f"{stats['mean']:.3f} +- {stats['std']:.3f}"

    lines = [f"Seeds {seeds}; mean over each group's splits, then mean +- std over the "
             "seeds.\n"]
    for metric, title in (("auroc", "AUROC"), ("auprc", "AUPRC (average precision)")):
        groups = list(results["summary"])
        lines.append(f"\n### {title}\n")
        rows = [[d] + [cell(results["summary"][g][d][metric]) for g in groups]
                for d in DETECTORS]
        lines.append(markdown_table(["detector"] + groups, rows))
    short = {"VAE reconstruction": "VAE rec.", "VAE input complexity": "VAE IC",
             "DL-VAE IWAE": "DL IWAE", "DL-VAE reconstruction": "DL rec.",
             "DL-VAE input complexity": "DL IC", "PNG bits, -L(x)": "-L(x)",
             "PCA reconstruction": "PCA", "IsolationForest": "IForest"}
    for metric in ("auroc", "auprc"):
        table = per_split(results["runs"], metric)
        lines.append(f"\n### {metric.upper()} per split (mean over the seeds)\n")
        rows = [[f"{g}: {n}"] + [f"{np.mean(values[d]):.3f}" for d in DETECTORS]
                for (g, n), values in table.items()]
        lines.append(markdown_table(["split"] + [short.get(d, d) for d in DETECTORS], rows))
    lines.append("\nVAE: Bernoulli likelihood; DL: discretised logistic; rec.: "
                 "reconstruction; IC: input complexity.")
    wall = (f"{results['seconds']:.0f} s in the last invocation (the run was resumed)"
            if results.get("resumed", results["args"].get("resume")) else
            f"{results['seconds']:.0f} s in all")
    lines.append(f"\nMachine: {results['machine']}; {wall}.")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--groups", nargs="+", default=list(GROUPS), choices=list(GROUPS))
    parser.add_argument("--epoch-scale", type=float, default=1.0,
                        help="multiplies every group's epochs")
    parser.add_argument("--fashion-mnist", default=FASHION_MNIST,
                        help="folder of Fashion-MNIST's idx .gz files")
    parser.add_argument("--quick", action="store_true",
                        help="one-class digit 0 and the 0-4 split, seed 0, 2 epochs")
    parser.add_argument("--json", help="write every number here")
    parser.add_argument("--markdown", help="write the summary tables here")
    parser.add_argument("--report-from", help="only rewrite --markdown from this JSON")
    parser.add_argument("--resume", action="store_true",
                        help="keep the runs in --json's .partial file and do the rest")
    args = parser.parse_args()
    if args.report_from:
        report = markdown_report(json.loads(Path(args.report_from).read_text()))
        print(report)
        if args.markdown:
            Path(args.markdown).write_text(report)
        return
    digits = load_digits()
    fashion = load_fashion_mnist(args.fashion_mnist)
    if fashion is None:
        print(f"no Fashion-MNIST in {args.fashion_mnist}: cross-dataset splits skipped")
    chosen = [s for s in splits(digits, fashion) if s["group"] in args.groups]
    if args.quick:
        chosen = [chosen[0], next(s for s in chosen if s["group"] == "half-and-half")]
        args.seeds, args.epoch_scale = [0], 0.05
    clock = Clock()
    partial = Path(f"{args.json}.partial")
    runs = json.loads(partial.read_text()) if args.resume and partial.is_file() else []
    done = {(r["seed"], r["group"], r["name"]) for r in runs}
    for seed in args.seeds:
        for split in chosen:
            if (seed, split["group"], split["name"]) in done:
                continue
            step = Clock()
            epochs = max(1, round(GROUPS[split["group"]] * args.epoch_scale))
            scores = detector_scores(split["train"], split["test"], epochs, seed)
            results = {d: {"auroc": auroc(split["is_anomaly"], v),
                           "auprc": average_precision(split["is_anomaly"], v)}
                       for d, v in scores.items()}
            seconds = step()
            runs.append({"group": split["group"], "name": split["name"], "seed": seed,
                         "epochs": epochs, "seconds": seconds, "train_size": len(split["train"]),
                         "anomaly_fraction": float(np.mean(split["is_anomaly"])),
                         "results": results})
            print(f"seed {seed}, {split['group']}: {split['name']} ({len(split['train'])} "
                  f"training, {epochs} epochs, {seconds:.0f} s): "
                  + ", ".join(f"{d} {r['auroc']:.3f}" for d, r in results.items()), flush=True)
            if args.json:  # the runs so far, in case the rest does not finish
                Path(args.json + ".partial").write_text(json.dumps(runs, default=float))
    results = {"machine": {**machine(), "date": time.strftime("%Y-%m-%d")},
               "args": vars(args), "runs": runs,
               "summary": summarise(runs, args.seeds), "seconds": clock(),
               "resumed": bool(done)}
    report = markdown_report(results)
    print("\n" + report)
    write_json(args.json, results)
    if args.markdown:
        Path(args.markdown).write_text(report)
        print(f"wrote {args.markdown}")


if __name__ == "__main__":
    main()
