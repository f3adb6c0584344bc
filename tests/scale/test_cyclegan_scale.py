"""CycleGAN at scale: 2 replicas equal 1 device, mixed precision, resume after SIGKILL.

The image pools are the state a replicated run could get wrong: each replica holds a
copy, and one device's pool sees the global batch in order. `CycleGAN.history_of` queries
the pool with the all-gathered global batch and stateless seeds keyed by the step, so
every replica computes (and assigns) the one-device update and keeps its own slice of the
answer; the pool variables are `only_first_replica`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_genmodels as kg
from keras_genmodels.networks.cyclegan import (
    build_patchgan_discriminator,
    build_resnet_generator,
)

SCRIPT = Path(__file__).with_name("cyclegan_scale_script.py")


def test_two_replicas_match_one_device(run_script):
    """One step (global batch 16, pools of 6 that fill and then swap within it).

    One step, because these tiny networks are chaotic under SGD(0.1): on one device, a
    1e-7 perturbation of the initial weights moves the generators' weights by up to 16%
    of their update after two steps (instance norms of nearly constant channels amplify
    it), which is also the size of the two-step gap between 2 replicas and 1 device
    (measured with and without pools). A second step would test float noise, not the
    replica logic."""
    result = run_script(SCRIPT, "replicas")
    gaps, moved = result["gaps"], result["moved"]
    assert gaps.keys() == moved.keys()
    pools = [path for path in gaps if "pool_" in path]
    assert len(pools) == 4 and all(moved[path] > 0.1 for path in pools)  # filled
    assert max(moved.values()) > 1e-2  # the step really changed the weights
    for path, gap in gaps.items():
        # float tolerance for the summation order across replicas; gradients N times too
        # large, or pools that differ between replicas, put the gap at the size of the
        # update itself (the biases before instance norm have no gradient: they move by
        # float noise, hence the absolute term)
        assert gap < 1e-6 + 1e-3 * moved[path], (path, gap, moved[path])


def test_trains_under_mixed_float16(set_policy, tmp_path):
    set_policy("mixed_float16")
    keras.utils.set_random_seed(0)
    shape = (16, 16, 1)
    generators = [build_resnet_generator(shape, filters=4, downsamplings=1, residual_blocks=1,
                                         name=name) for name in ("g_ab", "g_ba")]
    discriminators = [build_patchgan_discriminator(shape, filters=4, layers=1, name=name)
                      for name in ("d_a", "d_b")]
    model = kg.CycleGAN(*generators, *discriminators, seed=0, pool_size=8)
    model.compile()
    assert all(isinstance(getattr(model, slot), keras.optimizers.LossScaleOptimizer)
               for slot in model.optimizer_slots)
    assert "float16" in {layer.compute_dtype for layer in model.generator_ab.layers}
    rng = np.random.default_rng(0)
    a = rng.uniform(size=(48, *shape)).astype("float32")
    b = (rng.uniform(size=(32, *shape)) ** 2).astype("float32")
    history = model.fit(x=(a, b), epochs=2, batch_size=16, verbose=0).history
    assert all(np.isfinite(v).all() for v in history.values()), history
    fake = model.translate(a[:4])
    assert fake.dtype == np.float32 and np.isfinite(fake).all()
    assert model.pool_a.images.dtype == "float32" and int(model.pool_a.count.numpy()) == 8
    model.save(tmp_path / "mixed.keras")
    restored = keras.saving.load_model(tmp_path / "mixed.keras")
    np.testing.assert_array_equal(restored.translate(a[:4]), fake)


KILL_AT = [1, 4]  # epoch 1, batch 4: mid-epoch, after the backup of batch 3


def _start(*jobs: dict) -> subprocess.Popen:
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen([sys.executable, str(SCRIPT), "resume", json.dumps(jobs)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait(process: subprocess.Popen, allowed: tuple[int, ...]) -> int:
    output, _ = process.communicate(timeout=500)
    if process.returncode not in allowed:
        pytest.fail(f"exited with {process.returncode}:\n{output[-3000:]}")
    return process.returncode


def test_killed_mid_epoch_and_restarted_equals_uninterrupted(tmp_path):
    def job(name: str, kill: bool = False) -> dict:
        return {"out": str(tmp_path / f"{name}.npz"), "backup_dir": str(tmp_path / name),
                "kill_at": KILL_AT if kill else None}

    killed, fresh = _start(job("resumed", kill=True)), _start(job("fresh"))
    assert _wait(killed, (-signal.SIGKILL,)) == -signal.SIGKILL
    assert not (tmp_path / "resumed.npz").exists()
    metadata = json.loads((tmp_path / "resumed" / "training_metadata.json").read_text())
    assert metadata == {"epoch": 1, "batch": 3, "batches_done": 4}
    restarted = _start(job("resumed"))
    _wait(fresh, (0,))
    _wait(restarted, (0,))
    with np.load(tmp_path / "fresh.npz") as f, np.load(tmp_path / "resumed.npz") as r:
        fresh_arrays, resumed = dict(f), dict(r)
    assert int(fresh_arrays["initial_epoch"]) == 0 and int(resumed["initial_epoch"]) == 1
    assert fresh_arrays.keys() == resumed.keys()
    assert any("pool_a" in k for k in resumed) and any("pool_b" in k for k in resumed)
    assert float(resumed["learning_rate"]) == 0.0  # the decay ended with the run
    for key in fresh_arrays.keys() - {"initial_epoch"}:
        np.testing.assert_array_equal(resumed[key], fresh_arrays[key], err_msg=key)
