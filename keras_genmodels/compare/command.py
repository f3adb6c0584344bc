"""`keras-genmodels compare`: the comparison from the command line.

Example:

```
keras-genmodels compare --models vae,gan,wgangp,vaegan --dataset mnist10k \
    --budget 3min --seeds 0,1,2 --out docs/gan-vs-vae
keras-genmodels compare --models vae,gan --dataset mnist10k --limit 512 --budget 1 --seeds 0
```
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_parser", "run_command"]

#: datasets whose shipped domain classifier `--extractor auto` uses.
_SHIPPED_EXTRACTORS = ("mnist10k", "shapes")


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Adds the `compare` sub-command to the command's sub-parsers."""
    parser = commands.add_parser(
        "compare",
        help="train several model families on one dataset and report GAN vs VAE, measured",
        description="Train each model family from scratch on the same data for the same "
        "budget over several seeds, measure speed, sample quality (FID, KID, precision, "
        "recall, density, coverage), reconstruction, stability, latent smoothness and mode "
        "coverage, and write report.md, report.html, report.json and PNG figures.",
    )
    parser.add_argument("--models", default="vae,gan,wgangp,vaegan",
                        help="comma-separated families (default: %(default)s)")
    parser.add_argument("--dataset", default="mnist10k",
                        help="dataset name or local .npz (default: %(default)s)")
    parser.add_argument("--data-path", default=None, help="local copy of an image dataset")
    parser.add_argument("--limit", type=int, default=None,
                        help="use only the first LIMIT examples of each split")
    parser.add_argument("--budget", default="5",
                        help="per run: epochs ('5') or training time ('90s', '3min') "
                        "(default: %(default)s)")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=64, help="(default: %(default)s)")
    parser.add_argument("--extractor", default="auto",
                        help="feature space: auto (the shipped classifier of mnist10k or "
                        "shapes, else a classifier trained on the labels), mnist10k, shapes, "
                        "inception or a .keras path (default: %(default)s)")
    parser.add_argument("--num-samples", type=int, default=2000,
                        help="samples per measurement (default: %(default)s)")
    parser.add_argument("--no-mixtures", action="store_true",
                        help="skip the mode-coverage runs on ring8 and grid25")
    parser.add_argument("--mixture-budget", default="20 epochs",
                        help="budget of each mixture run (default: %(default)s)")
    parser.add_argument("--out", default="runs/compare", help="report folder (default: "
                        "%(default)s)")
    parser.add_argument("--resume", default=None, metavar="DIR",
                        help="keep each measured model and seed in DIR and, run again with "
                        "the same arguments, read them back instead of training them again")


def _integers(text: str, name: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"`{name}` must be comma-separated integers, got {text!r}.") from None


def run_command(args: argparse.Namespace) -> Path:
    """Runs the comparison that `args` describe; returns the Markdown report's path."""
    from keras_genmodels.compare.comparison import compare
    from keras_genmodels.datasets.command_line import load_for_command

    seeds = _integers(args.seeds, "--seeds")
    (x_train, y_train), (x_test, y_test) = load_for_command(
        args.dataset, args.data_path, seeds[0] if seeds else 0, args.limit)
    extractor = args.extractor
    if extractor == "auto" and args.dataset in _SHIPPED_EXTRACTORS:
        extractor = args.dataset
    budget = int(args.budget) if args.budget.strip().isdigit() else args.budget
    report = compare([m.strip() for m in args.models.split(",") if m.strip()],
                     x_train, x_test, y_train, y_test, budget=budget, seeds=seeds,
                     batch_size=args.batch_size, extractor=extractor,
                     num_samples=args.num_samples,
                     mixtures=() if args.no_mixtures else ("ring8", "grid25"),
                     mixture_budget=args.mixture_budget, resume=args.resume)
    paths = report.save(args.out)
    return paths["markdown"]
