"""The `keras-genmodels` command: demo and train write logs, PNGs and a model, for every
model family, and print what a user needs and nothing of TensorFlow's start-up."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from keras_genmodels import cli
from keras_genmodels.models.defaults import OPTIMIZER_DEFAULTS

# TensorFlow's C++ start-up lines on a machine without a GPU (see keras_genmodels/quiet_start).
STARTUP_NOISE = re.compile(
    r"failed call to cuInit|CUDA error|cudart_stub|Could not find cuda drivers|This "
    r"TensorFlow binary is optimized|absl::InitializeLog|cpu_feature_guard|"
    r"oneDNN custom operations"
)


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


def test_the_first_line_says_the_precision_and_the_flag_sets_it(tmp_path, capsys):
    # the suite runs as on a CPU without bfloat16 units (tests/conftest.py): "auto" is float32
    args = ["train", "--model", "vae", "--dataset", "ring8", "--limit", "64", "--epochs",
            "1", "--batch-size", "32"]
    assert cli.main([*args, "--log-dir", str(tmp_path / "auto")]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("VAE (latent_dim=8, precision float32) on 64 training"), first
    assert cli.main([*args, "--precision", "mixed_bfloat16",
                     "--log-dir", str(tmp_path / "bf16")]) == 0
    assert "precision mixed_bfloat16)" in capsys.readouterr().out.splitlines()[0]
    with pytest.raises(SystemExit):
        cli.main([*args, "--precision", "half"])
    assert "argument --precision: invalid choice: 'half'" in capsys.readouterr().err


FAMILIES = {  # --model -> (class, has an encoder, conditional)
    "vae": ("VAE", True, False),
    "cvae": ("ConditionalVAE", True, True),
    "gan": ("GAN", False, False),
    "cgan": ("ConditionalGAN", False, True),
    "wgan": ("WGAN", False, False),
    "wgangp": ("WGANGP", False, False),
    "vaegan": ("VAEGAN", True, False),
}


def test_every_family_is_offered():
    assert set(cli.MODELS) == set(FAMILIES)


@pytest.mark.parametrize("model_name", list(FAMILIES))
def test_every_family_trains_with_logs_and_pictures(model_name, tmp_path, capsys):
    import keras

    class_name, has_encoder, conditional = FAMILIES[model_name]
    code = cli.main(["train", "--model", model_name, "--dataset", "shapes", "--limit", "32",
                     "--batch-size", "16", "--epochs", "1", "--log-dir", str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    assert f"{class_name} (latent_dim=" in capsys.readouterr().out
    assert list((tmp_path / "train").glob("events.out.tfevents.*"))  # Keras' scalars
    assert list((tmp_path / "images").glob("events.out.tfevents.*"))
    pngs = {p.name for p in (tmp_path / "png").glob("*.png")}
    expected = {"samples_final.png"} | {
        f"{picture}_epoch{epoch:04d}.png" for epoch in (0, 1)
        for picture in ("samples", "latent_traversal", "latent_interpolation")
        + (("reconstructions",) if has_encoder else ())
    }
    assert pngs == expected
    assert (tmp_path / "projector" / "projector_config.pbtxt").exists() == has_encoder
    model = keras.models.load_model(tmp_path / "model.keras")
    assert type(model).__name__ == class_name
    assert model.conditional == conditional and model.data_shape == (32, 32, 1)
    if conditional:
        assert model.num_classes == 4  # the four shapes


def test_the_command_leaves_the_likelihood_to_the_model():
    from keras_genmodels import datasets

    for name, expected in (("ring8", "gaussian"), ("shapes", "bernoulli")):
        data = datasets.load(name, num_train=64, num_test=16)
        vae = cli.build_model("vae", data)
        assert vae.get_config()["likelihood"] == "auto"  # the model's own default
        assert vae.likelihood.name == expected
    chosen = cli.build_model("vae", datasets.load("ring8", num_train=64, num_test=16),
                             likelihood="continuous_bernoulli")
    assert chosen.likelihood.name == "continuous_bernoulli"


def test_learning_rate_keeps_each_familys_optimizers():
    from keras_genmodels import datasets

    data = datasets.load("ring8", num_train=64, num_test=16)
    wgan = cli.build_model("wgan", data, learning_rate=1e-3)
    for optimizer in (wgan.optimizer, wgan.d_optimizer):
        assert type(optimizer).__name__ == "RMSprop"  # the WGAN paper's optimizer
        assert float(optimizer.learning_rate) == pytest.approx(1e-3)
    default = cli.build_model("wgan", data)
    vector_row = OPTIMIZER_DEFAULTS["WGAN"]["vector"]["*"]  # ring8 holds vectors
    assert float(default.d_optimizer.learning_rate) == pytest.approx(
        vector_row[1]["learning_rate"])


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--dataset", "imagenet"], "Expected one of"),
        (["--model", "gan", "--beta", "4"], r"`--beta` is only for vae and cvae.*'gan'"),
        (["--model", "wgan", "--likelihood", "gaussian"], "`--likelihood` is only for"),
        (["--limit", "3"], r"`--limit` must be an integer >= 8, got 3"),
        (["--dataset", "missing/file.npz"], "`--dataset` 'missing/file.npz' is not a file"),
        (["--dataset", "ring8", "--data-path", "x.npz"], "`--data-path` is only for image"),
    ],
)
def test_bad_arguments_are_clear_errors(args, match, tmp_path, capsys):
    code = cli.main(["train", *args, "--log-dir", str(tmp_path)])
    assert code == 2
    assert re.search(match, capsys.readouterr().err)


def test_unknown_model_is_refused_with_the_choices(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "--model", "diffusion"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'diffusion'" in err
    assert all(f"'{name}'" in err for name in FAMILIES)


def test_demo_runs_with_fewer_epochs(tmp_path, capsys):
    assert cli.main(["demo", "--epochs", "1", "--log-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "tensorboard --logdir" in out
    assert (tmp_path / "png" / "samples_epoch0001.png").exists()


@pytest.mark.parametrize("command", [["--help"], ["demo", "--help"], ["train", "--help"]])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(command)
    assert exit_info.value.code == 0
    assert "usage: keras-genmodels" in capsys.readouterr().out


def _user_env() -> dict[str, str]:
    """The environment of a user's shell: no TF_CPP_MIN_LOG_LEVEL (the tests set one)."""
    return {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}


def test_command_prints_no_tensorflow_startup_lines(tmp_path):
    script = Path(sys.executable).parent / "keras-genmodels"
    assert script.exists(), "the console script is installed with the package"
    result = subprocess.run(
        [str(script), "train", "--model", "vae", "--limit", "16", "--batch-size", "16",
         "--epochs", "1", "--log-dir", str(tmp_path / "run")],
        capture_output=True, text=True, timeout=300, env=_user_env(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not STARTUP_NOISE.search(result.stdout + result.stderr), result.stderr
    assert result.stderr == ""
    assert f"tensorboard --logdir {tmp_path / 'run'}" in result.stdout
    # the same for `python -m keras_genmodels.cli`
    result = subprocess.run([sys.executable, "-m", "keras_genmodels.cli", "--help"],
                            capture_output=True, text=True, timeout=300, env=_user_env())
    assert result.returncode == 0 and "usage: keras-genmodels" in result.stdout
    assert result.stderr == ""
