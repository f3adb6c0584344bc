"""Missing-pixel imputation on mnist10k: a VAE's samplers against the mean image and KNN.

One dense VAE (`applications_common.mlp_vae`, latent 16, Bernoulli likelihood) is trained
on the 8000 training digits; the first `--test` test digits then lose pixels under three
patterns: the bottom half (rows 14-27), 50% and 80% of the pixels missing completely at
random (a fresh mask per digit, seed 0). Each is completed by

- the mean training image (the baseline a VAE must beat on squared error);
- scikit-learn `KNNImputer(n_neighbors=5)` fitted on the training digits (every pixel
  observed there), the classic non-parametric baseline;
- `kg.applications.impute` with `"pseudo_gibbs"`, `"metropolis_within_gibbs"` (20
  iterations, single imputation = mean over the chain's second half) and `"importance"`
  (20 adaptive rounds of K = 64).

Reported: the mean squared error on the hidden pixels, and the accuracy of the shipped
mnist10k classifier (`kg.metrics.domain_classifier("mnist10k")`, 0.988 on the complete test
digits) on the completed digits.

Usage:

    python benchmarks/applications_imputation.py            # ~8 min on 2 CPU cores
    python benchmarks/applications_imputation.py --quick    # 100 digits, 3 epochs
    python benchmarks/applications_imputation.py --json imputation.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import keras
import numpy as np
from sklearn.impute import KNNImputer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from applications_common import (  # noqa: E402
    Clock,
    load_digits,
    machine,
    markdown_table,
    mlp_vae,
    write_json,
)

import keras_genmodels as kg  # noqa: E402
from keras_genmodels.applications import impute  # noqa: E402

METHODS = ("pseudo_gibbs", "metropolis_within_gibbs", "importance")


def masks(n: int, seed: int) -> dict[str, np.ndarray]:
    """Observed-pixel masks (True = observed) of the three patterns, `(n, 28, 28, 1)`."""
    rng = np.random.default_rng(seed)
    bottom = np.ones((n, 28, 28, 1), bool)
    bottom[:, 14:] = False
    return {"bottom half": bottom,
            "50% at random": rng.random((n, 28, 28, 1)) >= 0.5,
            "80% at random": rng.random((n, 28, 28, 1)) >= 0.8}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--test", type=int, default=1000, help="test digits completed")
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--num-samples", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="100 digits, 3 epochs")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    if args.quick:
        args.epochs, args.test, args.iterations = 3, 100, 5
    (x_train, _), (x_test, y_test) = load_digits()
    x, y = x_test[: args.test], y_test[: args.test]
    clock = Clock()
    vae = mlp_vae(16, seed=args.seed)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(x_train, epochs=args.epochs, batch_size=64, verbose=0)
    print(f"VAE trained ({args.epochs} epochs on 8000 digits) in {clock():.0f} s", flush=True)
    classifier = kg.metrics.domain_classifier("mnist10k")
    knn = KNNImputer(n_neighbors=5).fit(x_train.reshape(len(x_train), -1))
    mean_image = x_train.mean(axis=0)
    results = {"machine": machine(), "args": vars(args),
               "complete_accuracy": classifier.accuracy(x, y), "patterns": {}}
    for pattern, observed in masks(len(x), args.seed).items():
        hidden = ~observed
        completions = {"mean image": np.where(observed, x, mean_image)}
        step = Clock()
        nan_filled = np.where(observed, x, np.nan).reshape(len(x), -1)
        completions["KNNImputer (k=5)"] = knn.transform(nan_filled).reshape(x.shape)
        seconds = {"mean image": 0.0, "KNNImputer (k=5)": step()}
        for method in METHODS:
            step = Clock()
            completions[method] = impute(vae, x, observed, method=method,
                                         num_iterations=args.iterations,
                                         num_samples=args.num_samples, seed=args.seed)
            seconds[method] = step()
        rows = {}
        for name, completed in completions.items():
            completed = completed.astype(np.float32)
            rows[name] = {"hidden_mse": float(np.mean(np.square(completed - x)[hidden])),
                          "accuracy": classifier.accuracy(completed, y),
                          "seconds": seconds[name]}
            print(f"  {pattern}, {name}: MSE {rows[name]['hidden_mse']:.4f}, accuracy "
                  f"{rows[name]['accuracy']:.3f}, {seconds[name]:.1f} s", flush=True)
        results["patterns"][pattern] = rows
    results["seconds"] = clock()
    patterns = list(results["patterns"])
    print(f"\n### Imputation of {len(x)} mnist10k test digits: MSE on the hidden pixels / "
          "accuracy of the mnist10k classifier on the completed digits\n")
    header = ["method"] + [f"{p}: MSE" for p in patterns] + [f"{p}: accuracy"
                                                            for p in patterns]
    rows = [[name] + [results["patterns"][p][name]["hidden_mse"] for p in patterns]
            + [results["patterns"][p][name]["accuracy"] for p in patterns]
            for name in results["patterns"][patterns[0]]]
    print(markdown_table(header, rows))
    print(f"\nClassifier accuracy on the complete digits: {results['complete_accuracy']:.3f}. "
          f"Total {results['seconds']:.0f} s.")
    write_json(args.json, results)


if __name__ == "__main__":
    main()
