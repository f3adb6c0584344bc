"""Traversal: one row per (active) latent dimension over the span of a range slider."""

from __future__ import annotations

import numpy as np
import pytest

from keras_genmodels.widgets import Traversal


def test_one_row_per_dimension_sweeping_the_span(vae, x):
    traversal = Traversal(vae, x, span=(-2, 2), steps=5, min_kl=0.0)
    assert traversal.dims == traversal.ranking.order and len(traversal.dims) == 3
    z = traversal.codes().reshape(3, 5, 3)
    reference = vae.encode(x[:1]).mean().numpy()[0]
    for row, dim in enumerate(traversal.dims):
        np.testing.assert_allclose(z[row, :, dim], np.linspace(-2, 2, 5), atol=1e-6)
        others = [d for d in range(3) if d != dim]
        np.testing.assert_allclose(z[row][:, others], np.tile(reference[others], (5, 1)),
                                   atol=1e-6)
    assert traversal.outputs.shape == (15, 28, 28, 1)
    assert "row 0: z[" in traversal.legend.value and "KL" in traversal.legend.value


def test_the_range_slider_and_the_example_change_the_picture(vae, x):
    traversal = Traversal(vae, x, steps=3)
    before = bytes(traversal.image.value)
    traversal.span.value = (-4.0, 4.0)
    traversal.update()
    assert bytes(traversal.image.value) != before
    assert traversal.codes()[0, traversal.dims[0]] == pytest.approx(-4.0)
    traversal.index_picker.value = 5
    traversal.update()
    np.testing.assert_allclose(traversal.reference, vae.encode(x[5:6]).mean().numpy()[0],
                               atol=1e-6)


def test_a_gan_traverses_its_first_dimensions_from_zero(gan, point_gan):
    traversal = Traversal(gan, max_dims=2, steps=4)
    assert traversal.dims == [0, 1] and traversal.outputs.shape == (8, 28, 28, 1)
    np.testing.assert_array_equal(traversal.reference, np.zeros(4))
    points = Traversal(point_gan)
    assert bytes(points.image.value).startswith(b"\x89PNG")


def test_a_conditional_model_follows_the_examples_class(cvae, x):
    labels = np.arange(len(x)) % 3
    traversal = Traversal(cvae, x, labels=labels, steps=3)
    traversal.index_picker.value = 2
    assert traversal.class_picker.value == 2


def test_bad_arguments_are_refused(vae, gan, x):
    with pytest.raises(ValueError, match="`span` must be finite and increasing"):
        Traversal(vae, span=(1, 1))
    with pytest.raises(TypeError, match="`span` must be a pair of numbers"):
        Traversal(vae, span=3)
    with pytest.raises(TypeError, match="Traversal needs a model with `encode`"):
        Traversal(gan, x)
    with pytest.raises(ValueError, match="`max_dims` must be an integer >= 1, got 0"):
        Traversal(vae, max_dims=0)
    with pytest.raises(ValueError, match="`limit` must be a finite number >= 0, got -1"):
        Traversal(vae, limit=-1)
