"""The optional dependencies of the widgets, imported with an error that says what to install.

The widgets need `ipywidgets` 8 (the controls) and `matplotlib` (plots of vector data and
of training curves), which come with the package's `notebooks` extra. Nothing below the
widgets imports them, so the rest of keras_genmodels works without them.

Example:

```python
from keras_genmodels.widgets.optional import require

ipywidgets = require("ipywidgets")
```
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: The optional modules the widgets use; each ships with the `notebooks` extra.
OPTIONAL_MODULES = ("ipywidgets", "matplotlib")

INSTALL_HINT = 'pip install "keras-genmodels[notebooks]"'


def require(module: str) -> ModuleType:
    """Imports one of the widgets' optional dependencies, or says how to install it.

    Example:

    ```python
    widgets = require("ipywidgets")
    widgets.IntSlider()
    ```

    Args:
        module: `"ipywidgets"` or `"matplotlib"`.

    Returns:
        The imported module.

    Raises:
        ImportError: when the module is not installed (or, for ipywidgets, older than 8),
            with the install command in the message.
    """
    if module not in OPTIONAL_MODULES:
        raise ValueError(f"Unknown optional module {module!r}. Expected one of: "
                         f"{', '.join(OPTIONAL_MODULES)}.")
    try:
        imported = importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"keras_genmodels.widgets needs `{module}`, which is not installed. Install the "
            f"notebook extras with: {INSTALL_HINT}"
        ) from error
    if module == "ipywidgets" and int(imported.__version__.split(".")[0]) < 8:
        raise ImportError(
            f"keras_genmodels.widgets needs ipywidgets >= 8, found {imported.__version__}. "
            f"Upgrade with: {INSTALL_HINT}"
        )
    return imported
