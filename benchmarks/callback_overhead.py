"""Training-time overhead of the picture callbacks on a default `kg.VAE(16)` on MNIST.

Two identical `kg.VAE(16)` (same initial weights, `compile()` defaults) train on the
same data; one with every picture callback at its defaults, the other with none:

- `SampleGrid(log_dir)` (64 samples);
- `ReconstructionGrid(log_dir, x_test[:16])`;
- `LatentTraversal(log_dir, x_ref=x_test[:64])` (KL-ordered active dimensions, 9 steps);
- `LatentInterpolation(log_dir, (x_test[:8], x_test[8:16]))` (8 steps, slerp);
- `EmbeddingProjector(log_dir, x_test[:1000], labels=y_test[:1000])` (at train end).

After one untimed warm-up `fit` each (tracing), the models take turns, one 1-epoch `fit`
call at a time, alternating who goes first, so load from other processes falls on both
alike. Two numbers per call:

- epoch time: from `on_epoch_begin` to the end of every callback's `on_epoch_end` (a timer
  callback placed last), i.e. the steady cost per epoch of a long run;
- fit time: the whole `fit` call, which also pays the once-per-run work (the step-0
  grids logged in `on_train_begin`, the projector and the writers' closing in
  `on_train_end`).

The overhead is the median of the per-pair ratios (with / without - 1). On a shared or
small machine epoch times vary by more than the callbacks cost, so the run also times
the callbacks directly: two clock callbacks placed just before and just after them
give the time spent inside their hooks, reported per epoch as a share of the epoch
without callbacks (the steadiest number), and once per run. Last, each
callback's `on_epoch_end` (and the projector's write) is timed on its own, to show where
the time goes.

Usage:

    python benchmarks/callback_overhead.py        # on the mnist10k digits shipped in the package
    python benchmarks/callback_overhead.py --data path/to/mnist.npz --repeats 7
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf
from vae_speed import EpochTimer  # one epoch timer for every benchmark (same folder)

import keras_genmodels as kg
from keras_genmodels.datasets import load_image_dataset


class HookClock(keras.callbacks.Callback):
    """Records when each hook ran; one goes first and one last around the callbacks, so
    the differences are the time spent inside them."""

    def __init__(self):
        super().__init__()
        self.stamps: dict[str, list[float]] = {"train_begin": [], "epoch_end": [],
                                               "train_end": []}

    def on_train_begin(self, logs=None):
        self.stamps["train_begin"].append(time.perf_counter())

    def on_epoch_end(self, epoch, logs=None):
        self.stamps["epoch_end"].append(time.perf_counter())

    def on_train_end(self, logs=None):
        self.stamps["train_end"].append(time.perf_counter())


def picture_callbacks(log_dir: str, x_test: np.ndarray, y_test: np.ndarray) -> list:
    return [
        kg.callbacks.SampleGrid(log_dir),
        kg.callbacks.ReconstructionGrid(log_dir, x_test[:16]),
        kg.callbacks.LatentTraversal(log_dir, x_ref=x_test[:64]),
        kg.callbacks.LatentInterpolation(log_dir, (x_test[:8], x_test[8:16])),
        kg.callbacks.EmbeddingProjector(log_dir, x_test[:1000], labels=y_test[:1000]),
    ]


def time_callbacks(callbacks: list, model, reps: int) -> dict[str, float]:
    """Median milliseconds of each callback's per-epoch work (the projector's write)."""
    result = {}
    for callback in callbacks:
        callback.set_model(model)
        callback.on_train_begin()
        run = (lambda c=callback: c.write(1)) if isinstance(
            callback, kg.callbacks.EmbeddingProjector) else (lambda c=callback: c.on_epoch_end(0))
        run()
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        callback.on_train_end()
        result[type(callback).__name__] = 1000 * statistics.median(times)
    return result


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=None,
                        help="MNIST-layout .npz (x_train, y_train, x_test, y_test); default: "
                        "the mnist10k digits shipped in the package.")
    parser.add_argument("--latent-dim", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs per model")
    parser.add_argument("--callback-reps", type=int, default=5,
                        help="repetitions of each callback in the breakdown (0 skips it)")
    parser.add_argument("--log-dir", default=None, help="default: a temporary folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args(argv)
    if args.data is None:
        from keras_genmodels.datasets import packaged_path

        args.data = str(packaged_path("mnist10k"))

    (x_train, _), (x_test, y_test) = load_image_dataset("mnist", path=args.data)
    log_dir = args.log_dir or tempfile.mkdtemp(prefix="kg_callback_overhead_")
    models = {}
    for name in ("without", "with"):
        keras.utils.set_random_seed(args.seed)
        models[name] = kg.VAE(args.latent_dim, seed=args.seed, data_shape=x_train.shape[1:])
        models[name].compile()
    callbacks = picture_callbacks(log_dir, x_test, y_test)
    timers = {name: EpochTimer() for name in models}
    before, after = HookClock(), HookClock()
    lists = {"without": [timers["without"]],
             "with": [before, *callbacks, after, timers["with"]]}
    fit_times: dict[str, list[float]] = {name: [] for name in models}

    def fit(name: str) -> None:
        start = time.perf_counter()
        models[name].fit(x_train, epochs=1, batch_size=args.batch_size, verbose=0,
                         callbacks=lists[name])
        fit_times[name].append(time.perf_counter() - start)

    for name in models:  # warm-up: tracing and the first epoch, not counted
        fit(name)
    for name in models:
        timers[name].times.clear()
        fit_times[name].clear()
    for clock in (before, after):
        for stamps in clock.stamps.values():
            stamps.clear()
    for repeat in range(args.repeats):
        order = ("without", "with") if repeat % 2 == 0 else ("with", "without")
        for name in order:
            fit(name)

    def overhead(times: dict[str, list[float]]) -> float:
        ratios = [w / wo - 1 for w, wo in zip(times["with"], times["without"], strict=True)]
        return 100 * statistics.median(ratios)

    epoch = {name: timers[name].times for name in models}
    inside = {hook: statistics.median(a - b for a, b in zip(after.stamps[hook],
                                                            before.stamps[hook], strict=True))
              for hook in before.stamps}
    without_epoch = statistics.median(epoch["without"])
    breakdown = (time_callbacks(picture_callbacks(log_dir, x_test, y_test), models["with"],
                                args.callback_reps) if args.callback_reps else {})
    result = {
        "latent_dim": args.latent_dim,
        "batch_size": args.batch_size,
        "train_examples": len(x_train),
        "repeats": args.repeats,
        "epoch_seconds": {k: statistics.median(v) for k, v in epoch.items()},
        "fit_seconds": {k: statistics.median(v) for k, v in fit_times.items()},
        "epoch_overhead_percent": overhead(epoch),
        "callback_seconds": inside,
        "direct_epoch_overhead_percent": 100 * inside["epoch_end"] / without_epoch,
        "once_per_run_seconds": inside["train_begin"] + inside["train_end"],
        "fit_overhead_percent": overhead(fit_times),
        "callback_ms": breakdown,
        "epoch_times": epoch,
        "fit_times": fit_times,
        "python": sys.version.split()[0],
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "gpus": len(tf.config.list_physical_devices("GPU")),
    }
    print(f"kg.VAE({args.latent_dim}) on {len(x_train)} MNIST images, batch {args.batch_size}, "
          f"{args.repeats} interleaved epochs per model")
    print(f"epoch (median): without {result['epoch_seconds']['without']:.3f} s, "
          f"with {result['epoch_seconds']['with']:.3f} s -> overhead "
          f"{result['epoch_overhead_percent']:+.2f}% (target <= 3%)")
    print(f"time inside the callbacks (median): {1000 * inside['epoch_end']:.0f} ms per epoch "
          f"= {result['direct_epoch_overhead_percent']:.2f}% of an epoch without them; "
          f"{1000 * inside['train_begin']:.0f} ms at train begin (step-0 grids) + "
          f"{1000 * inside['train_end']:.0f} ms at train end (projector) once per run")
    print(f"1-epoch fit (median): without {result['fit_seconds']['without']:.3f} s, "
          f"with {result['fit_seconds']['with']:.3f} s -> overhead "
          f"{result['fit_overhead_percent']:+.2f}% (includes once-per-run work)")
    for name, ms in breakdown.items():
        print(f"  {name:<20s} {ms:8.1f} ms per log")
    if args.json:
        with open(args.json, "w") as file:
            json.dump(result, file, indent=2)
    return result


if __name__ == "__main__":
    main()
