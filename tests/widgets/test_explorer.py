"""LatentExplorer: sliders per dimension, buttons, class picker, debounced redraws."""

from __future__ import annotations

import numpy as np
import pytest

from keras_genmodels.widgets import LatentExplorer
from keras_genmodels.widgets.latent_space import rank_dimensions


def test_moving_a_slider_changes_the_image(vae, x):
    explorer = LatentExplorer(vae, x)
    before = bytes(explorer.image.value)
    assert before.startswith(b"\x89PNG")
    explorer.sliders[explorer.ranking.order[0]].value = 2.5
    assert explorer.pending  # debounced: nothing decoded yet
    explorer.update()
    assert not explorer.pending
    assert explorer.image.value != before
    np.testing.assert_allclose(explorer.output, vae.generate_batched(explorer.code[None])[0],
                               atol=1e-6)


def test_a_burst_of_slider_changes_decodes_once(vae):
    explorer = LatentExplorer(vae, debounce=0.05)
    renders = explorer.renders
    for value in np.linspace(-1, 1, 10):
        explorer.sliders[0].value = float(value)
    explorer._debouncer.flush()
    assert explorer.renders == renders + 1
    assert explorer.sliders[0].continuous_update is False


def test_sliders_follow_kl_order_and_inactive_dimensions_are_hidden(vae, x):
    ranking = rank_dimensions(vae, x, min_kl=0.0)
    threshold = float(np.sort(ranking.kl)[-1])  # only the top dimension is active
    explorer = LatentExplorer(vae, x, min_kl=threshold)
    assert explorer.ranking.order == ranking.order
    assert explorer.ranking.active == ranking.order[:1]
    assert explorer.ranking.inactive == ranking.order[1:]
    assert explorer.inactive_box.layout.display == "none"
    assert explorer.show_inactive.layout.display is None
    explorer.show_inactive.value = True
    assert explorer.inactive_box.layout.display is None
    shown = [row.children[0] for row in explorer.inactive_box.children]
    assert shown == [explorer.sliders[d] for d in ranking.order[1:]]


def test_random_reset_and_encode_buttons(vae, x):
    explorer = LatentExplorer(vae, x, seed=5)
    np.testing.assert_allclose(explorer.code, vae.encode(x[:1]).mean().numpy()[0], atol=0.03)
    explorer.random_button.click()
    drawn = vae.sample_latent(1, 5).numpy()[0]
    np.testing.assert_allclose(explorer.code, np.clip(drawn, -3, 3), atol=0.03)
    explorer.index_picker.value = 7
    renders = explorer.renders
    explorer.encode_button.click()
    assert explorer.renders == renders + 1  # sliders set together, one decode
    np.testing.assert_allclose(explorer.code, vae.encode(x[7:8]).mean().numpy()[0], atol=0.03)
    explorer.reset_button.click()
    np.testing.assert_allclose(explorer.code, explorer.reference, atol=0.03)


def test_a_gan_gets_every_dimension_in_order_and_no_encode_button(gan):
    explorer = LatentExplorer(gan)
    assert explorer.ranking.order == explorer.ranking.active == [0, 1, 2, 3]
    assert explorer.ranking.kl is None and explorer.encode_button is None
    assert explorer.class_picker is None
    np.testing.assert_array_equal(explorer.code, np.zeros(4))
    with pytest.raises(TypeError, match="encode_example"):
        explorer.encode_example(0)


def test_a_conditional_model_gets_a_class_picker(cvae, x):
    labels = np.arange(len(x)) % 3
    explorer = LatentExplorer(cvae, x, labels=labels, class_names=["a", "b", "c"])
    assert explorer.label == 0
    before = bytes(explorer.image.value)
    explorer.class_picker.value = 2
    explorer.update()
    assert explorer.image.value != before
    explorer.encode_example(4)
    assert explorer.label == labels[4]


def test_vector_models_are_plotted(vector_vae, point_gan):
    for model in (vector_vae, point_gan):
        explorer = LatentExplorer(model)
        before = bytes(explorer.image.value)
        explorer.set_code(np.full(model.latent_dim, 2.0))
        assert explorer.output.shape == model.data_shape
        assert bytes(explorer.image.value).startswith(b"\x89PNG") and explorer.image.value != before


def test_the_object_displays_as_its_widget(vae):
    explorer = LatentExplorer(vae)
    bundle = explorer._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == \
        explorer.widget.model_id


def test_bad_arguments_are_refused(vae, gan, cvae, x):
    with pytest.raises(TypeError, match="LatentExplorer needs a model with `encode`"):
        LatentExplorer(gan, x)
    with pytest.raises(TypeError, match="sample_latent"):
        LatentExplorer("not a model")
    with pytest.raises(ValueError, match=r"`x` must hold examples of shape \(28, 28, 1\)"):
        LatentExplorer(vae, np.zeros((4, 16), "float32"))
    with pytest.raises(ValueError, match="needs `labels`"):
        LatentExplorer(cvae, x)
    with pytest.raises(ValueError, match="`value_range` must be finite and increasing"):
        LatentExplorer(vae, value_range=(3, -3))
    with pytest.raises(ValueError, match="`class_names` must name each of the 3 classes"):
        LatentExplorer(cvae, class_names=["a"])
    explorer = LatentExplorer(vae, x)
    with pytest.raises(ValueError, match=r"`index` must be in \[0, 11\], got 12"):
        explorer.encode_example(12)
    with pytest.raises(ValueError, match=r"`z` must have shape \(3,\)"):
        explorer.set_code(np.zeros(5))
