"""tensorboard(): a real TensorBoard server on a free local port, reused, shown, stopped."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request

import pytest
import tensorflow as tf

from keras_genmodels.widgets import tensorboard


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def test_serves_a_log_folder_reuses_the_server_and_stops(tmp_path, monkeypatch):
    writer = tf.summary.create_file_writer(str(tmp_path / "run_a"))
    with writer.as_default():
        tf.summary.scalar("loss", 0.5, step=1)
    writer.close()

    board = tensorboard(tmp_path)
    try:
        assert board.url == f"http://127.0.0.1:{board.port}/" and board.running
        page = fetch(board.url)
        assert b"<!doctype html>" in page.lower() and b"tensorboard" in page.lower()
        runs, deadline = [], time.monotonic() + 30
        while "run_a" not in runs and time.monotonic() < deadline:
            runs = json.loads(fetch(board.url + "data/runs"))
            time.sleep(0.2)
        assert "run_a" in runs  # it reads the event file
        assert tensorboard(str(tmp_path) + "/") is board  # same folder: same server
        assert tensorboard(tmp_path, port=board.port) is board
        assert f'src="{board.url}"' in board._repr_html_()
        shown = []
        monkeypatch.setattr("IPython.display.display", shown.append)
        board._ipython_display_()
        assert shown[0].src == board.url
    finally:
        board.stop()
    assert not board.running and board.process.returncode is not None
    with pytest.raises(urllib.error.URLError):
        fetch(board.url)


def test_a_server_that_cannot_start_reports_its_output(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match=f"TensorBoard exited .* port {port}"):
            tensorboard(tmp_path, port=port, timeout=60)


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(TypeError, match="`logdir` must be a folder path"):
        tensorboard(3)
    with pytest.raises(ValueError, match=r"`port` must be in \[1, 65535\], got 70000"):
        tensorboard(tmp_path, port=70000)
    with pytest.raises(ValueError, match="`port` must be an integer >= 1, got 0"):
        tensorboard(tmp_path, port=0)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file; expected a folder"):
        tensorboard(tmp_path / "file")
