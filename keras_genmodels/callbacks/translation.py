"""`TranslationGrid`: a translation model's inputs, translations and cycles, as images.

Example:

```python
import keras_genmodels as kg

model.fit(x=(a_train, b_train), epochs=10, callbacks=[
    kg.callbacks.TranslationGrid("runs/cyclegan", a_test[:8], b_test[:8])])
```
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from keras_genmodels.callbacks.image_logger import ImageLogger
from keras_genmodels.images import make_grid
from keras_genmodels.model_checks import check_model_methods
from keras_genmodels.validation import check_images

__all__ = ["TranslationGrid"]


class TranslationGrid(ImageLogger):
    """Logs fixed images of both domains beside their translations and cycles.

    The grid has six rows of `n` images: the domain A images `x_a`, their translations
    to B, and those translated back to A (the cycle a -> b -> a); then the same for the
    domain B images `x_b` (b -> a -> b). Rows 2 and 5 show what the model does; rows 3 and
    6 should match rows 1 and 4. Logged like every picture callback (`ImageLogger`):
    before training and after every `every_n_epochs`-th epoch, as a TensorBoard image and
    optionally PNG files, from the chief only. It works with any model that has
    `translate(x, direction)` (`kg.CycleGAN`); others raise `TypeError` when `fit` starts.

    Example:

    ```python
    callback = kg.callbacks.TranslationGrid("runs/cyclegan", a_test[:8], b_test[:8],
                                            png_dir="runs/cyclegan/png")
    ```

    Args:
        log_dir: folder of the TensorBoard event files.
        x_a: images of domain A `(n, H, W, C)`, float in [0, 1].
        x_b: images of domain B, the same shape as `x_a`.
        every_n_epochs: int, log after every n-th epoch. Defaults to 1.
        png_dir: optional folder for PNG copies of each grid.
        tag: the image's name in TensorBoard. Defaults to `"translations"`.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike,
        x_a: Any,
        x_b: Any,
        every_n_epochs: int = 1,
        png_dir: str | os.PathLike | None = None,
        tag: str = "translations",
    ):
        super().__init__(log_dir, tag, every_n_epochs, png_dir)
        self.x_a = check_images(x_a, "x_a", min_rank=4, max_rank=4)
        self.x_b = check_images(x_b, "x_b", min_rank=4, max_rank=4)
        if self.x_a.shape != self.x_b.shape:
            raise ValueError(f"`x_a` and `x_b` must have the same shape, got {self.x_a.shape} "
                             f"and {self.x_b.shape}.")

    def check_model(self, model: Any) -> None:
        check_model_methods("TranslationGrid", model, ("translate",))

    def make_image(self) -> np.ndarray:
        translate = self.model.translate
        fake_b = translate(self.x_a, direction="a_to_b")
        fake_a = translate(self.x_b, direction="b_to_a")
        rows = [self.x_a, fake_b, translate(fake_b, direction="b_to_a"),
                self.x_b, fake_a, translate(fake_a, direction="a_to_b")]
        return make_grid(np.concatenate(rows), nrow=len(self.x_a))
