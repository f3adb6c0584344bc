"""Specification: Keras' learning-rate callbacks act on every optimizer of a model with
several networks, each following `model.optimizer`'s rate by the same factor."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_genmodels as kg


def _rates(model) -> list[float]:
    return [float(np.asarray(getattr(model, slot).learning_rate if slot != "optimizer"
                             else model.optimizer.learning_rate))
            for slot in model.optimizer_slots]


def _gan():
    model = kg.GAN(4, seed=0, clusters=None, data_shape=(2,))
    model.compile(g_optimizer=keras.optimizers.Adam(1e-3), d_optimizer=keras.optimizers.Adam(4e-3))
    return model


def test_reduce_lr_on_plateau_reduces_every_network():
    x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    model = _gan()
    # min_delta so large that every epoch after the first is a plateau: the rate halves
    # after epochs 2 and 3, for both networks
    plateau = keras.callbacks.ReduceLROnPlateau("g_loss", factor=0.5, patience=0,
                                                min_delta=1e9, mode="min")
    model.fit(x, epochs=3, batch_size=32, verbose=0, callbacks=[plateau])
    np.testing.assert_allclose(_rates(model), [1e-3 / 4, 4e-3 / 4], rtol=1e-5)


@pytest.mark.parametrize("family", ["GAN", "VAEGAN"])
def test_learning_rate_scheduler_sets_the_first_and_the_others_follow(family):
    x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    model = getattr(kg, family)(4, seed=0, data_shape=(2,))
    model.compile()
    before = _rates(model)
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, rate: before[0] * 0.1**epoch)
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(_rates(model)))
    model.fit(x, epochs=3, batch_size=32, verbose=0, callbacks=[schedule, record])
    # each batch of epoch e ran at 0.1^e times every starting rate
    for step, rates in enumerate(seen):
        np.testing.assert_allclose(rates, [r * 0.1 ** (step // 2) for r in before], rtol=1e-5)
    assert len(model.optimizer_slots) == (3 if family == "VAEGAN" else 2)
