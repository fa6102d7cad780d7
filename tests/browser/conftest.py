"""Fixtures for tests that drive JupyterLab in Debian's chromium: a lab server per folder, a page.

    def test_something(lab_server, browser_page, tmp_path):
        server = lab_server(tmp_path)            # JupyterLab serving tmp_path, stopped after the session
        browser_page.goto(server.lab_url("demo.ipynb"))

make_lab(repository) starts JupyterLab the way a learner does, with `make lab`.
With BACKPROP_LAB_TEST_LOAD=N in the environment, N CPU burners run beside the tests.

Screenshots go to `screenshot_dir`, a fresh temporary folder named in the test report.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from terminal import terminal_environment

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
# BACKPROP_LAB_TEST_LOAD=2 runs two CPU burners beside the browser tests: they must hold on a busy machine.
LOAD_VARIABLE = "BACKPROP_LAB_TEST_LOAD"


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

    def get(self, path: str) -> urllib.request.addinfourl:
        """GET `path` (such as "api/status") from the server, with the token."""
        return urllib.request.urlopen(f"{self.url}/{path}?token={self.token}", timeout=30)

    def answers(self) -> bool:
        try:
            self.get("api/status")
            return True
        except OSError:
            return False

    def stop(self) -> None:
        """Ask the server to shut down (it stops its kernels too); end its process group if it does not."""
        request = urllib.request.Request(f"{self.url}/api/shutdown?token={self.token}", method="POST")
        try:
            urllib.request.urlopen(request, timeout=5)
            self.process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def lab_environment(home: Path, settings: dict[str, dict] = LAB_SETTINGS) -> dict[str, str]:
    """Environment variables that give a JupyterLab its own config, data, settings and workspaces
    under `home`, with the test settings in place: nothing from the machine's user leaks in."""
    for name, values in settings.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    return {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}


def launch(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start `command` in its own process group (so stop() can end all of it), output into `log`."""
    with log.open("w") as sink:
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                start_new_session=True)


def wait_until_up(process: subprocess.Popen, log: Path, ready: Callable[[], bool], timeout: float) -> None:
    """Poll `ready` until it holds; if the process ends first or `timeout` passes, fail with its log."""
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            raise RuntimeError(f"JupyterLab did not start within {timeout:.0f} s; its log:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def start_lab(folder: Path, home: Path, timeout: float = 180.0) -> LabServer:
    """JupyterLab from this Python on a free 127.0.0.1 port with a random token, serving `folder`."""
    port, token = free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--port-retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = home / "server.log"
    process = launch(command, folder, lab_environment(home), log)
    server = LabServer(process, f"http://127.0.0.1:{port}", token, folder, log)
    wait_until_up(process, log, server.answers, timeout)
    return server


@dataclass
class MadeLab:
    """JupyterLab as `make lab` started it, and the one address it printed for the learner."""

    server: LabServer
    address: str


def start_make_lab(repository: Path, home: Path, timeout: float = 300.0) -> MadeLab:
    """`make lab` in `repository`, as a learner types it, but on a free loopback port without a
    browser, with this Python's environment standing in for .venv (never reinstalled), and with
    MAKEFLAGS of an outer `make test` cleared. Returns once the address line is printed."""
    venv = Path(sys.prefix)
    options = f"--no-browser --ip=127.0.0.1 --port={free_port()} --port-retries=0"
    command = ["make", "--no-print-directory", "-o", f"{venv}/.installed-lab", "lab",
               f"VENV={venv}", f"PYTHON={sys.executable}", f"LAB_OPTIONS={options}"]
    log = home / "make-lab.log"
    # A learner has no user settings: whatever quiets the news pop-up must come from `make lab` itself.
    settings = {name: values for name, values in LAB_SETTINGS.items() if "notification" not in name}
    process = launch(command, repository, terminal_environment(lab_environment(home, settings)), log)

    def printed_address() -> str | None:
        found = re.search(r"^JupyterLab is ready\. Open notebook 01 at (\S+)", log.read_text(), re.MULTILINE)
        return found and found.group(1)

    wait_until_up(process, log, lambda: printed_address() is not None, timeout)
    address = urllib.parse.urlsplit(printed_address())
    token = urllib.parse.parse_qs(address.query)["token"][0]
    server = LabServer(process, f"{address.scheme}://{address.netloc}", token, repository, log)
    return MadeLab(server, address.geturl())


@pytest.fixture(scope="session", autouse=True)
def machine_load() -> Iterator[int]:
    """Start the CPU burners (`yes > /dev/null`) that BACKPROP_LAB_TEST_LOAD asks for; stop them at the end."""
    wanted = os.environ.get(LOAD_VARIABLE, "0")
    if not wanted.isdigit():
        raise pytest.UsageError(f"{LOAD_VARIABLE}={wanted!r}: give the number of CPU burners to run, e.g. 2")
    burners = [subprocess.Popen(["yes"], stdout=subprocess.DEVNULL) for _ in range(int(wanted))]
    yield len(burners)
    for burner in burners:
        burner.terminate()
        burner.wait()


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


@pytest.fixture(scope="session")
def make_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[Path], MadeLab]]:
    """make_lab(repository) runs `make lab` there (see start_make_lab); every one stops at session end."""
    started: list[MadeLab] = []

    def run(repository: Path) -> MadeLab:
        started.append(start_make_lab(repository, tmp_path_factory.mktemp("make-lab-home")))
        return started[-1]

    yield run
    for lab in started:
        lab.server.stop()


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
