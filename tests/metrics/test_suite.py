"""Specification of `kg.metrics.MetricSuite`: the same numbers as the metrics one by one,
from features extracted once."""

import numpy as np
import pytest

import keras_genmodels as kg


def test_the_suite_gives_each_metric_its_own_value():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(300, 4)).astype("float32")
    fake = (rng.normal(size=(300, 4)) * 1.3 + 0.2).astype("float32")
    suite = kg.metrics.MetricSuite(real, metrics=("fid", "precision_recall", "coverage"))
    results = suite(fake)
    assert set(results) == {"fid", "precision", "recall", "density", "coverage"}
    assert results["fid"] == pytest.approx(kg.metrics.fid(real, fake, extractor=None))
    pr = kg.metrics.precision_recall(real, fake)
    assert (results["precision"], results["recall"]) == pytest.approx(
        (pr["precision"], pr["recall"]))
    assert results["coverage"] == pytest.approx(
        kg.metrics.density_coverage(real, fake)["coverage"])
    # a set closer to the reference scores a lower FID with the same suite
    assert suite(real[::-1] + 0.01)["fid"] < results["fid"]


def test_the_reference_is_read_once(monkeypatch):
    calls = []

    class CountingExtractor(kg.metrics.FeatureExtractor):
        name = "counting"

        def features(self, x, batch_size=256):
            calls.append(len(x))
            return np.asarray(x, "float32").reshape(len(x), -1)

    real = np.random.default_rng(1).normal(size=(64, 3)).astype("float32")
    suite = kg.metrics.MetricSuite(real, metrics=("fid",), extractor=CountingExtractor())
    suite(real + 1.0)
    suite(real + 2.0)
    assert calls == [64, 64, 64]  # the reference once, each generated set once
