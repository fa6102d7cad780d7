"""Red team: submissions that try to leave their sandbox, graded by `grade` in one batch with an honest one.

Each attack's `square` answers right only if its escape worked, so a lost `square` test means the
sandbox held; its `cube` test still scoring shows the rest of the notebook was graded. Nothing
outside the scratch copies may change: the course's folders are hashed before and after.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
import uuid
from pathlib import Path

import pytest

import autograder_fixture as fx
from autograder import bubblewrap, cgroup
from autograder.course import open_course
from autograder.grading import Summary, grade
from autograder.kernel_cache import FOLDER as KERNEL_CACHE, KernelCache
from autograder.sandbox import Isolation, Limits

pytestmark = pytest.mark.slow

MARKER = f"escape-{uuid.uuid4().hex[:12]}"
LIMITS = Limits(cell_timeout=20, memory=768 * 1024**2, file_size=1024**2, processes=64)
FULL_MARKS = {"test_square": 1.0, "test_square_hidden": 2.0, "test_cube": 1.0}
SANDBOX_HELD = {"test_square": 0.0, "test_square_hidden": 0.0, "test_cube": 1.0}

ESCAPED_SQUARE = "\ndef square(x):\n    return x * x if escaped else 0"


def daemon(targets: list[str]) -> str:
    """Double-forks a process that keeps trying to append to `targets` for six seconds."""
    script = (f"import time\nfor _ in range(60):\n    for t in {targets!r}:\n        try:\n"
              "            open(t, 'a').write('owned')\n        except OSError:\n            pass\n"
              "    time.sleep(0.1)\n")
    return (f"import os, sys\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
            f"        os.execv(sys.executable, [sys.executable, '-c', {script!r}, {MARKER!r}])\n"
            "    os._exit(0)\nos.wait()\nescaped = False\n" + ESCAPED_SQUARE)


TMP_WRITER = (f"from pathlib import Path\nfor folder in ['/tmp', Path.home()]:\n"
              f"    Path(folder, '{MARKER}').write_text('hello')\nescaped = False\n" + ESCAPED_SQUARE)
TMP_READER = (f"import time\nfrom pathlib import Path\nescaped = False\nfor _ in range(50):\n"
              f"    escaped = any(Path(f, '{MARKER}').exists() for f in ['/tmp', Path.home()])\n"
              "    if escaped:\n        break\n    time.sleep(0.1)\n" + ESCAPED_SQUARE)
MEMORY = ("import subprocess, sys\nchild = 'import time; block = b\"x\" * (320 * 1024**2); time.sleep(5)'\n"
          "children = [subprocess.Popen([sys.executable, '-c', child]) for _ in range(3)]\n"
          "escaped = [c.wait() for c in children] == [0, 0, 0]\n" + ESCAPED_SQUARE)
PROCESSES = ("import subprocess\nescaped = False\ntry:\n"
             "    sleepers = [subprocess.Popen(['sleep', '5']) for _ in range(100)]\n    escaped = True\n"
             "except OSError:\n    pass\n" + ESCAPED_SQUARE)
FILE_SIZE = ("try:\n    with open('big.bin', 'wb') as f:\n        f.write(b'x' * 2 * 1024**2)\n    escaped = True\n"
             "except OSError:\n    escaped = False\n" + ESCAPED_SQUARE)

# A kernel given no cache proves nothing here: it counts as an escape, so the test fails.
CACHE_WRITER = ("import os, sys\nfrom pathlib import Path\nescaped = sys.pycache_prefix is None\n"
                "cached = [Path(sys.pycache_prefix, 'planted.cpython-311.pyc')] if sys.pycache_prefix else []\n"
                "cached += [*Path(sys.pycache_prefix or '/nonexistent').rglob('hidden_tests*.pyc')]\n"
                "cached += [*Path(os.environ['MPLCONFIGDIR']).glob('fontlist*.json')]\n"
                "for target in cached:\n    try:\n        target.write_bytes(b'owned')\n        escaped = True\n"
                "    except OSError:\n        pass\n" + ESCAPED_SQUARE)


def network(port: int) -> str:
    """Tries the grader's network namespace through /proc and setns, then the grader's loopback listener."""
    return ("import ctypes, os, socket\nlibc = ctypes.CDLL(None, use_errno=True)\nescaped = False\n"
            f"for path in ['/proc/{os.getpid()}/ns/net', '/proc/1/ns/net', '/proc/self/ns/net']:\n"
            "    try:\n        escaped |= libc.setns(os.open(path, os.O_RDONLY), 0x40000000) == 0\n"
            "    except OSError:\n        pass\n"
            f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2).close()\n    escaped = True\n"
            "except OSError:\n    pass\n" + ESCAPED_SQUARE)


def digest(root: Path) -> dict[str, str]:
    """A hash of every file the grader must leave alone: config, source, release, every submission."""
    paths = [root / "nbgrader_config.py", *(p for d in ("source", "release", "submitted")
                                             for p in sorted((root / d).rglob("*")) if p.is_file())]
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def live_processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.fixture(scope="module")
def listener():
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        yield server


@pytest.fixture(scope="module")
def batch(demo_course: Path, tmp_path_factory: pytest.TempPathFactory, listener: socket.socket):
    root = fx.copy_course(demo_course, tmp_path_factory.mktemp("escapes") / "course")
    gradebook = root / "gradebook.db"
    targets = [str(gradebook), str(root / "source" / fx.ASSIGNMENT / "planted.py"),
               str(root / "submitted" / "honest" / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.ipynb")]
    attacks = {"daemon": daemon(targets), "tmp_a_writer": TMP_WRITER, "tmp_b_reader": TMP_READER,
               "memory": MEMORY, "processes": PROCESSES, "file_size": FILE_SIZE,
               "network": network(listener.getsockname()[1]), "cache_writer": CACHE_WRITER}
    fx.submit(root, "honest", fx.answered(root))
    for student, square in attacks.items():
        fx.submit(root, student, fx.answered(root, square=square))
    before = digest(root)
    summary = grade(open_course(root), fx.ASSIGNMENT, workers=2, limits=LIMITS, progress=False)
    return root, summary, before


def grades(root: Path, student: str) -> dict[str, float]:
    with open_course(root).gradebook() as gb:
        notebook = gb.find_submission_notebook(fx.NOTEBOOK, fx.ASSIGNMENT, student)
        return {g.name: g.score for g in notebook.grades}


def test_the_whole_batch_is_graded_and_the_honest_submission_in_full(batch) -> None:
    root, summary, _ = batch
    assert len(summary.graded) == 9 and not summary.not_graded, summary.text()
    assert grades(root, "honest") == FULL_MARKS


@pytest.mark.parametrize("student", ["daemon", "tmp_b_reader", "network", "file_size", "cache_writer"])
def test_escape_fails_and_the_rest_is_graded(batch, student: str) -> None:
    root, summary, _ = batch
    assert grades(root, student) == SANDBOX_HELD, summary.text()


@pytest.mark.skipif(cgroup.unavailable_reason() is not None, reason=f"no cgroup here: {cgroup.unavailable_reason()}")
@pytest.mark.parametrize("student", ["memory", "processes"])
def test_memory_and_processes_are_limited_for_the_sandbox_as_a_whole(batch, student: str) -> None:
    root, summary, _ = batch
    assert grades(root, student) == SANDBOX_HELD, summary.text()


def test_nothing_outside_the_scratch_copies_changed(batch) -> None:
    root, _, before = batch
    assert digest(root) == before
    assert not Path("/tmp", MARKER).exists()


def test_the_kernel_cache_was_given_to_kernels_read_only(batch) -> None:
    root, _, _ = batch
    cache = KernelCache(root / KERNEL_CACHE)
    compiled = list(cache.bytecode.rglob("hidden_tests*.pyc"))
    assert compiled and all(path.read_bytes() != b"owned" for path in compiled)
    assert not list(cache.bytecode.rglob("planted*"))
    assert [json.loads(path.read_text()) for path in cache.fonts.glob("fontlist*.json")]


def test_no_process_outlives_its_kernel_and_the_gradebook_stays_as_recorded(batch) -> None:
    root, _, _ = batch
    assert live_processes_with(MARKER) == []
    recorded = hashlib.sha256((root / "gradebook.db").read_bytes()).hexdigest()
    time.sleep(7)  # longer than the daemon would have kept trying
    assert hashlib.sha256((root / "gradebook.db").read_bytes()).hexdigest() == recorded
    assert grades(root, "daemon") == SANDBOX_HELD


def test_the_grader_loopback_listener_was_never_reached(batch, listener: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        listener.accept()


def test_summary_says_which_pieces_are_missing() -> None:
    lacking = Isolation(bubblewrap=False, user_namespace=False, network=False, cgroup_missing="cgroup v2")
    text = Summary(lines=lacking.gaps(LIMITS)).text()
    assert "NO SANDBOX" in text and "no cgroup (cgroup v2)" in text and "RLIMIT_AS, 768 MB each" in text
    assert "network access" in text
    assert Isolation(bubblewrap=True, user_namespace=True, network=True).gaps(LIMITS) == []


def test_grade_says_when_the_platform_lacks_the_sandbox(batch, monkeypatch: pytest.MonkeyPatch) -> None:
    root, _, _ = batch
    monkeypatch.setattr(bubblewrap, "executable", lambda: None)
    monkeypatch.setattr(cgroup, "unavailable_reason", lambda: "cgroup v2 (only v1 child groups are used)")
    text = grade(open_course(root), fx.ASSIGNMENT, students=["honest"], limits=LIMITS, progress=False).text()
    assert "NO SANDBOX" in text and "no cgroup (cgroup v2" in text
