"""Fixtures for the scale tests: a global mixed-precision policy, and every model family
with the smallest networks that show the behaviour (28x28 images or 16-d vectors)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_genmodels as kg
from keras_genmodels.networks import (
    build_conv_decoder,
    build_conv_encoder,
    build_dcgan_discriminator,
    build_dcgan_generator,
    build_mlp,
    build_mlp_discriminator,
    build_mlp_generator,
)

LATENT = 4
#: Discriminator (critic) updates per generator update in these tests.
DISCRIMINATOR_STEPS = {"GAN": 2, "ConditionalGAN": 1, "WGAN": 2, "WGANGP": 2, "VAEGAN": 1}


@pytest.fixture(params=["mixed_float16", "mixed_bfloat16"])
def mixed_policy(request):
    """Runs a test under a global mixed-precision policy; always restores float32."""
    keras.mixed_precision.set_global_policy(request.param)
    try:
        yield request.param
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.fixture
def set_policy():
    """`set_policy(name)` sets the global dtype policy for the rest of the test; float32
    is always restored afterwards."""
    try:
        yield keras.mixed_precision.set_global_policy
    finally:
        keras.mixed_precision.set_global_policy("float32")


def _options(name: str, num_classes: int) -> dict:
    options = {"seed": 0}
    if name.startswith("Conditional"):
        options["num_classes"] = num_classes
    if name in ("WGAN", "WGANGP"):
        options["critic_steps"] = DISCRIMINATOR_STEPS[name]
    elif name in ("GAN", "ConditionalGAN"):
        options["discriminator_steps"] = DISCRIMINATOR_STEPS[name]
    if name == "WGAN":
        options["clip_value"] = 0.1  # 0.01 leaves these tiny critics' outputs at ~0
    return options


@pytest.fixture
def tiny_image_model():
    """A factory: `make(name)` builds model `name` with tiny conv networks for 28x28x1
    digits (10 classes when conditional), under whatever policy is global."""

    def make(name: str) -> kg.models.GenerativeModel:
        keras.utils.set_random_seed(0)
        options = _options(name, 10)
        labels = 10 if name.startswith("Conditional") else 0
        if name == "StyleGAN":  # networks at 32x32 for the 28x28 digits
            return kg.StyleGAN(LATENT, channels=4, mapping_layers=1, r1_weight=1.0, seed=0,
                               data_shape=(28, 28, 1))
        if name in ("VAE", "ConditionalVAE"):
            options["encoder"] = build_conv_encoder(
                (28, 28, 1 + labels), 2 * LATENT, filters=(4, 8), dense_units=16)
            options["decoder"] = build_conv_decoder(
                LATENT + labels, (28, 28, 1), filters=(8, 4), dense_units=16)
        elif name == "VAEGAN":
            options["encoder"] = build_conv_encoder(
                (28, 28, 1), 2 * LATENT, filters=(4, 8), dense_units=16)
            options["decoder"] = build_dcgan_generator(
                LATENT, (28, 28, 1), filters=(8, 4), name="decoder")
            options["discriminator"] = build_dcgan_discriminator(
                (28, 28, 1), filters=(4, 8), return_features=True)
        else:
            options["generator"] = build_dcgan_generator(
                LATENT + labels, (28, 28, 1), filters=(8, 4))
            options["discriminator"] = build_dcgan_discriminator(
                (28, 28, 1 + labels), filters=(4, 8))
        return getattr(kg, name)(LATENT, **options)

    return make


@pytest.fixture
def tiny_vector_model():
    """A factory: `make(name)` builds model `name` with one-hidden-layer MLPs for 16-d
    vectors in [0, 1] (3 classes when conditional): the cheapest graphs to XLA-compile."""

    def make(name: str) -> kg.models.GenerativeModel:
        keras.utils.set_random_seed(0)
        options = _options(name, 3)
        if name == "WGANGP":
            options["critic_steps"] = 1  # its double backprop is the slowest XLA compile
        labels = 3 if name.startswith("Conditional") else 0
        hidden = (8,)
        if name in ("VAE", "ConditionalVAE"):
            options["encoder"] = build_mlp(16 + labels, 2 * LATENT, hidden, name="encoder")
            options["decoder"] = build_mlp(LATENT + labels, 16, hidden, name="decoder")
            options["likelihood"] = "bernoulli"  # one decoder output per feature
        elif name == "VAEGAN":
            options["encoder"] = build_mlp(16, 2 * LATENT, hidden, name="encoder")
            options["decoder"] = build_mlp_generator(LATENT, 16, hidden, name="decoder")
            options["discriminator"] = build_mlp_discriminator(16, hidden, return_features=True)
        else:
            options["generator"] = build_mlp_generator(LATENT + labels, 16, hidden)
            options["discriminator"] = build_mlp_discriminator(16 + labels, hidden)
        return getattr(kg, name)(LATENT, **options)

    return make


@pytest.fixture(scope="session")
def vectors():
    """64 vectors of 16 features in [0, 1] and labels in {0, 1, 2}."""
    rng = np.random.default_rng(0)
    return rng.uniform(size=(64, 16)).astype("float32"), rng.integers(0, 3, 64)


@pytest.fixture(scope="session")
def run_script():
    """`run_script(path, *args, timeout=600)`: runs a test script in a fresh Python (the
    logical devices of a strategy test must be set before TensorFlow starts) and returns
    the JSON it prints on its `RESULT ` line."""

    def run(script, *args: str, timeout: int = 600) -> dict:
        result = subprocess.run([sys.executable, str(script), *args], capture_output=True,
                                text=True, timeout=timeout)
        if result.returncode == -signal.SIGSEGV:
            # Seen once (2026-12-07, full suite on two loaded cores): TensorFlow died with
            # SIGSEGV two seconds into start-up, before any model was built; the same
            # script passed alone and in the run before. One retry for a crash at
            # start-up; a second crash, or any failure the script reports, fails.
            warnings.warn(f"{Path(script).name} crashed with SIGSEGV; retried once",
                          stacklevel=2)
            result = subprocess.run([sys.executable, str(script), *args],
                                    capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, result.stderr[-3000:]
        line = next(line for line in result.stdout.splitlines()
                    if line.startswith("RESULT "))
        return json.loads(line[len("RESULT "):])

    return run
