"""Perceptual path length: the paper's formula (slerp in Z, lerp in W, epsilon 1e-4) against
a float64 computation of the same network, the closed form of a linear generator, zero for
a constant one."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_genmodels as kg


class LinearGenerator:
    """A stand-in model: codes from a seeded Gaussian, outputs `z @ weights`."""

    conditional = False

    def __init__(self, weights: np.ndarray) -> None:
        self.weights = weights

    def sample_latent(self, n, seed=None):
        return np.random.default_rng(seed).standard_normal((n, self.weights.shape[0]))

    def generate_batched(self, z, labels=None, batch_size=256):
        return np.asarray(z, np.float32) @ self.weights


class TanhGenerator:
    """A stand-in model: Gaussian codes through a fixed random two-layer tanh network, a
    float32 Keras model; `reference` is the same network in float64 numpy."""

    conditional = False

    def __init__(self, latent_dim: int = 6, hidden: int = 32, outputs: int = 20) -> None:
        rng = np.random.default_rng(0)
        self.latent_dim = latent_dim
        self.weights = [rng.normal(size=(latent_dim, hidden)) * 3.0 / np.sqrt(latent_dim),
                        rng.normal(size=hidden) * 0.5,
                        rng.normal(size=(hidden, outputs)) * 2.0 / np.sqrt(hidden),
                        rng.normal(size=outputs) * 0.5]
        self.network = keras.Sequential([keras.Input((latent_dim,)),
                                         keras.layers.Dense(hidden, activation="tanh"),
                                         keras.layers.Dense(outputs, activation="tanh")])
        self.network.set_weights([w.astype(np.float32) for w in self.weights])

    def sample_latent(self, n, seed=None):
        return np.random.default_rng(seed).standard_normal((n, self.latent_dim))

    def generate_batched(self, z, labels=None, batch_size=256):
        return np.asarray(self.network(np.asarray(z, np.float32)))

    def reference(self, z: np.ndarray) -> np.ndarray:
        w_1, b_1, w_2, b_2 = self.weights
        return np.tanh(np.tanh(z @ w_1 + b_1) @ w_2 + b_2)


def _great_circle(z_1, z_2, t):
    """Shoemake's slerp written out: the angle between the codes, turned through t of it."""
    cos = np.einsum("ij,ij->i", z_1, z_2) / (np.linalg.norm(z_1, axis=1)
                                             * np.linalg.norm(z_2, axis=1))
    omega = np.arccos(cos)[:, None]
    return (np.sin((1 - t) * omega) * z_1 + np.sin(t * omega) * z_2) / np.sin(omega)


def _straight(z_1, z_2, t):
    return (1 - t) * z_1 + t * z_2


def _expected_length(model, path, epsilon, num_pairs, seed):
    """The paper's PPL in float64 from the codes and positions the metric draws."""
    z_1 = np.asarray(model.sample_latent(num_pairs, seed), np.float64)
    z_2 = np.asarray(model.sample_latent(num_pairs, seed + 1), np.float64)
    t = np.random.default_rng(seed).uniform(0.0, 1.0, size=(num_pairs, 1))
    step = model.reference(path(z_1, z_2, t + epsilon)) - model.reference(path(z_1, z_2, t))
    lengths = np.sum(step**2, axis=1) / epsilon**2
    # the paper's code: drop below the 1st percentile rounded down, above the 99th up
    low, high = np.sort(lengths)[[int(np.floor(0.01 * (num_pairs - 1))),
                                  int(np.ceil(0.99 * (num_pairs - 1)))]]
    return lengths[(lengths >= low) & (lengths <= high)].mean()


@pytest.mark.parametrize("interpolation, path", [("slerp", _great_circle), ("lerp", _straight)])
def test_a_nonlinear_generator_has_the_papers_length(interpolation, path):
    model = TanhGenerator()
    got = kg.metrics.perceptual_path_length(model, num_pairs=300, seed=3,
                                            interpolation=interpolation)
    assert got == pytest.approx(_expected_length(model, path, 1e-4, 300, 3), rel=1e-3)
    # the other path (12% away) or the old step 1e-2 (0.9% away) would fail that tolerance
    other = _straight if path is _great_circle else _great_circle
    assert got != pytest.approx(_expected_length(model, other, 1e-4, 300, 3), rel=5e-2)
    assert got != pytest.approx(_expected_length(model, path, 1e-2, 300, 3), rel=5e-3)


def test_an_explicit_epsilon_is_the_step():
    model = TanhGenerator()
    got = kg.metrics.perceptual_path_length(model, num_pairs=200, epsilon=1e-2,
                                            interpolation="lerp")
    assert got == pytest.approx(_expected_length(model, _straight, 1e-2, 200, 0), rel=1e-4)


def test_the_float32_floor_at_the_default_step():
    # The outputs' float32 round-off (u |g| ~ 3e-8 here) is divided by epsilon^2 = 1e-8
    # like the signal: about P (u |g|)^2 / epsilon^2 ~ 2e-6 for P = 20 outputs, seen on an
    # almost flat generator whose length is 0.026.
    model = TanhGenerator()
    model.weights[2] = model.weights[2] * 1e-2
    model.network.set_weights([w.astype(np.float32) for w in model.weights])
    got = kg.metrics.perceptual_path_length(model, num_pairs=300)
    expected = _expected_length(model, _great_circle, 1e-4, 300, 0)
    assert expected == pytest.approx(0.026, abs=1e-3)
    assert abs(got - expected) < 1e-5


def test_the_default_path_is_slerp_for_codes_of_the_prior():
    model = TanhGenerator()
    default = kg.metrics.perceptual_path_length(model, num_pairs=64)
    assert default == kg.metrics.perceptual_path_length(model, num_pairs=64,
                                                        interpolation="slerp")
    assert default != kg.metrics.perceptual_path_length(model, num_pairs=64,
                                                        interpolation="lerp")
    assert kg.metrics.perceptual_path_length(model, num_pairs=64, interpolation="linear") == (
        kg.metrics.perceptual_path_length(model, num_pairs=64, interpolation="lerp"))


@pytest.mark.parametrize("latent_space, path", [("w", "lerp"), ("z", "slerp")])
def test_the_default_path_of_a_stylegan_follows_its_latent_space(latent_space, path):
    model = kg.StyleGAN(latent_dim=8, channels=8, mapping_layers=1, seed=0,
                        latent_space=latent_space)
    model.build((None, 6, 6, 1))
    lengths = {name: kg.metrics.perceptual_path_length(model, num_pairs=8, interpolation=name)
               for name in ("auto", "lerp", "slerp")}
    assert lengths["auto"] == lengths[path]
    assert lengths["lerp"] != lengths["slerp"]


def test_a_linear_generator_has_the_closed_form_length():
    weights = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    model = LinearGenerator(weights)
    # g(z + eps (z2 - z1)) - g(z) = eps (z2 - z1) W, so each pair scores |(z2 - z1) W|^2
    step = (model.sample_latent(400, 8) - model.sample_latent(400, 7)) @ weights
    lengths = np.sum(step**2, axis=1)
    low, high = np.percentile(lengths, 1, method="lower"), np.percentile(lengths, 99,
                                                                         method="higher")
    expected = lengths[(lengths >= low) & (lengths <= high)].mean()
    got = kg.metrics.perceptual_path_length(model, num_pairs=400, seed=7, interpolation="lerp")
    assert got == pytest.approx(expected, rel=1e-3)


def test_a_constant_generator_has_length_zero():
    assert kg.metrics.perceptual_path_length(LinearGenerator(np.zeros((3, 5), np.float32)),
                                             num_pairs=16) == 0.0


@pytest.mark.parametrize("kwargs, message", [
    ({"num_pairs": 1}, "`num_pairs`"), ({"epsilon": 1.5}, "`epsilon`"),
    ({"epsilon": -1.0}, "`epsilon`"), ({"interpolation": "cubic"}, "`interpolation`"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        kg.metrics.perceptual_path_length(LinearGenerator(np.ones((2, 2), np.float32)), **kwargs)


def test_a_model_is_required():
    with pytest.raises(TypeError, match="`model`"):
        kg.metrics.perceptual_path_length(np.zeros((4, 2)))
