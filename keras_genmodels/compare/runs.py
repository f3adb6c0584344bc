"""Training runs of the comparison: the models and what each run records (the budget
they train for is `budget.py`'s).

Each model of a comparison is trained from scratch once per seed on the same data for the
same budget (a number of epochs or of seconds). A run records the wall time of training
alone, the examples it processed, every reported loss after every batch, and the quality
of its samples over time: FID on a small sample before the first step and then at fixed
fractions of the budget (`PROGRESS_FRACTIONS` of its seconds, or of its steps for an
epochs budget), whatever an epoch's length, which the report turns into "time to reach a
quality threshold" and FID relapses per evaluation.

Example:

```python
budget = Budget.parse("90s")          # Budget(epochs=None, seconds=90.0)
Budget.parse("plateau 30min")         # until the plateau rule holds, at most 30 minutes
run = train_run("vae", make_factory("vae"), seed=0, x_train=x, budget=budget)
run.train_seconds, run.losses["loss"][-1]
make_factory(kg.VAE(latent_dim=8))(seed=1)   # a fresh VAE(latent_dim=8, seed=1)
```
"""

from __future__ import annotations

import inspect
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from keras_genmodels.compare.budget import PLATEAU_CAP_SECONDS, Budget
from keras_genmodels.compare.plateau import PlateauRule

__all__ = ["Budget", "FAMILIES", "PLATEAU_CAP_SECONDS", "PROGRESS_FRACTIONS", "PlateauRule",
           "Run", "family_side", "make_factory", "progress_schedule",
           "self_conditions_by_default", "train_run"]

#: Family names `compare` accepts -> (class name in `keras_genmodels`, latent_dim).
FAMILIES: dict[str, tuple[str, int]] = {
    "vae": ("VAE", 16),
    "cvae": ("ConditionalVAE", 16),
    "gan": ("GAN", 64),
    "cgan": ("ConditionalGAN", 64),
    "wgan": ("WGAN", 64),
    "wgangp": ("WGANGP", 64),
    "vaegan": ("VAEGAN", 32),
}
#: the longest a seconds budget may run in epochs (it stops on time long before).
_MAX_EPOCHS = 1_000_000
#: when the FID during training is measured, as fractions of the budget (its seconds, or
#: its steps): finer early, where FID falls fastest, then every eighth; plus once before
#: the first step. The same for every model, so no model is measured more often.
PROGRESS_FRACTIONS = (1 / 32, 1 / 16, 1 / 8, 1 / 4, 3 / 8, 1 / 2, 5 / 8, 3 / 4, 7 / 8, 1.0)
@dataclass
class Run:
    """What one training run of one model and seed recorded."""

    name: str
    seed: int
    model: Any
    train_seconds: float
    epochs: int
    steps: int
    examples: int
    losses: dict[str, list[float]] = field(default_factory=dict)
    progress: list[dict[str, float]] = field(default_factory=list)
    #: the machine's 1-minute load average when training began and ended (`None` where
    #: the system does not report one): on a shared machine, what else ran beside it.
    load_average: tuple[float, float] | None = None
    #: why training ended: `"budget"` (its epochs or seconds), `"plateau"` (the plateau
    #: rule held) or `"cap"` (a plateau budget's seconds ran out first).
    stopped_by: str = "budget"

    @property
    def examples_per_second(self) -> float:
        """Training throughput: examples processed per second of training."""
        return self.examples / self.train_seconds if self.train_seconds > 0 else math.nan


def family_side(model: Any) -> str:
    """`"vae"`, `"gan"` or `"hybrid"` (a VAE-GAN): which side of the seeds' claims a model is on."""
    from keras_genmodels.models.vae import VAE
    from keras_genmodels.models.vaegan import VAEGAN

    if isinstance(model, VAEGAN):
        return "hybrid"
    return "vae" if isinstance(model, VAE) else "gan"


def make_factory(spec: Any, name: str = "models", **overrides: Any) -> Callable[[int], Any]:
    """A function `seed -> new model` from a family name, a model instance or a callable.

    - A family name (`"vae"`, `"wgangp"`, ...) builds the family with its defaults, which
      follow the data (a VAE's likelihood is Bernoulli for images and a learned-scale
      Gaussian for the 2-D mixtures).
    - A model instance is a template: each call builds
      `type(model).from_config(config)` from its config with the seed replaced, so every
      seed gets fresh weights (the instance's own weights, trained or not, are never used);
      a compiled instance passes its compile config (its optimizers) on to each clone.
    - A callable may take a `seed` argument (it is then given the run's seed) or none.

    Args:
        spec: the family name, model or callable.
        name: the argument's name in error messages.
        **overrides: constructor arguments replacing the family's defaults (family names
            only), e.g. `clusters=None` for the plain unconditional GAN.
    """
    if isinstance(spec, str):
        key = spec.lower()
        if key not in FAMILIES:
            raise ValueError(f"`{name}` has unknown family {spec!r}; expected one of "
                             f"{sorted(FAMILIES)}, a model or a callable returning a new model.")
        class_name, latent_dim = FAMILIES[key]

        def build(seed: int) -> Any:
            import keras_genmodels as kg

            return getattr(kg, class_name)(latent_dim=latent_dim, seed=seed, **overrides)

        return build
    if overrides:
        raise TypeError(f"`{name}`: arguments {sorted(overrides)} apply to family names only, "
                        f"got {type(spec).__name__}.")
    if isinstance(spec, keras.Model):
        return _clone_factory(spec, name)
    if isinstance(spec, type):
        raise TypeError(f"`{name}` values must be family names, models or callables returning "
                        f"a new model, got the class {spec.__name__}; pass "
                        f"{spec.__name__}(latent_dim=...) or a lambda seed: "
                        f"{spec.__name__}(..., seed=seed).")
    if not callable(spec):
        raise TypeError(f"`{name}` values must be family names, models or callables returning "
                        f"a new model, got {type(spec).__name__} {spec!r}.")
    takes_seed = "seed" in inspect.signature(spec).parameters
    return (lambda seed: spec(seed=seed)) if takes_seed else (lambda seed: spec())


def _clone_factory(model: keras.Model, name: str) -> Callable[[int], Any]:
    """`seed -> type(model).from_config(its config, seed replaced)`, compiled as `model` was."""
    try:
        config = model.get_config()
    except NotImplementedError as error:
        raise TypeError(f"`{name}` has a {type(model).__name__} without `get_config`, so it "
                        f"cannot be cloned for each seed; pass a callable "
                        f"`lambda seed: ...` that builds a new one.") from error
    if "seed" not in config:
        raise TypeError(f"`{name}` has a {type(model).__name__} whose config has no `seed`; "
                        f"expected a keras_genmodels model, or pass a callable "
                        f"`lambda seed: ...` that builds a new one.")
    compile_config = model.get_compile_config() if getattr(model, "compiled", False) else None

    def clone(seed: int) -> Any:
        copy = type(model).from_config({**config, "seed": seed})
        if compile_config:
            copy.compile_from_config(compile_config)
        return copy

    return clone


def self_conditions_by_default(spec: Any) -> bool:
    """Whether family name `spec`'s default on 2-D vectors self-conditions (`clusters`
    resolves to a number), read from the model itself: GAN, WGAN, WGAN-GP and VAE-GAN do;
    VAEs and conditional families (which have labels) do not."""
    if not isinstance(spec, str) or spec.lower() not in FAMILIES:
        return False
    import keras_genmodels as kg

    class_name, latent_dim = FAMILIES[spec.lower()]
    try:
        model = getattr(kg, class_name)(latent_dim=latent_dim, data_shape=(2,))
    except (ValueError, TypeError):  # e.g. a conditional family without num_classes
        return False
    return getattr(model, "clusters", None) is not None


def progress_schedule(budget: Budget, steps_per_epoch: int) -> list[float]:
    """When `train_run` measures the FID: training seconds (a seconds budget) or steps
    (an epochs budget) at the `PROGRESS_FRACTIONS` of the budget; for a plateau budget,
    its rule's fixed schedule (`PlateauRule.schedule`) up to the cap.

    Example:

    ```python
    progress_schedule(Budget(seconds=64.0), 100)   # [2.0, 4.0, 8.0, 16.0, 24.0, ...]
    progress_schedule(Budget(epochs=2), 16)        # steps [1.0, 2.0, 4.0, 8.0, 12.0, ...]
    ```
    """
    if budget.plateau is not None:
        return budget.plateau.schedule(budget.seconds)
    if budget.seconds is not None:
        return [budget.seconds * f for f in PROGRESS_FRACTIONS]
    total = budget.epochs * steps_per_epoch
    return sorted({float(max(1, round(total * f))) for f in PROGRESS_FRACTIONS})


class _BatchRecorder(keras.callbacks.Callback):
    """Keeps every batch's logs and stops training when a seconds budget is spent."""

    def __init__(self, seconds: float | None, num_examples: int, batch_size: int) -> None:
        super().__init__()
        self.seconds = seconds
        self.num_examples, self.batch_size = num_examples, batch_size
        self.losses: dict[str, list[float]] = {}
        self.steps = 0
        self.examples = 0
        self.paused = 0.0
        self.started = time.perf_counter()

        self.before = 0.0  # training seconds of an earlier part of the run (continued)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.started = time.perf_counter()
        self.paused = 0.0

    def elapsed(self) -> float:
        """Seconds of training so far, not counting measurements (`paused`)."""
        return self.before + time.perf_counter() - self.started - self.paused

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.steps += 1
        self.examples += min(self.batch_size, self.num_examples - batch * self.batch_size)
        for key, value in (logs or {}).items():
            self.losses.setdefault(key, []).append(float(value))
        if self.seconds is not None and self.elapsed() >= self.seconds:
            self.model.stop_training = True


class _ScheduledMetrics(keras.callbacks.Callback):
    """Measures `measure(model)` before the first step and at each point of `schedule`
    (training seconds or steps), with its time excluded from the training time; stops
    training when `plateau` holds on the readings. `on_reading(model, progress)` is called
    after each reading (e.g. to checkpoint a long run), its time excluded too."""

    def __init__(self, measure: Callable[[Any], dict[str, float]], recorder: _BatchRecorder,
                 schedule: list[float], unit: str, plateau: PlateauRule | None = None,
                 progress: list[dict[str, float]] | None = None,
                 on_reading: Callable[[Any, list[dict[str, float]]], None] | None = None,
                 ) -> None:
        super().__init__()
        self.measure, self.recorder = measure, recorder
        self.progress: list[dict[str, float]] = list(progress or [])
        key = "seconds" if unit == "seconds" else "step"
        done = self.progress[-1][key] if self.progress else -1.0
        self.schedule, self.unit = [p for p in schedule if p > done], unit
        self.plateau, self.on_reading = plateau, on_reading
        self.plateaued = False

    def _record(self) -> None:
        started, seconds = time.perf_counter(), self.recorder.elapsed()
        results = self.measure(self.model)
        if self.plateau is not None and self.plateau.metric not in results:
            raise ValueError(f"the plateau rule watches {self.plateau.metric!r}, but the "
                             f"progress metrics returned {sorted(results)}; expected it "
                             f"among them.")
        self.progress.append({"step": self.recorder.steps, "seconds": seconds, **results})
        if self.plateau is not None and self.plateau.holds(self.progress):
            self.plateaued = self.model.stop_training = True
        if self.on_reading is not None:
            self.on_reading(self.model, self.progress)
        self.recorder.paused += time.perf_counter() - started

    def on_train_begin(self, logs: dict | None = None) -> None:
        if not self.progress:
            self._record()  # the untrained model: one end of the FID threshold

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        done = self.recorder.elapsed() if self.unit == "seconds" else self.recorder.steps
        due = [point for point in self.schedule if point <= done]
        if due:
            self.schedule = [point for point in self.schedule if point > done]
            self._record()


class _BudgetProgress(keras.callbacks.Callback):
    """Prints one line per epoch of a seconds budget: training seconds spent out of the
    budget, and the epoch's logs."""

    def __init__(self, name: str, recorder: _BatchRecorder) -> None:
        super().__init__()
        self.name, self.recorder = name, recorder

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        values = " - ".join(f"{key}: {float(value):.4g}" for key, value in (logs or {}).items())
        print(f"{self.name}: epoch {epoch + 1}, {self.recorder.elapsed():.1f}s of "
              f"{self.recorder.seconds:g}s - {values}", flush=True)


def train_run(
    name: str,
    factory: Callable[[int], Any],
    seed: int,
    x_train: np.ndarray,
    budget: Budget,
    y_train: np.ndarray | None = None,
    batch_size: int = 64,
    progress_metrics: Callable[[Any], dict[str, float]] | None = None,
    verbose: int = 1,
    continue_from: Run | None = None,
    on_reading: Callable[[Any, list[dict[str, float]]], None] | None = None,
) -> Run:
    """Trains a new model from `factory(seed)` on `x_train` for `budget`; returns its `Run`.

    With a plateau budget (`Budget.parse("plateau or 30min")`), training stops at the
    first reading of `progress_metrics` where the budget's `PlateauRule` holds, or at the
    cap; `Run.stopped_by` says which.

    Args:
        name: the model's name in the comparison.
        factory: `seed -> new model` (see `make_factory`); compiled with `compile()`'s
            defaults unless it comes compiled.
        seed: seed of the networks' initial weights and of the training noise.
        x_train: training data.
        budget: a `Budget`.
        y_train: labels, given to conditional models only.
        batch_size: examples per step.
        progress_metrics: `model -> {"fid": ...}`, measured before the first step and at
            the points of `progress_schedule` (its time is not counted as training), or
            `None` (not with a plateau budget, which reads them).
        verbose: Keras' `fit` verbosity.
        continue_from: a `Run` cut short (e.g. rebuilt from a checkpoint of its model
            with its record): training goes on with its model, its training seconds,
            steps, losses and readings, for what is left of `budget`; `factory` is not
            called. The data order restarts from the epoch's beginning.
        on_reading: `(model, progress) -> None`, called after each progress reading
            (e.g. to checkpoint a long run), not counted as training time.
    """
    if budget.plateau is not None and progress_metrics is None:
        raise ValueError("a plateau budget reads the progress metrics to find the plateau; "
                         "pass `progress_metrics` (e.g. an FID suite), got None.")
    keras.utils.set_random_seed(seed + (continue_from.steps if continue_from else 0))
    model = factory(seed) if continue_from is None else continue_from.model
    if not getattr(model, "compiled", False):
        model.compile()
    # a CycleGAN trains on a pair of domains `(a, b)`: its examples are a's
    num_examples = len(x_train[0]) if isinstance(x_train, (tuple, list)) else len(x_train)
    recorder = _BatchRecorder(budget.seconds, num_examples, batch_size)
    if continue_from is not None:
        recorder.before, recorder.steps = continue_from.train_seconds, continue_from.steps
        recorder.examples = continue_from.examples
        recorder.losses = {k: list(v) for k, v in continue_from.losses.items()}
    callbacks: list[keras.callbacks.Callback] = [recorder]
    timed = None
    if progress_metrics is not None:
        schedule = progress_schedule(budget, math.ceil(num_examples / batch_size))
        timed = _ScheduledMetrics(progress_metrics, recorder, schedule,
                                  "seconds" if budget.seconds is not None else "steps",
                                  budget.plateau,
                                  continue_from.progress if continue_from else None,
                                  on_reading)
    if timed is not None:
        callbacks.append(timed)
    if budget.seconds is not None and verbose:
        # Keras' progress bar would count epochs out of _MAX_EPOCHS ("Epoch 1/1000000")
        callbacks.append(_BudgetProgress(name, recorder))
        verbose = 0
    labels = y_train if getattr(model, "conditional", False) else None
    load_before = _load_average()
    epochs_before = continue_from.epochs if continue_from else 0
    history = model.fit(x_train, labels, batch_size=batch_size,
                        epochs=budget.epochs or _MAX_EPOCHS, callbacks=callbacks,
                        verbose=verbose, initial_epoch=epochs_before if budget.epochs else 0)
    train_seconds = recorder.elapsed()
    load_after = _load_average()
    stopped_by = "budget"
    if budget.plateau is not None:
        stopped_by = "plateau" if timed is not None and timed.plateaued else "cap"
    return Run(name=name, seed=seed, model=model, train_seconds=train_seconds,
               epochs=epochs_before + len(history.epoch), steps=recorder.steps,
               examples=recorder.examples, losses=recorder.losses,
               progress=[] if timed is None else timed.progress,
               load_average=None if load_before is None or load_after is None
               else (load_before, load_after), stopped_by=stopped_by)


def _load_average() -> float | None:
    try:
        return float(os.getloadavg()[0])
    except (AttributeError, OSError):  # not on every system
        return None
