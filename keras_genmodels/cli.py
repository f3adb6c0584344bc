"""The `keras-genmodels` command: `demo` and `train`.

`keras-genmodels demo` trains a small VAE on the embedded `shapes` sprites for about a
minute on a CPU, writes TensorBoard logs and PNG grids under a run folder, and prints the
`tensorboard --logdir ...` line. `keras-genmodels train` trains any model of the package
on a named dataset or a local `.npz` file.

Example:

```
keras-genmodels demo
keras-genmodels train --model vae --dataset mnist --data-path mnist.npz --epochs 10
keras-genmodels train --model cvae --dataset shapes --latent-dim 6 --log-dir runs/cvae
```
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

MODELS = ("vae", "cvae")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keras-genmodels",
        description="Train generative models (VAEs, GANs) with Keras 3 and watch them in "
        "TensorBoard.",
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
        help="train a model on a dataset or a local .npz file",
        description="Train a model on a named dataset or a local .npz in Keras' layout "
        "(x_train, y_train, x_test, y_test) and log it to TensorBoard.",
    )
    train.add_argument("--model", default="vae", choices=MODELS, help="model family")
    train.add_argument(
        "--dataset", default="shapes",
        help="dataset name (shapes, ring8, grid25, mnist, fashion_mnist, cifar10) or a path "
        "to a .npz file in Keras' layout (default: %(default)s)",
    )
    train.add_argument("--data-path", default=None,
                       help="local .npz for mnist/fashion_mnist/cifar10 (no download)")
    train.add_argument("--epochs", type=int, default=10, help="epochs (default: %(default)s)")
    train.add_argument("--batch-size", type=int, default=128, help="(default: %(default)s)")
    train.add_argument("--latent-dim", type=int, default=8, help="(default: %(default)s)")
    train.add_argument("--likelihood", default=None,
                       help="VAE likelihood (default: bernoulli for images, gaussian for vectors)")
    train.add_argument("--beta", type=float, default=1.0, help="KL weight (default: %(default)s)")
    train.add_argument("--learning-rate", type=float, default=1e-3, help="(default: %(default)s)")
    train.add_argument("--log-dir", default=None, help="run folder (default: runs/MODEL-DATASET)")
    train.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    return parser


def load_data(dataset: str, data_path: str | None, seed: int):
    """Returns `((x_train, y_train), (x_test, y_test))` for a name or a `.npz` path."""
    from keras_genmodels import datasets

    if dataset.endswith(".npz") or os.path.sep in dataset:
        import numpy as np

        with np.load(dataset) as archive:
            name = "cifar10" if archive["x_train"].shape[-1] == 3 else "mnist"
        return datasets.load(name, path=dataset)
    if dataset in ("shapes", "ring8", "grid25"):
        if data_path is not None:
            raise SystemExit(f"--data-path is only for image datasets, not {dataset!r}.")
        return datasets.load(dataset, seed=seed)
    return datasets.load(dataset, path=data_path)


def run(
    model_name: str,
    data,
    log_dir: Path,
    epochs: int,
    batch_size: int,
    latent_dim: int,
    likelihood: str | None,
    beta: float,
    learning_rate: float,
    seed: int,
):
    """Trains `model_name` on `data` with TensorBoard and image callbacks; returns it."""
    import keras

    import keras_genmodels as kg

    (x_train, y_train), (x_test, y_test) = data
    keras.utils.set_random_seed(seed)
    is_image = x_train.ndim == 4
    likelihood = likelihood or ("bernoulli" if is_image else "gaussian")
    options = dict(latent_dim=latent_dim, likelihood=likelihood, beta=beta, seed=seed)
    if model_name == "cvae":
        model = kg.ConditionalVAE(num_classes=int(y_train.max()) + 1, **options)
        fit_args, val_data = (x_train, y_train), (x_test, y_test)
    else:
        model = kg.VAE(**options)
        fit_args, val_data = (x_train,), (x_test,)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    callbacks = [kg.callbacks.TensorBoard(log_dir)]
    if is_image:
        callbacks += image_callbacks(log_dir, x_test, y_test, model.conditional)
    model.fit(*fit_args, epochs=epochs, batch_size=batch_size, validation_data=val_data,
              callbacks=callbacks, verbose=2 if not sys.stdout.isatty() else "auto")
    return model


def image_callbacks(log_dir: Path, x_test, y_test, conditional: bool) -> list:
    """Samples, reconstructions, latent traversals and interpolations every epoch, and
    the embedding projector at the end: TensorBoard's Images and Projector tabs."""
    import keras_genmodels as kg

    images_dir, png_dir = log_dir / "images", log_dir / "png"
    labels = y_test[:16] if conditional else None
    pair_labels = y_test[:4] if conditional else None
    return [
        kg.callbacks.SampleGrid(images_dir, num_samples=64, png_dir=png_dir),
        kg.callbacks.ReconstructionGrid(images_dir, x_test[:16], labels=labels,
                                        png_dir=png_dir),
        kg.callbacks.LatentTraversal(images_dir, x_ref=x_test[:256],
                                     label=int(y_test[0]) if conditional else None,
                                     png_dir=png_dir),
        kg.callbacks.LatentInterpolation(images_dir, (x_test[:4], x_test[4:8]),
                                         labels=pair_labels, png_dir=png_dir),
        kg.callbacks.EmbeddingProjector(log_dir / "projector", x_test[:500],
                                        labels=y_test[:500]),
    ]


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
    print(f"To look at the run:\n  tensorboard --logdir {log_dir}")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    started = time.time()
    if args.command == "demo":
        from keras_genmodels import datasets

        log_dir = Path(args.log_dir)
        data = datasets.load("shapes", num_train=4096, num_test=512, seed=args.seed)
        model = run("vae", data, log_dir, args.epochs, 64, 6, "bernoulli", 1.0, 2e-3, args.seed)
    else:
        log_dir = Path(args.log_dir or f"runs/{args.model}-{Path(args.dataset).stem}")
        try:
            data = load_data(args.dataset, args.data_path, args.seed)
            model = run(args.model, data, log_dir, args.epochs, args.batch_size,
                        args.latent_dim, args.likelihood, args.beta, args.learning_rate,
                        args.seed)
        except (ValueError, TypeError, FileNotFoundError) as error:
            print(f"keras-genmodels train: error: {error}", file=sys.stderr)
            return 2
    _finish(model, log_dir, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
