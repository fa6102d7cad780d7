"""One learner, one killed run or one locked file never stops or corrupts a class's grading (issue 12).

The main scenario, run once for the module: run A grades a batch of honest and hostile submissions
and is caught mid-run with a kernel alive (a submission that sleeps); a second run B is refused
with A's PID; a third run C queues behind A with --wait; A is SIGKILLed; C then clears A's stale
lock and grades everything. Every step waits for a state (files, processes, lines of output),
never for a time. The honest submissions must end with the scores `nbgrader autograde` gives.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat
import pytest

import autograder_fixture as fx
from autograder.cli import main
from autograder.course import open_course
from autograder.lock import lock_path
from autograder.writer import record_path
from grading_oracle import gradebook_scores, nbgrader_scores

pytestmark = pytest.mark.slow
AUTOGRADER = [sys.executable, "-m", "autograder.cli"]
FULL = {"test_square": 1.0, "test_square_hidden": 2.0, "test_cube": 1.0}
MARK = "AUTOGRADER_TEST_RUN"
STATE_DEADLINE = 600  # seconds to wait for a state before calling the test failed (a hang, not a budget)

SQUARE = fx._solution(fx.SQUARE)
BIG_OUTPUTS = {  # each answer cell works and then sends ~50 MB of one kind of output
    "big-result": f"{SQUARE}\n\n'x' * 50_000_000",
    "big-display": f"{SQUARE}\n\nfrom IPython.display import display\ndisplay({{'text/plain': 'y' * 50_000_000}}, raw=True)",
    "big-print": f"{SQUARE}\n\nprint('z' * 50_000_000)",
    "big-stderr": f"{SQUARE}\n\nimport sys\nsys.stderr.write('e' * 50_000_000)",
    "big-error": f"{SQUARE}\n\nraise ValueError('v' * 5_000_000)",
}
HONEST = {"correct", "wrong", "blank"}


def honest(root: Path) -> dict[str, nbformat.NotebookNode]:
    return {"correct": fx.answered(root), "wrong": fx.answered(root, square=fx.WRONG_SQUARE),
            "blank": fx.release_notebook(root)}


def wait_for(condition: Callable[[], object], what: str) -> object:
    """Poll until `condition()` is truthy; fail (naming `what`) only if it never becomes so."""
    deadline = time.monotonic() + STATE_DEADLINE
    while not (value := condition()):
        assert time.monotonic() < deadline, f"never saw: {what}"
        time.sleep(0.1)
    return value


def line_saying(stream, text: str) -> str:
    """Read `stream` line by line up to the first line containing `text` ('' if it ends first)."""
    while line := stream.readline():
        if text in line:
            return line
    return ""


def run_tmp(run: str) -> Path:
    """The run's own TMPDIR: its scratch folders, so a sandboxed kernel's command line names it.

    A sandboxed kernel gets a clean environment (no MARK), but its connection file lies in the scratch.
    """
    return Path(tempfile.gettempdir(), f"ag-faults-{os.getpid()}-{run}")


def processes_of(run: str) -> list[str]:
    """Command lines of live processes of the run: MARK=run in their environment, or the run's TMPDIR in their arguments."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:  # ended while we looked
            continue
        ours = f"{MARK}={run}".encode() in environ.split(b"\0") or str(run_tmp(run)) in cmdline
        if ours and state != "Z":
            found.append(cmdline)
    return found


def start(root: Path, run: str, *options: str, stderr: int = subprocess.DEVNULL) -> subprocess.Popen:
    run_tmp(run).mkdir(exist_ok=True)
    return subprocess.Popen([*AUTOGRADER, "--course", str(root), "grade", fx.ASSIGNMENT, *options],
                            env={**os.environ, MARK: run, "TMPDIR": str(run_tmp(run))},
                            stdout=subprocess.PIPE, stderr=stderr, text=True)


@pytest.fixture(scope="module")
def course(demo_course: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = fx.copy_course(demo_course, tmp_path_factory.mktemp("faults") / "course")
    for student, nb in honest(root).items():
        fx.submit(root, student, nb)
    return root


@pytest.fixture(scope="module")
def oracle(course: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return nbgrader_scores(course, HONEST, tmp_path_factory.mktemp("oracle"))


@dataclass
class Contest:
    root: Path
    first_pid: int
    refused: subprocess.CompletedProcess
    queued: subprocess.CompletedProcess
    waiting_line: str
    leftovers: list[str]


@pytest.fixture(scope="module")
def contest(course: Path, tmp_path_factory: pytest.TempPathFactory) -> Contest:
    root = Path(shutil.copytree(course, tmp_path_factory.mktemp("contest") / "course"))
    fx.submit(root, "killer", fx.answered(root, square="import os\nos.kill(os.getppid(), 9)"))
    fx.submit(root, "sleeper", fx.answered(root, cube="import time\ntime.sleep(10**6)"))
    for student, square in BIG_OUTPUTS.items():
        fx.submit(root, student, fx.answered(root, square=square))
    first = start(root, "A", "--workers", "2", "--cell-timeout", "100000")  # the sleeper sleeps on
    course_ = open_course(root)
    others = HONEST | set(BIG_OUTPUTS)
    wait_for(lambda: all(record_path(course_, fx.ASSIGNMENT, s).exists() for s in others) and
             any("ipykernel" in c for c in processes_of("A")), "run A with every quick submission recorded and a kernel alive")
    assert json.loads(lock_path(course_, fx.ASSIGNMENT).read_text())["pid"] == first.pid
    refused = subprocess.run([*AUTOGRADER, "--course", str(root), "grade", fx.ASSIGNMENT],
                             capture_output=True, text=True)
    queued = start(root, "C", "--wait", "--cell-timeout", "10", stderr=subprocess.PIPE)  # the sleeper is stopped
    waiting_line = line_saying(queued.stderr, "waiting for the run of")
    os.kill(first.pid, signal.SIGKILL)  # the grader alone: its workers and kernels must follow by themselves
    first.wait()
    deadline = time.monotonic() + STATE_DEADLINE
    while (leftovers := processes_of("A")) and time.monotonic() < deadline:
        time.sleep(0.1)
    out, err = queued.communicate(timeout=STATE_DEADLINE)
    return Contest(root, first.pid, refused, subprocess.CompletedProcess(queued.args, queued.returncode, out, err),
                   waiting_line, leftovers)


def test_a_second_run_is_refused_naming_the_first(contest: Contest) -> None:
    refused = contest.refused
    assert refused.returncode == 2 and refused.stdout == ""
    assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    assert f"already being graded by PID {contest.first_pid} on " in refused.stderr and ", started 20" in refused.stderr


def test_a_waiting_run_queues_then_clears_the_stale_lock(contest: Contest) -> None:
    assert f"waiting for the run of PID {contest.first_pid}" in contest.waiting_line
    assert f"note: cleared a stale lock left by a run that was killed (PID {contest.first_pid}" in contest.queued.stdout
    assert lock_path(open_course(contest.root), fx.ASSIGNMENT).read_text() == ""  # released at the end


def test_sigkill_of_the_grader_leaves_no_worker_or_kernel(contest: Contest) -> None:
    assert contest.leftovers == []


def test_a_dying_worker_costs_only_its_own_submission(contest: Contest, oracle: dict) -> None:
    out = contest.queued.stdout
    graded = out.splitlines()[0]
    if "killer: NOT GRADED" in out:  # a kernel that can reach its worker kills it, twice
        assert "worker process died twice" in out and contest.queued.returncode == 1, out
        assert "not graded 1" in graded
    else:  # a sandbox that hides the worker from the kernel: the kill misses and the notebook is graded
        assert contest.queued.returncode == 0, out
    assert gradebook_scores(contest.root, HONEST) == oracle


def test_the_sleeper_times_out_in_its_cell_only(contest: Contest) -> None:
    scores = {g: s for (student, g), s in gradebook_scores(contest.root, {"sleeper"}).items()}
    assert scores == {**FULL, "test_cube": 0.0}


@pytest.mark.parametrize("student", sorted(BIG_OUTPUTS))
def test_output_of_every_kind_is_capped_and_fails_no_cell(contest: Contest, student: str) -> None:
    scores = {g: s for (_, g), s in gradebook_scores(contest.root, {student}).items()}
    assert scores == FULL
    path = open_course(contest.root).autograded_notebook(student, fx.ASSIGNMENT, fx.NOTEBOOK)
    assert path.stat().st_size < 3 * 1024**2  # 1 MB per cell by default (an error keeps its head twice)
    assert "[output cut: this cell sent more than" in path.read_text()


def test_a_locked_gradebook_is_waited_for_then_reported(course: Path, oracle: dict,
                                                         tmp_path_factory: pytest.TempPathFactory) -> None:
    root = Path(shutil.copytree(course, tmp_path_factory.mktemp("locked") / "course"))
    holder = sqlite3.connect(root / "gradebook.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program holds the gradebook
    given_up = subprocess.run([*AUTOGRADER, "--course", str(root), "grade", fx.ASSIGNMENT, "--gradebook-wait", "1"],
                              capture_output=True, text=True)
    assert given_up.returncode == 2 and "Traceback" not in given_up.stderr
    assert given_up.stderr.strip().splitlines()[-1] == (  # after the progress bar, if it had started
        "autograder grade: the gradebook stayed locked by another program for 1 s; close the program holding it "
        "(a database browser, another nbgrader command) and run again (graded submissions are kept)")
    patient = start(root, "patient", "--gradebook-wait", "100000", stderr=subprocess.PIPE)
    assert line_saying(patient.stderr, "the gradebook is locked by another program; retrying")
    holder.execute("ROLLBACK")
    holder.close()
    out, _ = patient.communicate(timeout=STATE_DEADLINE)
    assert patient.returncode == 0 and out.startswith("graded 3, skipped 0"), out
    assert gradebook_scores(root, HONEST) == oracle


def test_a_read_only_course_is_refused_up_front(course: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = Path(shutil.copytree(course, tmp_path_factory.mktemp("readonly") / "course"))
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    # A read-only mount (root ignores permission bits, so chmod would prove nothing here).
    run = subprocess.run(["bwrap", "--dev-bind", "/", "/", "--ro-bind", str(root), str(root),
                          *AUTOGRADER, "--course", str(root), "grade", fx.ASSIGNMENT], capture_output=True, text=True)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == [
        f"autograder grade: the course folder {root} is not writable (Read-only file system); "
        "grade a writable copy of it, or fix its permissions"]
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_only_a_changed_submission_is_regraded(course: Path, oracle: dict, tmp_path_factory: pytest.TempPathFactory,
                                               capsys: pytest.CaptureFixture) -> None:
    root = Path(shutil.copytree(course, tmp_path_factory.mktemp("regrade") / "course"))
    assert main(["--course", str(root), "grade", fx.ASSIGNMENT, "--workers", "2"]) == 0
    assert gradebook_scores(root, HONEST) == oracle
    fx.submit(root, "wrong", fx.answered(root))  # the learner fixes square and hands in again
    capsys.readouterr()
    assert main(["--course", str(root), "grade", fx.ASSIGNMENT]) == 0
    assert capsys.readouterr().out.startswith("graded 1, skipped 2 up to date, not graded 0")
    after = gradebook_scores(root, HONEST)
    assert {g: s for (student, g), s in after.items() if student == "wrong"} == FULL
    assert {k: s for k, s in after.items() if k[0] != "wrong"} == {k: s for k, s in oracle.items() if k[0] != "wrong"}
