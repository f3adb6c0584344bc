"""Distributed training on one machine: logical CPU replicas and local multi-worker runs.

The two-worker test is the real engine path of `MultiWorkerMirroredStrategy`: two
processes on 127.0.0.1 with a `TF_CONFIG` each, collective all-reduce over gRPC, and the
chief-only writing of logs, PNGs and the saved model.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from keras_genmodels import distribute
from keras_genmodels.distribute import (
    WorkersTimeoutError,
    free_ports,
    launch_local_workers,
    logical_cpu_devices,
    tf_config,
)

HERE = Path(__file__).resolve().parent
WORKER_SCRIPT = HERE / "multi_worker_script.py"
QUIET_TF = {"TF_CPP_MIN_LOG_LEVEL": "2"}
# MultiWorkerMirroredStrategy start-up (imports, gRPC server, collective setup) takes
# 20-40 s per worker on a loaded 2-core machine.
MULTI_WORKER_TIMEOUT = 240


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """Runs the two-worker training once for this module's tests; returns its folder."""
    folder = tmp_path_factory.mktemp("two_workers")
    started = time.monotonic()
    results = launch_local_workers(
        WORKER_SCRIPT, 2,
        args=[str(folder / "worker{index}" / "logs"), str(folder / "result{index}.json")],
        env=QUIET_TF, timeout=MULTI_WORKER_TIMEOUT,
    )
    elapsed = time.monotonic() - started
    for i, result in enumerate(results):
        assert result.returncode == 0, (
            f"worker {i} failed ({elapsed:.0f} s):\n{result.stdout[-3000:]}\n"
            f"{result.stderr[-6000:]}"
        )
    return folder


@pytest.mark.slow
def test_two_workers_train_in_sync_and_only_the_chief_writes(two_workers):
    tmp_path = two_workers
    chief, other = (json.loads((tmp_path / f"result{i}.json").read_text()) for i in (0, 1))

    # Both workers took every step of a two-replica (one per worker) synchronous run.
    for report in (chief, other):
        assert report["num_replicas_in_sync"] == 2
        assert report["iterations"] == report["expected_iterations"] == 8
    assert chief["is_chief"] and not other["is_chief"]
    # MultiWorkerMirroredStrategy keeps TensorFlow's collective keys (they must agree
    # across workers): `isolate_collectives` leaves it alone.
    assert chief["isolated"] is None and other["isolated"] is None
    # They started from different random weights, so identical weights at the end show
    # both the initial broadcast and the all-reduced updates; the logged losses are the
    # cross-worker means, the same on both.
    assert chief["weights_sha256"] == other["weights_sha256"]
    assert chief["loss"] == other["loss"] and chief["val_loss"] == other["val_loss"]

    # Only the chief wrote: TensorBoard events (kg.callbacks.TensorBoard and SampleGrid),
    # PNG grids for epochs 0-2, the backup and the saved model; the other worker's log_dir
    # is empty.
    chief_logs = tmp_path / "worker0" / "logs"
    assert list((chief_logs / "tensorboard" / "train").glob("events.out.tfevents.*"))
    assert list((chief_logs / "images").glob("events.out.tfevents.*"))
    assert sorted(p.name for p in (chief_logs / "png").glob("*.png")) == [
        f"samples_epoch{epoch:04d}.png" for epoch in range(3)
    ]
    assert (chief_logs / "vae.keras").is_file()
    backup = json.loads((chief_logs / "backup" / "training_metadata.json").read_text())
    assert backup == {"epoch": 1, "batch": 1, "batches_done": 2}  # after step 6 of 8
    assert files_under(tmp_path / "worker1" / "logs") == []

    import keras

    restored = keras.models.load_model(chief_logs / "vae.keras")
    assert int(restored.optimizer.iterations.numpy()) == 8
    assert restored.data_shape == (28, 28, 1)


@pytest.mark.slow
def test_two_workers_train_like_one_device_with_the_same_global_batch(two_workers):
    # The same training (global batch 16, one replica per worker) on one device in a
    # single process, from the weights the workers started from (worker 0's, broadcast).
    out = two_workers / "one_device.npz"
    result = subprocess.run(
        [sys.executable, str(WORKER_SCRIPT), "--one-device", str(two_workers / "result0.npz"),
         str(out)], capture_output=True, text=True, timeout=MULTI_WORKER_TIMEOUT,
        env={**os.environ, **QUIET_TF},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    one = multi_worker_script_weights(out, "final")
    initial = multi_worker_script_weights(two_workers / "result0.npz", "initial")
    # worker 1 drew other weights, and started from worker 0's
    for a, b in zip(initial, multi_worker_script_weights(two_workers / "result1.npz",
                                                         "initial"), strict=True):
        np.testing.assert_array_equal(a, b)
    for worker in (0, 1):
        final = multi_worker_script_weights(two_workers / f"result{worker}.npz", "final")
        assert [w.shape for w in final] == [w.shape for w in one]
        moved = max(float(np.max(np.abs(a - b))) for a, b in zip(one, initial, strict=True))
        gap = max(float(np.max(np.abs(a - b))) for a, b in zip(one, final, strict=True))
        assert moved > 1e-3  # 8 SGD steps really changed the weights
        # Float tolerance: each worker averages its half of the batch, one device the
        # whole of it (seen: 2.5e-8, with the largest weight moving by 2.0). Gradients off
        # by a factor of 2, or the wrong half of the batch or of the noise on a worker,
        # would put the gap at the size of the updates themselves.
        assert gap < 1e-5 * max(1.0, moved), (worker, gap, moved)
    report = json.loads(next(line for line in result.stdout.splitlines()
                             if line.startswith("RESULT "))[len("RESULT "):])
    assert report["iterations"] == 8
    chief = json.loads((two_workers / "result0.json").read_text())
    assert np.allclose(report["loss"], chief["loss"], rtol=1e-5)


def multi_worker_script_weights(path: Path, name: str) -> list[np.ndarray]:
    """The weights `multi_worker_script.py` saved under `name` in `path`, in order."""
    with np.load(path) as stored:
        return [stored[key] for key in sorted(stored.files) if key.startswith(f"{name}_")]


def run_python(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **QUIET_TF})


def test_logical_cpu_devices_give_mirrored_replicas_before_tensorflow_starts():
    # A fresh process: the devices of this test session's TensorFlow are already fixed.
    result = run_python("""
        import json
        import tensorflow as tf
        from keras_genmodels.distribute import logical_cpu_devices

        names = logical_cpu_devices(2)
        strategy = tf.distribute.MirroredStrategy(names)
        per_replica = strategy.run(lambda: tf.distribute.get_replica_context()
                                   .replica_id_in_sync_group)
        ids = [int(v) for v in strategy.experimental_local_results(per_replica)]
        again = logical_cpu_devices(2)
        try:
            logical_cpu_devices(3)
            error = None
        except RuntimeError as e:
            error = str(e)
        print(json.dumps({"names": names, "replicas": strategy.num_replicas_in_sync,
                          "ids": ids, "again": again, "error": error}))
    """)
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["names"] == ["/device:CPU:0", "/device:CPU:1"]
    assert report["replicas"] == 2 and report["ids"] == [0, 1]
    assert report["again"] == report["names"]
    assert "too late" in report["error"] and "before any TensorFlow op runs" in report["error"]


def test_logical_cpu_devices_after_tensorflow_started_explains_it_is_too_late():
    result = run_python("""
        import tensorflow as tf
        from keras_genmodels.distribute import logical_cpu_devices

        tf.constant(1.0)  # TensorFlow has now fixed its devices: the default single CPU
        print(logical_cpu_devices(1))
        logical_cpu_devices(2)
    """)
    assert "['/device:CPU:0']" in result.stdout
    assert result.returncode != 0
    assert "RuntimeError: logical_cpu_devices(2) was called too late" in result.stderr


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "2"])
def test_logical_cpu_devices_rejects_bad_counts(n):
    with pytest.raises(ValueError, match="`n` must be an integer >= 1"):
        logical_cpu_devices(n)


def test_tf_config_names_the_cluster_and_this_task():
    workers = ["127.0.0.1:20001", "127.0.0.1:20002"]
    assert json.loads(tf_config(workers, 1)) == {
        "cluster": {"worker": workers}, "task": {"type": "worker", "index": 1},
    }
    cluster = {"chief": ["h0:2222"], "worker": ["h1:2222", "h2:2222"]}
    assert json.loads(tf_config(cluster, 0, task_type="chief"))["task"] == {
        "type": "chief", "index": 0,
    }
    evaluator = json.loads(tf_config(workers, 0, task_type="evaluator"))
    assert evaluator["cluster"] == {"worker": workers}
    assert evaluator["task"] == {"type": "evaluator", "index": 0}


@pytest.mark.parametrize(
    ("workers", "index", "task_type", "error", "match"),
    [
        (["127.0.0.1:1", "127.0.0.1:2"], 2, "worker", ValueError, r"\[0, 2\).*got 2"),
        (["127.0.0.1:1"], -1, "worker", ValueError, "`index`"),
        (["127.0.0.1:1"], 0, "chief", ValueError, "'chief', which is not in the cluster"),
        ([], 0, "worker", ValueError, "non-empty list of 'host:port'"),
        (["localhost"], 0, "worker", ValueError, "'host:port'"),
        ("127.0.0.1:1", 0, "worker", TypeError, "`workers` must be a list"),
    ],
)
def test_tf_config_rejects_bad_arguments(workers, index, task_type, error, match):
    with pytest.raises(error, match=match):
        tf_config(workers, index, task_type)


def test_free_ports_are_distinct_and_bindable_on_loopback():
    ports = free_ports(3)
    assert len(set(ports)) == 3 and all(isinstance(p, int) and p > 0 for p in ports)
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", port))
    with pytest.raises(ValueError, match="`n`"):
        free_ports(0)


ECHO_SCRIPT = """
import json, os, sys, time
config = json.loads(os.environ["TF_CONFIG"])
index = config["task"]["index"]
if os.environ.get("FAIL_WORKER") == str(index):
    sys.exit(3)
if os.environ.get("SLEEP"):
    time.sleep(float(os.environ["SLEEP"]))
report = json.dumps({"config": config, "argv": sys.argv[1:], "extra": os.environ.get("EXTRA")})
for _ in range(int(os.environ.get("REPEAT", "1"))):
    print(report, flush=True)
"""


@pytest.fixture
def echo_script(tmp_path) -> Path:
    """A worker script (no TensorFlow) that prints its TF_CONFIG and arguments."""
    path = tmp_path / "echo.py"
    path.write_text(ECHO_SCRIPT)
    return path


def test_launch_local_workers_gives_each_worker_its_tf_config(echo_script):
    results = launch_local_workers(echo_script, 3, args=["--out", "w{index}.json"],
                                   env={"EXTRA": "yes"}, timeout=60)
    reports = [json.loads(r.stdout) for r in results]
    assert [r.returncode for r in results] == [0, 0, 0]
    addresses = reports[0]["config"]["cluster"]["worker"]
    assert len(set(addresses)) == 3 and all(a.startswith("127.0.0.1:") for a in addresses)
    for i, report in enumerate(reports):
        assert report["config"] == {"cluster": {"worker": addresses},
                                    "task": {"type": "worker", "index": i}}
        assert report["argv"] == ["--out", f"w{i}.json"]
        assert report["extra"] == "yes"
    assert results[0].args[-3:] == [str(echo_script), "--out", "w0.json"]


def test_launch_local_workers_stops_the_others_when_one_fails(echo_script):
    started = time.monotonic()
    results = launch_local_workers(echo_script, 2, env={"FAIL_WORKER": "1", "SLEEP": "60"},
                                   timeout=120, grace_period=1.0)
    assert time.monotonic() - started < 30
    assert results[1].returncode == 3
    assert results[0].returncode < 0  # killed
    with pytest.raises(subprocess.CalledProcessError):
        launch_local_workers(echo_script, 2, env={"FAIL_WORKER": "0"}, timeout=60, check=True)


def test_launch_local_workers_kills_workers_that_time_out(echo_script):
    with pytest.raises(WorkersTimeoutError, match="did not finish within 1.0 s") as info:
        launch_local_workers(echo_script, 2, env={"SLEEP": "60"}, timeout=1.0)
    assert [r.returncode < 0 for r in info.value.results] == [True, True]


def test_launch_local_workers_checks_its_arguments(echo_script, tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.py"):
        launch_local_workers(tmp_path / "missing.py", 2)
    with pytest.raises(ValueError, match="`num_workers`"):
        launch_local_workers(echo_script, 0)
    with pytest.raises(TypeError, match="`args` must be a list"):
        launch_local_workers(echo_script, 2, args="--flag")


def test_command_line_runs_the_workers_and_returns_their_status(echo_script, capfd,
                                                                 monkeypatch):
    monkeypatch.setenv("REPEAT", "300")
    assert distribute.main(["--workers", "2", "--", str(echo_script), "a", "--b"]) == 0
    out = capfd.readouterr().out.splitlines()
    # Each worker's lines come whole and labelled, however the two processes interleave.
    assert len(out) == 600
    assert sorted({line[:11] for line in out}) == ["[worker 0] ", "[worker 1] "]
    for line in out:
        report = json.loads(line[11:])
        assert report["config"]["task"]["index"] == int(line[8])
        assert report["argv"] == ["a", "--b"]

    monkeypatch.setenv("FAIL_WORKER", "1")
    monkeypatch.delenv("REPEAT")
    assert distribute.main(["--workers", "2", str(echo_script)]) == 3
    assert "worker 1: exit status 3" in capfd.readouterr().err
