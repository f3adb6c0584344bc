"""`benchmarks/gpu_check.py`, the first command on a lent GPU: without one it says so and
exits 0, and its pieces work on the CPU (the GPU run itself needs the GPU)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_check.py"


def _module():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_a_gpu_it_says_so_and_exits_0(tmp_path):
    out = tmp_path / "check.json"
    result = subprocess.run([sys.executable, str(SCRIPT), "--json", str(out)],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "gpu_check: no GPU on this machine" in result.stdout
    assert json.loads(out.read_text()) == {"gpu": None}


def test_a_family_run_reports_its_speed_precision_and_errors():
    check = _module()
    run = check.train_family("VAE", "mixed_bfloat16", jit=False, steps=2)
    assert run["trained_in"] == "mixed_bfloat16" and run["finite"], run
    assert run["steps_per_second"] > 0
    broken = check.train_family("VAE", "bfloat16", jit=False, steps=2)  # not a precision
    assert "ValueError: `precision` must be one of" in broken["error"]
    text = check.table({"families": [run, broken], "replicas": {}, "resume": {}})
    assert "| VAE | mixed_bfloat16 | False |" in text and "ValueError" in text
