"""Distributed training without a cluster: logical CPU replicas and local workers.

Every model of the package trains under a `tf.distribute` strategy scope. This module
makes the two strategies worth testing runnable on one CPU-only machine:

- `logical_cpu_devices(n)` splits the CPU into `n` logical devices, so that
  `tf.distribute.MirroredStrategy(logical_cpu_devices(2))` runs two real replicas (it must
  be called before TensorFlow initialises its devices, i.e. before any op runs);
- `launch_local_workers(script, n)` starts `n` processes of a training script on
  127.0.0.1, each with its own `TF_CONFIG` (worker 0 is the chief), for
  `tf.distribute.MultiWorkerMirroredStrategy`; `tf_config` and `free_ports` are its parts.

One process may train several models one after the other, each under a
`MirroredStrategy` of its own or all under one (as a notebook does): every model's `fit`,
`evaluate` and `predict` first give the model's strategy collective keys of its own
(`keras_genmodels.collectives.isolate_collectives`), without which a second strategy's
all-reduce would fail with "Shape mismatch in the collective instance 100". A custom
training loop calls `isolate_collectives(strategy)` itself before its first
`strategy.run`.

In a multi-worker script every worker runs the same `fit` (the steps are collective), but
only the chief should write: the package's callbacks (`kg.callbacks.SampleGrid`, ...,
`kg.callbacks.TensorBoard`) already write from the chief only. Keras' `TensorBoard` and
`ModelCheckpoint` write on every worker, so give them to the chief only (or point the
other workers at a temporary folder), and save the model on the chief only.
`is_chief()` tells which process is the chief.

Example:

A training script, `train.py`:

```python
import sys
import tensorflow as tf
strategy = tf.distribute.MultiWorkerMirroredStrategy()   # first, before any op runs
import keras, keras_genmodels as kg
from keras_genmodels.distribute import is_chief

(x_train, _), _ = kg.datasets.load("shapes")
log_dir = sys.argv[1]
with strategy.scope():
    vae = kg.VAE(latent_dim=8, data_shape=x_train.shape[1:])
    vae.compile()
callbacks = [kg.callbacks.SampleGrid(log_dir),           # write on the chief only
             kg.callbacks.TensorBoard(log_dir)]
vae.fit(x_train, epochs=5, batch_size=128, callbacks=callbacks)   # the global batch
if is_chief():
    vae.save(f"{log_dir}/vae.keras")
```

started as two workers on this machine, from Python:

```python
from keras_genmodels.distribute import launch_local_workers

results = launch_local_workers("train.py", num_workers=2, args=["runs/mwms"])
assert all(r.returncode == 0 for r in results)
print(results[0].stdout)                                 # the chief's output
```

or from a shell (the output of both workers goes to the terminal):

```
python -m keras_genmodels.distribute --workers 2 -- train.py runs/mwms
```

On a real cluster, set `TF_CONFIG` on each machine instead, e.g. with
`tf_config(["host1:12345", "host2:12345"], index)`.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from contextlib import ExitStack

from keras_genmodels.chief import is_chief

__all__ = [
    "WorkersTimeoutError",
    "free_ports",
    "is_chief",
    "launch_local_workers",
    "logical_cpu_devices",
    "tf_config",
]

#: The placeholder in `launch_local_workers`' `args` replaced by each worker's index.
INDEX_PLACEHOLDER = "{index}"


def logical_cpu_devices(n: int) -> list[str]:
    """Splits the first physical CPU into `n` logical devices and returns their names.

    With them, `tf.distribute.MirroredStrategy` runs `n` real replicas (each with its
    share of the global batch, gradients summed across them) on a machine without
    accelerators: enough to test distributed training for real. TensorFlow fixes its
    devices when it initialises them (at the first op or tensor), so call this at the
    start of the program; calling it again with the same `n` (or with `n=1` when
    TensorFlow started with its default single CPU device) returns the device names.

    Example:

    ```python
    import tensorflow as tf
    from keras_genmodels.distribute import logical_cpu_devices

    strategy = tf.distribute.MirroredStrategy(logical_cpu_devices(2))
    strategy.num_replicas_in_sync   # 2
    ```

    Args:
        n: int >= 1, the number of logical CPU devices.

    Returns:
        The device names, e.g. `["/device:CPU:0", "/device:CPU:1"]`.

    Raises:
        RuntimeError: TensorFlow has already initialised its devices, with a number of
            logical CPUs other than `n`.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"`n` must be an integer >= 1, got {n!r}.")
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    current = tf.config.get_logical_device_configuration(cpu)
    if current is None or len(current) != n:
        try:
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)]
            )
        except RuntimeError as error:
            have = len(tf.config.list_logical_devices("CPU"))
            if have == n:  # e.g. n=1 after TensorFlow started with its default device
                return [device.name for device in tf.config.list_logical_devices("CPU")]
            raise RuntimeError(
                f"logical_cpu_devices({n}) was called too late: TensorFlow has already "
                f"initialised its devices ({have} logical CPU device(s)), and they cannot "
                "change afterwards. Call it at the start of the program, before any "
                "TensorFlow op runs or any tensor, variable, model or strategy is created "
                "(in a test, run it in a fresh subprocess)."
            ) from error
    return [device.name for device in tf.config.list_logical_devices("CPU")]


def tf_config(
    workers: Sequence[str] | Mapping[str, Sequence[str]],
    index: int,
    task_type: str = "worker",
) -> str:
    """Builds the `TF_CONFIG` JSON of one task of a cluster.

    `tf.distribute.MultiWorkerMirroredStrategy` reads the cluster and the process's own
    task from the `TF_CONFIG` environment variable. With a list of workers and no
    `"chief"` task, worker 0 acts as the chief (it writes logs and checkpoints).

    Example:

    ```python
    tf_config(["127.0.0.1:20001", "127.0.0.1:20002"], index=1)
    # '{"cluster": {"worker": ["127.0.0.1:20001", "127.0.0.1:20002"]},
    #   "task": {"type": "worker", "index": 1}}'
    ```

    Args:
        workers: the `"host:port"` addresses of the workers, or a full cluster spec
            mapping task types to address lists, e.g.
            `{"chief": ["h0:2222"], "worker": ["h1:2222", "h2:2222"]}`.
        index: int >= 0, this task's index among the tasks of `task_type`.
        task_type: this task's type, a key of the cluster (`"worker"` for a list of
            workers), or `"evaluator"` (which is not part of the cluster). Defaults to
            `"worker"`.

    Returns:
        The JSON string to put in `os.environ["TF_CONFIG"]`.
    """
    if isinstance(workers, Mapping):
        cluster = {str(kind): list(addresses) for kind, addresses in workers.items()}
    elif isinstance(workers, (str, bytes)) or not isinstance(workers, Sequence):
        raise TypeError(f"`workers` must be a list of 'host:port' strings or a mapping of "
                        f"task types to such lists, got {workers!r}.")
    else:
        cluster = {"worker": list(workers)}
    for kind, addresses in cluster.items():
        if not addresses or not all(isinstance(a, str) and ":" in a for a in addresses):
            raise ValueError(f"The {kind!r} tasks of `workers` must be a non-empty list of "
                             f"'host:port' strings, got {addresses!r}.")
    if task_type != "evaluator" and task_type not in cluster:
        raise ValueError(f"`task_type` is {task_type!r}, which is not in the cluster "
                         f"(task types: {sorted(cluster)}, or 'evaluator').")
    count = 1 if task_type == "evaluator" else len(cluster[task_type])
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
        raise ValueError(f"`index` must be an integer in [0, {count}) for {count} "
                         f"{task_type!r} task(s), got {index!r}.")
    return json.dumps({"cluster": cluster, "task": {"type": task_type, "index": index}})


def free_ports(n: int, host: str = "127.0.0.1") -> list[int]:
    """Returns `n` distinct TCP ports that are free on `host` right now.

    The ports are found by binding to port 0 and released before returning, so another
    process could in principle take one before the workers start; use them at once.

    Args:
        n: int >= 1, the number of ports.
        host: the address to bind. Defaults to the loopback `"127.0.0.1"`.

    Returns:
        A list of `n` distinct port numbers.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"`n` must be an integer >= 1, got {n!r}.")
    with ExitStack() as stack:
        ports = []
        for _ in range(n):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((host, 0))
            ports.append(sock.getsockname()[1])
    return ports


class WorkersTimeoutError(TimeoutError):
    """Raised by `launch_local_workers` when the workers do not finish in time.

    Attributes:
        results: one `subprocess.CompletedProcess` per worker, after the unfinished ones
            were killed (their `returncode` is negative), with the captured output.
    """

    def __init__(self, message: str, results: list[subprocess.CompletedProcess]):
        super().__init__(message)
        self.results = results


def launch_local_workers(
    script: str | os.PathLike,
    num_workers: int,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    timeout: float | None = 600.0,
    capture_output: bool = True,
    check: bool = False,
    cwd: str | os.PathLike | None = None,
    grace_period: float = 10.0,
) -> list[subprocess.CompletedProcess]:
    """Runs `num_workers` processes of a Python script as a cluster on 127.0.0.1.

    Each process runs `python script *args` with a `TF_CONFIG` naming all the workers
    (on free loopback ports) and its own index, so `MultiWorkerMirroredStrategy()` in the
    script connects them; worker 0 is the chief. The string `"{index}"` inside `args`
    is replaced by each worker's index (e.g. `"out/worker{index}.json"`). The call
    waits for every worker. Since the other workers would block in their next collective
    step, a worker's failure stops the others after `grace_period` seconds.

    Example:

    ```python
    results = launch_local_workers("train.py", 2, args=["--out", "w{index}.json"])
    for result in results:
        print(result.returncode, result.stderr[-2000:])
    ```

    Args:
        script: path of the Python script.
        num_workers: int >= 1, the number of worker processes.
        args: command-line arguments of the script.
        env: variables added to (or overriding) this process's environment.
        timeout: seconds to wait for all the workers; `None` waits forever. Defaults to
            600.
        capture_output: whether to capture each worker's stdout and stderr (as text in
            the results); `False` forwards them to this process's stdout and stderr as
            they come, whole lines only, each prefixed with `[worker i] ` so that the
            workers' lines never mix.
        check: whether to raise `subprocess.CalledProcessError` for the first worker
            that failed.
        cwd: working folder of the workers; `None` for this process's.
        grace_period: seconds the other workers may run on after one has failed.

    Returns:
        One `subprocess.CompletedProcess` per worker, in index order.

    Raises:
        WorkersTimeoutError: the workers did not finish within `timeout` (they are
            killed; the error's `results` hold their output).
    """
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 1:
        raise ValueError(f"`num_workers` must be an integer >= 1, got {num_workers!r}.")
    if not os.path.isfile(os.path.join(cwd or "", script)):
        raise FileNotFoundError(f"`script` {str(script)!r} is not a file.")
    if isinstance(args, (str, bytes)):
        raise TypeError(f"`args` must be a list of strings, got the string {args!r}.")
    addresses = [f"127.0.0.1:{port}" for port in free_ports(num_workers)]
    commands = [
        [sys.executable, os.fspath(script),
         *(str(a).replace(INDEX_PLACEHOLDER, str(i)) for a in args)]
        for i in range(num_workers)
    ]
    with ExitStack() as stack:
        outputs = [
            tuple(stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8",
                                                             errors="replace"))
                  for _ in range(2)) if capture_output else (None, None)
            for _ in range(num_workers)
        ]
        processes = []
        forwarders: list[threading.Thread] = []
        lock = threading.Lock()
        try:
            for i, command in enumerate(commands):
                worker_env = {**os.environ, **(env or {}),
                              "TF_CONFIG": tf_config(addresses, i)}
                pipe = None if capture_output else subprocess.PIPE
                processes.append(subprocess.Popen(
                    command, env=worker_env, cwd=cwd, stdout=outputs[i][0] or pipe,
                    stderr=outputs[i][1] or pipe, stdin=subprocess.DEVNULL,
                ))
                if not capture_output:
                    forwarders += _forward_output(processes[-1], f"[worker {i}] ", lock)
            timed_out = _wait_all(processes, timeout, grace_period)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            for forwarder in forwarders:
                forwarder.join(timeout=5.0)
        results = [
            subprocess.CompletedProcess(command, process.returncode, *(
                _read(stream) for stream in streams))
            for command, process, streams in zip(commands, processes, outputs, strict=True)
        ]
    if timed_out:
        raise WorkersTimeoutError(
            f"{num_workers} workers of {str(script)!r} did not finish within {timeout} s "
            "and were killed. " + _summary(results), results
        )
    if check:
        for result in results:
            result.check_returncode()
    return results


def _wait_all(processes: list[subprocess.Popen], timeout: float | None,
              grace_period: float) -> bool:
    """Waits for every process; returns whether the timeout ran out first."""
    deadline = None if timeout is None else time.monotonic() + timeout
    failed_at = None
    while True:
        codes = [p.poll() for p in processes]
        if all(code is not None for code in codes):
            return False
        now = time.monotonic()
        if failed_at is None and any(code not in (None, 0) for code in codes):
            failed_at = now
        if failed_at is not None and now - failed_at > grace_period:
            return False
        if deadline is not None and now > deadline:
            return True
        time.sleep(0.1)


def _forward_output(process: subprocess.Popen, prefix: str,
                    lock: threading.Lock) -> list[threading.Thread]:
    """Starts threads copying a process's stdout and stderr lines, prefixed, to ours."""
    threads = []
    for pipe, sink in ((process.stdout, sys.stdout), (process.stderr, sys.stderr)):
        thread = threading.Thread(target=_copy_lines, args=(pipe, sink, prefix, lock),
                                  daemon=True)
        thread.start()
        threads.append(thread)
    return threads


def _copy_lines(pipe, sink, prefix: str, lock: threading.Lock) -> None:
    with pipe:
        for raw in iter(pipe.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            with lock:
                sink.write(f"{prefix}{line}\n")
                sink.flush()


def _read(stream) -> str | None:
    if stream is None:
        return None
    stream.seek(0)
    return stream.read()


def _summary(results: list[subprocess.CompletedProcess], tail: int = 2000) -> str:
    parts = []
    for i, result in enumerate(results):
        stderr = (result.stderr or "")[-tail:]
        parts.append(f"worker {i}: returncode {result.returncode}"
                     + (f", stderr tail:\n{stderr}" if stderr else ""))
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """The `python -m keras_genmodels.distribute` command; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m keras_genmodels.distribute",
        description="Run N processes of a training script as a MultiWorkerMirroredStrategy "
        "cluster on 127.0.0.1 (TF_CONFIG set for each; worker 0 is the chief). "
        "'{index}' in the script's arguments becomes each worker's index.",
        epilog="Example: python -m keras_genmodels.distribute --workers 2 -- train.py "
        "runs/mwms",
    )
    parser.add_argument("--workers", type=int, default=2,
                        help="number of worker processes (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds before the workers are killed (default: no limit)")
    parser.add_argument("script", help="the Python training script")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments of the script")
    options = parser.parse_args(argv)
    if options.workers < 1:
        parser.error(f"--workers must be >= 1, got {options.workers}.")
    script_args = options.args[1:] if options.args[:1] == ["--"] else options.args
    try:
        results = launch_local_workers(options.script, options.workers, script_args,
                                       timeout=options.timeout, capture_output=False)
    except FileNotFoundError as error:
        parser.error(str(error))
    except WorkersTimeoutError as error:
        print(f"error: {error}", file=sys.stderr)
        return 124
    codes = [r.returncode for r in results]
    for i, code in enumerate(codes):
        print(f"worker {i}: exit status {code}", file=sys.stderr)
    failures = [code for code in codes if code != 0]
    if not failures:
        return 0
    # A worker killed after another one failed has a negative code: report the failure.
    return max((code for code in failures if code > 0), default=1)


if __name__ == "__main__":
    sys.exit(main())
