"""What the JupyterLite site costs: build time, size, and how long a learner waits for a first result.

    .venv/bin/python benchmarks/lite.py [--runs 3] [--notebook 01_central_difference/central_difference.ipynb]

1. builds the site (`lite/build.py`, downloads already cached) into a scratch folder: seconds;
2. its size: MB and files on disk, the same minus the Pyodide folder;
3. serves it on a free loopback port and, in a fresh headless chromium each run (cold browser cache, as a
   first visit), times from `page.goto` to: the app shell drawn, the kernel idle, and the notebook's
   first code cell executed (the one importing numpy and matplotlib), and counts the MB downloaded by
   then. Prints each run and the median.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

REPO = Path(__file__).resolve().parents[1]
# The browser tests' chromium settings; their conftest imports tests/terminal.py, so both folders.
sys.path[:0] = [str(REPO / "tests" / "browser"), str(REPO / "tests")]
from conftest import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402

CURRENT = "jupyterapp.shell.currentWidget"
KERNEL_IDLE = f"() => window.jupyterapp && {CURRENT} && {CURRENT}.sessionContext?.kernelDisplayStatus === 'idle'"
RUN_FIRST_CODE_CELL = f"""async () => {{ const notebook = {CURRENT}.content;
    notebook.activeCellIndex = notebook.widgets.findIndex(cell => cell.model.type === 'code');
    await jupyterapp.commands.execute('notebook:run-cell'); }}"""
FIRST_CODE_CELL_DONE = f"""() => {{ const cell = {CURRENT}.content.widgets.find(c => c.model.type === 'code');
    return cell.model.executionCount !== null && {CURRENT}.sessionContext.kernelDisplayStatus === 'idle'; }}"""


def site_size(site: Path) -> str:
    files = [path for path in site.rglob("*") if path.is_file()]
    pyodide = [path for path in files if "static/pyodide" in path.as_posix()]
    total, in_pyodide = (sum(path.stat().st_size for path in paths) / 1e6 for paths in (files, pyodide))
    return (f"{total:.0f} MB in {len(files)} files "
            f"(Pyodide and its wheels {in_pyodide:.0f} MB, the rest {total - in_pyodide:.0f} MB)")


def time_first_cell(browser: Browser, url: str) -> dict[str, float]:
    """Seconds from navigation to the shell, the idle kernel and the first code cell's result, and the
    MB the page downloaded by then."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    finished = []
    context.on("requestfinished", lambda request: finished.append(request))
    start = time.monotonic()
    page.goto(url)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=300_000)
    shell = time.monotonic() - start
    page.wait_for_function(KERNEL_IDLE, timeout=600_000)
    kernel = time.monotonic() - start
    page.evaluate(RUN_FIRST_CODE_CELL)
    page.wait_for_function(FIRST_CODE_CELL_DONE, timeout=600_000)
    first = time.monotonic() - start
    downloaded = sum(request.sizes()["responseBodySize"] for request in finished) / 1e6
    context.close()
    return {"shell drawn (s)": shell, "kernel idle (s)": kernel, "first cell executed (s)": first,
            "downloaded (MB)": downloaded}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--notebook", default="01_central_difference/central_difference.ipynb")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lite-bench-") as scratch:
        site = Path(scratch) / "site"
        start = time.monotonic()
        built = subprocess.run([sys.executable, str(REPO / "lite" / "build.py"), "--output", str(site)],
                               stdout=subprocess.DEVNULL)
        if built.returncode:
            sys.exit("benchmarks/lite.py: the site did not build; lite/build.py says why above")
        print(f"build (downloads cached): {time.monotonic() - start:.0f} s")
        print(f"site: {site_size(site)}")
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "-b", "127.0.0.1", "-d", str(site)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(1)
            url = f"http://127.0.0.1:{port}/lab/index.html?path={args.notebook}"
            runs = []
            with sync_playwright() as playwright:
                for run in range(args.runs):
                    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                    runs.append(time_first_cell(browser, url))
                    browser.close()
                    print(f"run {run + 1}: " + ", ".join(f"{name} {value:.0f}" for name, value in runs[-1].items()))
            print("median: " + ", ".join(f"{name} {statistics.median(r[name] for r in runs):.0f}" for name in runs[0]))
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
