"""Each network's layer losses (weight and activity regularizers, `add_loss`) go into the
loss of the optimizer that updates that network, in every family."""

from __future__ import annotations

import keras
import numpy as np
import pytest

LEARNING_RATE = 0.1
NETWORKS = {"VAE": ("encoder", "decoder"), "ConditionalVAE": ("encoder", "decoder"),
            "VAEGAN": ("encoder", "decoder", "discriminator")}
CASES = [(family, network)
         for family in ("VAE", "ConditionalVAE", "GAN", "ConditionalGAN", "WGAN", "WGANGP",
                        "VAEGAN")
         for network in NETWORKS.get(family, ("generator", "discriminator"))]
#: the metric of the optimizer that updates each network
METRIC = {"encoder": "loss", "decoder": "loss", "generator": "g_loss", "discriminator": "d_loss"}


def _fit_one_step(model, data):
    model.compile(**{slot: keras.optimizers.SGD(LEARNING_RATE)
                     for slot in model.optimizer_slots})
    model.fit(*data, batch_size=len(data[0]), epochs=1, shuffle=False, verbose=0)


def _data(family, vector_data):
    x, y = vector_data
    return (x, y) if family.startswith("Conditional") else (x,)


def _options(family):
    return {"critic_steps": 1} if family in ("WGAN", "WGANGP") else {}


@pytest.mark.parametrize(("family", "network"), CASES)
def test_weight_regularizer_moves_its_network_by_its_gradient(
        make_model, vector_data, family, network):
    data = _data(family, vector_data)
    plain = make_model(family, **_options(family))
    regularized = make_model(family, regularized=network, **_options(family))
    plain.build((None, 16))
    regularized.build((None, 16))
    kernel = f"{network}_dense"
    w0 = getattr(plain, network).get_layer(kernel).kernel.numpy()
    np.testing.assert_array_equal(w0, getattr(regularized, network).get_layer(kernel).kernel)
    _fit_one_step(plain, data)
    _fit_one_step(regularized, data)
    difference = (getattr(regularized, network).get_layer(kernel).kernel.numpy()
                  - getattr(plain, network).get_layer(kernel).kernel.numpy())
    # L2(0.5) adds 0.5 * |w|^2, whose gradient w moves one SGD step by -lr * w
    np.testing.assert_allclose(difference, -LEARNING_RATE * w0, atol=1e-5)


@pytest.mark.parametrize(("family", "network"), CASES)
def test_add_loss_is_reported_in_its_networks_loss_only(make_model, vector_data, family,
                                                        network):
    data = _data(family, vector_data)
    metric = "encoder_loss" if (family, network) == ("VAEGAN", "encoder") else (
        "g_loss" if (family, network) == ("VAEGAN", "decoder") else METRIC[network])
    results = {}
    for name, add_loss_in in (("plain", None), ("with_loss", network)):
        model = make_model(family, add_loss_in=add_loss_in, **_options(family))
        model.compile()
        results[name] = model.evaluate(*data, batch_size=32, verbose=0, return_dict=True)
    for key, value in results["plain"].items():
        expected = value + 5.0 if key == metric else value
        assert results["with_loss"][key] == pytest.approx(expected, abs=1e-4), key
