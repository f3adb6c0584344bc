"""Importing the package with another Keras backend fails with a message saying how to fix it."""

import os
import subprocess
import sys


def test_other_backend_is_refused_with_a_fix():
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    result = subprocess.run([sys.executable, "-c", "import keras_genmodels"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "KERAS_BACKEND is 'jax'" in result.stderr
    assert "export KERAS_BACKEND=tensorflow" in result.stderr
