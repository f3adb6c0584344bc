"""Replicas draw distinct noise even on a ragged last batch, fresh critic minibatches
train on 2 replicas exactly like on one device, and `compile()` in a strategy scope
before the data is seen takes the data's defaults."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).with_name("strategy_script.py")


@pytest.fixture(scope="module")
def result(run_script):
    return run_script(SCRIPT)


def test_a_ragged_batch_gets_distinct_noise_on_each_replica(result):
    first, second = (np.array(p) for p in result["per_replica"])
    assert first.shape == (3, 4) and second.shape == (2, 4)
    assert not np.isin(second, first).any()
    # and together they are the noise one device draws for the whole batch
    np.testing.assert_allclose(np.concatenate([first, second]), np.array(result["whole"]),
                               rtol=1e-6)


def test_a_ragged_batch_seeds_the_same_clusters_as_one_device(result):
    # k-means++ runs on the rows of every replica (gathered, padding dropped), so a ragged
    # batch seeds and updates the centres as one device does with the whole batch
    two, one = (np.array(c) for c in result["clusters"])
    assert np.abs(one).max() > 0.1  # the update moved the centres off their zeros
    np.testing.assert_allclose(two, one, rtol=1e-5, atol=1e-6)


def test_fresh_critic_minibatches_match_one_device(result):
    moved, gap = result["fresh"]["moved"], result["fresh"]["gap"]
    assert moved > 1e-3
    assert gap < 1e-5 + 1e-3 * moved


def test_compile_before_data_takes_the_vector_defaults_under_a_strategy(result):
    deferred = result["deferred"]
    assert deferred["optimizer"][0] == deferred["expected"][0]
    assert deferred["optimizer"][1] == pytest.approx(deferred["expected"][1])
    assert deferred["steps"] == 4
    assert all(np.isfinite(deferred["d_loss"]))


def test_train_on_batch_under_another_strategy_in_the_same_process(result):
    logs = result["on_batch"]
    assert {"VAE_loss", "VAE_test_loss", "GAN_d_loss", "GAN_test_g_loss"} <= set(logs)
    assert all(np.isfinite(value) for value in logs.values())
