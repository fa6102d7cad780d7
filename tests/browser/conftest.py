"""Fixtures for tests that drive JupyterLab in Debian's chromium: a lab server per folder, a page.

    def test_something(lab_server, browser_page, tmp_path):
        server = lab_server(tmp_path)            # JupyterLab serving tmp_path, stopped after the session
        browser_page.goto(server.lab_url("demo.ipynb"))

Screenshots go to `screenshot_dir`, a fresh temporary folder named in the test report.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# User settings for a test lab: every cell stays in the page (so widgets below the fold render),
# and no news or update checks reach for the network.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}
SCREENSHOTS = pytest.StashKey[Path]()


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LabServer:
    """A running JupyterLab: where it is, its token, the folder it serves and its log."""

    process: subprocess.Popen
    url: str
    token: str
    root: Path
    log: Path

    def lab_url(self, path: str | None = None) -> str:
        """The address that opens JupyterLab (on `path`, relative to root, if given) with a clean workspace."""
        tree = f"/tree/{path}" if path else ""
        return f"{self.url}/lab{tree}?reset&token={self.token}"

    def answers(self) -> bool:
        try:
            urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2)
            return True
        except OSError:
            return False

    def stop(self) -> None:
        """Ask the server to shut down (it stops its kernels too); terminate it if it does not."""
        request = urllib.request.Request(f"{self.url}/api/shutdown?token={self.token}", method="POST")
        try:
            urllib.request.urlopen(request, timeout=5)
            self.process.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_lab(folder: Path, home: Path, timeout: float = 90.0) -> LabServer:
    """JupyterLab from this Python on a free 127.0.0.1 port with a random token, serving `folder`."""
    for name, values in LAB_SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    port, token = free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--port-retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = home / "server.log"
    with log.open("w") as sink:
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=sink, stderr=subprocess.STDOUT)
    server = LabServer(process, f"http://127.0.0.1:{port}", token, folder, log)
    deadline = time.monotonic() + timeout
    while not server.answers():
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"JupyterLab did not start within {timeout:.0f} s; its log:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return server


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[Path], LabServer]]:
    """lab_server(folder) starts JupyterLab serving `folder` (once per folder); all stop at session end."""
    servers: dict[Path, LabServer] = {}

    def serve(folder: Path) -> LabServer:
        folder = Path(folder).resolve()
        if folder not in servers:
            servers[folder] = start_lab(folder, tmp_path_factory.mktemp("jupyter-home"))
        return servers[folder]

    yield serve
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="module")
def chromium_browser():
    """Debian's chromium driven by playwright, shared by a test module (one playwright at a time)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make chromium` installs it (apt-get install chromium); "
                    "or leave the browser tests out with -m 'not browser'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium_browser):
    """A fresh page (own cookies and storage) 1400×1000, closed after the test."""
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir(request: pytest.FixtureRequest) -> Path:
    """A new temporary folder for screenshots; its path is printed and listed in the test report."""
    folder = Path(tempfile.mkdtemp(prefix="backprop-lab-screenshots-"))
    request.config.stash[SCREENSHOTS] = folder
    print(f"\nscreenshots go to {folder}")
    return folder


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    folder = config.stash.get(SCREENSHOTS, None)
    if folder is not None:
        terminalreporter.write_line(f"browser screenshots: {folder}")
