"""The data of the command's `--dataset`, `--data-path` and `--limit` flags."""

from __future__ import annotations

import numpy as np
import pytest

from keras_genmodels.datasets.command_line import MIN_LIMIT, load_for_command


def test_a_name_is_loaded_and_cut_to_the_limit():
    (x_train, y_train), (x_test, y_test) = load_for_command("ring8", None, seed=0, limit=32)
    assert x_train.shape == (32, 2) and y_train.shape == (32,)
    assert x_test.shape == (32, 2) and y_test.shape == (32,)


def test_a_npz_path_is_read_in_keras_layout(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "small.npz"
    np.savez(path, x_train=rng.integers(0, 256, (12, 28, 28), np.uint8),
             y_train=np.arange(12) % 10, x_test=rng.integers(0, 256, (9, 28, 28), np.uint8),
             y_test=np.arange(9) % 10)
    (x_train, _), (x_test, _) = load_for_command(str(path), None, seed=0)
    assert x_train.shape == (12, 28, 28, 1) and x_test.shape == (9, 28, 28, 1)
    assert x_train.dtype == np.float32 and 0.0 <= x_train.min() <= x_train.max() <= 1.0


@pytest.mark.parametrize(
    "args, error, match",
    [
        (("shapes", None, 0, MIN_LIMIT - 1), ValueError, "`--limit` must be an integer >= 8"),
        (("missing/file.npz", None, 0), FileNotFoundError, "`--dataset` 'missing/file.npz'"),
        (("ring8", "x.npz", 0), ValueError, "`--data-path` is only for image datasets"),
    ],
)
def test_bad_flags_are_refused_by_name(args, error, match):
    with pytest.raises(error, match=match):
        load_for_command(*args)
