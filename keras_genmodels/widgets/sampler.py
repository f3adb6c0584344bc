"""`ConditionalSampler`: a grid of samples with a class, a count, a seed and truncation.

Example:

```python
from keras_genmodels.widgets import ConditionalSampler

ConditionalSampler(cvae, class_names=[str(d) for d in range(10)])
```
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_genmodels import distributions as kgd
from keras_genmodels.validation import as_numpy, check_positive_int
from keras_genmodels.widgets.app import (
    WidgetApp,
    check_model,
    class_picker,
    image_widget,
    ipywidgets,
)
from keras_genmodels.widgets.render import render_outputs

#: The truncation slider's range.
TRUNCATION_RANGE = (0.05, 3.0)


def supports_truncation(model: Any) -> bool:
    """Whether clipping a model's codes to `|z_i| <= t` is meaningful: its prior factorises
    over the latent dimensions (e.g. the standard normal), so each coordinate can be
    clipped on its own.

    Example:

    ```python
    supports_truncation(kg.VAE(8))      # True: standard normal prior
    ```

    Args:
        model: a model of the package.

    Returns:
        A bool.
    """
    return kgd.factorises(model.prior)


class ConditionalSampler(WidgetApp):
    """A grid of the model's samples, redrawn as the controls change.

    Controls: the class (conditional models), the number of samples, the seed, and the
    truncation `t`: codes drawn from the prior are clipped to `|z_i| <= t` (the
    "truncation trick": smaller `t` trades variety for typical-looking samples). The
    truncation controls are hidden for a model whose prior does not factorise per
    dimension. "re-sample" moves to the next seed. Works for every family; unconditional
    models simply have no class picker.

    Example:

    ```python
    sampler = ConditionalSampler(cgan, num_samples=16, truncation=1.0)
    sampler.class_picker.value = 3
    sampler.update()
    sampler.samples.shape           # (16, 28, 28, 1)
    ```

    Args:
        model: a built model of the package.
        num_samples: int in [1, max_samples], samples in the grid. Defaults to 16.
        seed: int >= 0, seed of the codes. Defaults to 0.
        truncation: `None` (off) or a float > 0 to start with truncation on at that
            value; must be `None` for models without truncation.
        class_names: optional names of the classes of a conditional model.
        max_samples: int >= 1, the largest grid offered. Defaults to 64.
        debounce: float >= 0, seconds of quiet before a redraw. Defaults to 0.15.
    """

    def __init__(
        self,
        model: Any,
        num_samples: int = 16,
        seed: int = 0,
        truncation: float | None = None,
        class_names: Sequence[str] | None = None,
        max_samples: int = 64,
        debounce: float = 0.15,
    ):
        super().__init__(debounce)
        self.model = check_model(model, "ConditionalSampler")
        max_samples = check_positive_int(max_samples, "max_samples")
        num_samples = check_positive_int(num_samples, "num_samples")
        if num_samples > max_samples:
            raise ValueError(f"`num_samples` must be in [1, {max_samples}] (`max_samples`), "
                             f"got {num_samples}.")
        seed = check_positive_int(seed, "seed", minimum=0)
        self.supports_truncation = supports_truncation(model)
        truncation = self._check_truncation(truncation)
        #: The codes of the grid, `(num_samples, latent_dim)`, truncated.
        self.codes: np.ndarray | None = None
        #: The grid's outputs, `(num_samples, *data_shape)`.
        self.samples: np.ndarray | None = None
        self.class_picker = class_picker(model, class_names)
        self.num_samples = ipywidgets.IntSlider(value=num_samples, min=1, max=max_samples,
                                                description="samples", continuous_update=False)
        self.seed = ipywidgets.BoundedIntText(value=seed, min=0, max=2**31 - 2,
                                              description="seed")
        self.truncate = ipywidgets.Checkbox(value=truncation is not None,
                                            description="truncate |z| <=", indent=False,
                                            layout=ipywidgets.Layout(width="auto"))
        self.truncation = ipywidgets.FloatSlider(
            value=1.0 if truncation is None else min(truncation, TRUNCATION_RANGE[1]),
            min=TRUNCATION_RANGE[0], max=TRUNCATION_RANGE[1], step=0.05,
            continuous_update=False, readout_format=".2f")
        self.truncation_row = ipywidgets.HBox([self.truncate, self.truncation])
        if not self.supports_truncation:
            self.truncation_row.layout.display = "none"
        self.resample_button = ipywidgets.Button(description="re-sample")
        self.resample_button.on_click(lambda _: self.resample())
        controls = [self.num_samples, self.seed, self.truncate, self.truncation]
        if self.class_picker is not None:
            controls.append(self.class_picker)
        for control in controls:
            control.observe(self.schedule, names="value")
        self.image = image_widget()
        top = [self.class_picker] if self.class_picker is not None else []
        self.widget = ipywidgets.VBox([
            *top, ipywidgets.HBox([self.num_samples, self.seed]), self.truncation_row,
            self.resample_button, self.image, self.status])
        self.update()

    def _check_truncation(self, truncation: Any) -> float | None:
        if truncation is None:
            return None
        if not self.supports_truncation:
            raise ValueError(f"`truncation` must be None for {type(self.model).__name__}: its "
                             "prior does not factorise per dimension, so its codes cannot be "
                             f"clipped coordinate-wise (got {truncation!r}).")
        if isinstance(truncation, bool) or not isinstance(truncation, (int, float, np.number)):
            raise TypeError(f"`truncation` must be None or a number > 0, got {truncation!r}.")
        if not (np.isfinite(truncation) and truncation > 0):
            raise ValueError(f"`truncation` must be a finite number > 0, got {truncation}.")
        return float(truncation)

    @property
    def label(self) -> int | None:
        """The class picked (conditional models), else `None`."""
        return None if self.class_picker is None else int(self.class_picker.value)

    def resample(self) -> None:
        """Moves to the next seed and redraws."""
        with self.holding():
            self.seed.value = self.seed.value + 1
        self.update()

    def render(self) -> None:
        count = self.num_samples.value
        z = as_numpy(self.model.sample_latent(count, int(self.seed.value)))
        if self.supports_truncation and self.truncate.value:
            limit = float(self.truncation.value)
            z = np.clip(z, -limit, limit)
        labels = None if self.label is None else np.full(count, self.label, np.int32)
        self.codes = z
        self.samples = self.model.generate_batched(z, labels)
        per_row = math.ceil(math.sqrt(count)) if self.model.images else None
        self.image.value = render_outputs(self.samples, nrow=per_row)
