"""Fixtures for the model tests: every family with the smallest networks that show a
behaviour, on 16-d vectors in [0, 1] (3 classes when conditional)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_genmodels as kg

LATENT = 4
FEATURES = 16
CLASSES = 3


def dense_net(inputs: int, outputs: int, name: str, regularizer=None, extra_layer=None,
              features: bool = False) -> keras.Model:
    """A one-layer network `inputs -> outputs`; `features=True` also returns its input as
    features (a VAE-GAN discriminator); `extra_layer` is applied to the input first."""
    x_in = keras.Input((inputs,))
    h = extra_layer(x_in) if extra_layer is not None else x_in
    out = keras.layers.Dense(outputs, kernel_regularizer=regularizer, name=f"{name}_dense")(h)
    return keras.Model(x_in, [out, h] if features else out, name=name)


def network_inputs(family: str, conditional: bool) -> dict[str, tuple[int, int]]:
    """Each network's (inputs, outputs) for `family` on 16-d vectors."""
    labels = CLASSES if conditional else 0
    if family in ("VAE", "ConditionalVAE"):
        return {"encoder": (FEATURES + labels, 2 * LATENT), "decoder": (LATENT + labels, FEATURES)}
    if family == "VAEGAN":
        return {"encoder": (FEATURES, 2 * LATENT), "decoder": (LATENT, FEATURES),
                "discriminator": (FEATURES, 1)}
    return {"generator": (LATENT + labels, FEATURES), "discriminator": (FEATURES + labels, 1)}


@pytest.fixture
def make_model():
    """`make(family, regularized=None, add_loss_in=None, **options)`: the family with
    one-layer networks; `regularized` names a network whose kernel gets an L2(0.5)
    regularizer, `add_loss_in` one that adds a constant loss of 5 in its call."""

    def make(family: str, regularized: str | None = None, add_loss_in: str | None = None,
             **options) -> kg.models.GenerativeModel:
        keras.utils.set_random_seed(0)
        options.setdefault("seed", 0)
        if family.startswith("Conditional"):
            options["num_classes"] = CLASSES
        conditional = options.get("num_classes") is not None
        if family == "WGAN":
            options.setdefault("clip_value", 10.0)  # clipping would hide the update
        if family in ("VAE", "ConditionalVAE"):
            # the one-layer decoder gives one parameter per feature (the data are in [0, 1])
            options.setdefault("likelihood", "bernoulli")
        for name, (inputs, outputs) in network_inputs(family, conditional).items():
            options[name] = dense_net(
                inputs, outputs, name,
                regularizer=keras.regularizers.L2(0.5) if name == regularized else None,
                extra_layer=ConstantLoss() if name == add_loss_in else None,
                features=family == "VAEGAN" and name == "discriminator")
        return getattr(kg, family)(LATENT, **options)

    return make


@keras.saving.register_keras_serializable(package="tests")
class ConstantLoss(keras.layers.Layer):
    """Identity that adds a loss of 5.0 (no gradient) every call."""

    def call(self, x):
        self.add_loss(keras.ops.convert_to_tensor(5.0))
        return x


@pytest.fixture(scope="session")
def vector_data():
    """64 vectors of 16 features in [0, 1] and labels in {0, 1, 2}."""
    rng = np.random.default_rng(0)
    return (rng.uniform(size=(64, FEATURES)).astype("float32"),
            rng.integers(0, CLASSES, 64).astype("int32"))


@pytest.fixture
def validate_like_evaluate():
    """`run(model, train, validation, names)`: fits 2 epochs with `validation_data`, checks
    that the history holds exactly `names` and their `val_` twins, all finite, and that the
    last `val_` values equal `evaluate` on the same data; returns `evaluate`'s dict."""

    def run(model, train: tuple, validation: tuple, names: set[str]) -> dict:
        history = model.fit(*train, validation_data=validation, epochs=2, batch_size=8,
                            verbose=0).history
        assert set(history) == names | {f"val_{name}" for name in names}
        assert all(np.all(np.isfinite(v)) for v in history.values()), history
        result = model.evaluate(*validation, batch_size=8, verbose=0, return_dict=True)
        assert set(result) == names
        for name, value in result.items():
            assert history[f"val_{name}"][-1] == pytest.approx(value, rel=1e-5), name
        return result

    return run
