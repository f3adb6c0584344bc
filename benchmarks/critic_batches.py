"""WGAN-GP on mnist10k: critic updates that reuse one real batch, or take fresh ones.

`real_batches="reuse"` (keras.io's WGAN-GP) gives each of the `critic_steps` critic updates
the same `fit` batch of `m` examples; `"fresh"` (Algorithm 1 of Gulrajani et al., 2017)
deals a `fit` batch of `critic_steps * m` examples into one fresh minibatch of `m` per
update. With the same `m` and the same number of generator steps both do the same
arithmetic, so this compares them at equal compute; "fresh" reads `critic_steps` times
more data per step.

Quality is measured in the feature space of a small digit classifier trained here on the
mnist10k training split: a Frechet distance between generated and test digits (lower is
better), the classifier's mean confidence, and how many of the 10 digits are generated
(at least 2% of the samples each).

Example:

```
.venv/bin/python benchmarks/critic_batches.py --steps 300 --seeds 0 1
```
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


def digit_classifier(x, y) -> tuple[keras.Model, keras.Model]:
    """A small convnet (about 98% test accuracy) and its 64-d penultimate features."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((28, 28, 1))
    h = keras.layers.Conv2D(32, 3, strides=2, activation="relu")(inputs)
    h = keras.layers.Conv2D(64, 3, strides=2, activation="relu")(h)
    features = keras.layers.Dense(64, activation="relu")(keras.layers.Flatten()(h))
    classifier = keras.Model(inputs, keras.layers.Dense(10)(features))
    classifier.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                       metrics=["accuracy"])
    classifier.fit(x, y, epochs=5, batch_size=128, verbose=0)
    return classifier, keras.Model(inputs, features)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """`|mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))` through symmetric square
    roots (real eigenvalues only)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    values, vectors = np.linalg.eigh(s_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    cross = np.linalg.eigvalsh(root_a @ s_b @ root_a)
    trace_root = np.sqrt(np.clip(cross, 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * trace_root)


def measure(samples, classifier, features, test_features) -> dict[str, float]:
    probabilities = keras.ops.convert_to_numpy(
        keras.ops.softmax(classifier.predict(samples, verbose=0)))
    shares = np.bincount(probabilities.argmax(1), minlength=10) / len(samples)
    return {
        "frechet": frechet_distance(features.predict(samples, verbose=0), test_features),
        "confidence": float(probabilities.max(1).mean()),
        "digits": int((shares >= 0.02).sum()),
    }


def train(mode: str, seed: int, x, steps: int, m: int, critic_steps: int):
    keras.utils.set_random_seed(seed)
    model = kg.WGANGP(latent_dim=64, critic_steps=critic_steps, real_batches=mode, seed=seed)
    model.compile()
    batch = m if mode == "reuse" else m * critic_steps
    data = (tf.data.Dataset.from_tensor_slices(x).shuffle(len(x), seed=seed).repeat()
            .batch(batch, drop_remainder=True))
    started = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    return model, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=300, help="generator steps per run")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--m", type=int, default=64, help="real examples per critic update")
    parser.add_argument("--critic-steps", type=int, default=5)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args()

    (x_train, y_train), (x_test, _) = kg.datasets.load("mnist10k")
    classifier, features = digit_classifier(x_train, y_train)
    test_features = features.predict(x_test, verbose=0)
    results = []
    for seed in args.seeds:
        for mode in ("reuse", "fresh"):  # alternated, so machine-speed shifts hit both
            model, seconds = train(mode, seed, x_train, args.steps, args.m, args.critic_steps)
            row = {"mode": mode, "seed": seed, "seconds": round(seconds, 1),
                   **measure(model.sample(args.samples, seed=123), classifier, features,
                             test_features)}
            results.append(row)
            print(json.dumps(row), flush=True)
    for mode in ("reuse", "fresh"):
        rows = [r for r in results if r["mode"] == mode]
        print(f"{mode}: frechet {np.mean([r['frechet'] for r in rows]):.2f} "
              f"(min {min(r['frechet'] for r in rows):.2f}), digits "
              f"{min(r['digits'] for r in rows)}-{max(r['digits'] for r in rows)}, "
              f"confidence {np.mean([r['confidence'] for r in rows]):.3f}, "
              f"seconds {np.mean([r['seconds'] for r in rows]):.0f}")
    if args.out:
        with open(args.out, "w") as file:
            json.dump(results, file, indent=1)


if __name__ == "__main__":
    main()
