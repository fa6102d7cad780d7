"""The course in the JupyterLite site (`make lite`): every release notebook runs in the browser, offline.

The site is built once for the module (from course/release, with a solved copy beside each notebook,
and the learner package) and served from a free loopback port. Every request a page makes for another
host is recorded (the record must stay empty), and refused by a proxy, so nothing leaves the machine. Each test opens
a notebook in a fresh browser context, runs every cell with Shift-Enter as a learner does, and reads
back what Pyodide produced. Notebooks are opened one ahead (`LitePages`): the next test's Pyodide
starts while this test's cells run, on the core they leave idle.

What runs, and why (about 1-2 minutes a notebook on a loaded 2-core machine): every solved notebook,
01 to 07 (all code runs under Pyodide, no errors, widgets draw and respond), and the blank 01 (the
course's "Not written yet" messages, and only those). The other blank notebooks raise the same
errors from the same backprop_lab code, which tests/course/test_learner_environment.py checks.
"""

from __future__ import annotations

import re
import shutil
import socketserver
import subprocess
import sys
import threading
import time
import urllib.request
from urllib.parse import urlsplit
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, free_port
from playwright.sync_api import Page
from test_course_e2e import (NOTEBOOK, RELEASED, WIDGET_MIME, check_widgets, errors, never_ran, ran_top_to_bottom,
                             run_every_cell, solved, solved_path, unexplained_errors)

pytestmark = [pytest.mark.browser, pytest.mark.lite, pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "course"
CDN = "https://cdn.jsdelivr.net/pyodide/"  # where JupyterLite would fetch Pyodide from if the site lacked it
NOT_WRITTEN = "Not written yet: replace `raise NotImplementedError()`"
CURRENT = "jupyterapp.shell.currentWidget"
KERNEL_IDLE = f"() => window.jupyterapp && {CURRENT} && {CURRENT}.sessionContext?.kernelDisplayStatus === 'idle'"


def site_path(released: str) -> str:
    """Where a course/release notebook sits in the site: the site's files are release/'s folders."""
    return released.removeprefix("release/")


@pytest.fixture(scope="module")
def lite_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built by lite/build.py from the release notebooks and a solved copy of each."""
    work = tmp_path_factory.mktemp("lite")
    notebooks = work / "notebooks"
    shutil.copytree(COURSE / "release", notebooks)
    for released in RELEASED:
        source = nbformat.read(COURSE / released.replace("release/", "source/", 1), as_version=4)
        release = nbformat.read(COURSE / released, as_version=4)
        nbformat.write(solved(release, source), notebooks / site_path(solved_path(released)))
    site = work / "site"
    built = subprocess.run([sys.executable, str(ROOT / "lite" / "build.py"), "--output", str(site),
                            "--notebooks", str(notebooks)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    # The address it prints opens notebook 01, as the README's badge does.
    assert f"/lab/index.html?path={site_path(RELEASED[0])}" in built.stdout, built.stdout
    lock = (site / "static" / "pyodide" / "pyodide-lock.json").read_text()
    assert all(f'"{name}"' in lock for name in ("numpy", "matplotlib", "backprop-lab"))
    return site


@pytest.fixture(scope="module")
def lite_url(lite_site: Path) -> Iterator[str]:
    """The site served by Python's static file server on a free 127.0.0.1 port."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "-b", "127.0.0.1",
                               "-d", str(lite_site)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            assert time.monotonic() < deadline and server.poll() is None, "the static server did not start"
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=15)


class Refuse(socketserver.StreamRequestHandler):
    """Answer any proxied request with 403 Forbidden, without reaching for its host."""

    def handle(self) -> None:
        self.rfile.readline()
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


@pytest.fixture(scope="module")
def refusing_proxy() -> Iterator[str]:
    """The proxy the browser must use for every host but 127.0.0.1: nothing leaves the machine."""
    proxy = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Refuse)
    proxy.daemon_threads = True
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{proxy.server_address[1]}"
    proxy.shutdown()
    proxy.server_close()


@pytest.fixture(scope="module")
def lite_browser(refusing_proxy: str):
    """Debian's chromium with every host but 127.0.0.1 sent to the refusing proxy (chromium's own
    background requests go there too, and are refused)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             proxy={"server": refusing_proxy, "bypass": "127.0.0.1"})
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def elsewhere() -> list[str]:
    """Every URL off the site that a page, its web workers or its service worker asked for."""
    return []


def new_lite_page(browser, url: str, elsewhere: list[str]) -> Page:
    """A page in a context of its own (JupyterLite keeps a learner's files in browser storage); each
    request it makes for another host is recorded in `elsewhere` (and refused by the proxy)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    site = urlsplit(url).netloc

    def record_if_elsewhere(request) -> None:
        if urlsplit(request.url).netloc not in ("", site):  # "" for data: and blob: URLs
            elsewhere.append(request.url)

    context.on("request", record_if_elsewhere)
    return context.new_page()


@pytest.fixture
def lite_page(lite_browser, lite_url: str, elsewhere: list[str]) -> Iterator[Page]:
    """A page of its own, for a test that opens no notebook."""
    page = new_lite_page(lite_browser, lite_url, elsewhere)
    yield page
    page.context.close()


class LitePages:
    """Notebooks of the site opened one ahead, in the order the module's tests run them: opening one
    starts the next (a page of its own, so its Pyodide kernel starts while this one's cells run)."""

    def __init__(self, browser, url: str, elsewhere: list[str], order: list[str]) -> None:
        self.browser, self.url, self.elsewhere, self.order = browser, url, elsewhere, order
        self.opening: dict[str, Page] = {}

    def open(self, path: str) -> Page:
        """The page of notebook `path`, its kernel ready; the caller closes it (`page.context.close()`)."""
        page = self.opening.pop(path, None) or self._start(path)
        following = self.order[self.order.index(path) + 1:] if path in self.order else []
        if following and following[0] not in self.opening:
            self.opening[following[0]] = self._start(following[0])
        page.wait_for_selector(f"{NOTEBOOK} .jp-Cell", timeout=120_000)
        page.wait_for_function(KERNEL_IDLE, timeout=300_000)
        assert page.evaluate(f"() => {CURRENT}.sessionContext.kernelDisplayName") == "Python (Pyodide)"
        return page

    def _start(self, path: str) -> Page:
        page = new_lite_page(self.browser, self.url, self.elsewhere)
        page.goto(f"{self.url}/lab/index.html?path={path}")
        return page

    def close(self) -> None:
        for page in self.opening.values():
            page.context.close()


@pytest.fixture(scope="module")
def lite_pages(lite_browser, lite_url: str, elsewhere: list[str]) -> Iterator[LitePages]:
    """The module's notebooks in test order: the blank first one, then every solved one."""
    pages = LitePages(lite_browser, lite_url, elsewhere,
                      [site_path(RELEASED[0])] + [site_path(solved_path(released)) for released in RELEASED])
    yield pages
    pages.close()


@pytest.fixture
def lite_notebook(lite_pages: LitePages) -> Iterator:
    """lite_notebook(released, path) opens `path`, the site's copy of the notebook `released` (blank or
    solved: the same cells), runs every cell from the top as a learner does and reads it back;
    every code cell ran, in order. Returns the page and the notebook."""
    opened: list[Page] = []

    def run(released: str, path: str) -> tuple[Page, nbformat.NotebookNode]:
        page = lite_pages.open(path)
        opened.append(page)
        run_every_cell(page, len(nbformat.read(COURSE / released, as_version=4).cells))
        notebook = read_back(page)
        assert never_ran(notebook) == []
        assert ran_top_to_bottom(notebook)
        return page, notebook

    yield run
    for page in opened:
        page.context.close()


def read_back(page: Page) -> nbformat.NotebookNode:
    """The notebook as the page holds it (Ctrl-S saves to browser storage, not to a file), in the
    shape a saved file has: no null attachments, and exception names as ipykernel writes them
    (pyodide-kernel writes "<class 'AssertionError'>")."""
    data = page.evaluate(f"() => {CURRENT}.content.model.toJSON()")
    for cell in data["cells"]:
        if cell.get("attachments", {}) is None:
            del cell["attachments"]
        for output in cell.get("outputs", []):
            if output["output_type"] == "error":
                output["ename"] = re.sub(r"^<class '(?:\w+\.)*(\w+)'>$", r"\1", output["ename"])
    notebook = nbformat.from_dict(data)
    nbformat.validate(notebook)
    return notebook


def printed(notebook: nbformat.NotebookNode) -> str:
    """Everything the notebook's cells printed (stream text may be saved whole or as a list of lines)."""
    texts = [output.text for cell in notebook.cells if cell.cell_type == "code"
             for output in cell.outputs if output.output_type == "stream"]
    return "".join(text if isinstance(text, str) else "".join(text) for text in texts)


def test_a_request_to_another_host_is_recorded_and_refused(lite_page, lite_url, elsewhere):
    lite_page.goto(f"{lite_url}/lab/index.html")
    try:
        fetched = lite_page.evaluate(f"() => fetch('{CDN}').then(() => 'fetched', () => 'refused')")
        assert fetched == "refused"
        assert CDN in elsewhere
    finally:
        elsewhere.clear()  # this test's own request: the others must find the record empty


def test_blank_first_notebook_shows_only_the_course_messages(lite_notebook, elsewhere):
    _, notebook = lite_notebook(RELEASED[0], site_path(RELEASED[0]))
    assert errors(notebook), "a blank notebook should stop where answers are missing"
    assert unexplained_errors(notebook) == []
    assert any(NOT_WRITTEN in error.evalue for _, error in errors(notebook))
    assert elsewhere == []


@pytest.mark.parametrize("released", RELEASED)
def test_solved_notebook_runs_cleanly_and_its_widgets_respond(released, lite_notebook, elsewhere):
    page, notebook = lite_notebook(released, site_path(solved_path(released)))
    assert [f"{e.ename}: {e.evalue}" for _, e in errors(notebook)] == []
    widgets = sum(WIDGET_MIME in output.get("data", {})
                  for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs)
    check_widgets(page, widgets)
    if "gpu" in released:
        assert "GPU: this notebook runs in your web browser (Pyodide)" in printed(notebook)
    assert elsewhere == []
