"""LatentTraversal and LatentInterpolation on a VAE, a GAN and a ConditionalVAE."""

from __future__ import annotations

import numpy as np
import pytest

import keras_genmodels as kg
from keras_genmodels import distributions as kgd
from keras_genmodels.interpolation import interpolate_latents


def rows_per_step(texts, tag="latent_traversal/dims"):
    return {step: text.count("row ") for step, text in texts[tag]}


# ------------------------------------------------------------------- LatentTraversal
def test_traversal_on_a_vae_has_one_row_per_active_dimension(vae_run, callback_helpers):
    series = vae_run.images["latent_traversal"]
    rows = rows_per_step(vae_run.texts)
    assert [step for step, _ in series] == [0, 1, 2] == sorted(rows)
    for step, image in series:
        assert 1 <= rows[step] <= 4
        assert image.shape == (*callback_helpers.grid_size(5 * rows[step], 5), 1)
    assert rows[2] == len(vae_run.callbacks.traversal.last_dims)
    assert not np.array_equal(series[0][1], series[-1][1])


def test_traversal_orders_vae_dimensions_by_kl_and_skips_inactive(vae_run):
    model, x_ref = vae_run.model, vae_run.x[:32]
    kl = kgd.kl_per_dimension(model.encode(x_ref), model.prior).numpy().mean(axis=0)
    callback = kg.callbacks.LatentTraversal(vae_run.log_dir / "unused", x_ref=x_ref, min_kl=0)
    callback.set_model(model)
    reference, dims, got_kl = callback.reference_and_dims()
    np.testing.assert_allclose(got_kl, kl, rtol=1e-5, atol=1e-7)
    assert dims == [int(d) for d in np.argsort(-kl, kind="stable")]
    np.testing.assert_allclose(reference, model.encode(x_ref[:1]).mean().numpy()[0],
                               atol=1e-6)
    callback.min_kl = float(np.sort(kl)[-2]) + 1e-9  # only the top dimension is active
    assert callback.reference_and_dims()[1] == dims[:1]
    callback.min_kl = 1e9  # none active: the top one is still shown
    assert callback.reference_and_dims()[1] == dims[:1]


def test_traversal_rows_sweep_one_dimension_from_z_ref(tmp_path, vae_run, callback_helpers):
    model = vae_run.model
    z_ref = np.array([0.5, -0.5, 0.25, 0.0], "float32")
    callback = kg.callbacks.LatentTraversal(tmp_path, z_ref=z_ref, dims=[3, 1],
                                            value_range=(-2, 2), steps=3)
    callback.set_model(model)
    image = callback.make_image()
    z = np.tile(z_ref, (6, 1))
    z[0:3, 3] = z[3:6, 1] = [-2, 0, 2]
    expected = kg.images.make_grid(model.generate_batched(z), nrow=3)
    np.testing.assert_allclose(image, expected, atol=1e-6)
    assert image.shape == (*callback_helpers.grid_size(6, 3), 1)


def test_traversal_on_a_gan_shows_all_dimensions_up_to_max_dims(gan_run, callback_helpers):
    series = gan_run.images["latent_traversal"]
    assert [step for step, _ in series] == [0, 1, 2]
    for _, image in series:
        assert image.shape == (*callback_helpers.grid_size(5 * 4, 4), 1)
    assert gan_run.callbacks.traversal.last_dims == [0, 1, 2, 3, 4]
    assert not np.array_equal(series[0][1], series[-1][1])


def test_traversal_conditional_uses_the_label(cvae_run, callback_helpers):
    series = cvae_run.images["latent_traversal"]
    for _, image in series:  # min_kl=0: all 4 dimensions
        assert image.shape == (*callback_helpers.grid_size(4 * 9, 9), 1)
    assert not np.array_equal(series[0][1], series[-1][1])


def test_traversal_conditional_needs_a_label(tmp_path, cvae_run):
    with pytest.raises(ValueError, match="`label`"):
        kg.callbacks.LatentTraversal(tmp_path).set_model(cvae_run.model)


def test_traversal_with_x_ref_needs_an_encoder(tmp_path, gan_run, callback_helpers):
    callback = kg.callbacks.LatentTraversal(tmp_path, x_ref=callback_helpers.images(2))
    with pytest.raises(TypeError, match="`encode`"):
        callback.set_model(gan_run.model)


def test_traversal_checks_codes_against_the_model(tmp_path, gan_run):
    with pytest.raises(ValueError, match="z_ref.*latent_dim is 8"):
        kg.callbacks.LatentTraversal(tmp_path, z_ref=np.zeros(3)).set_model(gan_run.model)
    with pytest.raises(ValueError, match="dims.*latent_dim=8"):
        kg.callbacks.LatentTraversal(tmp_path, dims=[0, 8]).set_model(gan_run.model)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(steps=1), ValueError, "steps"),
        (dict(value_range=(3, -3)), ValueError, "value_range.*increasing"),
        (dict(value_range=(1, 1)), ValueError, "value_range"),
        (dict(value_range=(0, float("inf"))), ValueError, "value_range"),
        (dict(value_range=3), TypeError, "value_range"),
        (dict(value_range=("a", "b")), TypeError, "value_range"),
        (dict(dims=[0, 0]), ValueError, "dims"),
        (dict(dims=[]), ValueError, "dims"),
        (dict(dims=[-1]), ValueError, "dims"),
        (dict(dims="01"), TypeError, "dims"),
        (dict(max_dims=0), ValueError, "max_dims"),
        (dict(min_kl=-1.0), ValueError, "min_kl"),
        (dict(label=1.5), TypeError, "label"),
        (dict(z_ref=np.zeros((2, 4))), ValueError, "z_ref"),
        (dict(x_ref=np.zeros((2, 2), "float32")), ValueError, "x_ref.*rank"),
        (dict(x_ref=np.full((2, 28, 28, 1), -1.0, "float32")), ValueError, "x_ref"),
        (dict(every_n_epochs=0), ValueError, "every_n_epochs"),
    ],
)
def test_traversal_argument_errors(tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        kg.callbacks.LatentTraversal(tmp_path, **kwargs)


# --------------------------------------------------------------- LatentInterpolation
def test_interpolation_between_images_on_a_vae(vae_run, callback_helpers):
    series = vae_run.images["latent_interpolation"]
    assert [step for step, _ in series] == [0, 1, 2]
    for _, image in series:
        assert image.shape == (*callback_helpers.grid_size(3 * 4, 4), 1)
    assert not np.array_equal(series[0][1], series[-1][1])
    # The same path as VAE.interpolate (linear), decoded through the public methods.
    model, x = vae_run.model, vae_run.x
    expected = model.interpolate(x[:3], x[3:6], steps=4, method="linear")
    got = vae_run.callbacks.interpolation.make_image()
    np.testing.assert_allclose(got, kg.images.make_grid(expected.reshape(12, 28, 28, 1),
                                                        nrow=4), atol=1e-5)


def test_interpolation_between_codes_on_a_gan(gan_run, callback_helpers):
    series = gan_run.images["latent_interpolation"]
    assert [step for step, _ in series] == [0, 1, 2]
    for _, image in series:
        assert image.shape == (*callback_helpers.grid_size(3 * 6, 6), 1)
    assert not np.array_equal(series[0][1], series[-1][1])
    path = gan_run.callbacks.interpolation.path()
    np.testing.assert_allclose(
        path, interpolate_latents(gan_run.z_a, gan_run.z_b, 6, "slerp").reshape(18, 8),
        atol=1e-6)


def test_interpolation_conditional_rows_use_their_labels(cvae_run, callback_helpers):
    series = cvae_run.images["latent_interpolation"]
    for _, image in series:
        assert image.shape == (*callback_helpers.grid_size(2 * 8, 8), 1)
    np.testing.assert_array_equal(cvae_run.callbacks.interpolation._labels, [0, 2])


def test_interpolation_of_images_needs_an_encoder(tmp_path, gan_run, callback_helpers):
    x = callback_helpers.images(4)
    with pytest.raises(TypeError, match="`encode`"):
        kg.callbacks.LatentInterpolation(tmp_path, (x[:2], x[2:])).set_model(gan_run.model)
    with pytest.raises(ValueError, match="pairs.*latent_dim is 8"):
        kg.callbacks.LatentInterpolation(tmp_path, (np.zeros((2, 3)), np.ones((2, 3)))
                                         ).set_model(gan_run.model)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(method="cubic"), ValueError, "method"),
        (dict(steps=1), ValueError, "steps"),
        (dict(pairs=np.zeros((2, 4))), TypeError, "pairs"),
        (dict(pairs=(np.zeros((2, 4)),)), TypeError, "pairs"),
        (dict(pairs=(np.zeros((2, 4)), np.zeros((3, 4)))), ValueError, "same shape"),
        (dict(pairs=(np.zeros((2, 28, 28, 1)), np.full((2, 28, 28, 1), 5.0))), ValueError,
         r"pairs\[1\].*\[0, 1\]"),
        (dict(pairs=(np.zeros((2, 1, 28, 28, 1)),) * 2), ValueError, r"pairs\[0\].*rank"),
    ],
)
def test_interpolation_argument_errors(tmp_path, kwargs, error, match):
    kwargs = {"pairs": (np.zeros((2, 4)), np.ones((2, 4))), **kwargs}
    with pytest.raises(error, match=match):
        kg.callbacks.LatentInterpolation(tmp_path, **kwargs)


def test_rank_by_kl_orders_by_information_and_keeps_one_dimension_at_least():
    from keras_genmodels.callbacks.latent import rank_by_kl

    assert rank_by_kl(np.array([0.001, 2.3, 0.4, 2.3]), min_kl=0.01) == ([1, 3, 2, 0],
                                                                          [1, 3, 2])
    assert rank_by_kl(np.array([0.001, 0.002]), min_kl=0.01) == ([1, 0], [1])  # none active
    assert rank_by_kl(np.array([0.0, 0.5]), min_kl=0.0) == ([1, 0], [1, 0])
