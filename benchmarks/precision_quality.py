"""Does bfloat16 cost quality? Each family trained the same steps in both precisions.

For every family and seed, the model is built with its defaults twice, once with
`precision="float32"` and once with `precision="mixed_bfloat16"`, from the same seed
(`keras.utils.set_random_seed(seed)` and the model's `seed=`), and trained the same
number of steps on the same mnist10k digits at batch 64 (the order of the two
alternates with the seed, so the machine's load falls on both alike). Then:

- VAE families: the test IWAE NLL (`kg.metrics.importance_weighted_nll`, K = 64, 2000
  test digits; nats of the Bernoulli likelihood, which on grey levels is a score, not a
  density) and the ELBO (K = 1);
- GAN families: the FID of 2000 samples against the 2000 test digits in the features of
  the shipped mnist10k classifier (`kg.metrics.fid(..., extractor="mnist10k")`).

Both are read in float32 whatever the training precision. The verdict per family: the
VAEs' mean IWAE NLL within 2% of float32's; a GAN's mean FID within the larger of the two
precisions' seed-to-seed standard deviations of float32's ("within the seed spread"), and
"inconclusive" with fewer than 3 seeds. Training seconds per step are reported too (from
the same runs; `benchmarks/precision_speed.py` measures speed properly).

Each finished run is written to `--json` at once, and a rerun with the same `--json`
skips the runs it holds (resumable). `--report-from JSON` only prints the table.

Usage:

    python benchmarks/precision_quality.py --json docs/precision/quality.json
    python benchmarks/precision_quality.py --families vae,gan --seeds 0,1,2 --steps 256
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import keras
import tensorflow as tf

import keras_genmodels as kg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark_cli import family_list, machine  # noqa: E402

PRECISIONS = ("float32", "mixed_bfloat16")
#: --families name -> (class, latent_dim, kind)
FAMILIES = {
    "vae": ("VAE", 16, "likelihood"),
    "cvae": ("ConditionalVAE", 16, "likelihood"),
    "gan": ("GAN", 64, "fid"),
    "cgan": ("ConditionalGAN", 64, "fid"),
    "wgan": ("WGAN", 64, "fid"),
    "wgangp": ("WGANGP", 64, "fid"),
    "vaegan": ("VAEGAN", 32, "fid"),
}
#: the largest relative IWAE NLL difference called "the same" (the issue's 2%)
NLL_TOLERANCE = 0.02
MIN_SEEDS = 3


def one_run(family: str, precision: str, seed: int, steps: int, data) -> dict:
    """Trains `family` in `precision` for `steps` steps of 64 and measures it."""
    class_name, latent_dim, kind = FAMILIES[family]
    (x_train, y_train), (x_test, y_test) = data
    keras.utils.set_random_seed(seed)
    options = {"num_classes": 10} if class_name.startswith("Conditional") else {}
    model = getattr(kg, class_name)(latent_dim, seed=seed, precision=precision, **options)
    model.compile()
    examples = (x_train, y_train) if model.conditional else x_train
    dataset = (tf.data.Dataset.from_tensor_slices(examples)
               .shuffle(len(x_train), seed=seed).repeat().batch(64, drop_remainder=True))
    started = time.perf_counter()
    model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
    seconds = time.perf_counter() - started
    result = {"family": family, "precision": model.precision, "seed": seed, "steps": steps,
              "train_seconds": seconds}
    if kind == "likelihood":
        labels = y_test if model.conditional else None
        result["iwae_nll"] = kg.metrics.importance_weighted_nll(
            model, x_test, num_samples=64, labels=labels, seed=0)["nll"]
        result["elbo_nll"] = kg.metrics.importance_weighted_nll(
            model, x_test, num_samples=1, labels=labels, seed=0)["nll"]
    else:
        result["fid"] = kg.metrics.fid(x_test, model, extractor="mnist10k",
                                       num_samples=len(x_test), seed=seed)
    return result


def verdict(family: str, runs: list[dict]) -> dict:
    """Mean and spread per precision, and whether bfloat16 matched float32."""
    key = "iwae_nll" if FAMILIES[family][2] == "likelihood" else "fid"
    values = {p: [r[key] for r in runs if r["family"] == family and r["precision"] == p]
              for p in PRECISIONS}
    summary = {"measure": key}
    for p, v in values.items():
        summary[p] = {"mean": statistics.fmean(v) if v else None,
                      "std": statistics.stdev(v) if len(v) > 1 else None, "n": len(v),
                      "seconds_per_step": statistics.fmean(
                          r["train_seconds"] / r["steps"] for r in runs
                          if r["family"] == family and r["precision"] == p) if v else None}
    a, b = summary["float32"], summary["mixed_bfloat16"]
    if min(a["n"], b["n"]) < MIN_SEEDS:
        summary["verdict"] = "inconclusive"
        return summary
    difference = b["mean"] - a["mean"]
    if key == "iwae_nll":
        summary["relative_difference"] = difference / a["mean"]
        same = abs(summary["relative_difference"]) <= NLL_TOLERANCE
    else:
        spread = max(a["std"], b["std"])
        summary["spread"] = spread
        same = abs(difference) <= spread
    summary["verdict"] = "same" if same else ("worse" if difference > 0 else "better")
    return summary


def report(results: dict) -> str:
    lines = [f"Machine: {results['machine']}; {results['steps']} steps of 64, seeds "
             f"{results['seeds']}.", "",
             "| family | measure | float32 | mixed_bfloat16 | bf16 vs f32 | s/step f32 | "
             "s/step bf16 | verdict |", "|---|---|---|---|---|---|---|---|"]
    for family in results["families"]:
        s = verdict(family, results["runs"])
        a, b = s["float32"], s["mixed_bfloat16"]

        def cell(x):
            if x["mean"] is None:
                return "-"
            return f"{x['mean']:.2f}" + (f" +- {x['std']:.2f}" if x["std"] is not None else "")

        if "relative_difference" in s:
            change = f"{100 * s['relative_difference']:+.2f}%"
        elif "spread" in s:
            change = f"{b['mean'] - a['mean']:+.2f} (spread {s['spread']:.2f})"
        else:
            change = "-"
        speed = [f"{x['seconds_per_step']:.3f}" if x["seconds_per_step"] else "-"
                 for x in (a, b)]
        lines.append(f"| {family} | {s['measure']} | {cell(a)} | {cell(b)} | {change} | "
                     f"{speed[0]} | {speed[1]} | {s['verdict']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--families", default="vae,gan")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--steps", type=int, default=256, help="train steps of 64")
    parser.add_argument("--json", default=None, help="results file (resumed if present)")
    parser.add_argument("--report-from", default=None)
    args = parser.parse_args(argv)
    if args.report_from:
        print(report(json.loads(Path(args.report_from).read_text())))
        return 0
    families = family_list(parser, args.families, FAMILIES)
    seeds = [int(s) for s in args.seeds.split(",")]
    results = {"machine": machine(), "steps": args.steps, "seeds": seeds,
               "families": families, "runs": []}
    path = Path(args.json) if args.json else None
    if path and path.exists():
        stored = json.loads(path.read_text())
        if stored["steps"] != args.steps:
            parser.error(f"{path} holds runs of {stored['steps']} steps, not {args.steps}")
        results["runs"] = stored["runs"]
        results["families"] = sorted(set(stored["families"]) | set(families),
                                     key=list(FAMILIES).index)
        results["seeds"] = sorted(set(stored["seeds"]) | set(seeds))
    done = {(r["family"], r["precision"], r["seed"]) for r in results["runs"]}
    data = kg.datasets.load("mnist10k")
    for seed in seeds:
        order = PRECISIONS if seed % 2 == 0 else PRECISIONS[::-1]
        for family in families:
            for precision in order:
                if (family, precision, seed) in done:
                    continue
                run = one_run(family, precision, seed, args.steps, data)
                print(json.dumps(run), flush=True)
                results["runs"].append(run)
                if path:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(json.dumps(results, indent=1))
                keras.backend.clear_session(free_memory=True)
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
