"""Several models trained one after another in one process under `tf.distribute`.

Every `MirroredStrategy` numbers its collective ops from the same keys and TensorFlow's
collective runtime remembers each key's shapes, so a second strategy's first all-reduce
used to fail with "Shape mismatch in the collective instance 100" (hardening issue,
item 1). `kg.collectives.isolate_collectives`, called by every model's `fit`, `evaluate`
and `predict`, gives each strategy keys of its own.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import tensorflow as tf

from keras_genmodels import collectives
from keras_genmodels.collectives import (
    FIRST_GROUP_KEY,
    GROUP_KEYS_PER_STRATEGY,
    isolate_collectives,
)

SCRIPT = Path(__file__).with_name("sequence_script.py")
RUNS = [
    *(f"own: {label}" for label in ("VAE", "WGANGP", "GAN", "VAE (one device)",
                                    "GAN (no strategy)", "ConditionalVAE", "VAEGAN")),
    *(f"shared: {name}" for name in ("VAE", "WGANGP", "VAEGAN")),
    "own: VAE again",
]


@pytest.fixture(scope="module")
def sequence(run_script):
    return run_script(SCRIPT, timeout=900)


@pytest.mark.slow
@pytest.mark.parametrize("run", RUNS)
def test_models_train_one_after_another_in_one_process(sequence, run):
    report = sequence[run]
    assert report["ok"], report["error"]
    assert report["moved"] > 1e-4  # the step really updated the weights
    losses = [v for values in report["losses"].values() for v in values]
    assert losses and all(abs(v) < 1e8 for v in losses), report["losses"]


@pytest.mark.slow
def test_first_model_still_fits_evaluates_and_predicts_after_the_others(sequence):
    report = sequence["own: VAE again"]
    assert report["ok"], report["error"]
    assert set(report["evaluate"]) >= {"loss", "kl", "reconstruction"}
    assert report["predict_shapes"][0][0] == 16


def test_each_mirrored_strategy_gets_group_keys_of_its_own():
    first, second = (tf.distribute.MirroredStrategy(["/cpu:0"]) for _ in range(2))
    keys = isolate_collectives(first), isolate_collectives(second)
    assert all(isinstance(key, int) and key >= FIRST_GROUP_KEY for key in keys)
    assert abs(keys[0] - keys[1]) >= GROUP_KEYS_PER_STRATEGY
    assert isolate_collectives(first) == keys[0]  # once per strategy: later calls keep it
    # the strategy still reduces across its replicas
    total = first.reduce("SUM", first.run(lambda: tf.constant([1.0, 2.0])), axis=None)
    assert total.numpy().tolist() == [1.0, 2.0]


def test_strategies_without_their_own_collective_keys_are_left_alone():
    assert isolate_collectives(tf.distribute.OneDeviceStrategy("/cpu:0")) is None
    assert isolate_collectives(tf.distribute.get_strategy()) is None
    assert isolate_collectives(None) is None


def test_cross_device_ops_given_by_the_user_are_kept():
    given = tf.distribute.ReductionToOneDevice()
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"], cross_device_ops=given)
    assert isolate_collectives(strategy) is not None
    assert strategy.extended._cross_device_ops is given


def test_missing_tensorflow_internals_fall_back_with_one_warning(monkeypatch):
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    monkeypatch.delattr(strategy.extended, "_collective_keys")
    monkeypatch.setattr(collectives, "_warned", False)
    with pytest.warns(RuntimeWarning, match="one strategy") as record:
        assert isolate_collectives(strategy) is None
    assert "_collective_keys" in str(record[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert isolate_collectives(strategy) is None  # warned once per process
