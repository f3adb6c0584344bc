"""Every ```python block of README.md runs as written, each in a fresh process.

A fresh process per block, as a reader would paste it into a new script: the blocks must
be self-contained, and the one that splits the CPU into logical devices must run before
TensorFlow starts. Each runs in its own empty working folder (they write `runs/...`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
HEADING = re.compile(r"^#+ (.+)$", re.MULTILINE)


def python_blocks() -> list[tuple[str, str]]:
    """`(id, code)` of each python block; the id is the section heading above it."""
    text = README.read_text(encoding="utf-8")
    blocks = []
    for number, match in enumerate(BLOCK.finditer(text)):
        headings = HEADING.findall(text[: match.start()])
        section = re.sub(r"\W+", "-", headings[-1]).strip("-").lower() if headings else "top"
        blocks.append((f"{number}-{section}", match.group(1)))
    return blocks


BLOCKS = python_blocks()


def test_the_readme_has_its_examples():
    # the user's view, the adversarial and conditional models, and the scale section
    assert len(BLOCKS) >= 3
    code = "\n".join(code for _, code in BLOCKS)
    for name in ("kg.VAE", "kg.WGANGP", "kg.ConditionalVAE", "MirroredStrategy",
                 "kg.callbacks.BackupAndRestore", 'kg.datasets.load("mnist10k")'):
        assert name in code, name


@pytest.mark.parametrize("code", [code for _, code in BLOCKS], ids=[i for i, _ in BLOCKS])
def test_block_runs_as_written(code, tmp_path):
    script = tmp_path / "readme_block.py"
    script.write_text(code, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run([sys.executable, str(script)], cwd=work, capture_output=True,
                            text=True, timeout=300,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
