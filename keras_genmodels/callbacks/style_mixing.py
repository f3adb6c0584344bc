"""`StyleMixingGrid`: the style-mixing figure of StyleGAN (Karras et al., 2019, figure 3).

Example:

```python
stylegan.fit(x_train, epochs=10, callbacks=[kg.callbacks.StyleMixingGrid("runs/stylegan")])
```
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from keras_genmodels.callbacks.image_logger import ImageLogger
from keras_genmodels.images import make_grid
from keras_genmodels.model_checks import check_model_methods
from keras_genmodels.validation import check_positive_int

__all__ = ["StyleMixingGrid"]


class StyleMixingGrid(ImageLogger):
    """Logs a grid that mixes the styles of two sets of sources.

    The top row shows `columns` images from sources B, the left column `rows` images from
    sources A (the corner is blank). The cell in row `i`, column `j` takes the coarse
    styles (the layers before `crossover`, i.e. the lowest resolutions: pose, shape)
    from A[i] and the fine ones from B[j] (texture, colour, stroke), so each row keeps
    A's layout and each column B's finish. The sources are fixed `w = f(z)` latents of
    codes drawn with `seed` (A) and `seed + 1` (B), so grids of successive epochs can be
    compared. Logged like the other picture callbacks (TensorBoard image, optional PNG).

    Needs a model with `sample_w`, `synthesize` and `num_ws` (`kg.StyleGAN`).

    Example:

    ```python
    grid = kg.callbacks.StyleMixingGrid("runs/stylegan", rows=4, columns=6, crossover=3)
    stylegan.fit(x_train, epochs=10, callbacks=[grid])
    ```

    Args:
        log_dir: folder of the TensorBoard event files.
        rows: int >= 1, sources A. Defaults to 4.
        columns: int >= 1, sources B. Defaults to 4.
        crossover: int >= 1, the first layer that takes B's style; `None` for half of
            the model's `num_ws` (4x4 and 8x8 of a 32-pixel model are coarse).
        truncation: psi of the sources' truncation, 1 for none. Defaults to 0.7.
        seed: int >= 0, seed of the sources. Defaults to 0.
        every_n_epochs: int, log after every n-th epoch. Defaults to 1.
        png_dir: optional folder for PNG copies of each grid.
        tag: the image's name in TensorBoard. Defaults to `"style_mixing"`.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike,
        rows: int = 4,
        columns: int = 4,
        crossover: int | None = None,
        truncation: float = 0.7,
        seed: int = 0,
        every_n_epochs: int = 1,
        png_dir: str | os.PathLike | None = None,
        tag: str = "style_mixing",
    ):
        super().__init__(log_dir, tag, every_n_epochs, png_dir)
        self.rows = check_positive_int(rows, "rows")
        self.columns = check_positive_int(columns, "columns")
        self.crossover = None if crossover is None else check_positive_int(crossover,
                                                                             "crossover")
        self.truncation = float(truncation)
        self.seed = check_positive_int(seed, "seed", minimum=0)

    def check_model(self, model: Any) -> None:
        check_model_methods("StyleMixingGrid", model, ("sample_w", "synthesize"))
        if self.crossover is not None and getattr(model, "data_shape", None) is not None \
                and self.crossover >= model.num_ws:
            raise ValueError(f"`crossover` must be in [1, {model.num_ws - 1}] (the model has "
                             f"{model.num_ws} styles), got {self.crossover}.")

    def mixed_styles(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`(w_a (rows, w_dim), w_b (columns, w_dim), ws (rows * columns, num_ws, w_dim))`."""
        model = self.model
        num_ws = model.num_ws
        crossover = num_ws // 2 if self.crossover is None else min(self.crossover, num_ws - 1)
        w_a = model.sample_w(self.rows, self.seed, self.truncation)
        w_b = model.sample_w(self.columns, self.seed + 1, self.truncation)
        coarse = np.repeat(w_a, self.columns, axis=0)          # row-major cells
        fine = np.tile(w_b, (self.rows, 1))
        layer = np.arange(num_ws)[None, :, None]
        ws = np.where(layer < crossover, coarse[:, None, :], fine[:, None, :])
        return w_a, w_b, ws.astype(np.float32)

    def make_image(self) -> np.ndarray:
        w_a, w_b, ws = self.mixed_styles()
        model = self.model
        sources_a = model.synthesize(w_a)
        sources_b = model.synthesize(w_b)
        cells = model.synthesize(ws)
        blank = np.ones_like(sources_a[:1])
        rows = [np.concatenate([blank, sources_b])]
        for i in range(self.rows):
            rows.append(np.concatenate(
                [sources_a[i : i + 1], cells[i * self.columns : (i + 1) * self.columns]]))
        return make_grid(np.concatenate(rows), nrow=self.columns + 1)
