"""The package as installed: its public names and the files a wheel ships."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import keras_genmodels as kg

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_distribute_is_an_attribute_of_the_package():
    from keras_genmodels import distribute

    assert kg.distribute is distribute
    assert callable(kg.distribute.logical_cpu_devices)
    assert callable(kg.distribute.launch_local_workers)
    assert "distribute" in kg.__all__


def test_unknown_attribute_is_an_attribute_error():
    try:
        kg.no_such_thing  # noqa: B018
    except AttributeError as error:
        assert "no_such_thing" in str(error)
    else:
        raise AssertionError("kg.no_such_thing should raise AttributeError")


def test_running_distribute_as_a_module_does_not_warn():
    # `kg.distribute` is loaded lazily: imported by the package, `python -m` would warn
    # that the module was found in sys.modules before it ran.
    result = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-m", "keras_genmodels.distribute",
         "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "RuntimeWarning" not in result.stderr


def test_wheel_ships_the_mnist10k_data_and_the_domain_classifiers(tmp_path):
    # Built from a copy, so the working tree gets no build/ or egg-info changes.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, source / name)
    shutil.copytree(REPO_ROOT / "keras_genmodels", source / "keras_genmodels",
                    ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "-w", str(tmp_path / "wheel"),
         "--no-deps", "--no-build-isolation", "--no-index", "-q"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = (tmp_path / "wheel").glob("keras_genmodels-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        info = archive.getinfo("keras_genmodels/datasets/data/mnist10k.npz")
        names = archive.namelist()
    packaged = REPO_ROOT / "keras_genmodels/datasets/data/mnist10k.npz"
    assert info.file_size == packaged.stat().st_size
    assert "keras_genmodels/cli.py" in names
    # the only data file: nothing else large rides along
    assert [n for n in names if n.endswith((".npz", ".npy"))] == [info.filename]
    # the shipped domain classifiers of kg.metrics.domain_classifier, and nothing else .keras
    assert sorted(n for n in names if n.endswith(".keras")) == [
        "keras_genmodels/metrics/weights/mnist10k_classifier.keras",
        "keras_genmodels/metrics/weights/shapes_classifier.keras"]
