"""In a real browser: notebook 01 runs in JupyterLab, its LatentExplorer redraws when a
slider moves, and the TensorBoard it starts loads in its frame.

A JupyterLab server (token, 127.0.0.1, a temporary folder holding the notebook, the small
budget in its environment) is driven by headless Chromium through Selenium: run all
cells, wait for the explorer's image, press the right arrow on a latent slider's handle,
and check that the `<img>` shows a new picture; then open the frame of `tensorboard(...)`
and check that TensorBoard's app loaded with the notebook's runs.

Needs Chromium and its driver (Debian: `apt-get install chromium chromium-driver`) and
the pip packages `jupyterlab` and `selenium`; the test fails, not skips, without them,
so that CI cannot pass without exercising the browser.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "01_vae_quickstart.ipynb"
INSTALL = ("Install them with `apt-get install -y chromium chromium-driver` (Debian/Ubuntu; "
           ".ci/run does this) and `pip install -e '.[dev,notebooks]'` (jupyterlab, selenium).")

# The explorer's output area: the one whose sliders are labelled z[0], z[1], ...
FIND_EXPLORER = """
const areas = [...document.querySelectorAll('.jp-OutputArea-output')];
const area = areas.find(a => [...a.querySelectorAll('.widget-slider .widget-label')]
                             .some(l => l.textContent.startsWith('z[')));
if (!area) { return null; }
const image = area.querySelector('img');
const slider = [...area.querySelectorAll('.widget-slider')]
    .find(s => s.querySelector('.widget-label').textContent.startsWith('z['));
return {src: image ? image.getAttribute('src') : null,
        natural: image ? [image.naturalWidth, image.naturalHeight] : null,
        shown: image ? [image.clientWidth, image.clientHeight] : null,
        handle: slider.querySelector('.noUi-handle'),
        label: slider.querySelector('.widget-label').textContent,
        readout: slider.querySelector('.widget-readout').textContent};
"""

# Whether every code cell has run and the kernel is idle, and the errors shown so far.
NOTEBOOK_STATE = """
const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
if (!panel || !panel.content || !panel.sessionContext || !panel.sessionContext.session) {
    return null;
}
const kernel = panel.sessionContext.session.kernel;
const cells = panel.content.widgets.filter(c => c.model.type === 'code');
const errors = [];
for (const cell of cells) {
    for (const output of cell.model.outputs.toJSON()) {
        if (output.output_type === 'error') {
            errors.push(output.ename + ': ' + output.evalue);
        }
    }
}
return {kernel: kernel ? kernel.status : null,
        ran: cells.filter(c => c.model.executionCount !== null).length,
        cells: cells.length, errors: errors};
"""


def required_tools() -> tuple[str, str]:
    """The Chromium and chromedriver executables; fails the test naming what is missing."""
    chromium = next(filter(None, map(shutil.which, ("chromium", "chromium-browser",
                                                     "google-chrome"))), None)
    driver = shutil.which("chromedriver")
    missing = [name for name, found in (("chromium", chromium), ("chromedriver", driver))
               if found is None]
    missing += [name for name in ("jupyterlab", "selenium")
                if importlib.util.find_spec(name) is None]
    if missing:
        pytest.fail(f"The browser test needs {', '.join(missing)}. {INSTALL}")
    return chromium, driver


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float, what: str,
             detail: Callable[[], str] = lambda: "") -> Any:
    """Polls `condition` until it returns something truthy; fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}. {detail()}")


class JupyterLab:
    """A JupyterLab server on 127.0.0.1 with a token, serving `folder`."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder = folder
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.log_path = folder.parent / "jupyterlab.log"
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                 f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                 f"--ServerApp.root_dir={folder}", f"--IdentityProvider.token={self.token}",
                 "--LabApp.expose_app_in_browser=True",
                 *(["--allow-root"] if os.geteuid() == 0 else [])],
                cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def api(self, path: str, method: str = "GET") -> Any:
        request = urllib.request.Request(f"{self.base}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read()
        return json.loads(body) if body else None

    def answering(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"JupyterLab exited with code {self.process.returncode}:\n{self.log()}")
        try:
            return self.api("/api/status") is not None
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def stop(self) -> None:
        """Shuts the server down through its API (its kernels end cleanly), else kills it."""
        if self.process.poll() is None:
            try:
                self.api("/api/shutdown", method="POST")
                self.process.wait(30)
            except (urllib.error.URLError, OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


def chromium_driver(chromium: str, chromedriver: str) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)


@pytest.mark.slow
def test_latent_explorer_and_tensorboard_in_chromium(tmp_path, jupyter_env, stray_tensorboards):
    chromium, chromedriver = required_tools()
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(NOTEBOOK, folder)
    lab = JupyterLab(folder, {**jupyter_env, "SE_OFFLINE": "true"})
    driver = None
    try:
        wait_for(lab.answering, 60, "JupyterLab to answer", lab.log)
        driver = chromium_driver(chromium, chromedriver)
        driver.get(f"{lab.base}/lab/tree/{NOTEBOOK.name}?reset&token={lab.token}")

        def state() -> dict | None:
            return driver.execute_script(NOTEBOOK_STATE)

        wait_for(lambda: (state() or {}).get("kernel") == "idle", 90,
                 "the notebook to open with an idle kernel", lab.log)
        driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")

        def finished() -> bool:
            current = state()
            if current["errors"]:
                pytest.fail(f"the notebook raised: {current['errors']}")
            return current["ran"] == current["cells"] and current["kernel"] == "idle"

        # the small budget trains 128 steps: about a minute and a half on two busy cores
        wait_for(finished, 300, "every cell to run", lambda: f"{state()}\n{lab.log()}")

        # The explorer shows a decoded digit; a slider moved with the keyboard redraws it.
        explorer = wait_for(lambda: (driver.execute_script(FIND_EXPLORER) or {}).get("src")
                            and driver.execute_script(FIND_EXPLORER), 30,
                            "the LatentExplorer's image")
        assert explorer["src"].startswith(("blob:", "data:image/png"))
        driver.execute_script("arguments[0].scrollIntoView(); arguments[0].focus();",
                              explorer["handle"])
        explorer["handle"].send_keys(Keys.ARROW_RIGHT * 10)
        moved = wait_for(
            lambda: (lambda now: now if now["src"] != explorer["src"] else None)(
                driver.execute_script(FIND_EXPLORER)),
            30, f"the explorer's image to change after moving slider {explorer['label']}")
        assert moved["readout"] != explorer["readout"]
        assert moved["src"].startswith(("blob:", "data:image/png"))

        # The notebook's TensorBoard (runs/01_vae in the temporary folder) loads in its frame.
        frame = wait_for(lambda: driver.find_elements(
            By.CSS_SELECTOR, ".jp-OutputArea-output iframe[src^='http://127.0.0.1']"), 30,
            "the TensorBoard frame")[0]
        driver.switch_to.frame(frame)
        wait_for(lambda: driver.execute_script("return document.title") == "TensorBoard", 60,
                 "TensorBoard's page title")
        wait_for(lambda: driver.execute_script(
            "return !!document.querySelector('tb-webapp') && "
            "document.body.innerText.includes('validation')"), 60,
            "TensorBoard to list the notebook's runs",
            lambda: driver.execute_script("return document.body.innerText")[:2000])
        driver.switch_to.default_content()

        # The digit is drawn with its own proportions, not stretched by the widget's layout
        # (flex boxes stretch children across their cross axis unless told otherwise).
        # Measured once the image is decoded and laid out: a blob just swapped in has no
        # size yet, and JupyterLab may detach a cell scrolled out of view (the TensorBoard
        # frame is further down), so the explorer is scrolled back into view first.
        def laid_out() -> dict | None:
            now = driver.execute_script(FIND_EXPLORER)
            if now is None or now["natural"] is None:
                return None
            driver.execute_script("arguments[0].scrollIntoView();", now["handle"])
            return now if all(now["natural"]) and all(now["shown"]) else None

        shown = wait_for(laid_out, 30, "the explorer's image to be decoded and laid out")
        (width, height), (shown_width, shown_height) = shown["natural"], shown["shown"]
        assert abs(shown_width / shown_height - width / height) < 0.05 * width / height, (
            f"the LatentExplorer's {width}x{height} picture is shown distorted, as "
            f"{shown_width}x{shown_height} pixels: give its ipywidgets.Image a layout that "
            "keeps its proportions, e.g. Layout(align_self='flex-start')")
    finally:
        if driver is not None:
            driver.quit()
        lab.stop()
        for pid in stray_tensorboards(tmp_path):
            os.kill(pid, signal.SIGTERM)
