"""`tensorboard(logdir)`: a TensorBoard server for a log folder, shown inline in a notebook.

The server runs as a subprocess (`python -m tensorboard.main --logdir ... --port ...
--host 127.0.0.1`) on a free local port; the function waits until it answers HTTP and
returns a `TensorBoardServer`, which displays as an `IPython.display.IFrame` and has
`.url`, `.port` and `.stop()`. Asking again for the same folder reuses the running
server. Servers still running when Python exits are stopped.

Example:

```python
from keras_genmodels.widgets import tensorboard

board = tensorboard("runs/vae")     # last line of a cell: TensorBoard inside the notebook
board.url                           # 'http://127.0.0.1:43117/'
board.stop()
```
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from keras_genmodels.validation import check_non_negative, check_positive_int

#: Running servers started by this process, by resolved log folder.
_SERVERS: dict[Path, list[TensorBoardServer]] = {}
_LOCK = threading.Lock()


class TensorBoardServer:
    """A TensorBoard subprocess serving one log folder on `127.0.0.1`.

    Made by `tensorboard()`; displaying it (a notebook cell ending with it) shows
    TensorBoard in an `IFrame`.

    Example:

    ```python
    board = tensorboard("runs/gan")
    board.port, board.running        # (43117, True)
    board.stop()
    ```

    Args:
        logdir: the folder served.
        port: the local port it listens on.
        process: the `subprocess.Popen` of the server.
        log_path: the file receiving the server's output.
        height: pixels of the notebook frame.
    """

    def __init__(self, logdir: Path, port: int, process: subprocess.Popen, log_path: Path,
                 height: int = 800):
        self.logdir = logdir
        self.port = port
        self.process = process
        self.log_path = log_path
        self.height = height

    @property
    def url(self) -> str:
        """The address of the server's front page."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def running(self) -> bool:
        """Whether the server process is still alive."""
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """Ends the server process (terminate, then kill after `timeout` seconds) and
        removes its log file."""
        if self.running:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_path.unlink(missing_ok=True)
        with _LOCK:
            servers = _SERVERS.get(self.logdir, [])
            if self in servers:
                servers.remove(self)

    def output(self) -> str:
        """The server's output so far (its log file)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def iframe(self) -> Any:
        """An `IPython.display.IFrame` of the server."""
        from IPython.display import IFrame

        return IFrame(self.url, width="100%", height=self.height)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.iframe())

    def _repr_html_(self) -> str:
        return self.iframe()._repr_html_()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"TensorBoardServer(logdir={str(self.logdir)!r}, url={self.url!r}, {state})"


def tensorboard(
    logdir: str | os.PathLike,
    port: int | None = None,
    timeout: float = 120.0,
    height: int = 800,
) -> TensorBoardServer:
    """Starts (or reuses) a TensorBoard server for `logdir` and waits until it answers.

    Example:

    ```python
    board = tensorboard("runs/vae")   # shows TensorBoard when it ends a notebook cell
    ```

    Args:
        logdir: the log folder (created if missing).
        port: int in [1, 65535], the local port; `None` picks a free one. A server
            already running for `logdir` is reused when `port` is `None` or its port.
        timeout: float > 0, seconds to wait for the server to answer. Defaults to 120.
        height: int >= 100, pixels of the notebook frame. Defaults to 800.

    Returns:
        A `TensorBoardServer`.

    Raises:
        RuntimeError: when the server exits or does not answer within `timeout` (its
            output is in the message).
    """
    if isinstance(logdir, bool) or not isinstance(logdir, (str, os.PathLike)) or not str(logdir):
        raise TypeError(f"`logdir` must be a folder path (str or os.PathLike), got {logdir!r}.")
    if port is not None:
        port = check_positive_int(port, "port")
        if port > 65535:
            raise ValueError(f"`port` must be in [1, 65535], got {port}.")
    timeout = check_non_negative(timeout, "timeout")
    if timeout == 0:
        raise ValueError("`timeout` must be > 0 seconds, got 0.")
    height = check_positive_int(height, "height", minimum=100)
    folder = Path(logdir).expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"`logdir` {str(logdir)!r} is a file; expected a folder.")
    with _LOCK:
        for server in list(_SERVERS.get(folder, [])):
            if not server.running:
                _SERVERS[folder].remove(server)
            elif port is None or server.port == port:
                return server
    folder.mkdir(parents=True, exist_ok=True)
    server = _start(folder, port or _free_port(), height)
    _wait_until_answering(server, timeout)
    with _LOCK:
        _SERVERS.setdefault(folder, []).append(server)
    return server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(folder: Path, port: int, height: int) -> TensorBoardServer:
    log = tempfile.NamedTemporaryFile(prefix="kg-tensorboard-", suffix=".log", delete=False)
    command = [sys.executable, "-m", "tensorboard.main", "--logdir", str(folder),
               "--port", str(port), "--host", "127.0.0.1"]
    # Output to a file, not a pipe: a pipe nobody reads fills up and blocks the server.
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    log.close()
    return TensorBoardServer(folder, port, process, Path(log.name), height)


def _wait_until_answering(server: TensorBoardServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.running:
            output = server.output()
            server.stop()
            raise RuntimeError(f"TensorBoard exited with code {server.process.returncode} "
                               f"before answering on port {server.port}:\n{output}")
        try:
            with urllib.request.urlopen(server.url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.2)
    output = server.output()
    server.stop()
    raise RuntimeError(f"TensorBoard did not answer on {server.url} within {timeout:g} s; "
                       f"its output:\n{output}")


@atexit.register
def _stop_all() -> None:
    with _LOCK:
        servers = [s for group in _SERVERS.values() for s in group]
    for server in servers:
        server.stop(timeout=5.0)
