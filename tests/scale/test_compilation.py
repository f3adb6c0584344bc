"""Compilation: every model trains with `jit_compile=True` (XLA) and with
`steps_per_execution=4`, and its optimizers count one step per batch (a GAN's
discriminator optimizer `discriminator_steps` per batch) however the steps are grouped."""

from __future__ import annotations

import numpy as np
import pytest

MODELS = ("VAE", "ConditionalVAE", "GAN", "ConditionalGAN", "WGAN", "WGANGP", "VAEGAN")
BATCH = 8


@pytest.mark.parametrize("name", MODELS)
def test_trains_with_xla_and_steps_per_execution(name, tiny_vector_model, vectors):
    # One fit checks both: Keras XLA-compiles the one-step function and loops over it
    # `steps_per_execution` times inside one graph, so XLA is compiled once per model
    # (slow on CPU) rather than once per option.
    x, y = vectors
    model = tiny_vector_model(name)
    model.compile(jit_compile=True, steps_per_execution=4)
    assert model.jit_compile and model.steps_per_execution == 4
    fit_args = (x, y) if name.startswith("Conditional") else (x,)

    history = model.fit(*fit_args, epochs=1, batch_size=BATCH, verbose=0).history

    assert history and all(np.isfinite(v).all() for v in history.values()), history
    assert all(np.isfinite(np.asarray(w)).all() for w in model.weights)
    batches = len(x) // BATCH  # 8 batches: two executions of 4 steps
    d_steps = getattr(model, "discriminator_steps", 1)
    for slot in model.optimizer_slots:
        steps = batches * (d_steps if slot == "d_optimizer" else 1)
        assert int(getattr(model, slot).iterations) == steps, slot
