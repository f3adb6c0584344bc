"""`kg.StyleGAN` against the package's DCGAN (`kg.GAN` with its default networks) at equal
CPU wall time on mnist10k.

Both models take their `compile()` defaults (DCGAN: Adam(2e-4, beta_1=0.5); StyleGAN: the
paper's Adam(2e-3, betas (0, 0.99)) corrected for lazy regularisation) and the same batch
size. The 28x28 digits go to both models as they are: StyleGAN pads them to 32x32 inside
itself (its networks work at 32x32) and crops its samples back to 28x28. Training time is
dealt in alternating chunks of `--chunk` seconds (StyleGAN first, then DCGAN, ...), so
the machine's shifts in speed (it jumps between two levels and is shared) hit both, until
each has trained `--seconds`; the first `fit` of each model (tracing) is untimed.

Reported per model: train steps per second (steps / timed seconds), the domain-feature FID
of `--samples` samples against the mnist10k test split (`kg.metrics.fid` with the
features of `kg.metrics.domain_classifier("mnist10k")`; StyleGAN also at truncation 0.7)
and generation throughput (samples per second of `sample(--samples)`, best of 3).

```bash
nice -n 5 python benchmarks/stylegan_vs_dcgan.py --seconds 120 --json out.json
```
"""

from __future__ import annotations

import argparse
import json
import time

import keras
import numpy as np

import keras_genmodels as kg


class TimeLimit(keras.callbacks.Callback):
    """Stops `fit` once `seconds` have passed since the first batch began."""

    def __init__(self, seconds: float):
        super().__init__()
        self.seconds = seconds

    def on_train_begin(self, logs=None):
        self.start, self.steps = time.perf_counter(), 0

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        if time.perf_counter() - self.start >= self.seconds:
            self.model.stop_training = True


def make_models(latent_dim: int, seed: int) -> dict[str, kg.GenerativeModel]:
    keras.utils.set_random_seed(seed)
    dcgan = kg.GAN(latent_dim, seed=seed)
    stylegan = kg.StyleGAN(latent_dim, seed=seed)
    for model in (dcgan, stylegan):
        model.compile()
    return {"stylegan": stylegan, "dcgan": dcgan}


def train_alternating(models, x, batch_size, seconds, chunk):
    timed = {name: {"seconds": 0.0, "steps": 0} for name in models}
    for model in models.values():  # untimed: tracing and the first step
        model.fit(x[:batch_size], batch_size=batch_size, verbose=0)
    steps = 10**9
    while any(t["seconds"] < seconds for t in timed.values()):
        for name, model in models.items():
            left = seconds - timed[name]["seconds"]
            if left <= 0:
                continue
            limit = TimeLimit(min(chunk, left))
            start = time.perf_counter()
            order = np.random.default_rng(timed[name]["steps"]).permutation(len(x))
            model.fit(x[order], batch_size=batch_size, epochs=1, verbose=0,
                      steps_per_epoch=min(steps, len(x) // batch_size), callbacks=[limit])
            timed[name]["seconds"] += time.perf_counter() - start
            timed[name]["steps"] += limit.steps
    return timed


def throughput(model, n: int) -> float:
    model.sample(min(n, 64), seed=0)  # warm-up
    best = min(_timed(lambda: model.sample(n, seed=1)) for _ in range(3))
    return n / best


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--chunk", type=float, default=20.0)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--latent-dim", type=int, default=64)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)

    (x_train, _), (x_test, _) = kg.datasets.load("mnist10k")
    models = make_models(args.latent_dim, args.seed)
    timed = train_alternating(models, x_train, args.batch_size, args.seconds, args.chunk)
    results = {}
    for name, model in models.items():
        row = {"train_seconds": round(timed[name]["seconds"], 1),
               "train_steps": timed[name]["steps"],
               "steps_per_second": round(timed[name]["steps"] / timed[name]["seconds"], 2),
               "fid": round(kg.metrics.fid(x_test, model, extractor="mnist10k",
                                           num_samples=args.samples, seed=args.seed), 2),
               "samples_per_second": round(throughput(model, args.samples), 1)}
        if name == "stylegan":
            truncated = model.sample(args.samples, seed=args.seed, truncation=0.7)
            row["fid_truncation_0.7"] = round(kg.metrics.fid(
                x_test[: args.samples], truncated, extractor="mnist10k"), 2)
        results[name] = row
        print(name, json.dumps(row), flush=True)
    print("\n| model | train s | steps | steps/s | FID (mnist10k features) | samples/s |")
    print("|---|---|---|---|---|---|")
    for name, row in results.items():
        fid = f"{row['fid']}" + (f" ({row['fid_truncation_0.7']} at psi 0.7)"
                                 if "fid_truncation_0.7" in row else "")
        print(f"| {name} | {row['train_seconds']} | {row['train_steps']} | "
              f"{row['steps_per_second']} | {fid} | {row['samples_per_second']} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": results}, f, indent=2)
    return results


if __name__ == "__main__":
    main()
