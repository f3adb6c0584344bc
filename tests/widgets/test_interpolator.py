"""Interpolator: the path's ends are the model's reconstructions; linear and slerp paths."""

from __future__ import annotations

import numpy as np
import pytest

from keras_genmodels.images import make_grid, to_png
from keras_genmodels.interpolation import interpolate_latents
from keras_genmodels.widgets import Interpolator


@pytest.mark.parametrize("method", ["linear", "slerp"])
def test_the_ends_reproduce_the_reconstructions_of_the_inputs(vae, x, method):
    widget = Interpolator(vae, x[0], x[1], steps=5, method=method)
    ends = vae.reconstruct(x[:2])
    np.testing.assert_allclose(widget.output, ends[0], atol=1e-5)
    np.testing.assert_allclose(widget.strip[0], ends[0], atol=1e-5)
    np.testing.assert_allclose(widget.strip[-1], ends[1], atol=1e-5)
    widget.position.value = 1.0
    widget.update()
    np.testing.assert_allclose(widget.output, ends[1], atol=1e-5)
    assert bytes(widget.image.value) == to_png(make_grid(widget.output[None]))


def test_the_slider_and_the_method_change_the_pictures(vae, x):
    widget = Interpolator(vae, x[2], x[3], steps=4, method="linear")
    start = bytes(widget.image.value)
    widget.position.value = 0.5
    widget.update()
    assert bytes(widget.image.value) != start
    middle = interpolate_latents(widget.z_a[None], widget.z_b[None], 3, "linear")[0, 1]
    np.testing.assert_allclose(widget.output, vae.generate_batched(middle[None])[0], atol=1e-6)
    assert widget.strip.shape == (4, 28, 28, 1)


def test_the_method_buttons_switch_between_linear_and_slerp(vae):
    z_a, z_b = np.array([3.0, 0.0, 0.0]), np.array([0.0, 3.0, 0.0])
    widget = Interpolator(vae, z_a=z_a, z_b=z_b, steps=3, method="linear")
    strip = bytes(widget.strip_image.value)
    assert widget.method.options == ("linear", "slerp")
    widget.method.value = "slerp"
    widget.update()
    assert bytes(widget.strip_image.value) != strip
    arc = interpolate_latents(z_a[None], z_b[None], 3, "slerp")[0]
    assert np.linalg.norm(arc[1]) == pytest.approx(3.0)
    np.testing.assert_allclose(widget.strip, vae.generate_batched(arc), atol=1e-6)


def test_a_gan_interpolates_between_codes(gan, point_gan):
    z_a, z_b = np.full(4, -1.0), np.full(4, 1.5)
    widget = Interpolator(gan, z_a=z_a, z_b=z_b, steps=3)
    np.testing.assert_allclose(widget.strip, gan.generate_batched(
        interpolate_latents(z_a[None], z_b[None], 3, "slerp")[0]), atol=1e-6)
    points = Interpolator(point_gan, z_a=[1.0, 0.0], z_b=[0.0, 1.0])
    assert bytes(points.strip_image.value).startswith(b"\x89PNG")


def test_a_conditional_model_needs_a_label(cvae, x):
    widget = Interpolator(cvae, x[0], x[1], label=2, steps=3)
    ends = cvae.reconstruct(x[:2], labels=[2, 2])
    np.testing.assert_allclose(widget.strip[[0, -1]], ends, atol=1e-5)
    with pytest.raises(ValueError, match="needs `label`"):
        Interpolator(cvae, x[0], x[1])


def test_bad_arguments_are_refused(vae, gan, x):
    with pytest.raises(ValueError, match="either two examples `x_a, x_b`.*or two codes"):
        Interpolator(vae)
    with pytest.raises(ValueError, match="not both or none"):
        Interpolator(vae, x[0], x[1], z_a=np.zeros(3), z_b=np.zeros(3))
    with pytest.raises(ValueError, match="`x_b` is missing"):
        Interpolator(vae, x[0])
    with pytest.raises(TypeError, match="Interpolator needs a model with `encode`"):
        Interpolator(gan, x[0], x[1])
    with pytest.raises(ValueError, match=r"`z_b` must have shape \(4,\).*got shape \(3,\)"):
        Interpolator(gan, z_a=np.zeros(4), z_b=np.zeros(3))
    with pytest.raises(ValueError, match="Unknown `method` 'cubic'"):
        Interpolator(vae, x[0], x[1], method="cubic")
    with pytest.raises(ValueError, match="`steps` must be an integer >= 2, got 1"):
        Interpolator(vae, x[0], x[1], steps=1)
    with pytest.raises(ValueError, match="one example each"):
        Interpolator(vae, x[:2], x[2:4])
