"""CycleGAN's losses are the paper's: least-squares targets, cycle weight 10, identity 5.

Zhu et al. (2017), section 3 and 4: with least-squares adversarial losses (Mao et al.,
2017), `G` minimises `E[(D_B(G(a)) - 1)^2]`, `D_B` minimises `E[(D_B(b) - 1)^2] +
E[D_B(G(a))^2]`, halved; the cycle loss is weighted `lambda = 10` and the identity loss
`0.5 * lambda`. Every expected number here is computed in numpy from the networks'
outputs and weights, so a wrong weight, target or term changes it.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_genmodels as kg

SHAPE = (16, 16, 1)
L2 = 0.01


def generator(name: str, regularized: bool) -> keras.Model:
    regularizer = keras.regularizers.L2(L2) if regularized else None
    return keras.Sequential([
        keras.Input(SHAPE),
        keras.layers.Conv2D(4, 3, padding="same", activation="relu",
                            kernel_regularizer=regularizer, name="hidden"),
        keras.layers.Conv2D(1, 3, padding="same", activation="tanh", name="out")], name=name)


def pixel_discriminator(name: str, scale: float, shift: float) -> keras.Model:
    """`D(x) = scale * x + shift` per pixel: a score grid we can compute by hand."""
    return keras.Sequential([keras.Input(SHAPE), keras.layers.Conv2D(
        1, 1, kernel_initializer=keras.initializers.Constant(scale),
        bias_initializer=keras.initializers.Constant(shift), name="score")], name=name)


def networks(regularized: bool = False) -> dict[str, keras.Model]:
    keras.utils.set_random_seed(0)
    return {"generator_ab": generator("g_ab", regularized),
            "generator_ba": generator("g_ba", regularized),
            # different maps for the two domains, so swapping them changes the numbers
            "discriminator_a": pixel_discriminator("d_a", 1.0, 0.0),
            "discriminator_b": pixel_discriminator("d_b", 0.5, 0.25)}


@pytest.fixture(scope="module")
def batch():
    """Eight filled (A) and eight unrelated outlined (B) sprites, in [-1, 1]."""
    (a, b), _ = kg.datasets.load("shapes_filled_outlined", image_size=16, num_train=16,
                                 num_test=1)
    return 2.0 * a[:8] - 1.0, 2.0 * b[8:] - 1.0


def expected_terms(nets, a, b, l2: float = 0.0) -> dict[str, float]:
    """The paper's terms, computed in numpy from the networks' outputs."""
    g, f = nets["generator_ab"], nets["generator_ba"]
    d_a, d_b = nets["discriminator_a"], nets["discriminator_b"]

    def run(net, x):
        return np.asarray(net(x, training=False), np.float64)

    fake_b, fake_a = run(g, a), run(f, b)
    layer = sum(l2 * float(np.sum(np.square(net.get_layer("hidden").kernel.numpy())))
                for net in (g, f))
    return {
        "adversarial": np.mean((run(d_b, fake_b) - 1) ** 2) + np.mean((run(d_a, fake_a) - 1) ** 2),
        "cycle": np.mean(np.abs(run(f, fake_b) - a)) + np.mean(np.abs(run(g, fake_a) - b)),
        "identity": np.mean(np.abs(run(g, b) - b)) + np.mean(np.abs(run(f, a) - a)),
        "layer": layer,
        "d_a_loss": 0.5 * (np.mean((run(d_a, a) - 1) ** 2) + np.mean(run(d_a, fake_a) ** 2)),
        "d_b_loss": 0.5 * (np.mean((run(d_b, b) - 1) ** 2) + np.mean(run(d_b, fake_b) ** 2)),
    }


def model_terms(nets, a, b, **weights) -> dict[str, float]:
    model = kg.CycleGAN(**nets, pool_size=0, seed=0, data_shape=SHAPE, **weights)
    terms = model.generator_losses(a, b, training=False)
    d_terms = model.discriminator_losses(a, b, terms["fake_a"], terms["fake_b"], training=False)
    return {key: float(value) for key, value in {**terms, **d_terms}.items()
            if key not in ("fake_a", "fake_b")}


def test_g_loss_is_adversarial_plus_10_cycle_plus_5_identity_plus_layer_losses(batch):
    a, b = batch
    nets = networks(regularized=True)
    want = expected_terms(nets, a, b, l2=L2)
    got = model_terms(nets, a, b)  # the defaults: cycle_weight 10, identity_weight 0.5
    assert want["identity"] > 0.1 and want["cycle"] > 0.1 and want["layer"] > 0.0
    assert got["cycle_loss"] == pytest.approx(want["cycle"], rel=1e-5)
    assert got["identity_loss"] == pytest.approx(want["identity"], rel=1e-5)
    total = want["adversarial"] + 10.0 * want["cycle"] + 5.0 * want["identity"] + want["layer"]
    assert got["g_loss"] == pytest.approx(total, rel=1e-5)
    # the generators' regularizers are not the discriminators' losses, and vice versa
    assert got["layer_losses"] == 0.0


@pytest.mark.parametrize("cycle_weight, identity_weight",
                         [(1.0, 0.5), (10.0, 0.0), (10.0, 2.0), (0.0, 0.5), (3.0, 1.0)])
def test_each_weight_changes_g_loss_by_the_predicted_amount(batch, cycle_weight,
                                                            identity_weight):
    a, b = batch
    nets = networks()
    want = expected_terms(nets, a, b)
    default = model_terms(nets, a, b)["g_loss"]
    got = model_terms(nets, a, b, cycle_weight=cycle_weight, identity_weight=identity_weight)
    # the identity term is weighted lambda * mu, not mu alone
    predicted = ((cycle_weight - 10.0) * want["cycle"]
                 + (cycle_weight * identity_weight - 5.0) * want["identity"])
    assert got["g_loss"] - default == pytest.approx(predicted, rel=1e-4, abs=1e-5)
    if identity_weight == 0.0:
        assert got["identity_loss"] == 0.0
    if cycle_weight == 0.0:
        assert got["g_loss"] == pytest.approx(want["adversarial"], rel=1e-5)


def test_least_squares_targets_are_one_for_real_and_zero_for_generated(batch):
    a, b = batch
    nets = networks()
    want = expected_terms(nets, a, b)
    got = model_terms(nets, a, b, cycle_weight=0.0)
    # generators: squared error to 1, not halved; discriminators: to 1 on real images and
    # to 0 on generated ones, halved; each discriminator judges its own domain
    assert got["g_loss"] == pytest.approx(want["adversarial"], rel=1e-5)
    assert got["d_a_loss"] == pytest.approx(want["d_a_loss"], rel=1e-5)
    assert got["d_b_loss"] == pytest.approx(want["d_b_loss"], rel=1e-5)


def test_constant_discriminators_give_the_closed_form_losses(batch):
    a, b = batch
    nets = networks()
    nets["discriminator_a"] = pixel_discriminator("d_a", 0.0, 0.3)
    nets["discriminator_b"] = pixel_discriminator("d_b", 0.0, -0.5)
    got = model_terms(nets, a, b, cycle_weight=0.0)
    assert got["g_loss"] == pytest.approx((0.3 - 1) ** 2 + (-0.5 - 1) ** 2, rel=1e-6)
    assert got["d_a_loss"] == pytest.approx(0.5 * ((0.3 - 1) ** 2 + 0.3**2), rel=1e-6)
    assert got["d_b_loss"] == pytest.approx(0.5 * ((-0.5 - 1) ** 2 + 0.5**2), rel=1e-6)


def test_fit_reports_the_losses_of_the_step_before_its_update(batch):
    """One step of `fit` on one batch reports the formula's numbers for the weights it
    started from (the generators' update comes after their loss, the discriminators' loss
    is taken on that step's generated images, before their own update)."""
    a, b = batch
    nets = networks(regularized=True)
    want = expected_terms(nets, a, b, l2=L2)
    model = kg.CycleGAN(**nets, pool_size=0, seed=0, data_shape=SHAPE)
    model.compile()
    history = model.fit(x=((a + 1) / 2, (b + 1) / 2), epochs=1, batch_size=len(a),
                        shuffle=False, verbose=0).history
    total = want["adversarial"] + 10.0 * want["cycle"] + 5.0 * want["identity"] + want["layer"]
    assert history["g_loss"][0] == pytest.approx(total, rel=1e-4)
    assert history["cycle_loss"][0] == pytest.approx(want["cycle"], rel=1e-4)
    assert history["identity_loss"][0] == pytest.approx(want["identity"], rel=1e-4)
    assert history["d_a_loss"][0] == pytest.approx(want["d_a_loss"], rel=1e-4)
    assert history["d_b_loss"][0] == pytest.approx(want["d_b_loss"], rel=1e-4)
    # and the step moved the weights
    assert float(model.generator_losses(a, b, training=False)["g_loss"]) != pytest.approx(
        total, rel=1e-4)
