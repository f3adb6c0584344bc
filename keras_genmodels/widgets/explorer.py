"""`LatentExplorer`: one slider per latent dimension and the decoded output, live.

Example:

```python
import keras_genmodels as kg
from keras_genmodels.widgets import LatentExplorer

LatentExplorer(vae, x_test[:100])       # last line of a notebook cell: shows the widget
```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_genmodels.latent_codes import code_origin, code_size
from keras_genmodels.model_checks import check_model_labels
from keras_genmodels.validation import as_numpy, check_positive_int
from keras_genmodels.widgets.app import (
    WidgetApp,
    check_examples,
    check_latent_code,
    check_model,
    check_range,
    class_picker,
    image_widget,
    ipywidgets,
)
from keras_genmodels.widgets.latent_space import can_encode, posterior_means, rank_dimensions
from keras_genmodels.widgets.render import render_outputs

#: Slider positions between the ends of `value_range`.
SLIDER_STEPS = 120


class LatentExplorer(WidgetApp):
    """Sliders over a model's latent code, decoding the code as they move.

    One slider per latent dimension. For a VAE the sliders are ordered by the
    dimension's KL from the prior, averaged over `x` (or over the model's own samples,
    encoded back, when `x` is not given), and dimensions whose KL is below `min_kl` nats
    ("inactive": the decoder ignores them) are hidden behind a toggle. For GANs the
    sliders are in the natural order. Buttons draw a random code from the prior
    ("random"), go back to the first code ("reset": the posterior mean of `x[0]`, else
    zeros), and, for models with an encoder given `x`, set the sliders to the posterior
    mean of the example picked by index ("encode this example"). Conditional models get
    a class picker. Sliders update on release (`continuous_update=False`) and redraws
    are debounced, so a drag decodes once per settled value.

    Images are shown as PNG; vector data as a small plot of the decoded point over a
    gray cloud of the model's samples (2-D) or as a line over the features.

    Example:

    ```python
    explorer = LatentExplorer(vae, x_test[:100])
    explorer                        # shows the widget in a notebook
    explorer.set_code(np.zeros(vae.latent_dim))
    explorer.output                 # the decoded example, (28, 28, 1)
    ```

    Args:
        model: a built model of the package (any family).
        x: optional examples `(n, *data_shape)` (or one example) to order dimensions by
            KL and to encode; needs a model with `encode`.
        labels: class labels of `x` (one int or `(n,)`), required for a conditional
            model given `x`.
        value_range: `(low, high)`, the sliders' range. Defaults to `(-3, 3)`.
        min_kl: float >= 0, nats below which a VAE dimension is inactive. Defaults to 0.01.
        class_names: optional names of the classes of a conditional model.
        seed: int >= 0, first seed of the "random" button. Defaults to 0.
        debounce: float >= 0, seconds of quiet before a redraw. Defaults to 0.15.
    """

    def __init__(
        self,
        model: Any,
        x: Any = None,
        labels: Any = None,
        value_range: tuple[float, float] = (-3.0, 3.0),
        min_kl: float = 0.01,
        class_names: Sequence[str] | None = None,
        seed: int = 0,
        debounce: float = 0.15,
    ):
        super().__init__(debounce)
        self.model = check_model(model, "LatentExplorer", ("encode",) if x is not None else ())
        self.value_range = check_range(value_range, "value_range")
        self.seed = check_positive_int(seed, "seed", minimum=0)
        self.x = None if x is None else check_examples(x, model, "x")
        self.labels = None
        if self.x is not None:
            self.labels = check_model_labels("LatentExplorer", model, labels, "labels",
                                             len(self.x))
        self.ranking = rank_dimensions(model, self.x, self.labels, min_kl)
        self.reference = code_origin(model)
        if self.x is not None:
            self.reference = posterior_means(model, self.x[:1], _first(self.labels))[0]
        #: The last decoded example, `data_shape`.
        self.output: np.ndarray | None = None
        self._draws = 0
        self._clouds: dict[Any, np.ndarray] = {}
        self._build_controls(class_names)
        self.update()

    # ----------------------------------------------------------------------- controls
    def _build_controls(self, class_names: Sequence[str] | None) -> None:
        low, high = self.value_range
        kl = self.ranking.kl
        self.sliders: dict[int, Any] = {}
        rows = {}
        for dim in self.ranking.order:
            slider = ipywidgets.FloatSlider(
                value=float(np.clip(self.reference[dim], low, high)), min=low, max=high,
                step=(high - low) / SLIDER_STEPS, description=f"z[{dim}]",
                continuous_update=False, readout_format=".2f")
            slider.observe(self.schedule, names="value")
            self.sliders[dim] = slider
            note = "" if kl is None else f"KL {kl[dim]:.3f}"
            rows[dim] = ipywidgets.HBox([slider, ipywidgets.HTML(note)])
        self.inactive_box = ipywidgets.VBox([rows[d] for d in self.ranking.inactive])
        self.inactive_box.layout.display = "none"
        count = len(self.ranking.inactive)
        self.show_inactive = ipywidgets.ToggleButton(
            value=False, description=f"show {count} inactive dimension(s)",
            layout=ipywidgets.Layout(width="auto", display=None if count else "none"))
        self.show_inactive.observe(self._toggle_inactive, names="value")
        self.random_button = ipywidgets.Button(description="random")
        self.random_button.on_click(lambda _: self.randomize())
        self.reset_button = ipywidgets.Button(description="reset")
        self.reset_button.on_click(lambda _: self.reset())
        buttons = [self.random_button, self.reset_button]
        self.index_picker = self.encode_button = None
        if self.x is not None and can_encode(self.model):
            self.index_picker = ipywidgets.BoundedIntText(
                value=0, min=0, max=len(self.x) - 1, description="example",
                layout=ipywidgets.Layout(width="160px"))
            self.encode_button = ipywidgets.Button(description="encode this example")
            self.encode_button.on_click(lambda _: self.encode_example())
            buttons += [self.index_picker, self.encode_button]
        first = 0 if self.labels is None else int(self.labels[0])
        self.class_picker = class_picker(self.model, class_names, first)
        controls = [ipywidgets.HBox(buttons)]
        if self.class_picker is not None:
            self.class_picker.observe(self.schedule, names="value")
            controls.append(self.class_picker)
        sliders = ipywidgets.VBox(
            [rows[d] for d in self.ranking.active] + [self.show_inactive, self.inactive_box],
            layout=ipywidgets.Layout(max_height="420px", overflow="auto"))
        self.image = image_widget()
        self.widget = ipywidgets.VBox([
            ipywidgets.HBox([self.image, ipywidgets.VBox([*controls, sliders])]), self.status])

    def _toggle_inactive(self, change: Any) -> None:
        self.inactive_box.layout.display = None if change["new"] else "none"

    # ------------------------------------------------------------------------ actions
    @property
    def code(self) -> np.ndarray:
        """The code the sliders show, `(latent_dim,)` float32."""
        return np.array([self.sliders[d].value for d in range(code_size(self.model))],
                        np.float32)

    @property
    def label(self) -> int | None:
        """The class picked (conditional models), else `None`."""
        return None if self.class_picker is None else int(self.class_picker.value)

    def set_code(self, z: Any) -> None:
        """Moves the sliders to the code `z` (clipped to `value_range`) and redraws once.

        Args:
            z: a code `(latent_dim,)`.
        """
        z = check_latent_code(z, self.model, "z")
        with self.holding():
            for dim, slider in self.sliders.items():
                slider.value = float(np.clip(z[dim], *self.value_range))
        self.update()

    def randomize(self, seed: int | None = None) -> None:
        """Sets the sliders to a code drawn from the prior (`seed`, else the next seed)."""
        if seed is None:
            seed = self.seed + self._draws
            self._draws += 1
        self.set_code(as_numpy(self.model.sample_latent(1, seed))[0])

    def reset(self) -> None:
        """Sets the sliders back to the first code (posterior mean of `x[0]`, else zeros)."""
        self.set_code(self.reference)

    def encode_example(self, index: int | None = None) -> None:
        """Sets the sliders to the posterior mean of `x[index]` (and its class).

        Args:
            index: the example; defaults to the index picker's value.
        """
        if self.index_picker is None:
            raise TypeError("`encode_example` needs `x` and a model with `encode` "
                            f"({type(self.model).__name__} given "
                            f"{'no x' if self.x is None else 'x'}).")
        if index is None:
            index = self.index_picker.value
        index = check_positive_int(index, "index", minimum=0)
        if index >= len(self.x):
            raise ValueError(f"`index` must be in [0, {len(self.x) - 1}], got {index}.")
        labels = None if self.labels is None else self.labels[index : index + 1]
        z = posterior_means(self.model, self.x[index : index + 1], labels)[0]
        with self.holding():
            self.index_picker.value = index
            if self.class_picker is not None and labels is not None:
                self.class_picker.value = int(labels[0])
        self.set_code(z)

    # ------------------------------------------------------------------------ drawing
    def render(self) -> None:
        labels = None if self.label is None else np.array([self.label], np.int32)
        decoded = self.model.generate_batched(self.code[None], labels)
        self.output = decoded[0]
        reference = None if self.model.images else self._cloud(labels)
        self.image.value = render_outputs(decoded, reference=reference)

    def _cloud(self, labels: np.ndarray | None) -> np.ndarray:
        """The model's samples (of the picked class) drawn behind a vector output."""
        key = None if labels is None else int(labels[0])
        if key not in self._clouds:
            self._clouds[key] = self.model.sample(256, seed=self.seed, labels=key)
        return self._clouds[key]


def _first(labels: np.ndarray | None) -> np.ndarray | None:
    return None if labels is None else labels[:1]
