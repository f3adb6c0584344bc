"""Specification of `make_dataset`, the tf.data input pipeline."""

import numpy as np
import pytest
import tensorflow as tf

from keras_genmodels.datasets import make_dataset


@pytest.fixture
def data():
    x = np.arange(10 * 4 * 4, dtype=np.float32).reshape(10, 4, 4, 1)
    y = np.arange(10, dtype=np.int32)
    return x, y


def _ids(batches):
    # Each example's first pixel is unique: recover which examples a pass yielded.
    return [int(v) // 16 for batch in batches for v in np.asarray(batch)[:, 0, 0, 0]]


def test_x_only_batches(data):
    x, _ = data
    dataset = make_dataset(x, batch_size=4, shuffle=False)
    assert isinstance(dataset, tf.data.Dataset)
    batches = list(dataset.as_numpy_iterator())
    assert [b.shape for b in batches] == [(4, 4, 4, 1), (4, 4, 4, 1), (2, 4, 4, 1)]
    assert batches[0].dtype == np.float32
    assert _ids(batches) == list(range(10))


def test_xy_batches_keep_pairs_together(data):
    x, y = data
    batches = list(make_dataset(x, y, batch_size=3, seed=1).as_numpy_iterator())
    assert all(isinstance(b, tuple) and len(b) == 2 for b in batches)
    for xb, yb in batches:
        assert xb.shape[0] == yb.shape[0]
        np.testing.assert_array_equal(xb[:, 0, 0, 0] // 16, yb)
    assert sorted(np.concatenate([yb for _, yb in batches]).tolist()) == list(range(10))


def test_every_epoch_covers_each_example_once_in_a_new_order(data):
    x, _ = data
    dataset = make_dataset(x, batch_size=4, seed=0)
    epochs = [_ids(dataset.as_numpy_iterator()) for _ in range(3)]
    for order in epochs:
        assert sorted(order) == list(range(10))
    assert len({tuple(order) for order in epochs}) > 1  # reshuffled each iteration
    assert epochs[0] != list(range(10))


def test_seed_makes_the_order_reproducible(data):
    x, _ = data
    first = _ids(make_dataset(x, batch_size=10, seed=3).as_numpy_iterator())
    second = _ids(make_dataset(x, batch_size=10, seed=3).as_numpy_iterator())
    assert first == second


def test_drop_remainder(data):
    x, _ = data
    dataset = make_dataset(x, batch_size=4, drop_remainder=True)
    assert [b.shape[0] for b in dataset.as_numpy_iterator()] == [4, 4]
    assert dataset.element_spec.shape[0] == 4


def test_repeat_keeps_epochs_whole(data):
    x, _ = data
    dataset = make_dataset(x, batch_size=4, repeat=True, seed=0)
    batches = list(dataset.take(6).as_numpy_iterator())
    assert [b.shape[0] for b in batches] == [4, 4, 2, 4, 4, 2]
    assert sorted(_ids(batches[:3])) == list(range(10))
    assert sorted(_ids(batches[3:])) == list(range(10))


def test_without_cache(data):
    x, y = data
    batches = list(make_dataset(x, y, batch_size=5, cache=False).as_numpy_iterator())
    assert len(batches) == 2


def test_dict_labels(data):
    x, y = data
    factors = {"shape": y, "scale": y.astype(np.float32) / 10}
    xb, yb = next(iter(make_dataset(x, factors, batch_size=10, shuffle=False)))
    assert set(yb) == {"shape", "scale"}
    np.testing.assert_allclose(yb["scale"].numpy(), np.arange(10) / 10)


@pytest.mark.parametrize("batch_size", [0, -3])
def test_batch_size_must_be_positive(data, batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        make_dataset(data[0], batch_size=batch_size)


def test_batch_size_must_be_an_integer(data):
    with pytest.raises(TypeError, match="batch_size"):
        make_dataset(data[0], batch_size=2.5)


def test_label_count_must_match(data):
    x, y = data
    with pytest.raises(ValueError, match=r"`y`.*10.*\(7,\)"):
        make_dataset(x, y[:7])
    with pytest.raises(ValueError, match=r"y\['scale'\]"):
        make_dataset(x, {"shape": y, "scale": y[:3]})


def test_empty_x_is_rejected():
    with pytest.raises(ValueError, match="`x`"):
        make_dataset(np.zeros((0, 2), np.float32))
