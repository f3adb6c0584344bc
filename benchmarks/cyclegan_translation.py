"""CycleGAN's translation error on domains with a known answer, in a CPU time budget.

Trains `kg.CycleGAN(seed=s)` with `compile()`'s defaults (the 28 px default networks,
Adam(2e-4, beta_1=0.5), 50-image pools, the learning rate decayed linearly to 0 over the
second half of the run) on `kg.datasets.load("shapes_filled_outlined")` (4000 filled
shapes as domain A, the 4000 outlined shapes as domain B in a shuffled order, so the
pairs are unknown to the model), batch 16, for `--seconds` of wall time (tracing
included), then measures on the 1000 test pairs:

- the translation error (MAE, [0, 1] pixels) of A -> B against the outlined truth and of
  B -> A against the filled truth;
- the same error of the identity mapping (a model that changes nothing) and of a blank
  (all-zero) image, the baselines a model must beat;
- the cycle error `mean |F(G(a)) - a|` and `mean |G(F(b)) - b|`.

With `--ablation` (default on) it also trains the keras.io example's setting in the same
budget: no image pool (`pool_size=0`) and a constant learning rate (`decay_steps=0`).

The run first takes `--warmup` steps (trace and timing), then sets the number of steps
that fit in the rest of the budget at the warmup's speed, and takes them all, so the
learning-rate decay ends with the run (it spans that second `fit` call; the warmup steps
run at the initial rate). On a loaded machine the run can overrun `--seconds`; the
reported `seconds` is the real wall time.

```bash
python benchmarks/cyclegan_translation.py                      # 180 s per model
python benchmarks/cyclegan_translation.py --seconds 600 --no-ablation --json out.json
```

Options: `--seconds` (180), `--batch-size` (16), `--warmup` (5), `--seed` (0),
`--ablation/--no-ablation`, `--json PATH`.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_genmodels as kg  # noqa: E402


class StepTimes(keras.callbacks.Callback):
    """Records the wall time at the end of every batch."""

    def __init__(self):
        super().__init__()
        self.times: list[float] = []

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter())


def train(a, b, seconds: float, batch_size: int, warmup: int, seed: int, **options) -> tuple:
    """Trains one CycleGAN for `seconds` of wall time; returns it and its step count."""
    start = time.perf_counter()
    keras.utils.set_random_seed(seed)
    dataset = tf.data.Dataset.from_tensor_slices((a, b)).shuffle(len(a), seed=seed).repeat()
    dataset = dataset.batch(batch_size, drop_remainder=True).prefetch(2)
    model = kg.CycleGAN(seed=seed, **options)
    model.compile()
    times = StepTimes()
    model.fit(dataset, epochs=1, steps_per_epoch=warmup, verbose=0, callbacks=[times])
    step_time = (times.times[-1] - times.times[1]) / max(1, len(times.times) - 2)
    # the second fit reuses the traced step (the schedule's bounds are variables)
    steps = max(1, int((seconds - (time.perf_counter() - start)) / step_time))
    model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
    done = int(model.optimizer.iterations.numpy())
    return model, {"steps": done, "seconds": round(time.perf_counter() - start, 1),
                   "step_time": round(step_time, 3),
                   "final_learning_rate": float(model.optimizer.learning_rate)}


def evaluate(model, a_test, b_test) -> dict:
    error = kg.metrics.translation_error
    fake_b = model.translate(a_test, direction="a_to_b")
    fake_a = model.translate(b_test, direction="b_to_a")
    return {
        "a_to_b_mae": error(model, a_test, b_test, direction="a_to_b"),
        "b_to_a_mae": error(model, b_test, a_test, direction="b_to_a"),
        "cycle_a_mae": float(np.mean(np.abs(model.translate(fake_b, "b_to_a") - a_test))),
        "cycle_b_mae": float(np.mean(np.abs(model.translate(fake_a, "a_to_b") - b_test))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ablation", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    (a_train, b_train), (a_test, b_test) = kg.datasets.load("shapes_filled_outlined")
    b_unpaired = b_train[np.random.default_rng(args.seed).permutation(len(b_train))]
    blank = np.zeros_like(a_test)
    results = {"baselines": {
        "identity_a_to_b_mae": kg.metrics.translation_error(None, a_test, b_test),
        "identity_b_to_a_mae": kg.metrics.translation_error(None, b_test, a_test),
        "blank_a_to_b_mae": kg.metrics.translation_error(None, blank, b_test),
        "blank_b_to_a_mae": kg.metrics.translation_error(None, blank, a_test),
    }}
    print(json.dumps(results["baselines"]), flush=True)
    variants = {"kg.CycleGAN defaults": {}}
    if args.ablation:
        variants["no pool, constant rate (keras.io)"] = {"pool_size": 0, "decay_steps": 0,
                                                         "decay_start": 0}
    for name, options in variants.items():
        model, run = train(a_train, b_unpaired, args.seconds, args.batch_size, args.warmup,
                           args.seed, **options)
        results[name] = {**run, **evaluate(model, a_test, b_test)}
        print(json.dumps({name: results[name]}), flush=True)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(results, file, indent=1)


if __name__ == "__main__":
    main()
