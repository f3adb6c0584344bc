"""`LiveTraining`: a callback showing samples and loss curves while `fit` runs.

Example:

```python
from keras_genmodels.widgets import LiveTraining

vae.fit(x_train, epochs=5, callbacks=[LiveTraining(every_n_batches=50)])
```
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np

from keras_genmodels.model_checks import check_model_labels
from keras_genmodels.validation import as_numpy, check_positive_int
from keras_genmodels.widgets.app import check_model, image_widget, ipywidgets
from keras_genmodels.widgets.curves import LossCurves
from keras_genmodels.widgets.history import MetricHistory
from keras_genmodels.widgets.render import join_pngs, render_outputs


def in_kernel() -> bool:
    """Whether this process is a Jupyter kernel (where widgets can be shown).

    Example:

    ```python
    if in_kernel():
        display(widget)
    ```

    Returns:
        A bool.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class LiveTraining(keras.callbacks.Callback):
    """Shows a grid of samples and one loss curve per metric, refreshed while `fit` runs.

    Every `every_n_batches` batches the callback decodes a fixed batch of latent codes
    (drawn once with `seed`, so successive grids are comparable) into one
    `ipywidgets.Image`, and draws every metric's curve (training per batch, validation
    per epoch as dots) with matplotlib into another; both are replaced in place, so the
    output neither flickers nor grows. Curves keep at most `max_points` points per
    metric (`MetricHistory`: neighbouring points are averaged when full), so memory stays
    flat over any number of batches. When training ends, the widget's output is replaced
    by one static PNG (`IPython.display.Image`) of the samples and curves, so a saved
    notebook shows the result without a kernel; `final_png` holds its bytes.

    Outside a Jupyter kernel nothing is displayed, but everything else runs the same
    (`widget`, `history`, `samples`, counts), so scripts and tests can drive it.

    Example:

    ```python
    live = LiveTraining(every_n_batches=20, num_samples=16)
    gan.fit(x_train, epochs=3, callbacks=[live])
    live.sample_updates, live.history.names()     # e.g. (31, ['d_loss', 'g_loss', ...])
    ```

    Args:
        every_n_batches: int >= 1, batches between refreshes. Defaults to 50.
        num_samples: int >= 1, samples in the grid. Defaults to 16.
        seed: int >= 0, seed of the fixed codes. Defaults to 0.
        labels: class labels of the samples for a conditional model (one int or
            `(num_samples,)`); defaults to the classes in turn.
        max_points: int >= 2, points kept per curve. Defaults to 500.
        display: bool, show the widget when training starts (in a kernel). Defaults to
            True.
    """

    def __init__(
        self,
        every_n_batches: int = 50,
        num_samples: int = 16,
        seed: int = 0,
        labels: Any = None,
        max_points: int = 500,
        display: bool = True,
    ):
        super().__init__()
        self.every_n_batches = check_positive_int(every_n_batches, "every_n_batches")
        self.num_samples = check_positive_int(num_samples, "num_samples")
        self.seed = check_positive_int(seed, "seed", minimum=0)
        if not isinstance(display, bool):
            raise TypeError(f"`display` must be True or False, got {display!r}.")
        self.display = display
        self.labels = labels
        #: Training metrics per batch and `val_` metrics per epoch, bounded.
        self.history = MetricHistory(max_points)
        #: Batches trained so far (over every `fit` this callback saw).
        self.step = 0
        self.sample_updates = 0
        self.curve_updates = 0
        #: The last grid's outputs, `(num_samples, *data_shape)`.
        self.samples: np.ndarray | None = None
        #: The static PNG left in the notebook when training ended.
        self.final_png: bytes | None = None
        self.samples_image = image_widget()
        self.curves_image = image_widget()
        self.progress = ipywidgets.HTML("waiting for training to start")
        self.widget = ipywidgets.VBox([
            self.progress, ipywidgets.HBox([self.samples_image, self.curves_image])])
        self._codes: tuple[np.ndarray, np.ndarray | None] | None = None
        self._curves = LossCurves()
        self._epoch_start = 0
        self._refreshed = 0
        self._epoch = 0
        self._handle = None

    # ----------------------------------------------------------------------- keras hooks
    def set_model(self, model: Any) -> None:
        check_model(model, "LiveTraining")
        super().set_model(model)
        self._codes = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.refresh_samples()
        if self.display and in_kernel():
            from IPython.display import display

            self._handle = display(self.widget, display_id=True)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch
        self._epoch_start = self.step

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.step = self._epoch_start + batch + 1
        self.history.append(self.step, logs)
        if self.step // self.every_n_batches > self._refreshed // self.every_n_batches:
            self.refresh()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        validation = {k: v for k, v in (logs or {}).items() if k.startswith("val_")}
        self.history.append(self.step, validation)
        self.refresh()

    def on_train_end(self, logs: dict | None = None) -> None:
        self.refresh()
        self.final_png = join_pngs(self.samples_image.value, self.curves_image.value)
        if self._handle is not None:
            from IPython.display import Image

            self._handle.update(Image(data=self.final_png, format="png"))
            self._handle = None

    # --------------------------------------------------------------------------- drawing
    def refresh(self) -> None:
        """Redraws the samples and the curves now."""
        self._refreshed = self.step
        self.progress.value = f"epoch {self._epoch + 1}, batch {self.step}"
        self.refresh_samples()
        self.refresh_curves()

    def refresh_samples(self) -> None:
        """Decodes the fixed codes into the samples image."""
        z, labels = self.fixed_codes()
        self.samples = self.model.generate_batched(z, labels)
        per_row = math.ceil(math.sqrt(len(z))) if self.model.images else None
        self.samples_image.value = render_outputs(self.samples, nrow=per_row)
        self.sample_updates += 1

    def fixed_codes(self) -> tuple[np.ndarray, np.ndarray | None]:
        """The codes and labels decoded at every refresh (drawn once per model)."""
        if self._codes is None:
            model = self.model
            labels = self.labels
            if labels is None and model.conditional:
                labels = np.arange(self.num_samples) % model.num_classes
            labels = check_model_labels("LiveTraining", model, labels, "labels",
                                        self.num_samples)
            z = as_numpy(model.sample_latent(self.num_samples, self.seed))
            self._codes = (z, labels)
        return self._codes

    def refresh_curves(self) -> None:
        """Draws one plot per metric (validation as dots) into the curves image."""
        series = self.history.series()
        if series:
            self.curves_image.value = self._curves.draw(series)
            self.curve_updates += 1
