"""The `keras-genmodels` command: `demo`, `train` and `compare`.

`keras-genmodels demo` trains a small VAE on the embedded `shapes` sprites for about a
minute on a CPU, writes TensorBoard logs and PNG grids under a run folder, and prints the
`tensorboard --logdir ...` line. `keras-genmodels train --model NAME` trains any model
family of the package (vae, cvae, gan, cgan, wgan, wgangp, vaegan) with its defaults on a
named dataset or a local `.npz` file, with the same logs and pictures.

The command shows what a user needs: Keras' progress, where the logs are, and errors.
TensorFlow's C++ start-up lines (CUDA probing on a machine without a GPU, CPU instruction
notes) are filtered out when the package is imported by the command (see
`keras_genmodels/quiet_start.py`); set `TF_CPP_MIN_LOG_LEVEL=0` to see them.

Example:

```
keras-genmodels demo
keras-genmodels train --model vae --dataset mnist10k --epochs 10
keras-genmodels train --model wgangp --dataset mnist10k --limit 2048 --epochs 5
keras-genmodels train --model cvae --dataset shapes --latent-dim 6 --log-dir runs/cvae
```
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from keras_genmodels.datasets.command_line import MIN_LIMIT, load_for_command
from keras_genmodels.precision import PRECISIONS

#: `--model` name -> (class name in `keras_genmodels`, trains on labels, latent_dim default).
MODELS: dict[str, tuple[str, bool, int]] = {
    "vae": ("VAE", False, 8),
    "cvae": ("ConditionalVAE", True, 8),
    "gan": ("GAN", False, 64),
    "cgan": ("ConditionalGAN", True, 64),
    "wgan": ("WGAN", False, 64),
    "wgangp": ("WGANGP", False, 64),
    "vaegan": ("VAEGAN", False, 32),
}
VAE_MODELS = ("vae", "cvae")


def build_parser() -> argparse.ArgumentParser:
    """The command's argument parser (`demo` and `train` sub-commands)."""
    parser = argparse.ArgumentParser(
        prog="keras-genmodels",
        description="Train generative models (VAEs, GANs, WGANs, VAE-GANs) with Keras 3 and "
        "watch them in TensorBoard.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="train a small VAE on the embedded shapes data (about a minute on a CPU)",
        description="Train a small VAE on the embedded procedural `shapes` sprites, write "
        "TensorBoard logs and PNG sample grids under LOG_DIR, and print how to view them.",
    )
    demo.add_argument("--log-dir", default="runs/demo", help="run folder (default: %(default)s)")
    demo.add_argument("--epochs", type=int, default=6, help="epochs (default: %(default)s)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")

    train = commands.add_parser(
        "train",
        help="train any model family on a dataset or a local .npz file",
        description="Train a model with its family's defaults (networks from the data's "
        "shape, the family's optimizers) on a named dataset or a local .npz in Keras' layout "
        "(x_train, y_train, x_test, y_test), and log it to TensorBoard: scalars, sample grids "
        "(and reconstructions, traversals, interpolations, the embedding projector for models "
        "with an encoder), PNG copies and the saved model. Conditional models (cvae, cgan) "
        "train on (x, y).",
    )
    train.add_argument("--model", default="vae", choices=list(MODELS),
                       help="model family (default: %(default)s)")
    train.add_argument(
        "--dataset", default="shapes",
        help="dataset name (shapes, ring8, grid25, mnist10k, mnist, fashion_mnist, cifar10) or "
        "a path to a .npz file in Keras' layout (default: %(default)s)",
    )
    train.add_argument("--data-path", default=None,
                       help="local .npz for mnist/fashion_mnist/cifar10 (no download)")
    train.add_argument("--limit", type=int, default=None,
                       help=f"use only the first LIMIT training and test examples (>= "
                       f"{MIN_LIMIT}), for a quick try (default: all)")
    train.add_argument("--epochs", type=int, default=10, help="epochs (default: %(default)s)")
    train.add_argument("--batch-size", type=int, default=128, help="(default: %(default)s)")
    train.add_argument("--latent-dim", type=int, default=None,
                       help="latent size (default: 8 for vae/cvae, 32 for vaegan, 64 for GANs)")
    train.add_argument("--likelihood", default=None,
                       help="vae/cvae only: likelihood (default: the model's \"auto\": "
                       "bernoulli for images, a learned-scale gaussian for vectors)")
    train.add_argument("--beta", type=float, default=None,
                       help="vae/cvae only: KL weight (default: 1.0)")
    train.add_argument("--learning-rate", type=float, default=None,
                       help="learning rate of every optimizer of the model (default: the "
                       "family's, e.g. Adam 1e-3 for VAEs, RMSprop 5e-5 for wgan)")
    train.add_argument("--precision", default="auto", choices=list(PRECISIONS),
                       help="training precision (default: %(default)s: mixed bfloat16 where "
                       "the hardware computes it natively and the family is measured to "
                       "lose no quality in it, float32 elsewhere)")
    train.add_argument("--log-dir", default=None, help="run folder (default: runs/MODEL-DATASET)")
    train.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")

    from keras_genmodels.compare.command import add_parser

    add_parser(commands)
    return parser


def build_model(model_name: str, data, latent_dim: int | None = None,
                likelihood: str | None = None, beta: float | None = None,
                learning_rate: float | None = None, seed: int = 0, precision: str = "auto"):
    """Builds and compiles `model_name` for `data` with its family's defaults."""
    import keras_genmodels as kg

    class_name, conditional, default_latent = MODELS[model_name]
    (x_train, y_train), _ = data
    options: dict[str, Any] = dict(latent_dim=latent_dim or default_latent, seed=seed,
                                   data_shape=x_train.shape[1:], precision=precision)
    if model_name in VAE_MODELS:
        # the model resolves its own likelihood from the data unless one is asked for
        options.update(likelihood=likelihood or "auto", beta=1.0 if beta is None else beta)
    else:
        for flag, value in (("--likelihood", likelihood), ("--beta", beta)):
            if value is not None:
                raise ValueError(f"`{flag}` is only for vae and cvae, not --model "
                                 f"{model_name!r} (got {value!r}).")
    if conditional:
        options["num_classes"] = int(y_train.max()) + 1
    model = getattr(kg, class_name)(**options)
    if learning_rate is None:
        model.compile()
    else:
        # the family's optimizers (type, betas, ...) with this learning rate
        optimizers = {
            slot: type(optimizer).from_config(
                {**optimizer.get_config(), "learning_rate": learning_rate})
            for slot, optimizer in model.default_optimizers().items()
        }
        model.compile(**optimizers)
    return model


def run(
    model_name: str,
    data,
    log_dir: Path,
    epochs: int,
    batch_size: int,
    latent_dim: int | None = None,
    likelihood: str | None = None,
    beta: float | None = None,
    learning_rate: float | None = None,
    seed: int = 0,
    precision: str = "auto",
):
    """Trains `model_name` on `data` with TensorBoard and image callbacks; returns it."""
    import keras
    import tensorflow as tf

    import keras_genmodels as kg

    (x_train, y_train), (x_test, y_test) = data
    keras.utils.set_random_seed(seed)
    model = build_model(model_name, data, latent_dim, likelihood, beta, learning_rate, seed,
                        precision)
    if model.conditional:
        fit_args, val_data = (x_train, y_train), (x_test, y_test)
    else:
        fit_args, val_data = (x_train,), (x_test,)
    callbacks = [kg.callbacks.TensorBoard(log_dir)]
    if x_train.ndim == 4:
        callbacks += image_callbacks(log_dir, model, x_test, y_test)
    gpus = len(tf.config.list_physical_devices("GPU"))
    print(f"{type(model).__name__} (latent_dim={model.latent_dim}, precision "
          f"{model.precision}) on {len(x_train)} training "
          f"examples of shape {x_train.shape[1:]}, epochs {epochs}, batch {batch_size}, "
          f"{f'{gpus} GPU(s)' if gpus else 'CPU'}; logs in {log_dir}", flush=True)
    model.fit(*fit_args, epochs=epochs, batch_size=batch_size, validation_data=val_data,
              callbacks=callbacks, verbose=2 if not sys.stdout.isatty() else "auto")
    return model


def image_callbacks(log_dir: Path, model, x_test, y_test) -> list:
    """The pictures `model` can draw, every epoch, into TensorBoard's Images tab and PNGs:
    samples for every family; reconstructions, traversals and interpolations of test
    images and the embedding projector (at the end) for models with an encoder; traversals
    and interpolations of fixed latent codes for the others."""
    import numpy as np

    import keras_genmodels as kg

    images_dir, png_dir = log_dir / "images", log_dir / "png"
    conditional = model.conditional
    label = int(y_test[0]) if conditional else None
    pair_labels = y_test[:4] if conditional else None
    callbacks = [kg.callbacks.SampleGrid(images_dir, num_samples=64, png_dir=png_dir)]
    if callable(getattr(model, "encode", None)):
        callbacks += [
            kg.callbacks.ReconstructionGrid(images_dir, x_test[:16],
                                            labels=y_test[:16] if conditional else None,
                                            png_dir=png_dir),
            kg.callbacks.LatentTraversal(images_dir, x_ref=x_test[:256], label=label,
                                         png_dir=png_dir),
            kg.callbacks.LatentInterpolation(images_dir, (x_test[:4], x_test[4:8]),
                                             labels=pair_labels, png_dir=png_dir),
            kg.callbacks.EmbeddingProjector(log_dir / "projector", x_test[:500],
                                            labels=y_test[:500]),
        ]
    else:
        codes = np.random.default_rng(0).normal(size=(2, 4, model.latent_dim))
        callbacks += [
            kg.callbacks.LatentTraversal(images_dir, label=label, max_dims=8,
                                         png_dir=png_dir),
            kg.callbacks.LatentInterpolation(images_dir, (codes[0], codes[1]),
                                             labels=pair_labels, png_dir=png_dir),
        ]
    return callbacks


def _finish(model, log_dir: Path, started: float) -> None:
    import keras_genmodels as kg

    path = log_dir / "model.keras"
    model.save(path)
    if model.data_shape is not None and len(model.data_shape) == 3:
        labels = [i % model.num_classes for i in range(64)] if model.conditional else None
        kg.images.save_png(kg.images.make_grid(model.sample(64, seed=0, labels=labels)),
                           log_dir / "png" / "samples_final.png")
        print(f"\nTrained in {time.time() - started:.0f} s. Model saved to {path}")
        print(f"PNG grids in {log_dir / 'png'}")
    else:
        print(f"\nTrained in {time.time() - started:.0f} s. Model saved to {path}")
    print(f"To look at the run:\n  tensorboard --logdir {log_dir}")


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command with `argv` (default: `sys.argv[1:]`); returns the exit code.

    Example:

    ```python
    from keras_genmodels import cli
    cli.main(["train", "--model", "gan", "--dataset", "mnist10k", "--epochs", "1"])
    ```

    Args:
        argv: the command's arguments, without the program name.

    Returns:
        0 on success, 2 for bad arguments or data (the message goes to stderr).
    """
    args = build_parser().parse_args(argv)
    started = time.time()
    if args.command == "compare":
        from keras_genmodels.compare.command import run_command

        try:
            path = run_command(args)
        except (ValueError, TypeError, FileNotFoundError) as error:
            print(f"keras-genmodels compare: error: {error}", file=sys.stderr)
            return 2
        print(f"\nCompared in {time.time() - started:.0f} s. Report: {path}")
        return 0
    if args.command == "demo":
        from keras_genmodels import datasets

        log_dir = Path(args.log_dir)
        data = datasets.load("shapes", num_train=4096, num_test=512, seed=args.seed)
        try:
            model = run("vae", data, log_dir, args.epochs, 64, 6, "bernoulli", 1.0, 2e-3,
                        args.seed)
        except (ValueError, TypeError) as error:
            print(f"keras-genmodels demo: error: {error}", file=sys.stderr)
            return 2
    else:
        log_dir = Path(args.log_dir or f"runs/{args.model}-{Path(args.dataset).stem}")
        try:
            data = load_for_command(args.dataset, args.data_path, args.seed, args.limit)
            model = run(args.model, data, log_dir, args.epochs, args.batch_size,
                        args.latent_dim, args.likelihood, args.beta, args.learning_rate,
                        args.seed, args.precision)
        except (ValueError, TypeError, FileNotFoundError) as error:
            print(f"keras-genmodels train: error: {error}", file=sys.stderr)
            return 2
    _finish(model, log_dir, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
