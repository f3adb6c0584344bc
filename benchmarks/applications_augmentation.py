"""Data augmentation on mnist10k: does a classifier trained on few labelled digits gain
from synthetic digits of a ConditionalVAE or a ConditionalGAN trained on those same few?

For `n` in {10, 50} real labelled training digits per class (drawn from the 8000 with
seeds 0, 1, 2), a small convnet (two stride-2 3x3 convolutions of 16 and 32 filters, a
dense softmax layer; Adam 1e-3, batch 64, `--classifier-steps` steps) is trained on

- the real digits only;
- the real digits plus `--synthetic` digits per class from a dense ConditionalVAE
  (`applications_common.mlp_vae`, latent 8, `--vae-epochs`) trained on the real ones;
- the real digits plus as many from a dense ConditionalGAN
  (`applications_common.mlp_conditional_gan`, latent 32, `--gan-steps` generator steps)
  trained on the real ones,

and its accuracy measured on the 2000 test digits. No classifier filter is applied: the
shipped mnist10k classifier saw all 8000 labelled digits, so filtering with it would leak
labels the experiment does not have. Every classifier takes the same number of gradient
steps, so the synthetic data change what it sees, not how long it trains.

Usage:

    python benchmarks/applications_augmentation.py            # ~10 min on 2 CPU cores
    python benchmarks/applications_augmentation.py --quick    # 1 seed, n=10, short runs
    python benchmarks/applications_augmentation.py --json augmentation.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

sys.path.insert(0, str(Path(__file__).resolve().parent))

from applications_common import (  # noqa: E402
    Clock,
    load_digits,
    machine,
    markdown_table,
    mlp_conditional_gan,
    mlp_vae,
    write_json,
)

from keras_genmodels.applications import augment  # noqa: E402

SETTINGS = ("real only", "real + ConditionalVAE", "real + ConditionalGAN")


def few_labelled(x, y, n_per_class: int, seed: int):
    rng = np.random.default_rng(seed)
    rows = np.concatenate([rng.choice(np.nonzero(y == c)[0], n_per_class, replace=False)
                           for c in range(10)])
    return x[rows], y[rows]


def classifier_accuracy(x, y, x_test, y_test, steps: int, seed: int) -> float:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(16, 3, strides=2, activation="relu"),
        keras.layers.Conv2D(32, 3, strides=2, activation="relu"),
        keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    data = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed)
            .repeat().batch(64))
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    return float(model.evaluate(x_test, y_test, verbose=0, batch_size=500)[1])


def synthetic(kind: str, x, y, args, seed: int):
    if kind == "real + ConditionalVAE":
        model = mlp_vae(8, num_classes=10, seed=seed)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        model.fit(x, y, epochs=args.vae_epochs, batch_size=32, verbose=0)
    else:
        model = mlp_conditional_gan(32, 10, seed=seed)
        model.compile()
        data = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed)
                .repeat().batch(64, drop_remainder=True))
        model.fit(data, steps_per_epoch=args.gan_steps, epochs=1, verbose=0)
    return augment(model, args.synthetic, seed=seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--synthetic", type=int, default=100, help="synthetic digits per class")
    parser.add_argument("--vae-epochs", type=int, default=150)
    parser.add_argument("--gan-steps", type=int, default=2000)
    parser.add_argument("--classifier-steps", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="n=10, one seed, short runs")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.seeds, args.vae_epochs = [10], [0], 20
        args.gan_steps, args.classifier_steps = 200, 100
    (x_train, y_train), (x_test, y_test) = load_digits()
    clock = Clock()
    results = {"machine": machine(), "args": vars(args), "accuracy": {}}
    for n in args.sizes:
        accuracy = {setting: [] for setting in SETTINGS}
        for seed in args.seeds:
            x, y = few_labelled(x_train, y_train, n, seed)
            for setting in SETTINGS:
                step = Clock()
                if setting == "real only":
                    x_fit, y_fit = x, y
                else:
                    x_syn, y_syn = synthetic(setting, x, y, args, seed)
                    x_fit, y_fit = np.concatenate([x, x_syn]), np.concatenate([y, y_syn])
                accuracy[setting].append(classifier_accuracy(
                    x_fit, y_fit, x_test, y_test, args.classifier_steps, seed))
                print(f"  n={n} seed={seed} {setting}: {accuracy[setting][-1]:.3f} "
                      f"({step():.0f} s)", flush=True)
        results["accuracy"][str(n)] = accuracy
    results["seconds"] = clock()
    print(f"\n### Test accuracy of a small convnet, mean +- std over seeds {args.seeds} "
          f"({args.synthetic} synthetic digits per class)\n")
    header = ["training data"] + [f"{n} real per class" for n in args.sizes]
    rows = [[setting] + [f"{np.mean(results['accuracy'][str(n)][setting]):.3f} +- "
                         f"{np.std(results['accuracy'][str(n)][setting]):.3f}"
                         for n in args.sizes] for setting in SETTINGS]
    print(markdown_table(header, rows))
    print(f"\nTotal {results['seconds']:.0f} s.")
    write_json(args.json, results)


if __name__ == "__main__":
    main()
