"""Speed of the sample-based metrics against the reference implementations, on features.

Times, on two synthetic feature sets of `--n` x `--dim` (10,000 x 2048 by default, the
size of an Inception-feature FID on 10k samples; feature extraction is not counted):

- FID: `kg.metrics.frechet_distance` against pytorch-fid's recipe written out here
  (`np.mean`/`np.cov(rowvar=False)` of each set, then `calculate_frechet_distance`:
  `scipy.linalg.sqrtm(sigma1.dot(sigma2))`, the imaginary part discarded). pytorch-fid
  passes `disp=False`, deprecated since SciPy 1.16; it only changes the return value's form.
- KID: `kg.metrics.kid(..., extractor=None)` (100 subsets of 1000) against a
  straightforward per-subset numpy version of Binkowski et al.'s `polynomial_mmd_averages`
  (github.com/mbinkowski/MMD-GAN, `gan/compute_scores.py`: for each subset
  `K_XX = (X X^T / d + 1) ** 3` etc., then the unbiased MMD^2; the variance estimate it
  can also return is left out, as `kg` does not compute it). Both draw the same subsets.
- density and coverage: `kg.metrics.density_coverage(..., k=5)` against
  `prdc.compute_prdc(real, fake, nearest_k=5)` (which also computes precision and
  recall: it has no way to ask for density and coverage alone); a second row times
  `kg.metrics.precision_recall` plus `density_coverage`, all four numbers, against the
  same prdc call.

The contenders of a row run alternately, `--repeats` times each (`--prdc-repeats` for
density/coverage, 1 by default: prdc alone takes about a minute), and the table reports
each one's minimum (on a shared machine the speed jumps between two levels; the minimum
is the undisturbed time), the ratio reference/ours (> 1: ours is faster) and the largest
difference between their results. KID's two contenders do the same arithmetic, so their
ratio is close to 1 and a load change during one long run can flip it; `--kid-pairs`
single subsets of each are therefore also timed in alternation (the KID core,
`kg.metrics.fid.polynomial_mmd_subsets`, against one subset of the reference) and the
median of the pairs' ratios is printed.

Usage:

    python benchmarks/metrics_speed.py                 # 10,000 x 2048: 4-8 min on 2 CPUs
    python benchmarks/metrics_speed.py --quick         # 1,000 x 256, a smoke run
    python benchmarks/metrics_speed.py --n 5000 --dim 512 --repeats 5 --json out.json
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import time

import numpy as np
import scipy.linalg
from prdc import compute_prdc

from keras_genmodels.metrics import density_coverage, frechet_distance, kid, precision_recall
from keras_genmodels.metrics.fid import polynomial_mmd_subsets


# ------------------------------------------------------------------------- references
def reference_fid(features_1: np.ndarray, features_2: np.ndarray) -> float:
    """pytorch-fid: moments with numpy, `calculate_frechet_distance` with scipy's sqrtm."""
    mu1, sigma1 = np.mean(features_1, axis=0), np.cov(features_1, rowvar=False)
    mu2, sigma2 = np.mean(features_2, axis=0), np.cov(features_2, rowvar=False)
    diff = mu1 - mu2
    covmean = scipy.linalg.sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * 1e-6
        covmean = scipy.linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def reference_kid(codes_g: np.ndarray, codes_r: np.ndarray, n_subsets: int, subset_size: int,
                  seed: int) -> dict[str, float]:
    """Binkowski's `polynomial_mmd_averages` (mmd only), one subset at a time."""
    m = min(len(codes_g), len(codes_r), subset_size)
    rng = np.random.default_rng(seed)  # the same draws as kg.metrics.kid
    mmds = np.zeros(n_subsets)
    for i in range(n_subsets):
        g = codes_g[rng.choice(len(codes_g), m, replace=False)]
        r = codes_r[rng.choice(len(codes_r), m, replace=False)]
        d = g.shape[1]
        k_xx = (np.dot(g, g.T) / d + 1) ** 3
        k_yy = (np.dot(r, r.T) / d + 1) ** 3
        k_xy = (np.dot(g, r.T) / d + 1) ** 3
        mmds[i] = ((k_xx.sum() - np.diagonal(k_xx).sum()) / (m * (m - 1))
                   + (k_yy.sum() - np.diagonal(k_yy).sum()) / (m * (m - 1))
                   - 2 * k_xy.mean())
    return {"kid": float(mmds.mean()), "kid_std": float(mmds.std())}


def reference_prdc(real: np.ndarray, fake: np.ndarray, k: int) -> dict[str, float]:
    with contextlib.redirect_stdout(io.StringIO()):  # prdc prints the set sizes
        return {name: float(v) for name, v in compute_prdc(real, fake, nearest_k=k).items()}


# ------------------------------------------------------------------------------ timing
def features(n: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two float32 sets that look like pool features: non-negative, correlated, close."""
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(64, dim)).astype(np.float32) / 8.0
    real = np.maximum(rng.normal(size=(n, 64)).astype(np.float32) @ mixing, 0.0)
    fake = np.maximum(rng.normal(size=(n, 64)).astype(np.float32) @ mixing * 1.1 + 0.05, 0.0)
    return real, fake


def race(contenders: dict, repeats: int) -> dict[str, dict]:
    """Runs each contender `repeats` times, alternating their order; keeps all times."""
    times = {name: [] for name in contenders}
    results = {}
    for repeat in range(repeats):
        order = list(contenders) if repeat % 2 == 0 else list(contenders)[::-1]
        for name in order:
            start = time.perf_counter()
            results[name] = contenders[name]()
            times[name].append(time.perf_counter() - start)
    return {name: {"times": times[name], "min": min(times[name]), "result": results[name]}
            for name in contenders}


def largest_difference(a, b) -> float:
    if isinstance(a, dict):
        return max(abs(a[key] - b[key]) for key in a if key in b)
    return abs(a - b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="examples per set")
    parser.add_argument("--dim", type=int, default=2048, help="feature width")
    parser.add_argument("--repeats", type=int, default=2, help="runs of the FID and KID rows")
    parser.add_argument("--kid-pairs", type=int, default=50,
                        help="paired single-subset KID timings (0 skips)")
    parser.add_argument("--prdc-repeats", type=int, default=1,
                        help="repeats of the density/coverage row (prdc takes ~1 min a run)")
    parser.add_argument("--subsets", type=int, default=100, help="KID subsets")
    parser.add_argument("--subset-size", type=int, default=1000, help="KID subset size")
    parser.add_argument("--k", type=int, default=5, help="neighbours for density/coverage")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="1,000 x 256, 1 repeat: smoke run")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    if args.quick:
        args.n, args.dim, args.repeats, args.prdc_repeats, args.kid_pairs = 1000, 256, 1, 1, 4
        args.subsets, args.subset_size = 10, 200

    real, fake = features(args.n, args.dim, args.seed)
    print(f"{args.n} x {args.dim} float32 features a side; {platform.processor() or 'cpu'}, "
          f"{os.cpu_count()} CPUs; repeats {args.repeats} (density/coverage "
          f"{args.prdc_repeats}); minimum times in seconds")
    rows = {
        "fid": race({
            "reference": lambda: reference_fid(real, fake),
            "ours": lambda: frechet_distance(real, fake),
        }, args.repeats),
        "kid": race({
            "reference": lambda: reference_kid(real, fake, args.subsets, args.subset_size,
                                               args.seed),
            "ours": lambda: kid(real, fake, extractor=None, num_subsets=args.subsets,
                                subset_size=args.subset_size, seed=args.seed),
        }, args.repeats),
        "density_coverage": race({
            "reference": lambda: reference_prdc(real, fake, args.k),
            "ours": lambda: density_coverage(real, fake, k=args.k),
        }, args.prdc_repeats),
    }
    # Paired KID subsets: one subset of each, alternating, `--kid-pairs` times; the median
    # ratio of neighbouring calls is steady under load that moves the minima of long runs.
    pair_ratios = []
    for pair in range(args.kid_pairs):
        calls = [("reference", reference_kid), ("ours", polynomial_mmd_subsets)]
        elapsed = {}
        for name, call in calls if pair % 2 == 0 else calls[::-1]:
            start = time.perf_counter()
            call(real, fake, 1, args.subset_size, pair)
            elapsed[name] = time.perf_counter() - start
        pair_ratios.append(elapsed["reference"] / elapsed["ours"])

    # prdc computed all four numbers already: time ours for all four, once each
    start = time.perf_counter()
    all_four = {**precision_recall(real, fake, k=args.k), **density_coverage(real, fake, k=args.k)}
    ours_all = time.perf_counter() - start
    prdc_row = rows["density_coverage"]["reference"]
    rows["prdc_all_four"] = {
        "reference": prdc_row,
        "ours": {"times": [ours_all], "min": ours_all, "result": all_four},
    }

    print("\n| metric | reference (s) | ours (s) | reference/ours | max |difference| |")
    print("|---|---:|---:|---:|---:|")
    table = {}
    for metric, row in rows.items():
        ratio = row["reference"]["min"] / row["ours"]["min"]
        diff = largest_difference(row["ours"]["result"], row["reference"]["result"])
        print(f"| {metric} | {row['reference']['min']:.2f} | {row['ours']['min']:.2f} | "
              f"{ratio:.2f} | {diff:.2e} |")
        table[metric] = {"reference_s": row["reference"]["min"], "ours_s": row["ours"]["min"],
                         "ratio": ratio, "max_difference": diff,
                         "reference_times": row["reference"]["times"],
                         "ours_times": row["ours"]["times"],
                         "ours_result": row["ours"]["result"],
                         "reference_result": row["reference"]["result"]}
    if pair_ratios:
        table["kid"]["paired_subset_ratio_median"] = float(np.median(pair_ratios))
        print(f"\nkid, {len(pair_ratios)} paired single subsets: median reference/ours "
              f"{np.median(pair_ratios):.2f} (quartiles {np.percentile(pair_ratios, 25):.2f}, "
              f"{np.percentile(pair_ratios, 75):.2f})")
    print("\nresults (ours / reference):")
    for metric, row in table.items():
        print(f"  {metric}: {row['ours_result']} / {row['reference_result']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "rows": table}, f, indent=2)


if __name__ == "__main__":
    main()
