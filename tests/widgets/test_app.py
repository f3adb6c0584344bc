"""What the widgets share: rendering to PNG, display delegation, optional dependencies."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest
from PIL import Image

from keras_genmodels.images import make_grid, to_png
from keras_genmodels.widgets import ConditionalSampler
from keras_genmodels.widgets.optional import require
from keras_genmodels.widgets.render import join_pngs, render_outputs


def size(png) -> tuple[int, int]:
    return Image.open(io.BytesIO(bytes(png))).size


def test_images_render_as_the_package_grid():
    images = np.random.default_rng(0).uniform(size=(6, 28, 28, 1)).astype("float32")
    assert render_outputs(images, nrow=3) == to_png(make_grid(images, nrow=3))


@pytest.mark.parametrize("dim", [2, 16])
def test_vectors_render_as_a_plot(dim):
    rng = np.random.default_rng(0)
    png = render_outputs(rng.normal(size=(5, dim)), reference=rng.normal(size=(100, dim)),
                         connect=True)
    assert size(png) == (256, 256)
    assert png != render_outputs(rng.normal(size=(5, dim)))


def test_pngs_join_side_by_side():
    a = to_png(np.zeros((10, 20, 1)))
    b = to_png(np.ones((30, 5, 3)))
    assert size(join_pngs(a, b, b"")) == (20 + 8 + 5, 30)
    with pytest.raises(ValueError, match="at least one non-empty PNG"):
        join_pngs(b"")
    with pytest.raises(ValueError, match=r"`outputs` must be images .* got shape \(5,\)"):
        render_outputs(np.zeros(5))


def test_a_widget_displays_as_its_root_widget(vae, monkeypatch):
    sampler = ConditionalSampler(vae, num_samples=1)
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    sampler._ipython_display_()
    assert shown == [sampler.widget]
    assert sampler._repr_mimebundle_() == sampler.widget._repr_mimebundle_()
    sampler.close()


def test_a_failing_background_redraw_is_shown_in_the_widget(vae):
    sampler = ConditionalSampler(vae, num_samples=1)
    sampler.render = lambda: 1 / 0
    sampler._redraw_in_background()
    assert "ZeroDivisionError" in sampler.status.value
    with pytest.raises(ZeroDivisionError):
        sampler.update()


def test_a_missing_optional_dependency_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match=r'pip install "keras-genmodels\[notebooks\]"'):
        require("ipywidgets")
    with pytest.raises(ValueError, match="Unknown optional module 'numpy'"):
        require("numpy")


def test_importing_the_widgets_without_ipywidgets_says_what_to_install(monkeypatch):
    import importlib

    for name in [n for n in sys.modules if n.startswith("keras_genmodels.widgets")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match=r"needs `ipywidgets`.*keras-genmodels\[notebooks\]"):
        importlib.import_module("keras_genmodels.widgets")
