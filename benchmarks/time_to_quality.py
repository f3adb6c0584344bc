"""Time to a fixed test quality: the package's defaults against the keras.io twins.

`precision_speed.py` times single steps; this asks what a user waits for: training
seconds until the model reaches a given test quality. Per family and seed, two
contenders with identical networks, initial weights, data order, batch and optimizer
(built by `precision_speed.vae_contender` / `gan_contender`):

- `ours default`: `kg.VAE(16, likelihood="bernoulli")` / `kg.GAN(128)` with
  `precision="auto"` (what a user gets; bfloat16 on a CPU with native bfloat16 units);
- `plain float32`: the keras.io twin (`vae_speed.PlainVAE`, `gan_speed.PlainGAN`) at
  its defaults.

Both train in chunks of `--chunk` compiled `train_step`s on the same shuffled mnist10k
batches, the two alternating chunk by chunk (the first chunk's owner alternates with the
seed), so the machine's load falls on both alike. Only the train steps are timed. After
each chunk the test quality is read, in float32:

- VAE: the IWAE NLL (K = 16) of the first 1000 test digits, in nats of the Bernoulli
  likelihood (`kg.metrics.importance_weighted_nll`; the twin by `vae_speed.plain_iwae_nll`,
  the same formula);
- GAN: the FID of 2000 samples against the 2000 test digits in the shipped mnist10k
  classifier's features (`kg.metrics.fid(..., extractor="mnist10k")`).

The targets are set by rule, per seed, not by hand: a fraction `f` of the way from the
worse of the two untrained readings to the worse of the two best trained readings (so
both reach every target, unless training left one worse than untrained: then "not
reached"), for `f` in 0.5, 0.75, 0.9 and 1.0. The time to a target is the training
seconds at the first reading at or below it. Reported per target: the ratio of the
twin's seconds to ours (> 1: ours is there sooner), per seed and as the median over
seeds with its range, beside the steps ratio (does a step of ours learn as much?) and the
seconds per step of each.

Each finished (family, seed) pair is written to `--json` at once; a rerun with the same
file skips them (resumable). `--report-from JSON` only prints the tables.

Usage:

    python benchmarks/time_to_quality.py --json docs/precision/time_to_quality.json
    python benchmarks/time_to_quality.py --families vae --seeds 0 --steps 256   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

import keras_genmodels as kg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import precision_speed  # noqa: E402
import vae_speed  # noqa: E402
from benchmark_cli import family_list, machine  # noqa: E402

CONTENDERS = ("ours default", "plain float32")
#: family -> (batch, latent_dim, default steps, measure)
FAMILIES = {"vae": (128, 16, 1536, "iwae_nll"), "gan": (64, 128, 1024, "fid")}
FRACTIONS = (0.5, 0.75, 0.9, 1.0)
VAE_TEST, VAE_K, FID_SAMPLES = 1000, 16, 2000


def build(family: str, name: str, shape, seed: int) -> keras.Model:
    _, latent_dim, _, _ = FAMILIES[family]
    if family == "vae":
        model = precision_speed.vae_contender(name, shape, latent_dim, seed)
    else:
        model = precision_speed.gan_contender("gan", name, shape, latent_dim, seed)
    if name.startswith("ours"):
        model.build((None, *shape))  # read before the first step
    return model


def quality_reader(family: str, x_test: np.ndarray, seed: int):
    """`(name, model) -> test quality now` (lower is better for both measures); for the
    GAN, the test digits' features are extracted once (`kg.metrics.MetricSuite`)."""
    latent_dim = FAMILIES[family][1]
    if family == "vae":
        x = x_test[:VAE_TEST]

        def nll(name: str, model: keras.Model) -> float:
            if name.startswith("ours"):
                return float(kg.metrics.importance_weighted_nll(
                    model, x, num_samples=VAE_K, seed=0)["nll"])
            return vae_speed.plain_iwae_nll(model, x, latent_dim, VAE_K, seed=0)

        return nll
    suite = kg.metrics.MetricSuite(x_test, metrics=("fid",), extractor="mnist10k")
    z = tf.random.stateless_normal([FID_SAMPLES, latent_dim], seed=[seed, 1])

    def fid(name: str, model: keras.Model) -> float:
        if name.startswith("ours"):
            return suite(model, num_samples=FID_SAMPLES, seed=seed)["fid"]
        images = model.generator.predict(z, batch_size=256, verbose=0).astype("float32")
        return suite(np.clip((images + 1.0) / 2.0, 0.0, 1.0))["fid"]  # tanh range to [0, 1]

    return fid


def batches(x: np.ndarray, batch: int, seed: int):
    """Endless shuffled batches, the same sequence for every contender of a seed."""
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(len(x))
        for start in range(0, len(x) - batch + 1, batch):
            yield x[order[start:start + batch]]


def one_pair(family: str, seed: int, steps: int, chunk: int, data) -> dict:
    """Trains both contenders of `family` for `steps` steps, alternating chunks."""
    batch, _, _, measure = FAMILIES[family]
    (x_train, _), (x_test, _) = data
    shape = x_train.shape[1:]
    models = {name: build(family, name, shape, seed) for name in CONTENDERS}
    compiled = {name: tf.function(m.train_step) for name, m in models.items()}
    streams = {name: batches(x_train, batch, seed) for name in CONTENDERS}
    quality = quality_reader(family, x_test, seed)
    curves = {name: [{"steps": 0, "train_seconds": 0.0, "quality": quality(name, models[name])}]
              for name in CONTENDERS}
    order = list(CONTENDERS) if seed % 2 == 0 else list(CONTENDERS)[::-1]
    load = [os.getloadavg()[0]]
    done = 0
    while done < steps:
        n = min(chunk, steps - done)
        for name in order:
            step = compiled[name]
            seconds = 0.0
            for _ in range(n):
                x = next(streams[name])
                if family == "gan" and not name.startswith("ours"):
                    x = x * 2.0 - 1.0  # the GAN twin takes the tanh range up front
                started = time.perf_counter()
                tf.nest.map_structure(lambda t: t.numpy(), step(tf.constant(x)))
                seconds += time.perf_counter() - started
            last = curves[name][-1]
            curves[name].append({"steps": last["steps"] + n,
                                 "train_seconds": last["train_seconds"] + seconds,
                                 "quality": quality(name, models[name])})
        order.reverse()
        done += n
        load.append(os.getloadavg()[0])
    return {"family": family, "seed": seed, "steps": steps, "chunk": chunk, "measure": measure,
            "precision": {"ours default": models["ours default"].precision,
                          "plain float32": keras.config.dtype_policy().name},
            "load_1min": [min(load), max(load)], "curves": curves}


def first_reaching(curve: list[dict], target: float) -> dict | None:
    """The first reading after training began at or below `target`, or None."""
    return next((point for point in curve[1:] if point["quality"] <= target), None)


def best_trained(curve: list[dict]) -> float:
    """The best reading after training began (the untrained one does not count)."""
    return min(point["quality"] for point in curve[1:])


def targets(run: dict) -> dict[float, float]:
    """Per fraction, a quality between the worse untrained reading and the worse of the
    two trained bests (lower is better): both contenders reach the targets unless
    training made one worse than untrained."""
    curves = run["curves"].values()
    start = max(c[0]["quality"] for c in curves)
    end = max(best_trained(c) for c in curves)
    # from `end`, so that f = 1.0 is the best reading itself, not a rounding below it
    return {f: end + (1.0 - f) * (start - end) for f in FRACTIONS}


def analyse(run: dict) -> dict:
    ours, plain = (run["curves"][name] for name in CONTENDERS)
    rows = {}
    for fraction, target in targets(run).items():
        a, b = first_reaching(ours, target), first_reaching(plain, target)
        reached = a is not None and b is not None
        rows[str(fraction)] = {
            "target": target,
            **{f"{who}_{key}": None if point is None else point[key]
               for who, point in (("ours", a), ("plain", b))
               for key in ("train_seconds", "steps")},
            "time_ratio": b["train_seconds"] / a["train_seconds"] if reached else None,
            "steps_ratio": b["steps"] / a["steps"] if reached else None}
    per_step = {name: run["curves"][name][-1]["train_seconds"] / run["steps"]
                for name in CONTENDERS}
    return {"targets": rows, "seconds_per_step": per_step,
            "step_speedup": per_step["plain float32"] / per_step["ours default"],
            "final_quality": {name: run["curves"][name][-1]["quality"] for name in CONTENDERS},
            "best_quality": {name: best_trained(run["curves"][name]) for name in CONTENDERS}}


def summary(analysed: list[dict], seeds: list[int]) -> dict:
    """Median and range over seeds of the step speed-up and of each target's ratios;
    a target some seed did not reach is counted in `not_reached`, not in the median."""
    def spread(values):
        values = [v for v in values if v is not None]
        return {"median": statistics.median(values), "min": min(values), "max": max(values),
                "n": len(values)} if values else None

    return {"step_speedup": spread([a["step_speedup"] for a in analysed]),
            "targets": {f: {"time_ratio": spread([a["targets"][f]["time_ratio"]
                                                  for a in analysed]),
                            "steps_ratio": spread([a["targets"][f]["steps_ratio"]
                                                   for a in analysed]),
                            "not_reached": sum(a["targets"][f]["time_ratio"] is None
                                               for a in analysed)}
                        for f in map(str, FRACTIONS)},
            "seeds": seeds}


def _cell(ratio: dict | None, missing: int) -> str:
    if ratio is None:
        return "not reached"
    text = f"{ratio['median']:.2f} ({ratio['min']:.2f}-{ratio['max']:.2f})"
    return text + (f", {missing} seed(s) not reached" if missing else "")


def report(results: dict) -> str:
    lines = [f"Machine: {results['machine']}."]
    for family in FAMILIES:
        runs = [r for r in results["runs"] if r["family"] == family]
        if not runs:
            continue
        analysed = [analyse(r) for r in runs]
        s = summary(analysed, [r["seed"] for r in runs])
        r0 = runs[0]
        lines += ["", f"{family}: {r0['measure']}, {r0['steps']} steps of "
                  f"{FAMILIES[family][0]}, seeds {s['seeds']}, ours in "
                  f"{r0['precision']['ours default']}, the twin in float32; step speed-up "
                  f"{_cell(s['step_speedup'], 0)}; 1-min load "
                  f"{min(r['load_1min'][0] for r in runs):.1f}-"
                  f"{max(r['load_1min'][1] for r in runs):.1f}", "",
                  "| target (fraction of the way) | per-seed targets | time ratio twin/ours, "
                  "median (range) | steps ratio, median (range) |", "|---|---|---|---|"]
        for f in map(str, FRACTIONS):
            t = s["targets"][f]
            values = ", ".join(f"{a['targets'][f]['target']:.1f}" for a in analysed)
            lines.append(f"| {f} | {values} | {_cell(t['time_ratio'], t['not_reached'])} | "
                         f"{_cell(t['steps_ratio'], t['not_reached'])} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--families", default="vae,gan")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--steps", type=int, default=None,
                        help="train steps per contender (default: the family's)")
    parser.add_argument("--chunk", type=int, default=64, help="steps between readings")
    parser.add_argument("--json", default=None, help="results file (resumed if present)")
    parser.add_argument("--report-from", default=None)
    args = parser.parse_args(argv)
    if args.report_from:
        print(report(json.loads(Path(args.report_from).read_text())))
        return 0
    families = family_list(parser, args.families, FAMILIES)
    path = Path(args.json) if args.json else None
    results = {"machine": machine(), "runs": []}
    if path and path.exists():
        results["runs"] = json.loads(path.read_text())["runs"]
    done = {(r["family"], r["seed"]) for r in results["runs"]}
    data = kg.datasets.load("mnist10k")
    for family in families:
        for seed in (int(s) for s in args.seeds.split(",")):
            if (family, seed) in done:
                continue
            run = one_pair(family, seed, args.steps or FAMILIES[family][2], args.chunk, data)
            results["runs"].append(run)
            print(json.dumps(analyse(run)), flush=True)
            if path:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(results, indent=1))
            keras.backend.clear_session(free_memory=True)
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
