"""Perceptual path length: the formula on a linear generator, zero for a constant one."""

from __future__ import annotations

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


def test_a_linear_generator_has_the_closed_form_length():
    weights = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    model = LinearGenerator(weights)
    # g(z + eps (z2 - z1)) - g(z) = eps (z2 - z1) W, so each pair scores |(z2 - z1) W|^2
    step = (model.sample_latent(400, 8) - model.sample_latent(400, 7)) @ weights
    lengths = np.sum(step**2, axis=1)
    low, high = np.percentile(lengths, [1, 99])
    expected = lengths[(lengths >= low) & (lengths <= high)].mean()
    assert kg.metrics.perceptual_path_length(model, num_pairs=400, seed=7) == pytest.approx(
        expected, rel=1e-3)


def test_a_constant_generator_has_length_zero():
    assert kg.metrics.perceptual_path_length(LinearGenerator(np.zeros((3, 5), np.float32)),
                                             num_pairs=16) == 0.0


@pytest.mark.parametrize("kwargs, message", [
    ({"num_pairs": 1}, "`num_pairs`"), ({"epsilon": 1.5}, "`epsilon`"),
    ({"epsilon": -1.0}, "`epsilon`"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        kg.metrics.perceptual_path_length(LinearGenerator(np.ones((2, 2), np.float32)), **kwargs)


def test_a_model_is_required():
    with pytest.raises(TypeError, match="`model`"):
        kg.metrics.perceptual_path_length(np.zeros((4, 2)))
