"""`ModelPrecision`: a model's `precision=` argument, resolved when the model is made.

`GenerativeModel.__init__` passes `precision_policy(precision, dtype)` to `keras.Model` as
its dtype policy and builds its networks inside `precision.policy_scope(model.precision)`;
the config keeps what the user said (`"auto"`), which is resolved again where a saved
model is loaded (`keras_genmodels.precision` says what "auto" means).

Example:

```python
vae = kg.VAE(latent_dim=8, precision="mixed_bfloat16")
vae.precision                        # "mixed_bfloat16"
vae.get_config()["precision"]        # "mixed_bfloat16"; "auto" for the default
```
"""

from __future__ import annotations

import copy
from typing import Any

from keras_genmodels.models import defaults
from keras_genmodels.precision import MIXED_POLICIES, check_precision, resolve_precision


class ModelPrecision:
    """Mixin of `GenerativeModel`: the `precision` argument and attribute."""

    def precision_policy(self, precision: str, dtype: Any = None,
                         data_shape: Any = None) -> str:
        """Records what the user said and returns the Keras policy it means here (for
        data of `data_shape`, when known)."""
        self._precision_said = self._precision_argument(precision, dtype)
        if self._precision_said != "auto":
            return self._precision_said
        return self.auto_precision(None if data_shape is None else len(data_shape))

    @classmethod
    def auto_precision(cls, data_rank: int | None) -> str:
        """What `"auto"` means here for examples of rank `data_rank` (`None`: not known
        yet). bfloat16 was measured on images only: vectors stay float32, whose 2-D
        mixtures have modes narrower than bfloat16's resolution near their radius."""
        measured = cls.bfloat16_measured() and data_rank in (None, 3)
        return resolve_precision("auto", measured)

    def settle_precision(self, data_shape: tuple[int, ...]) -> None:
        """Called by `build` once the data's shape is known, before the networks are made:
        an `"auto"` model switches to what "auto" means for that data."""
        if self._precision_said == "auto":
            policy = self.auto_precision(len(data_shape))
            if policy != self.precision:
                self.dtype_policy = policy

    def record_built_networks(self, missing: list[str]) -> None:
        """Notes which of the networks `missing` before `build_networks` the model made
        itself (in its own precision): a loaded model may make them again in another."""
        self._built_networks = [n for n in missing if getattr(self, n, None) is not None]

    def precision_config(self) -> dict[str, Any]:
        """The config entries: what the user said, what it resolved to, the model's own
        networks."""
        return {"precision": self._precision_said, "resolved_precision": self.precision,
                "built_networks": list(getattr(self, "_built_networks", []))}

    @classmethod
    def precision_on_load(cls, config: dict[str, Any]) -> dict[str, Any]:
        """`config` made ready for `__init__` on this machine.

        `"auto"` is resolved again. Where it resolves otherwise than when saved, the
        networks the model made itself are dropped from the config, so that the model
        makes them again in the new precision (their weights load from the file as
        before); networks the user passed keep their saved policy, and then so does the
        model. A config of 0.2 (a `dtype`, no `precision`) keeps the policy it holds.
        """
        config = copy.deepcopy(config)  # deserialising networks empties their dicts
        saved = config.pop("resolved_precision", None)
        built = config.pop("built_networks", None) or []
        if "precision" not in config:
            name = _policy_name(config.pop("dtype", None))
            config["precision"] = name if name in ("float32", *MIXED_POLICIES) else "auto"
            return config
        if config["precision"] != "auto" or saved is None:
            return config
        shape = config.get("data_shape")
        if cls.auto_precision(None if shape is None else len(shape)) != saved:
            given = [n for n in cls.network_arguments
                     if config.get(n) is not None and n not in built]
            if given:
                config["precision"] = saved
            else:
                for name in built:
                    config[name] = None
        return config

    @property
    def precision(self) -> str:
        """The dtype policy the model trains in: `"float32"`, `"mixed_bfloat16"` or
        `"mixed_float16"` (what `precision="auto"` resolved to on this machine)."""
        return self.dtype_policy.name

    @classmethod
    def bfloat16_measured(cls) -> bool:
        """Whether `precision="auto"` may take bfloat16 for this family: its class (a
        user's subclass: the package class it extends) is named in
        `models.defaults.NATIVE_BFLOAT16_FAMILIES`. A family does not inherit another's
        measurement (a WGAN is not a GAN there)."""
        family = next((c for c in cls.__mro__ if c.__module__.startswith("keras_genmodels.")),
                      cls)
        return family.__name__ in defaults.NATIVE_BFLOAT16_FAMILIES

    @staticmethod
    def _precision_argument(precision: str, dtype: Any) -> str:
        """What `precision` means given a Keras-style `dtype` too: a serialised policy
        (the configs of 0.2, saved under the global policy) counts only when mixed; a
        `dtype` the user passes is taken as the precision when that is `"auto"`."""
        check_precision(precision)
        if dtype is None:
            return precision
        name = _policy_name(dtype)
        if isinstance(dtype, dict):
            return name if name in MIXED_POLICIES and precision == "auto" else precision
        if precision == "auto" and name in ("float32", *MIXED_POLICIES):
            return name
        if name == precision:
            return precision
        raise ValueError(
            f"`dtype` {name!r} does not fit `precision` {precision!r}: pass `precision=` "
            "alone ('auto', 'float32', 'mixed_bfloat16' or 'mixed_float16').")


def _policy_name(dtype: Any) -> str | None:
    """The policy name of a Keras `dtype` argument: a name, a `DTypePolicy`, or a
    serialised one (a dict, as configs hold)."""
    if isinstance(dtype, dict):
        return dtype.get("config", {}).get("name")
    return dtype if isinstance(dtype, str) or dtype is None else getattr(dtype, "name", None)
