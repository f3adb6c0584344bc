"""`Interpolator`: a slider along the latent path between two points, and the whole strip.

Example:

```python
from keras_genmodels.widgets import Interpolator

Interpolator(vae, x_test[0], x_test[1])                               # through the encoder
Interpolator(gan, z_a=np.random.normal(size=64), z_b=np.random.normal(size=64))
```
"""

from __future__ import annotations

from typing import Any

import numpy as np

from keras_genmodels.interpolation import INTERPOLATION_METHODS, interpolate_latents
from keras_genmodels.model_checks import check_model_labels
from keras_genmodels.validation import check_choice, check_positive_int
from keras_genmodels.widgets.app import (
    WidgetApp,
    check_examples,
    check_latent_code,
    check_model,
    image_widget,
    ipywidgets,
)
from keras_genmodels.widgets.latent_space import posterior_means
from keras_genmodels.widgets.render import render_outputs

#: Positions of the slider along the path, both ends included.
SLIDER_POSITIONS = 101


class Interpolator(WidgetApp):
    """Walks the latent path between two examples (or two codes) with a slider.

    The ends are the posterior means of `x_a` and `x_b` (through `model.encode`: VAE,
    ConditionalVAE, VAEGAN), so at the ends the widget shows the model's reconstructions
    of its inputs; or the codes `z_a` and `z_b` themselves, which works for every family,
    GANs included. The path is linear or spherical (slerp), chosen with toggle buttons
    (`keras_genmodels.interpolation.interpolate_latents`). The slider (`t` from 0 to 1,
    updating on release, redraws debounced) shows the output at that point; below it the
    whole path is shown as a strip of `steps` outputs.

    Example:

    ```python
    widget = Interpolator(vae, x_test[0], x_test[1], steps=10, method="linear")
    widget.position.value = 1.0
    widget.update()
    np.allclose(widget.output, vae.reconstruct(x_test[1:2])[0], atol=1e-5)   # True
    ```

    Args:
        model: a built model of the package.
        x_a: the first example (`data_shape`, or a batch of one); needs `encode`.
        x_b: the second example, same shape.
        z_a: the first latent code `(latent_dim,)`, instead of `x_a` (keyword only).
        z_b: the second latent code, instead of `x_b`.
        label: int class of the path, required by conditional models.
        steps: int >= 2, outputs in the strip. Defaults to 8.
        method: `"linear"` or `"slerp"`, the path shown first. Defaults to `"slerp"`.
        debounce: float >= 0, seconds of quiet before a redraw. Defaults to 0.15.
    """

    def __init__(
        self,
        model: Any,
        x_a: Any = None,
        x_b: Any = None,
        *,
        z_a: Any = None,
        z_b: Any = None,
        label: int | None = None,
        steps: int = 8,
        method: str = "slerp",
        debounce: float = 0.15,
    ):
        super().__init__(debounce)
        data, codes = (x_a, x_b), (z_a, z_b)
        if any(v is not None for v in data) == any(v is not None for v in codes):
            raise ValueError("Interpolator needs either two examples `x_a, x_b` (models with "
                             "an encoder) or two codes `z_a=..., z_b=...`, not both or none.")
        given = data if x_a is not None or x_b is not None else codes
        names = ("x_a", "x_b") if given is data else ("z_a", "z_b")
        for value, name in zip(given, names, strict=True):
            if value is None:
                raise ValueError(f"`{name}` is missing: give both {names[0]} and {names[1]}.")
        self.model = check_model(model, "Interpolator", ("encode",) if given is data else ())
        self.steps = check_positive_int(steps, "steps", minimum=2)
        check_choice(method, "method", INTERPOLATION_METHODS)
        self.labels = check_model_labels("Interpolator", model, label, "label", 1)
        if given is data:
            ends = np.concatenate([check_examples(v, model, n) for v, n in zip(data, names,
                                                                              strict=True)])
            if len(ends) != 2:
                raise ValueError(f"`x_a` and `x_b` must be one example each, got {len(ends)} "
                                 "examples in all.")
            labels = None if self.labels is None else np.repeat(self.labels, 2)
            self.z_a, self.z_b = posterior_means(model, ends, labels)
        else:
            self.z_a, self.z_b = (check_latent_code(v, model, n) for v, n in zip(codes, names,
                                                                                 strict=True))
        #: The output at the slider's position, `data_shape`.
        self.output: np.ndarray | None = None
        #: The strip's outputs, `(steps, *data_shape)`.
        self.strip: np.ndarray | None = None
        self._strips: dict[str, tuple[np.ndarray, bytes]] = {}
        self._paths: dict[str, np.ndarray] = {}
        self.method = ipywidgets.ToggleButtons(options=list(INTERPOLATION_METHODS),
                                               value=method, description="path")
        self.position = ipywidgets.FloatSlider(
            value=0.0, min=0.0, max=1.0, step=1.0 / (SLIDER_POSITIONS - 1), description="t",
            continuous_update=False, readout_format=".2f")
        for control in (self.method, self.position):
            control.observe(self.schedule, names="value")
        self.image = image_widget()
        self.strip_image = image_widget()
        self.widget = ipywidgets.VBox([self.method, self.position, self.image,
                                       self.strip_image, self.status])
        self.update()

    def path(self, method: str | None = None, steps: int = SLIDER_POSITIONS) -> np.ndarray:
        """The codes along the path, `(steps, latent_dim)`, ends included.

        Args:
            method: `"linear"` or `"slerp"`; defaults to the one picked.
            steps: int >= 2, points on the path.

        Returns:
            float32 array `(steps, latent_dim)`.
        """
        method = self.method.value if method is None else method
        return interpolate_latents(self.z_a[None], self.z_b[None], steps, method)[0]

    def render(self) -> None:
        method = self.method.value
        if method not in self._paths:
            self._paths[method] = self.path(method)
        if method not in self._strips:
            strip = self._decode(self.path(method, self.steps))
            self._strips[method] = (strip, render_outputs(strip, nrow=self.steps,
                                                          connect=True))
        self.strip, strip_png = self._strips[method]
        index = int(round(self.position.value * (SLIDER_POSITIONS - 1)))
        decoded = self._decode(self._paths[method][index : index + 1])
        self.output = decoded[0]
        reference = None if self.model.images else self.strip
        self.image.value = render_outputs(decoded, reference=reference)
        self.strip_image.value = strip_png

    def _decode(self, z: np.ndarray) -> np.ndarray:
        labels = None if self.labels is None else np.repeat(self.labels, len(z))
        return self.model.generate_batched(z, labels)
