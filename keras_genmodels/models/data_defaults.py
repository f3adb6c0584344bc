"""`DataDefaults`: the one way a model resolves its `"auto"` arguments from the data.

Some defaults depend on the kind of data, which a model often learns only from the first
batch `fit` sees: a VAE's likelihood (Bernoulli for images, a Gaussian for vectors), a
GAN's moving average and self-conditioning, a WGAN's clip, a WGAN-GP's penalty weight.
Each such argument is declared once in `__init__` with `auto_argument(name, value,
check)`; `GenerativeModel.build` calls `resolve_auto_arguments(data_shape)` before the
networks are built, which sets every `"auto"` argument to
`check(default_of(name, data_kind))`, the row of `models.defaults.DATA_DEFAULTS` (a family
narrows a row by overriding `default_of`). An explicit value is checked at construction and
never replaced.

The config keeps what the user said (`"auto"`) and, once resolved, what it became
(`"data_defaults"`), so a restored model keeps the values it trained with even where the
rule would now resolve otherwise (its networks come back as given networks).

Example:

```python
vae = kg.VAE(latent_dim=2)              # likelihood="auto"
vae.build((None, 2))                    # vectors
vae.likelihood.name                      # "gaussian", with a learned scale
vae.get_config()["likelihood"]           # "auto"
vae.get_config()["data_defaults"]        # {"likelihood": {"name": "gaussian", ...}}
```
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from keras_genmodels.models import defaults

#: The value that asks for the data's default.
AUTO = "auto"


def is_auto(value: Any) -> bool:
    """Whether `value` is the `"auto"` sentinel (and not, e.g., an array)."""
    return isinstance(value, str) and value == AUTO


def data_kind_of(data_shape: tuple[int, ...]) -> str:
    """`"image"` for examples of rank 3 `(H, W, C)`, `"vector"` for rank 1."""
    return "image" if len(data_shape) == 3 else "vector"


class DataDefaults:
    """Mixin of `GenerativeModel`: arguments whose `"auto"` is resolved from the data."""

    def auto_argument(self, name: str, value: Any, check: Callable[[Any], Any]) -> None:
        """Declares argument `name`: `"auto"` leaves the attribute `None` until
        `resolve_auto_arguments`; any other value is `check(value)` at once."""
        if "_auto_said" not in self.__dict__:
            object.__setattr__(self, "_auto_said", {})
            object.__setattr__(self, "_auto_checks", {})
            object.__setattr__(self, "_auto_resolved", {})
        self._auto_said[name] = value
        self._auto_checks[name] = check
        setattr(self, name, None if is_auto(value) else check(value))

    def given_auto(self, name: str) -> bool:
        """Whether the user left argument `name` at `"auto"` (before and after it is
        resolved)."""
        return is_auto(self.__dict__.get("_auto_said", {}).get(name))

    def default_of(self, name: str, data_kind: str) -> Any:
        """What `"auto"` means for argument `name` on `data_kind` data: the row of
        `models.defaults.DATA_DEFAULTS`. A family overrides it to narrow a row."""
        return defaults.data_default(name, data_kind)

    def resolve_auto_arguments(self, data_shape: tuple[int, ...]) -> None:
        """Sets every argument left at `"auto"` from the kind of `data_shape` (or to the
        value a restored config recorded)."""
        kind = data_kind_of(data_shape)
        restored = self.__dict__.get("_auto_restored", {})
        for name, said in self.__dict__.get("_auto_said", {}).items():
            if is_auto(said) and name not in self._auto_resolved:
                value = restored[name] if name in restored else self.default_of(name, kind)
                self._auto_resolved[name] = value
                setattr(self, name, self._auto_checks[name](value))

    def restore_auto_arguments(self, values: dict[str, Any]) -> None:
        """Makes `resolve_auto_arguments` take `values` (a config's `"data_defaults"`)."""
        object.__setattr__(self, "_auto_restored", dict(values or {}))

    def auto_arguments_config(self) -> dict[str, Any]:
        """The config entries: each argument as the user gave it, and `data_defaults`,
        what the `"auto"` ones resolved to."""
        said = dict(self.__dict__.get("_auto_said", {}))
        resolved = dict(self.__dict__.get("_auto_resolved", {}))
        return {**said, "data_defaults": resolved}
