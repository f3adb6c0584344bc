"""The `keras-genmodels` command: demo and train write logs, PNGs and a model."""

from __future__ import annotations

import numpy as np
import pytest

from keras_genmodels import cli


def test_train_writes_logs_pngs_and_a_loadable_model(tmp_path, mnist10k_path, capsys):
    import keras

    log_dir = tmp_path / "run"
    # a small npz in Keras' layout, passed as the dataset path
    with np.load(mnist10k_path) as archive:
        small = tmp_path / "small.npz"
        np.savez(small, x_train=archive["x_train"][:256], y_train=archive["y_train"][:256],
                 x_test=archive["x_test"][:64], y_test=archive["y_test"][:64])
    code = cli.main(["train", "--model", "vae", "--dataset", str(small), "--epochs", "1",
                     "--batch-size", "64", "--latent-dim", "2", "--log-dir", str(log_dir)])
    assert code == 0
    assert f"tensorboard --logdir {log_dir}" in capsys.readouterr().out
    assert list((log_dir / "train").glob("events.out.tfevents.*"))
    assert list((log_dir / "images").glob("events.out.tfevents.*"))
    assert (log_dir / "png" / "samples_epoch0001.png").exists()
    for picture in ("reconstructions", "latent_traversal", "latent_interpolation"):
        assert (log_dir / "png" / f"{picture}_epoch0001.png").exists(), picture
    assert (log_dir / "projector" / "projector_config.pbtxt").exists()
    model = keras.models.load_model(log_dir / "model.keras")
    assert model.latent_dim == 2 and model.data_shape == (28, 28, 1)


def test_train_conditional_on_shapes(tmp_path, monkeypatch):
    from keras_genmodels import datasets

    real_load = datasets.load
    monkeypatch.setattr(datasets, "load",
                        lambda name, **kw: real_load(name, num_train=128, num_test=32, **kw))
    code = cli.main(["train", "--model", "cvae", "--dataset", "shapes", "--epochs", "1",
                     "--log-dir", str(tmp_path)])
    assert code == 0
    assert (tmp_path / "png" / "samples_final.png").exists()


def test_demo_runs_with_fewer_epochs(tmp_path, capsys):
    assert cli.main(["demo", "--epochs", "1", "--log-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "tensorboard --logdir" in out
    assert (tmp_path / "png" / "samples_epoch0001.png").exists()


def test_bad_dataset_is_a_clear_error(tmp_path, capsys):
    code = cli.main(["train", "--dataset", "imagenet", "--log-dir", str(tmp_path)])
    assert code == 2
    assert "Expected one of" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["--help"], ["demo", "--help"], ["train", "--help"]])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(command)
    assert exit_info.value.code == 0
    assert "usage: keras-genmodels" in capsys.readouterr().out
