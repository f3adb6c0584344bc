"""ConditionalSampler: class, count, seed, truncation and re-sampling change the grid."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow_probability as tfp

import keras_genmodels as kg
from keras_genmodels.widgets import ConditionalSampler


def test_changing_the_class_changes_the_image(cvae):
    sampler = ConditionalSampler(cvae, num_samples=4)
    before = bytes(sampler.image.value)
    sampler.class_picker.value = 2
    sampler.update()
    assert bytes(sampler.image.value) != before
    np.testing.assert_allclose(sampler.samples, cvae.sample(4, seed=0, labels=2), atol=1e-6)


def test_count_seed_and_resample(vae):
    sampler = ConditionalSampler(vae, num_samples=4, seed=3)
    assert sampler.class_picker is None
    np.testing.assert_allclose(sampler.samples, vae.sample(4, seed=3), atol=1e-6)
    sampler.num_samples.value = 9
    sampler.update()
    assert sampler.samples.shape == (9, 28, 28, 1)
    before = bytes(sampler.image.value)
    sampler.resample_button.click()
    assert sampler.seed.value == 4 and bytes(sampler.image.value) != before
    np.testing.assert_allclose(sampler.samples, vae.sample(9, seed=4), atol=1e-6)


def test_truncation_clips_the_codes(vae):
    sampler = ConditionalSampler(vae, num_samples=16, truncation=0.5)
    assert sampler.supports_truncation and sampler.truncate.value
    assert sampler.truncation_row.layout.display is None
    assert np.abs(sampler.codes).max() <= 0.5 + 1e-6
    truncated = bytes(sampler.image.value)
    sampler.truncate.value = False
    sampler.update()
    assert np.abs(sampler.codes).max() > 0.5 and bytes(sampler.image.value) != truncated


def test_truncation_is_hidden_when_the_prior_does_not_factorise():
    tfd = tfp.distributions
    prior = tfd.MultivariateNormalTriL(np.zeros(2, "float32"),
                                       np.array([[1.0, 0.0], [0.5, 1.0]], "float32"))
    model = kg.GAN(2, prior=prior, data_shape=(2,), seed=0)
    sampler = ConditionalSampler(model, num_samples=8)
    assert not sampler.supports_truncation
    assert sampler.truncation_row.layout.display == "none"
    with pytest.raises(ValueError, match="`truncation` must be None for GAN"):
        ConditionalSampler(model, truncation=1.0)


def test_bad_arguments_are_refused(vae):
    with pytest.raises(ValueError, match=r"`num_samples` must be in \[1, 64\].*got 65"):
        ConditionalSampler(vae, num_samples=65)
    with pytest.raises(TypeError, match="`num_samples` must be an integer >= 1, got 2.5"):
        ConditionalSampler(vae, num_samples=2.5)
    with pytest.raises(ValueError, match="`truncation` must be a finite number > 0, got -1"):
        ConditionalSampler(vae, truncation=-1)
    with pytest.raises(ValueError, match="`seed` must be an integer >= 0, got -1"):
        ConditionalSampler(vae, seed=-1)
    with pytest.raises(ValueError, match="needs a built model"):
        ConditionalSampler(kg.VAE(2))
