"""The sandboxed kernel: what exists inside, who it runs as, output cap, time limits, no network."""

from __future__ import annotations

import ast
import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder import bubblewrap
from autograder.sandbox import Isolation, LimitedExecute, Limits, SandboxedKernelManager, limits_config

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
HOST_TMP_FILE = Path("/tmp", f"grader-only-{uuid.uuid4().hex[:12]}")
ISOLATION = Isolation.detect()
needs_bubblewrap = pytest.mark.skipif(not ISOLATION.bubblewrap, reason="bubblewrap missing: apt-get install bubblewrap")

PROBE = ("import importlib.util, json, os\nstatus = dict(line.split(':', 1) for line in open('/proc/self/status'))\n"
         "json.dumps({'root': sorted(os.listdir('/')), 'uid': os.getuid(), 'cap': status['CapEff'].strip(),\n"
         "            'no_new_privs': status['NoNewPrivs'].strip(), 'pids': sorted(p for p in os.listdir('/proc') "
         "if p.isdigit()),\n            'home': os.path.expanduser('~'), 'tmp': os.listdir('/tmp'),\n"
         "            'cwd': os.getcwd(),\n"
         "            'importable': {m: importlib.util.find_spec(m) is not None for m in ('solutions', 'autograder', 'backprop_lab')},\n"
         f"            'in_repo': sorted(os.listdir('{REPO}')),\n"
         f"            'repo': [p for p in ['{REPO / 'course'}', '{REPO / 'README.md'}', '{REPO / '.git'}'] "
         "if os.path.exists(p)]})")
CELLS = [
    "for i in range(5000):\n    print('spam', i)",                 # 0: over the output cap
    "open('made-here.txt', 'w').write('x')",                         # 1: lands in the scratch folder
    "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=1)\n    reach = 'reached'\n"
    "except OSError as e:\n    reach = type(e).__name__\nreach",     # 2: network
    PROBE,                                                           # 3: what the kernel sees
    "import time\ntime.sleep(30)",                                   # 4: past the cell timeout
    "'after the timeout'",                                           # 5: still runs
    "time.sleep(2.5)",                                               # 6-8: each within the cell timeout,
    "time.sleep(2.5)",                                               #      together past the notebook budget
    "time.sleep(2.5)",
    "1 + 1",                                                         # 9: never runs
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[nbformat.NotebookNode, Path]:
    scratch = tmp_path_factory.mktemp("sandbox")
    work, folder = scratch / "work", scratch / "kernel"
    work.mkdir()
    folder.mkdir()
    HOST_TMP_FILE.write_text("the grader's /tmp")
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells = [new_code_cell(source) for source in CELLS]
    limits = Limits(cell_timeout=3, notebook_timeout=8, output=10_000)
    config = limits_config(limits, ISOLATION, work, folder)
    try:
        LimitedExecute(config=config, kernel_manager_class=SandboxedKernelManager).preprocess(
            nb, {"metadata": {"path": str(work)}})
    finally:
        HOST_TMP_FILE.unlink()
    return nb, work


def result(nb: nbformat.NotebookNode, index: int) -> str:
    return next(o["data"]["text/plain"] for o in nb.cells[index].outputs if o.output_type == "execute_result")


def seen(nb: nbformat.NotebookNode) -> dict:
    """What the probe cell reported from inside the sandbox."""
    return json.loads(ast.literal_eval(result(nb, 3)))


def errors(nb: nbformat.NotebookNode, index: int) -> set[str]:
    return {o.ename for o in nb.cells[index].outputs if o.output_type == "error"}


def test_output_past_the_cap_is_cut(executed) -> None:
    nb, _ = executed
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert "spam 0\n" in text and "spam 4999" not in text and "[output cut" in text
    assert len(text) < 12_000


def test_files_land_in_the_scratch_copy(executed) -> None:
    _, work = executed
    assert (work / "made-here.txt").read_text() == "x"


@pytest.mark.skipif(not ISOLATION.network, reason="this platform cannot unshare a network namespace")
def test_kernel_has_no_network(executed) -> None:
    nb, _ = executed
    assert result(nb, 2) == "'OSError'"


@needs_bubblewrap
def test_kernel_sees_only_what_is_bound(executed) -> None:
    nb, work = executed
    inside = seen(nb)
    bound = [Path(sys.prefix), *bubblewrap.package_folders(bubblewrap.KERNEL_PACKAGES)]
    assert inside["in_repo"] == sorted({f.relative_to(REPO).parts[0] for f in bound if f.is_relative_to(REPO)})
    assert inside["repo"] == [] and "course" not in inside["in_repo"]
    system = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "dev", "proc", "tmp", "home"}
    assert set(inside["root"]) <= system | {Path(p).parts[1] for p in (sys.prefix, sys.base_prefix, REPO)}
    assert inside["cwd"] == str(work) and inside["home"] == bubblewrap.HOME
    assert HOST_TMP_FILE.name not in inside["tmp"]  # /tmp is the sandbox's own
    assert len(inside["pids"]) <= 3  # the sandbox's init, the kernel, perhaps a child: never the grader


@needs_bubblewrap
def test_the_answer_key_cannot_be_imported_in_the_kernel(executed) -> None:
    nb, _ = executed
    assert seen(nb)["importable"] == {"solutions": False, "autograder": False, "backprop_lab": True}


@needs_bubblewrap
def test_kernel_runs_unprivileged(executed) -> None:
    inside = seen(executed[0])
    assert inside["cap"] == "0000000000000000" and inside["no_new_privs"] == "1"
    if ISOLATION.user_namespace:
        assert inside["uid"] == bubblewrap.UID


def test_cell_timeout_fails_only_that_cell(executed) -> None:
    nb, _ = executed
    assert errors(nb, 4) & {"KeyboardInterrupt", "CellTimeoutError"}
    assert result(nb, 5) == "'after the timeout'"


def test_notebook_budget_stops_the_run(executed) -> None:
    nb, _ = executed
    assert not errors(nb, 6)
    assert [o.ename for o in nb.cells[9].outputs] == ["NotebookTimeout"]


SETNS = ("import ctypes, os, sys\nlibc = ctypes.CDLL(None, use_errno=True)\n"
         "code = libc.setns(int(sys.argv[1]), 0)\nprint(os.getuid(), code, ctypes.get_errno())")


@needs_bubblewrap
@pytest.mark.parametrize("user_namespace", [True, False], ids=["own-uid", "root-inside"])
@pytest.mark.parametrize("kind", ["net", "mnt", "pid"])
def test_setns_into_the_grader_namespaces_fails(tmp_path: Path, user_namespace: bool, kind: str) -> None:
    """Even handed an open descriptor of the grader's namespace, and even as root inside, the kernel stays in."""
    if user_namespace and not ISOLATION.user_namespace:
        pytest.skip("bubblewrap cannot make a user namespace here")
    sandbox = bubblewrap.Sandbox(work=tmp_path, sockets=tmp_path, tmpfs_bytes=2**20, user_namespace=user_namespace)
    fd = os.open(f"/proc/self/ns/{kind}", os.O_RDONLY)
    try:
        argv = bubblewrap.command(sandbox, [sys.executable, "-c", SETNS, str(fd)], str(tmp_path))
        out = subprocess.run(argv, pass_fds=(fd,), capture_output=True, text=True, check=True).stdout.split()
    finally:
        os.close(fd)
    uid, code, errno = map(int, out)
    assert uid == (bubblewrap.UID if user_namespace else 0)
    assert code == -1 and errno == 1  # EPERM: no capability to enter it



CONNECT = ("import socket, sys\ntry:\n    socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=2)\n"
           "    print('reached')\nexcept OSError as error:\n    print(type(error).__name__)")


@needs_bubblewrap
@pytest.mark.parametrize("share_network", [False, True], ids=["isolated", "allow-network"])
def test_grader_loopback_is_reachable_only_with_allow_network(tmp_path: Path, share_network: bool) -> None:
    sandbox = bubblewrap.Sandbox(work=tmp_path, sockets=tmp_path, tmpfs_bytes=2**20, share_network=share_network)
    with socket.create_server(("127.0.0.1", 0)) as server:
        argv = bubblewrap.command(sandbox, [sys.executable, "-c", CONNECT, str(server.getsockname()[1])], str(tmp_path))
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()
    assert out == ("reached" if share_network else "ConnectionRefusedError")
