"""MetricHistory and LossCurves: bounded curves that keep their shape, drawn to PNG."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from keras_genmodels.widgets.curves import LossCurves
from keras_genmodels.widgets.history import BoundedSeries, MetricHistory


def test_a_series_stays_below_its_cap_and_keeps_the_mean():
    series = BoundedSeries(max_points=50)
    values = np.sin(np.arange(10_000) / 500.0)
    for step, value in enumerate(values, start=1):
        series.append(step, value)
        assert len(series) <= 50
    assert series.stride == 256
    steps, kept = series.arrays()
    assert np.all(np.diff(steps) > 0) and steps[0] > 1 and steps[-1] <= 10_000
    # each point is the mean of the values it stands for: the curve keeps its shape
    np.testing.assert_allclose(kept, np.sin(steps / 500.0 - 1 / 500.0), atol=0.05)
    weights = series._counts + [len(series._bin)]
    assert sum(weights) == 10_000
    np.testing.assert_allclose(np.average(kept, weights=weights), values.mean(), atol=1e-9)


def test_a_history_skips_what_is_not_a_finite_number():
    history = MetricHistory(max_points=4)
    history.append(1, {"loss": 1.0, "lr": np.float32(0.1), "name": "x", "nan": float("nan"),
                       "vector": [1.0, 2.0]})
    history.append(2, None)
    assert history.names() == ["loss", "lr"]
    assert history.lengths() == {"loss": 1, "lr": 1}
    with pytest.raises(ValueError, match="`max_points` must be an integer >= 2, got 1"):
        MetricHistory(max_points=1)


def test_curves_draw_one_plot_per_metric_with_validation_dots():
    history = MetricHistory()
    for step in range(1, 101):
        history.append(step, {"d_loss": 1.0 / step, "g_loss": 2.0 - 1.0 / step})
    history.append(100, {"val_d_loss": 0.02})
    curves = LossCurves()
    png = curves.draw(history.series())
    assert Image.open(io.BytesIO(png)).size == (2 * 3.0 * 80, 2.2 * 80)
    axes, train, validation = curves._lines["d_loss"]
    np.testing.assert_allclose(train.get_ydata(), 1.0 / np.arange(1, 101))
    assert list(validation.get_xdata()) == [100]
    figure = curves._figure
    curves.draw(history.series())
    assert curves._figure is figure and curves._lines["d_loss"][0] is axes  # redrawn in place
    with pytest.raises(ValueError, match="no curves to draw yet"):
        LossCurves().draw({})
