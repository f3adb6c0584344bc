"""Training precision: what `precision="auto"` means on this machine, and its scope.

Every model takes `precision="auto" | "float32" | "mixed_bfloat16" | "mixed_float16"`.
Under a mixed precision the hidden layers compute in 16 bits while the weights, the
optimizer state, the losses, the logits, the distribution parameters and the metrics stay
float32 (each network's last layer is pinned to float32).

`"auto"` resolves, where the model is made (so again where a saved one is loaded), to:

1. Keras' global policy when the user has set a mixed one
   (`keras.mixed_precision.set_global_policy("mixed_float16")`);
2. otherwise `"mixed_bfloat16"` when the hardware computes bfloat16 natively and the
   family's bfloat16 quality has been measured equal to its float32 quality
   (`models.defaults.NATIVE_BFLOAT16_FAMILIES`), and `"float32"` elsewhere.

"Natively" is detected, not guessed (`native_bfloat16()`): on a GPU, compute capability
8.0 or newer; on a CPU (Linux), the `amx_bf16` or `avx512_bf16` flag in `/proc/cpuinfo`.
The environment variable `KERAS_GENMODELS_NATIVE_BFLOAT16=0` (or `=1`) overrides the
detection, e.g. to measure a machine without bfloat16 units on one that has them.

A model never changes Keras' global policy: it builds its networks inside
`policy_scope(model.precision)`, which restores the policy the user had.

Example:

```python
import keras_genmodels as kg

kg.precision.native_bfloat16()          # True on an AVX512-BF16 or AMX CPU
vae = kg.VAE(latent_dim=16)             # precision="auto"
vae.precision                           # "mixed_bfloat16" or "float32", as resolved
kg.VAE(latent_dim=16, precision="float32").precision   # "float32" everywhere
```
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from pathlib import Path

import keras

#: The values `precision=` takes.
PRECISIONS = ("auto", "float32", "mixed_bfloat16", "mixed_float16")
#: The Keras policies "auto" follows when the user has set one globally.
MIXED_POLICIES = ("mixed_bfloat16", "mixed_float16")
#: Overrides the hardware detection: "1" (bf16 is native) or "0" (it is not).
ENVIRONMENT_VARIABLE = "KERAS_GENMODELS_NATIVE_BFLOAT16"
#: CPU flags (Linux `/proc/cpuinfo`) of units that compute bfloat16 natively.
CPU_FLAGS = ("amx_bf16", "avx512_bf16")
#: The first GPU compute capability with bfloat16 tensor cores (Ampere).
GPU_COMPUTE_CAPABILITY = (8, 0)


def check_precision(precision: str) -> str:
    """`precision` if it is one of `PRECISIONS`, else `ValueError` naming the argument."""
    if not isinstance(precision, str) or precision not in PRECISIONS:
        raise ValueError(
            f"`precision` must be one of {', '.join(repr(p) for p in PRECISIONS)}; got "
            f"{precision!r}.")
    return precision


def cpu_flags(cpuinfo: str | Path = "/proc/cpuinfo") -> set[str]:
    """The CPU feature flags the kernel lists (empty where there is no such file)."""
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return set()
    return {flag for line in text.splitlines() if line.startswith("flags")
            for flag in line.split(":", 1)[-1].split()}


def cpu_name(cpuinfo: str | Path = "/proc/cpuinfo") -> str:
    """The CPU's model name from `/proc/cpuinfo` (Linux), else what `platform` says: the
    machine a speed or precision number was measured on."""
    import platform

    try:
        for line in Path(cpuinfo).read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gpu_compute_capabilities() -> list[tuple[int, int]]:
    """The compute capability of every GPU TensorFlow sees (empty without one)."""
    import tensorflow as tf

    found = []
    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        found.append(tuple(capability) if capability else (0, 0))
    return found


def detect_native_bfloat16(capabilities: list[tuple[int, int]], flags: set[str]) -> bool:
    """Whether the device that trains computes bfloat16 natively: every GPU of compute
    capability >= 8.0 when there are GPUs (TensorFlow places the work there), else the
    CPU's AMX or AVX512-BF16 units."""
    if capabilities:
        return all(c >= GPU_COMPUTE_CAPABILITY for c in capabilities)
    return any(flag in flags for flag in CPU_FLAGS)


@functools.lru_cache(maxsize=1)
def _detected() -> bool:
    return detect_native_bfloat16(gpu_compute_capabilities(), cpu_flags())


def native_bfloat16() -> bool:
    """Whether this machine computes bfloat16 natively (see the module docstring), or
    what `KERAS_GENMODELS_NATIVE_BFLOAT16` ("0"/"1") says."""
    forced = os.environ.get(ENVIRONMENT_VARIABLE)
    if forced is not None and forced.strip() != "":
        if forced.strip() not in ("0", "1"):
            raise ValueError(
                f"{ENVIRONMENT_VARIABLE} must be '0' or '1'; got {forced!r}.")
        return forced.strip() == "1"
    return _detected()


def resolve_precision(precision: str, bfloat16_measured: bool = True) -> str:
    """The Keras policy name `precision` stands for on this machine now.

    Args:
        precision: one of `PRECISIONS`.
        bfloat16_measured: whether the family may train in bfloat16 under `"auto"` (its
            quality was measured equal to float32's).

    Returns:
        `"float32"`, `"mixed_bfloat16"` or `"mixed_float16"`.
    """
    precision = check_precision(precision)
    if precision != "auto":
        return precision
    policy = keras.config.dtype_policy().name
    if policy in MIXED_POLICIES:
        return policy
    return "mixed_bfloat16" if bfloat16_measured and native_bfloat16() else "float32"


@contextlib.contextmanager
def policy_scope(policy: str) -> Iterator[None]:
    """Makes `policy` Keras' global dtype policy inside the block (layers created there
    take it), then restores the one that was set.

    Example:

    ```python
    with policy_scope("mixed_bfloat16"):
        dense = keras.layers.Dense(4)      # computes in bfloat16
    keras.config.dtype_policy().name       # unchanged
    ```
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
