"""Anomaly detection on mnist10k: a VAE's ELBO / IWAE score against PCA and IsolationForest.

Two protocols, each repeated for the ten digits:

- one-class: train on one digit (its ~800 training examples); the test set's other nine
  digits are the anomalies (~90% of the 2000 test digits);
- leave-one-digit-out: train on the other nine digits (~7200); the held-out digit is the
  anomaly (~10% of the test set).

Detectors, all fitted on the same training pixels:

- ours: `kg.applications.AnomalyDetector` on a dense VAE (`applications_common.mlp_vae`:
  784-400-2x16 encoder, 16-400-784 decoder, Bernoulli likelihood, Adam 1e-3, batch 64)
  with `score="elbo"` (K = 16 posterior samples), `"iwae"` (K = 64) and
  `"reconstruction"` (squared error of the decoder mean at the posterior mean);
- PCA reconstruction error (scikit-learn `PCA`, components explaining 90% of the
  training variance);
- scikit-learn `IsolationForest` on the 784 pixels (200 trees, seed 0).

Reported: AUROC on the test set per digit and its mean over the ten digits, average
precision (AUPRC) means. Published context (not the same data): Deep SVDD (Ruff et al.,
2018) reports a one-class mean AUROC of 0.948 on full MNIST (6000 training digits per
class, 10000 test).

Usage:

    python benchmarks/applications_anomaly.py            # ~10 min on 2 CPU cores
    python benchmarks/applications_anomaly.py --quick    # 2 digits, few epochs: smoke run
    python benchmarks/applications_anomaly.py --json anomaly.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import keras
import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from applications_common import (  # noqa: E402
    Clock,
    load_digits,
    machine,
    markdown_table,
    mlp_vae,
    write_json,
)

from keras_genmodels.applications import AnomalyDetector, auroc, average_precision  # noqa: E402

DETECTORS = ("VAE ELBO", "VAE IWAE", "VAE reconstruction", "PCA reconstruction",
             "IsolationForest")


def detector_scores(x_train: np.ndarray, x_test: np.ndarray, epochs: int, latent_dim: int,
                    seed: int) -> dict[str, np.ndarray]:
    """Every detector's test scores after fitting on `x_train` (higher = more anomalous)."""
    vae = mlp_vae(latent_dim, seed=seed)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(x_train, epochs=epochs, batch_size=64, verbose=0)
    flat_train, flat_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    pca = PCA(n_components=0.9, random_state=seed).fit(flat_train)
    reconstructed = pca.inverse_transform(pca.transform(flat_test))
    forest = IsolationForest(n_estimators=200, random_state=seed).fit(flat_train)
    return {
        "VAE ELBO": AnomalyDetector(vae, "elbo", num_samples=16).score(x_test),
        "VAE IWAE": AnomalyDetector(vae, "iwae", num_samples=64).score(x_test),
        "VAE reconstruction": AnomalyDetector(vae, "reconstruction").score(x_test),
        "PCA reconstruction": np.mean(np.square(flat_test - reconstructed), axis=1),
        "IsolationForest": -forest.score_samples(flat_test),
    }


def run_protocol(name: str, digits: list[int], data, epochs: int, latent_dim: int,
                 seed: int) -> dict:
    (x_train, y_train), (x_test, y_test) = data
    per_digit = {}
    for digit in digits:
        clock = Clock()
        if name == "one-class":
            train, is_anomaly = x_train[y_train == digit], y_test != digit
        else:
            train, is_anomaly = x_train[y_train != digit], y_test == digit
        scores = detector_scores(train, x_test, epochs, latent_dim, seed)
        per_digit[digit] = {
            detector: {"auroc": auroc(is_anomaly, values),
                       "auprc": average_precision(is_anomaly, values)}
            for detector, values in scores.items()}
        print(f"  {name} digit {digit}: {len(train)} training digits, {clock():.0f} s, "
              + ", ".join(f"{d} {r['auroc']:.3f}" for d, r in per_digit[digit].items()),
              flush=True)
    means = {d: {m: float(np.mean([per_digit[g][d][m] for g in digits]))
                 for m in ("auroc", "auprc")} for d in DETECTORS}
    return {"per_digit": per_digit, "mean": means}


def print_protocol(name: str, result: dict, digits: list[int]) -> None:
    print(f"\n### {name}: AUROC per digit (mean AUPRC in the last column)\n")
    header = ["detector"] + [str(d) for d in digits] + ["mean AUROC", "mean AUPRC"]
    rows = [[d] + [result["per_digit"][g][d]["auroc"] for g in digits]
            + [result["mean"][d]["auroc"], result["mean"][d]["auprc"]] for d in DETECTORS]
    print(markdown_table(header, rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--one-class-epochs", type=int, default=40)
    parser.add_argument("--leave-out-epochs", type=int, default=8)
    parser.add_argument("--latent-dim", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="digits 0 and 1 only, 3 and 1 epochs: a smoke run")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    digits = list(range(10))
    if args.quick:
        digits, args.one_class_epochs, args.leave_out_epochs = [0, 1], 3, 1
    data = load_digits()
    clock = Clock()
    print(f"mnist10k, dense VAE latent {args.latent_dim}; one-class {args.one_class_epochs} "
          f"epochs, leave-one-out {args.leave_out_epochs} epochs; digits {digits}", flush=True)
    results = {"machine": machine(), "args": vars(args)}
    results["one-class"] = run_protocol("one-class", digits, data, args.one_class_epochs,
                                        args.latent_dim, args.seed)
    results["leave-one-out"] = run_protocol("leave-one-out", digits, data,
                                            args.leave_out_epochs, args.latent_dim, args.seed)
    results["seconds"] = clock()
    print_protocol("One-class (train on one digit, the other nine are anomalies)",
                   results["one-class"], digits)
    print_protocol("Leave-one-digit-out (train on nine, the held-out digit is the anomaly)",
                   results["leave-one-out"], digits)
    print(f"\nDeep SVDD (Ruff et al., 2018), one-class on full MNIST: mean AUROC 0.948. "
          f"Total {results['seconds']:.0f} s.")
    write_json(args.json, results)


if __name__ == "__main__":
    main()
