"""`Traversal`: one row per latent dimension, each sweeping that dimension over a span.

Example:

```python
from keras_genmodels.widgets import Traversal

Traversal(vae, x_test[:16])
```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_genmodels.latent_codes import code_origin, code_size
from keras_genmodels.model_checks import check_model_labels
from keras_genmodels.validation import check_non_negative, check_positive_int
from keras_genmodels.widgets.app import (
    WidgetApp,
    check_examples,
    check_model,
    check_range,
    class_picker,
    image_widget,
    ipywidgets,
)
from keras_genmodels.widgets.latent_space import can_encode, posterior_means, rank_dimensions
from keras_genmodels.widgets.render import render_outputs


class Traversal(WidgetApp):
    """Latent traversals with an adjustable span: row `i` moves dimension `dims[i]`.

    Each row decodes `steps` codes equal to a reference code except in one dimension,
    which runs evenly over the span picked with a range slider. The reference is the
    posterior mean of the example picked in `x` (models with an encoder), else zeros.
    Rows are the active dimensions ordered by KL for a VAE (see `LatentExplorer`), the
    first dimensions for a GAN, at most `max_dims` either way; the text under the picture
    names each row's dimension (and its KL).

    Example:

    ```python
    traversal = Traversal(vae, x_test[:16], span=(-2, 2), steps=7)
    traversal.span.value = (-4, 4)
    traversal.update()
    traversal.outputs.shape       # (rows * 7, 28, 28, 1)
    ```

    Args:
        model: a built model of the package.
        x: optional examples (or one) for the reference code and the KL ordering; needs
            a model with `encode`.
        labels: class labels of `x` (one int or `(n,)`), required for a conditional
            model given `x`.
        span: `(low, high)`, the values swept at first. Defaults to `(-3, 3)`.
        limit: float > 0, the range slider runs over `[-limit, limit]`. Defaults to the
            larger of 5 and the span's ends.
        steps: int >= 2, outputs per row. Defaults to 9.
        max_dims: int >= 1, the most rows. Defaults to 16.
        min_kl: float >= 0, nats below which a VAE dimension is inactive (not shown).
            Defaults to 0.01.
        class_names: optional names of the classes of a conditional model.
        debounce: float >= 0, seconds of quiet before a redraw. Defaults to 0.15.
    """

    def __init__(
        self,
        model: Any,
        x: Any = None,
        labels: Any = None,
        span: tuple[float, float] = (-3.0, 3.0),
        limit: float | None = None,
        steps: int = 9,
        max_dims: int = 16,
        min_kl: float = 0.01,
        class_names: Sequence[str] | None = None,
        debounce: float = 0.15,
    ):
        super().__init__(debounce)
        self.model = check_model(model, "Traversal", ("encode",) if x is not None else ())
        low, high = check_range(span, "span")
        if limit is None:
            limit = max(5.0, abs(low), abs(high))
        if check_non_negative(limit, "limit") == 0:
            raise ValueError("`limit` must be a number > 0, got 0.")
        limit = float(limit)
        self.steps = check_positive_int(steps, "steps", minimum=2)
        max_dims = check_positive_int(max_dims, "max_dims")
        self.x = None if x is None else check_examples(x, model, "x")
        self.labels = None if self.x is None else check_model_labels(
            "Traversal", model, labels, "labels", len(self.x))
        self.ranking = rank_dimensions(model, self.x, self.labels, min_kl)
        #: The latent dimension of each row.
        self.dims = self.ranking.active[:max_dims]
        #: The last outputs, `(len(dims) * steps, *data_shape)`, row by row.
        self.outputs: np.ndarray | None = None
        self.span = ipywidgets.FloatRangeSlider(
            value=(max(low, -limit), min(high, limit)), min=-limit, max=limit,
            step=limit / 50, description="span", continuous_update=False,
            readout_format=".1f")
        controls = [self.span]
        self.index_picker = None
        if self.x is not None and can_encode(model):
            self.index_picker = ipywidgets.BoundedIntText(value=0, min=0, max=len(self.x) - 1,
                                                          description="example")
            self.index_picker.observe(self._pick_example, names="value")
            controls.append(self.index_picker)
        first = 0 if self.labels is None else int(self.labels[0])
        self.class_picker = class_picker(model, class_names, first)
        if self.class_picker is not None:
            controls.append(self.class_picker)
        for control in (self.span, self.class_picker):
            if control is not None:
                control.observe(self.schedule, names="value")
        self.reference = self._reference(0)
        self.image = image_widget()
        kl = self.ranking.kl
        self.legend = ipywidgets.HTML("<br>".join(
            f"row {row}: z[{dim}]" + ("" if kl is None else f" (KL {kl[dim]:.3f} nats)")
            for row, dim in enumerate(self.dims)))
        self.widget = ipywidgets.VBox([ipywidgets.HBox(controls), self.image, self.legend,
                                       self.status])
        self.update()

    def _reference(self, index: int) -> np.ndarray:
        if self.index_picker is None:
            return code_origin(self.model)
        labels = None if self.labels is None else self.labels[index : index + 1]
        return posterior_means(self.model, self.x[index : index + 1], labels)[0]

    def _pick_example(self, change: Any) -> None:
        self.reference = self._reference(int(change["new"]))
        if self.class_picker is not None and self.labels is not None:
            with self.holding():
                self.class_picker.value = int(self.labels[change["new"]])
        self.schedule()

    def codes(self) -> np.ndarray:
        """The codes decoded, `(len(dims) * steps, latent_dim)`, row by row."""
        values = np.linspace(*self.span.value, self.steps, dtype=np.float32)
        rows = len(self.dims)
        z = np.broadcast_to(self.reference, (rows, self.steps, code_size(self.model))).copy()
        z[np.arange(rows), :, self.dims] = values
        return z.reshape(rows * self.steps, -1)

    def render(self) -> None:
        z = self.codes()
        labels = None
        if self.class_picker is not None:
            labels = np.full(len(z), self.class_picker.value, np.int32)
        self.outputs = self.model.generate_batched(z, labels)
        self.image.value = render_outputs(self.outputs, nrow=self.steps, connect=True)
