"""Fixtures of the notebook tests: an isolated Jupyter environment whose `python3` kernel
runs this interpreter, and a way to find TensorBoard servers left behind."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOK_NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture
def jupyter_env(tmp_path, monkeypatch) -> dict[str, str]:
    """Points Jupyter at folders under `tmp_path` and at a `python3` kernelspec running
    `sys.executable`, and sets the notebooks' small budget. A `python3` kernelspec in the
    user's Jupyter folder would otherwise take precedence over this venv's.

    Returns:
        The environment (also set in `os.environ`, so kernels and servers inherit it).
    """
    root = tmp_path / "jupyter"
    spec = root / "data" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (keras_genmodels tests)",
        "language": "python",
    }))
    values = {
        "JUPYTER_PATH": str(root / "data"),
        "JUPYTER_DATA_DIR": str(root / "data"),
        "JUPYTER_CONFIG_DIR": str(root / "config"),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "IPYTHONDIR": str(root / "ipython"),
        "KG_NOTEBOOK_BUDGET": "small",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    # The kernel must draw with the inline backend, not a backend forced for the tests.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    return dict(os.environ)


def tensorboards_serving(folder: Path) -> list[int]:
    """Process ids of TensorBoard servers whose command line names a path under `folder`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                errors="replace")
        except OSError:
            continue
        if "tensorboard.main" in command and str(folder) in command:
            pids.append(int(entry.name))
    return pids


@pytest.fixture
def stray_tensorboards():
    """`stray_tensorboards(folder)`: ids of TensorBoard servers still serving `folder`."""
    return tensorboards_serving
