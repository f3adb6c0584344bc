"""Starts TensorFlow without its C++ start-up lines when the `keras-genmodels` command runs.

On a machine without a GPU, TensorFlow's C++ runtime writes a dozen lines to stderr as
it starts (CUDA probing, CPU instruction notes, oneDNN's note on CPUs where it is on).
`TF_CPP_MIN_LOG_LEVEL` does not hide them: absl logs them before its logging is set up.
For the command, whose output a user reads, `keras_genmodels/__init__.py` calls
`start_tensorflow_quietly` before anything imports TensorFlow, which imports it with
stderr captured and passes on every line but those. A library user importing the package
sees TensorFlow's own output; `TF_CPP_MIN_LOG_LEVEL=0` shows it to the command too.

This module imports nothing but the standard library, so that it can run first.

Example:

```python
from keras_genmodels import quiet_start

if quiet_start.started_as_command():
    quiet_start.start_tensorflow_quietly()
```
"""

from __future__ import annotations

import os
import re
import sys
import tempfile

__all__ = ["STARTUP_NOISE", "start_tensorflow_quietly", "started_as_command"]

# Lines TensorFlow's C++ runtime writes to stderr while it starts on a machine without a
# GPU, and on CPUs where it uses oneDNN its note that it does.
STARTUP_NOISE = re.compile(
    r"All log messages before absl::InitializeLog\(\)|cudart_stub\.cc|Could not find cuda "
    r"drivers|failed call to cuInit|cpu_feature_guard\.cc|This TensorFlow binary is "
    r"optimized|To enable the following instructions|Unable to register cu(DNN|FFT|BLAS) "
    r"factory|TF-TRT Warning|computation_placer\.cc|port\.cc:\d+\] oneDNN custom operations"
)


def started_as_command() -> bool:
    """Whether this process is the `keras-genmodels` command (console script or -m)."""
    script = os.path.basename(sys.argv[0]) if sys.argv else ""
    if script in ("keras-genmodels", "keras-genmodels.exe", "keras-genmodels-script.py"):
        return True
    argv = list(getattr(sys, "orig_argv", ()))
    return script == "-m" and any(
        a == "-m" and b == "keras_genmodels.cli" for a, b in zip(argv, argv[1:], strict=False))


def start_tensorflow_quietly() -> None:
    """Imports TensorFlow and finds its devices with the C++ start-up lines filtered out
    of stderr (any other line is passed on); later INFO/WARNING lines are hidden by
    TF_CPP_MIN_LOG_LEVEL=2 unless the user set another level."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow

            tensorflow.config.list_physical_devices()  # where cuInit fails without a GPU
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured.read().decode(errors="replace").splitlines(keepends=True):
                if not STARTUP_NOISE.search(line):
                    sys.stderr.write(line)
