"""The sandboxed kernel: output cap, whole-notebook time budget, scratch folder, no network."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.sandbox import Limits, LimitedExecute, SandboxedKernelManager, limits_config, network_isolation_available

pytestmark = pytest.mark.slow

CELLS = [
    "for i in range(5000):\n    print('spam', i)",                 # 0: over the output cap
    "open('made-here.txt', 'w').write('x')",                         # 1: lands in the scratch folder
    "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=1)\n    reach = 'reached'\n"
    "except OSError as e:\n    reach = type(e).__name__\nreach",     # 2: network
    "import time\ntime.sleep(30)",                                   # 3: eats the notebook budget
    "1 + 1",                                                         # 4: never runs
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[nbformat.NotebookNode, Path]:
    scratch = tmp_path_factory.mktemp("sandbox")
    work, home = scratch / "work", scratch / "home"
    work.mkdir()
    home.mkdir()
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells = [new_code_cell(source) for source in CELLS]
    limits = Limits(cell_timeout=20, notebook_timeout=5, output=10_000)
    config = limits_config(limits, home, network_isolation_available())
    LimitedExecute(config=config, kernel_manager_class=SandboxedKernelManager).preprocess(
        nb, {"metadata": {"path": str(work)}})
    return nb, work


def test_output_past_the_cap_is_cut(executed) -> None:
    nb, _ = executed
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert "spam 0\n" in text and "spam 4999" not in text and "[output cut" in text
    assert len(text) < 12_000


def test_files_land_in_the_scratch_copy(executed) -> None:
    _, work = executed
    assert (work / "made-here.txt").read_text() == "x"


@pytest.mark.skipif(not network_isolation_available(), reason="this platform cannot unshare a network namespace")
def test_kernel_has_no_network(executed) -> None:
    nb, _ = executed
    assert nb.cells[2].outputs[0]["data"]["text/plain"] == "'OSError'"


def test_notebook_budget_stops_the_run(executed) -> None:
    nb, _ = executed
    # the running cell is interrupted when the budget runs out (IPython reports KeyboardInterrupt)
    assert {o.ename for o in nb.cells[3].outputs if o.output_type == "error"} & {"KeyboardInterrupt", "CellTimeoutError"}
    assert [o.ename for o in nb.cells[4].outputs] == ["NotebookTimeout"]
