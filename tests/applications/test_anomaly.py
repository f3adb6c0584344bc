"""AnomalyDetector: a VAE trained on one digit scores the other digits higher."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

import keras_genmodels as kg
from keras_genmodels.applications import AnomalyDetector


@pytest.fixture(scope="module")
def heldout(digits):
    """Test digits: 1s are normal, every other digit is an anomaly."""
    _, (x_test, y_test) = digits
    return x_test[:400], y_test[:400] != 1


@pytest.mark.parametrize("score", ["elbo", "iwae", "reconstruction"])
def test_other_digits_score_higher_than_the_training_digit(ones_vae, heldout, score):
    x, is_anomaly = heldout
    values = AnomalyDetector(ones_vae, score=score, num_samples=8).score(x)
    assert values.shape == (len(x),) and values.dtype == np.float64
    assert values[is_anomaly].mean() > values[~is_anomaly].mean()
    result = AnomalyDetector(ones_vae, score=score, num_samples=8).evaluate(x, is_anomaly)
    assert result["auroc"] > 0.95
    assert result["auprc"] > 0.95
    assert result["threshold"] is None and "true_positives" not in result


def test_iwae_score_is_at_most_the_elbo_score(ones_vae, heldout):
    x = heldout[0][:50]
    elbo = AnomalyDetector(ones_vae, "elbo", num_samples=32).score(x)
    iwae = AnomalyDetector(ones_vae, "iwae", num_samples=32).score(x)
    assert np.all(iwae <= elbo + 1e-4)  # L_K >= mean of the log-weights (Jensen)


def test_threshold_flags_about_one_minus_quantile_of_normal_data(ones_vae, digits):
    (x_train, y_train), (x_test, y_test) = digits
    normal = x_test[y_test == 1]
    calibration, fresh = normal[: len(normal) // 2], normal[len(normal) // 2:]
    detector = AnomalyDetector(ones_vae, num_samples=8).fit(calibration, quantile=0.9)
    assert detector.quantile == 0.9
    assert detector.predict(calibration).mean() == pytest.approx(0.1, abs=0.01)
    assert detector.predict(fresh).mean() == pytest.approx(0.1, abs=0.08)
    same = AnomalyDetector(ones_vae, num_samples=8).fit(calibration, false_positive_rate=0.1)
    assert same.threshold == pytest.approx(detector.threshold)
    is_anomaly = y_test[:300] != 1
    result = detector.evaluate(x_test[:300], is_anomaly)
    flagged = detector.predict(x_test[:300])
    assert result["true_positives"] == int(np.sum(flagged & is_anomaly))
    assert result["false_positives"] == int(np.sum(flagged & ~is_anomaly))


def test_save_and_load_keep_scores_and_threshold(ones_vae, heldout, tmp_path):
    x, _ = heldout
    detector = AnomalyDetector(ones_vae, score="iwae", num_samples=4, seed=3).fit(x[:100])
    detector.save(tmp_path / "ones.json")
    document = json.loads((tmp_path / "ones.json").read_text())
    assert document["model_path"] == "ones.keras" and document["score"] == "iwae"
    restored = AnomalyDetector.load(tmp_path / "ones.json")
    assert restored.threshold == detector.threshold and restored.quantile == 0.95
    np.testing.assert_array_equal(restored.score(x[:64]), detector.score(x[:64]))
    np.testing.assert_array_equal(restored.predict(x[:64]), detector.predict(x[:64]))
    detector.save(tmp_path / "other" / "d.json", model_path=tmp_path / "ones.keras")
    assert json.loads((tmp_path / "other" / "d.json").read_text())["model_path"] == \
        "../ones.keras"
    assert AnomalyDetector.load(tmp_path / "other" / "d.json").threshold == detector.threshold


def test_conditional_vae_scores_with_labels(digits, vae_trainer):
    (x_train, y_train), (x_test, y_test) = digits
    cvae = vae_trainer(x_train[:1000], epochs=2, labels=y_train[:1000], num_classes=10)
    detector = AnomalyDetector(cvae, num_samples=4)
    values = detector.score(x_test[:20], y_test[:20])
    assert values.shape == (20,) and np.all(np.isfinite(values))
    # a digit paired with a wrong label is less likely under p(x | y)
    wrong = detector.score(x_test[:20], (y_test[:20] + 5) % 10)
    assert wrong.mean() > values.mean()
    with pytest.raises(ValueError, match="labels"):
        detector.score(x_test[:20])


def test_gan_discriminator_and_latent_search_scores(digits):
    (x_train, _), (x_test, _) = digits
    keras.utils.set_random_seed(0)
    flat = x_train[:512].reshape(512, -1)
    gan = kg.GAN(latent_dim=8, seed=0)
    gan.compile()
    gan.fit(flat, epochs=1, batch_size=64, verbose=0)
    x = x_test[:16].reshape(16, -1)
    values = AnomalyDetector(gan, score="discriminator").score(x)
    assert values.shape == (16,) and np.all(np.isfinite(values))
    short = AnomalyDetector(gan, score="latent_search", latent_steps=1).score(x)
    long = AnomalyDetector(gan, score="latent_search", latent_steps=40).score(x)
    assert long.mean() < short.mean()  # the search lowers the AnoGAN loss
    np.testing.assert_array_equal(
        long, AnomalyDetector(gan, score="latent_search", latent_steps=40).score(x))


def test_vaegan_reconstruction_and_discriminator_scores(digits):
    (x_train, _), (x_test, _) = digits
    keras.utils.set_random_seed(0)
    vaegan = kg.VAEGAN(latent_dim=8, seed=0)
    vaegan.compile()
    vaegan.fit(x_train[:256].reshape(256, -1), epochs=1, batch_size=64, verbose=0)
    x = x_test[:8].reshape(8, -1)
    for score in ("reconstruction", "discriminator"):
        values = AnomalyDetector(vaegan, score=score).score(x)
        assert values.shape == (8,) and np.all(np.isfinite(values))


def test_clear_errors(ones_vae, heldout):
    x, _ = heldout
    with pytest.raises(ValueError, match="Unknown `score` 'likelihood'"):
        AnomalyDetector(ones_vae, score="likelihood")
    with pytest.raises(TypeError, match="discriminator"):
        AnomalyDetector(ones_vae, score="discriminator")
    detector = AnomalyDetector(ones_vae)
    with pytest.raises(ValueError, match="call `fit"):
        detector.predict(x[:4])
    with pytest.raises(ValueError, match="not both"):
        detector.fit(x[:20], quantile=0.9, false_positive_rate=0.1)
    with pytest.raises(ValueError, match="`quantile` must lie strictly between 0 and 1"):
        detector.fit(x[:20], quantile=1.5)
    with pytest.raises(ValueError, match=".json"):
        detector.save("detector.keras")
