"""What the precision benchmarks' command lines share: the `--families` list and the
machine line written beside their numbers.

Example:

```python
families = family_list(parser, args.families, FAMILIES)   # exits with a usage error
results = {"machine": machine(), "runs": []}
```
"""

from __future__ import annotations

import argparse
import os
import platform

import keras_genmodels as kg


def family_list(parser: argparse.ArgumentParser, text: str, known) -> list[str]:
    """The comma-separated `--families`, each one of `known` (else a usage error)."""
    families = [f.strip() for f in text.split(",")]
    unknown = sorted(set(families) - set(known))
    if unknown:
        parser.error(f"unknown --families {unknown}; choose from {sorted(known)}")
    return families


def machine() -> str:
    """The CPU, system, core count and whether it computes bfloat16 natively."""
    return (f"{kg.precision.cpu_name()}, {platform.system()}, {os.cpu_count()} cores, "
            f"bf16 native: {kg.precision.native_bfloat16()}")
