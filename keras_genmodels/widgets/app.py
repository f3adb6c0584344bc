"""What every widget shares: one root widget, display delegation, debounced redraws, checks.

A widget of this package is a plain Python object holding one root `ipywidgets` widget
(`.widget`); displaying the object (a notebook cell ending with it, or `display(obj)`)
displays that widget. Controls call `schedule()` on every change, which redraws through a
`Debouncer`, so a burst of changes decodes once; `update()` redraws at once and is what
tests and scripts call. Redraws run `render()`, written by each widget.

Example:

```python
class Samples(WidgetApp):
    def __init__(self, model):
        super().__init__(debounce=0.15)
        self.model = check_model(model, "Samples")
        self.image = image_widget()
        self.widget = ipywidgets.VBox([self.image])
        self.update()

    def render(self):
        self.image.value = render_outputs(self.model.sample(4, seed=0))
```
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from keras_genmodels.latent_codes import code_size
from keras_genmodels.model_checks import check_model_methods
from keras_genmodels.validation import as_numpy, check_non_negative
from keras_genmodels.widgets.debounce import Debouncer
from keras_genmodels.widgets.optional import require

ipywidgets = require("ipywidgets")


class WidgetApp:
    """Base of the widgets: a root `ipywidgets` widget and debounced redraws.

    Subclasses build `self.widget` and implement `render()`.

    Example:

    ```python
    explorer = LatentExplorer(vae)
    explorer            # in a notebook: shows explorer.widget
    explorer.update()   # redraw now
    ```

    Args:
        debounce: float >= 0, seconds of quiet after a change before redrawing; 0 redraws
            on every change.
    """

    def __init__(self, debounce: float = 0.15):
        self.widget: Any = None
        #: Number of redraws so far.
        self.renders = 0
        self._holding = False
        self._debouncer = Debouncer(self._redraw_in_background, check_non_negative(
            debounce, "debounce"))
        self.status = ipywidgets.HTML(value="")

    def render(self) -> None:
        """Recomputes the widget's images from its controls (subclasses)."""
        raise NotImplementedError

    def update(self) -> None:
        """Redraws now (dropping a pending debounced redraw)."""
        self._debouncer.cancel()
        self.render()
        self.renders += 1
        self.status.value = ""

    def schedule(self, change: Any = None) -> None:
        """Asks for a redraw after the debounce delay (observers call this)."""
        if not self._holding:
            self._debouncer.trigger()

    @property
    def pending(self) -> bool:
        """Whether a debounced redraw is waiting."""
        return self._debouncer.pending

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Changes made inside do not schedule redraws (e.g. setting many sliders)."""
        holding, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = holding

    def close(self) -> None:
        """Closes the root widget and drops a pending redraw."""
        self._debouncer.cancel()
        if self.widget is not None:
            self.widget.close()

    def _redraw_in_background(self) -> None:
        # Runs from a timer or the kernel's loop: an error would go to a log nobody reads,
        # so it is shown in the widget itself.
        try:
            self.update()
        except Exception as error:  # noqa: BLE001 - shown to the user instead
            self.status.value = (f"<span style='color:#b00'>{type(error).__name__}: "
                                 f"{_escape(str(error))}</span>")

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def check_model(model: Any, widget: str, methods: Sequence[str] = ()) -> Any:
    """Checks that `model` is a built model of the package with the public `methods`.

    Example:

    ```python
    model = check_model(vae, "Interpolator", ("encode",))
    ```

    Args:
        model: the model given to the widget.
        widget: the widget's name, for the error message.
        methods: public methods needed beyond `sample_latent` and `generate_batched`.

    Returns:
        The model.
    """
    check_model_methods(widget, model, ("sample_latent", "generate_batched", *methods))
    if getattr(model, "data_shape", None) is None:
        raise ValueError(f"{widget} needs a built model: call `fit` first, or build it with "
                         "`model.build((None, *data_shape))`.")
    return model


def check_latent_code(z: Any, model: Any, name: str) -> np.ndarray:
    """Returns one latent code `(latent_dim,)`, given as `(latent_dim,)` or `(1, latent_dim)`.

    Example:

    ```python
    z = check_latent_code(np.zeros(8), gan, "z_a")
    ```

    Args:
        z: the code.
        model: the model, for its `latent_dim`.
        name: the argument's name, for the error message.

    Returns:
        A float32 array `(latent_dim,)`.
    """
    if z is None or isinstance(z, (str, bytes, dict)):
        raise TypeError(f"`{name}` must be a latent code of shape ({code_size(model)},), got "
                        f"{type(z).__name__}.")
    array = as_numpy(z)
    if not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"`{name}` must be a numeric latent code, got dtype {array.dtype}.")
    array = array.astype(np.float32)
    if array.ndim == 2 and array.shape[0] == 1:
        array = array[0]
    if array.shape != (code_size(model),):
        raise ValueError(f"`{name}` must have shape ({code_size(model)},) (the model's "
                         f"latent_dim), got shape {as_numpy(z).shape}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"`{name}` contains NaN or infinite values.")
    return array


def check_examples(x: Any, model: Any, name: str) -> np.ndarray:
    """Returns a batch of data shaped like the model's examples (one example gets a batch axis).

    Example:

    ```python
    x = check_examples(x_test[:16], vae, "x")      # (16, 28, 28, 1)
    ```

    Args:
        x: one example `data_shape` or a batch `(n, *data_shape)`.
        model: a built model.
        name: the argument's name, for the error message.

    Returns:
        A float32 array `(n, *data_shape)`.
    """
    if x is None or isinstance(x, (str, bytes, dict)):
        raise TypeError(f"`{name}` must be an array of examples of shape "
                        f"{tuple(model.data_shape)}, got {type(x).__name__}.")
    array = as_numpy(x)
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise TypeError(f"`{name}` must be a numeric array, got dtype {array.dtype}.")
    shape = tuple(model.data_shape)
    if array.shape == shape:
        array = array[None]
    if array.shape[1:] != shape or len(array) == 0:
        raise ValueError(f"`{name}` must hold examples of shape {shape} (one, or a batch "
                         f"(n, {', '.join(str(d) for d in shape)})), got shape {array.shape}.")
    return array.astype(np.float32)


def class_picker(model: Any, class_names: Sequence[str] | None, value: int = 0) -> Any:
    """A `Dropdown` over the classes of a conditional model (`None` for other models).

    Example:

    ```python
    picker = class_picker(cvae, ["zero", "one", "two"])
    picker.value     # 0
    ```

    Args:
        model: the model.
        class_names: optional names, one per class.
        value: the class selected at first.

    Returns:
        An `ipywidgets.Dropdown` whose value is the class index, or `None`.
    """
    if not getattr(model, "conditional", False):
        return None
    count = model.num_classes
    if class_names is None:
        class_names = [f"class {i}" for i in range(count)]
    elif isinstance(class_names, str) or len(class_names) != count:
        raise ValueError(f"`class_names` must name each of the {count} classes, got "
                         f"{class_names!r}.")
    options = [(str(name), i) for i, name in enumerate(class_names)]
    return ipywidgets.Dropdown(options=options, value=int(value), description="class")


def image_widget() -> Any:
    """An empty `ipywidgets.Image` for PNG bytes.

    Example:

    ```python
    image = image_widget()
    image.value = render_outputs(model.sample(4, seed=0))
    ```

    Returns:
        An `ipywidgets.Image` with format `"png"`.
    """
    # Without flex-start a box stretches the image to its width (a 32x32 digit showed as
    # 32x285 in JupyterLab); with it the PNG keeps its own size.
    return ipywidgets.Image(format="png", layout=ipywidgets.Layout(align_self="flex-start"))


def check_range(value: Any, name: str) -> tuple[float, float]:
    """Returns a finite, increasing pair `(low, high)` of floats.

    Example:

    ```python
    check_range((-3, 3), "value_range")      # (-3.0, 3.0)
    ```

    Args:
        value: the pair given.
        name: the argument's name, for the error message.

    Returns:
        `(low, high)` as floats.
    """
    pair = tuple(value) if isinstance(value, (tuple, list, np.ndarray)) else ()
    numbers = [v for v in pair
               if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)]
    if len(pair) != 2 or len(numbers) != 2:
        raise TypeError(f"`{name}` must be a pair of numbers (low, high), got {value!r}.")
    low, high = float(pair[0]), float(pair[1])
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"`{name}` must be finite and increasing (low < high), got "
                         f"({low:g}, {high:g}).")
    return low, high
