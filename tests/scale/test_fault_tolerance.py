"""A training process killed with SIGKILL and restarted with `BackupAndRestore` ends
with the same weights and optimizer states as one that was never interrupted.

Every run is a subprocess of `resume_worker.py`: a tiny VAE (also one in
`precision="mixed_bfloat16"`), WGAN-GP or StyleGAN on 256 random
uniform 8x8 images (batch 32, 8 steps per epoch, 3 epochs, `shuffle=False`) under
`tf.config.experimental.enable_op_determinism()` and `keras.utils.set_random_seed(0)`,
on the CPU. The interrupted run kills itself (SIGKILL) at the end of batch 4 of epoch 1,
after `BackupAndRestore` has written its backup of epoch 0, and is then started again
with the same backup folder. The runs are started concurrently and share processes where
they can (see `runs`), to keep the module under a minute on two idle cores.

What Keras 3.15 gives: `BackupAndRestore(save_freq="epoch")` resumes exactly (maximum
absolute difference 0.0): its weights file holds the model's weights and every
optimizer the model keeps as an attribute (a GAN's `d_optimizer` as well as the
compiled `g_optimizer`), and the training noise is keyed by the optimizer's step, which
is restored with it. With `save_freq=N` batches it does not: the backup holds the
mid-epoch weights and `training_metadata.json` records the batch, but on restart only
the epoch is restored (`model._initial_epoch`), so the interrupted epoch is trained again
from its first batch on weights that have already seen part of it.
`kg.callbacks.BackupAndRestore` (same files, plus the number of batches the backup holds)
skips those batches on restart and resumes exactly, for both models.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

WORKER = Path(__file__).with_name("resume_worker.py")
KILL_AT = (1, 4)  # epoch 1, batch 4: mid-epoch, after the backup of epoch 0
STEPS = 3 * 8  # 3 epochs of 8 batches



def start(*jobs: dict) -> subprocess.Popen:
    """Starts one worker process that trains `jobs` one after the other."""
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen([sys.executable, str(WORKER), json.dumps(jobs)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait(processes: dict[str, subprocess.Popen]) -> dict[str, int]:
    codes = {}
    for name, process in processes.items():
        output, _ = process.communicate(timeout=300)
        codes[name] = process.returncode
        if process.returncode not in (0, -signal.SIGKILL):
            pytest.fail(f"{name} exited with {process.returncode}:\n{output[-3000:]}")
    return codes


#: name -> (model, BackupAndRestore save_freq, "keras" or "kg" callback)
RUNS = {"vae": ("vae", "epoch", "keras"), "wgangp": ("wgangp", "epoch", "keras"),
        "vae_batches": ("vae", 3, "keras"), "vae_batches_kg": ("vae", 3, "kg"),
        "wgangp_batches_kg": ("wgangp", 3, "kg"), "stylegan": ("stylegan", "epoch", "keras"),
        "vae_bf16": ("vae_bf16", "epoch", "keras")}
#: the models whose uninterrupted runs are compared with
FRESH = ("vae", "wgangp", "stylegan", "vae_bf16")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Runs everything once; returns the final arrays of each run and what the killed
    runs left on disk. Five processes: the uninterrupted runs share one, each killed run
    has its own (started together with the first), the restarts share the last."""
    root = tmp_path_factory.mktemp("resume")

    def job(name: str, kill: bool = False, fresh: bool = False) -> dict:
        model, save_freq, callback = RUNS[name]
        suffix = "_fresh" if fresh else ""
        return {"model_name": model, "out": str(root / f"{name}{suffix}.npz"),
                "backup_dir": str(root / f"{name}{suffix}_backup"), "save_freq": save_freq,
                "kill_at": KILL_AT if kill else None, "callback": callback}

    killed = {name: start(job(name, kill=True)) for name in RUNS}
    fresh = start(job("vae", fresh=True), job("wgangp", fresh=True),
                  job("vae_bf16", fresh=True))
    fresh_stylegan = start(job("stylegan", fresh=True))  # the slowest to trace: alone
    kill_codes = wait(killed)

    left = {}
    for name in RUNS:
        backup = root / f"{name}_backup"
        with h5py.File(backup / "latest.weights.h5", "r") as weights:
            groups = sorted(weights.keys())
        metadata = json.loads((backup / "training_metadata.json").read_text())
        left[name] = {"code": kill_codes[name], "groups": groups, "metadata": metadata,
                      "finished": (root / f"{name}.npz").exists()}

    restarted = start(*(job(name) for name in RUNS if name != "stylegan"))
    restarted_stylegan = start(job("stylegan"))
    wait({"uninterrupted": fresh, "uninterrupted stylegan": fresh_stylegan,
          "restarted": restarted, "restarted stylegan": restarted_stylegan})

    def arrays(path: Path) -> dict[str, np.ndarray]:
        with np.load(path) as data:
            return {k: data[k] for k in data.files}

    return {
        "fresh": {m: arrays(root / f"{m}_fresh.npz") for m in FRESH},
        "resumed": {name: arrays(root / f"{name}.npz") for name in RUNS},
        "left": left,
    }


def max_abs_difference(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max(float(np.max(np.abs(a[k].astype(np.float64) - b[k])))
               for k in a if k != "initial_epoch")


@pytest.mark.parametrize("model", ["vae", "wgangp", "stylegan", "vae_bf16"])
def test_killed_mid_epoch_and_restarted_equals_uninterrupted(runs, model):
    left = runs["left"][model]
    assert left["code"] == -signal.SIGKILL and not left["finished"]
    assert left["metadata"] == {"epoch": 1, "batch": 0}  # the backup of epoch 0's end
    fresh, resumed = runs["fresh"][model], runs["resumed"][model]
    assert int(fresh["initial_epoch"]) == 0
    assert int(resumed["initial_epoch"]) == 1  # it resumed, it did not start over
    assert max_abs_difference(resumed, fresh) == 0.0


def test_wgangp_backup_holds_both_optimizers(runs):
    # `g_optimizer` is the model's compiled `optimizer` (a property returning it);
    # Keras' saving walks the model's attributes and stores each optimizer once
    assert {"d_optimizer", "g_optimizer", "generator", "discriminator"} <= set(
        runs["left"]["wgangp"]["groups"])
    resumed = runs["resumed"]["wgangp"]
    d_state = [k for k in resumed if k.startswith("d_optimizer/")]
    g_state = [k for k in resumed if k.startswith("g_optimizer/")]
    assert len(d_state) == len(g_state) == 10  # iteration, learning rate, 2 x 4 moments
    iterations = {k.split("/")[0]: int(resumed[k]) for k in resumed if k.endswith("/iteration")}
    assert iterations == {"g_optimizer": STEPS, "d_optimizer": 2 * STEPS}  # critic_steps=2


@pytest.mark.xfail(strict=True, reason=(
    "Keras 3.15 BackupAndRestore(save_freq=N batches) restores the mid-epoch weights "
    "but only the epoch number (training_metadata.json's `batch` is never read; "
    "model._initial_epoch is all the trainer takes), so the interrupted epoch is "
    "trained again from its first batch: 28 optimizer steps instead of 24."))
def test_batch_level_backup_resumes_mid_epoch_exactly(runs):
    assert runs["left"]["vae_batches"]["metadata"] == {"epoch": 1, "batch": 3}
    resumed = runs["resumed"]["vae_batches"]
    assert int(resumed["optimizer/0/adam/iteration"]) == STEPS
    assert max_abs_difference(resumed, runs["fresh"]["vae"]) == 0.0


@pytest.mark.parametrize("model", ["vae", "wgangp"])
def test_kg_backup_resumes_mid_epoch_exactly(runs, model):
    """kg.callbacks.BackupAndRestore skips the batches its mid-epoch backup holds."""
    name = f"{model}_batches_kg"
    left = runs["left"][name]
    assert left["code"] == -signal.SIGKILL and not left["finished"]
    # killed after batch 4 of epoch 1; the last backup was after batch 3 (every 3 batches)
    assert left["metadata"] == {"epoch": 1, "batch": 3, "batches_done": 4}
    resumed, fresh = runs["resumed"][name], runs["fresh"][model]
    assert int(resumed["initial_epoch"]) == 1
    iterations = {k: int(v) for k, v in resumed.items() if k.endswith("/iteration")}
    assert set(iterations.values()) <= {STEPS, 2 * STEPS} and STEPS in iterations.values()
    assert max_abs_difference(resumed, fresh) == 0.0
