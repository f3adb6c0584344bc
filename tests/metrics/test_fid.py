"""FID and KID: known answers for Gaussians, agreement with scipy, unbiasedness of KID."""

import numpy as np
import pytest
import scipy.linalg
import tensorflow as tf

from keras_genmodels.metrics.fid import fid, frechet_distance, frechet_distance_from_moments, kid


def _gaussian(n, mean, cov, seed):
    return np.random.default_rng(seed).multivariate_normal(mean, cov, size=n)


def _random_cov(d, seed):
    a = np.random.default_rng(seed).normal(size=(d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


def _closed_form(mean_a, cov_a, mean_b, cov_b):
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)), as pytorch-fid computes it."""
    root = scipy.linalg.sqrtm(cov_a @ cov_b).real
    diff = mean_a - mean_b
    return diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(root)


def test_a_set_against_itself_is_zero():
    x = np.random.default_rng(0).normal(size=(500, 16))
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-9)
    assert fid(x, x, extractor=None) == pytest.approx(0.0, abs=1e-9)


def test_two_gaussian_samples_match_the_closed_form():
    d = 4
    mean_a, mean_b = np.zeros(d), np.array([1.0, -0.5, 0.0, 2.0])
    cov_a, cov_b = _random_cov(d, 1), _random_cov(d, 2)
    expected = _closed_form(mean_a, cov_a, mean_b, cov_b)
    got = frechet_distance(_gaussian(20_000, mean_a, cov_a, 3), _gaussian(20_000, mean_b, cov_b, 4))
    # sampling error of the moments of 20,000 draws: a few hundredths here
    assert got == pytest.approx(expected, abs=0.1)
    assert expected > 5.0


def test_agrees_with_scipy_sqrtm_on_the_sample_moments():
    a = _gaussian(300, np.zeros(12), _random_cov(12, 5), 6)
    b = _gaussian(400, np.ones(12), _random_cov(12, 7), 8)
    moments = [(x.mean(0), np.cov(x, rowvar=False)) for x in (a, b)]
    expected = _closed_form(*moments[0], *moments[1])
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)
    assert frechet_distance_from_moments(*moments[0], *moments[1]) == pytest.approx(
        expected, rel=1e-9)


def test_singular_covariances_stay_real_and_consistent():
    # fewer samples than dimensions: both covariances are singular
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(10, 40)), rng.normal(size=(12, 40)) + 0.3
    got = frechet_distance(a, b)
    assert isinstance(got, float) and np.isfinite(got) and got > 0
    # the symmetric form sqrt(S_a) S_b sqrt(S_a), through scipy, gives the same trace
    (mean_a, cov_a), (mean_b, cov_b) = [(x.mean(0), np.cov(x, rowvar=False)) for x in (a, b)]
    root_a = scipy.linalg.sqrtm(cov_a).real
    middle = scipy.linalg.sqrtm(root_a @ cov_b @ root_a).real
    diff = mean_a - mean_b
    expected = diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(middle)
    assert got == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)


def test_from_moments_of_diagonal_gaussians():
    var_a, var_b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 4.0, 1.0])
    mean_a, mean_b = np.zeros(3), np.array([3.0, 0.0, 4.0])
    expected = 25.0 + np.sum((np.sqrt(var_a) - np.sqrt(var_b)) ** 2)
    got = frechet_distance_from_moments(mean_a, np.diag(var_a), mean_b, np.diag(var_b))
    assert got == pytest.approx(expected, rel=1e-12)


def test_fid_reads_datasets_and_extractors():
    x = np.random.default_rng(1).uniform(size=(64, 3, 3, 1)).astype("float32")
    y = x[::-1] * 0.5
    direct = frechet_distance(x.reshape(64, -1), y.reshape(64, -1))
    dataset = tf.data.Dataset.from_tensor_slices((y, np.zeros(64))).batch(10)
    assert fid(x, dataset, extractor=None) == pytest.approx(direct, rel=1e-6)

    class Means:
        def features(self, images, batch_size=256):
            return images.reshape(len(images), 9)[:, :2]

    assert fid(x, y, extractor=Means()) == pytest.approx(
        frechet_distance(x.reshape(64, -1)[:, :2], y.reshape(64, -1)[:, :2]), rel=1e-6)


def test_bad_inputs_raise_errors_naming_the_argument():
    a = np.zeros((5, 3))
    with pytest.raises(ValueError, match="`features_a` has 3 features per row but `features_b` "
                                         "has 4"):
        frechet_distance(a, np.zeros((5, 4)))
    with pytest.raises(ValueError, match="`features_b` needs at least 2 rows"):
        frechet_distance(a, np.zeros((1, 3)))
    with pytest.raises(ValueError, match="`features_a` contains 1 NaN"):
        frechet_distance(np.array([[np.nan, 0, 0]] + [[0, 0, 0]] * 4), a)
    with pytest.raises(TypeError, match="`features_a` must be a numeric array"):
        frechet_distance("features.npy", a)
    with pytest.raises(ValueError, match=r"`cov_b` must be a covariance matrix of shape \(3, 3\)"):
        frechet_distance_from_moments(np.zeros(3), np.eye(3), np.zeros(3), np.eye(2))
    with pytest.raises(ValueError, match="`real` has 3 features per example but `generated` "
                                         "has 2"):
        fid(a, np.zeros((5, 2)), extractor=None)
    with pytest.raises(ValueError, match="`subset_size` must be an integer >= 2"):
        kid(a, a, extractor=None, subset_size=1)


def _mmd2_unbiased(x, y):
    """The unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3, written out in float64."""
    d = x.shape[1]
    k_xx, k_yy, k_xy = [(p @ q.T / d + 1) ** 3 for p, q in ((x, x), (y, y), (x, y))]
    m, n = len(x), len(y)
    return ((k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
            + (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1)) - 2 * k_xy.mean())


def test_kid_with_whole_sets_equals_the_written_out_mmd():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(80, 6)), rng.normal(size=(80, 6)) * 1.2 + 0.3
    result = kid(x, y, extractor=None, num_subsets=3, subset_size=80)
    assert set(result) == {"kid", "kid_std"}
    assert result["kid"] == pytest.approx(_mmd2_unbiased(x, y), rel=1e-5)
    assert result["kid_std"] == pytest.approx(0.0, abs=1e-6 * abs(result["kid"]))
    # a subset larger than the sets is reduced to their size
    assert kid(x, y, extractor=None, num_subsets=2, subset_size=1000)["kid"] == pytest.approx(
        result["kid"], rel=1e-5)


def test_kid_is_near_zero_for_one_distribution_and_positive_for_two():
    rng = np.random.default_rng(1)
    same = kid(rng.normal(size=(1000, 16)), rng.normal(size=(1000, 16)), extractor=None,
               num_subsets=20, subset_size=200)
    shifted = kid(rng.normal(size=(1000, 16)), rng.normal(size=(1000, 16)) + 0.5,
                  extractor=None, num_subsets=20, subset_size=200)
    assert abs(same["kid"]) < 0.01 < shifted["kid"] - 3 * shifted["kid_std"]
    assert same["kid_std"] > 0


def test_kid_is_unbiased_where_the_plain_estimate_is_not():
    values, biased = [], []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        x, y = rng.normal(size=(40, 4)), rng.normal(size=(40, 4))
        values.append(kid(x, y, extractor=None, num_subsets=1, subset_size=40, seed=seed)["kid"])
        d = 4
        biased.append(sum(s * ((p @ q.T / d + 1) ** 3).mean()
                          for s, (p, q) in ((1, (x, x)), (1, (y, y)), (-2, (x, y)))))
    standard_error = np.std(values) / np.sqrt(len(values))
    assert abs(np.mean(values)) < 3 * standard_error
    assert np.mean(biased) > 10 * standard_error  # the V-statistic is clearly biased up


def test_real_digits_are_close_and_noise_is_far_in_classifier_features(mnist):
    (x_train, _), (x_test, _) = mnist
    noise = np.random.default_rng(0).uniform(size=(500, 28, 28, 1)).astype("float32")
    close = fid(x_train[:500], x_test[:500], extractor="mnist10k")
    assert close < 5.0 < 100 * close < fid(x_test[:500], noise, extractor="mnist10k")
