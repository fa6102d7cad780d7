"""`autograder grade` against `nbgrader autograde`: same scores in parallel, on dask, and after a SIGKILL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import distributed
import pytest
from sqlalchemy.exc import SAWarning

import autograder_fixture as fx
from autograder.course import open_course
from autograder.grading import grade
from autograder.writer import record_path

pytestmark = pytest.mark.slow
AUTOGRADER = [sys.executable, "-m", "autograder.cli"]


def scores(root: Path) -> dict[tuple[str, str], float]:
    """(student, test cell) -> score in the course's gradebook."""
    with open_course(root).gradebook() as gb:
        return {
            (sub.student_id, g.name): float(g.score)
            for sub in gb.assignment_submissions(fx.ASSIGNMENT)
            for nb in sub.notebooks
            for g in nb.grades
        }


def grade_rows(root: Path) -> int:
    with open_course(root).gradebook() as gb:
        return sum(len(nb.grades) for sub in gb.assignment_submissions(fx.ASSIGNMENT) for nb in sub.notebooks)


@pytest.fixture(scope="module")
def ungraded(demo_course: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course with the mixed batch submitted and nothing graded: copy it before grading."""
    root = fx.copy_course(demo_course, tmp_path_factory.mktemp("ungraded") / "course")
    for student, nb in fx.mixed_batch(root).items():
        fx.submit(root, student, nb)
    return root


def copy_of(ungraded: Path, tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    return Path(shutil.copytree(ungraded, tmp_path_factory.mktemp(name) / "course"))


@pytest.fixture(scope="module")
def by_nbgrader(ungraded: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = copy_of(ungraded, tmp_path_factory, "nbgrader")
    with warnings.catch_warnings():  # nbgrader's own upserts warn about SQLAlchemy autoflush; harmless
        warnings.simplefilter("ignore", SAWarning)
        result = open_course(root).api().autograde(fx.ASSIGNMENT, "*", force=True, create=True)
    assert result["success"], result.get("error") or result.get("log")
    return scores(root)


@pytest.fixture(scope="module")
def parallel_root(ungraded: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_of(ungraded, tmp_path_factory, "parallel")
    summary = grade(open_course(root), fx.ASSIGNMENT, workers=2, progress=False)
    assert sorted(summary.graded) == sorted(fx.mixed_batch(root)), summary.text()
    return root


def test_batch_mixes_passing_and_failing_cells(by_nbgrader: dict) -> None:
    """Guards the comparisons below: the batch must contain both full and zero scores."""
    assert by_nbgrader[("correct", "test_square_hidden")] == 2
    assert by_nbgrader[("wrong", "test_square")] == 0
    assert by_nbgrader[("blank", "test_cube")] == 0
    assert by_nbgrader[("broken", "test_cube")] == 1


def test_parallel_scores_equal_nbgrader(parallel_root: Path, by_nbgrader: dict) -> None:
    assert scores(parallel_root) == by_nbgrader


def test_distributed_scores_equal_nbgrader(ungraded: Path, tmp_path_factory: pytest.TempPathFactory,
                                           by_nbgrader: dict) -> None:
    root = copy_of(ungraded, tmp_path_factory, "dask")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        summary = grade(open_course(root), fx.ASSIGNMENT, scheduler=cluster.scheduler_address, progress=False)
    assert not summary.not_graded, summary.text()
    assert scores(root) == by_nbgrader


def test_second_run_skips_up_to_date_and_force_regrades(parallel_root: Path) -> None:
    course = open_course(parallel_root)
    again = grade(course, fx.ASSIGNMENT, students=["correct"], progress=False)
    assert again.skipped == ["correct"] and not again.graded
    forced = grade(course, fx.ASSIGNMENT, students=["correct"], force=True, progress=False)
    assert forced.graded == ["correct"]
    assert grade_rows(parallel_root) == 3 * 5


def test_malicious_submission_is_flagged_and_keeps_its_score(parallel_root: Path, by_nbgrader: dict) -> None:
    record = record_path(open_course(parallel_root), fx.ASSIGNMENT, "malicious").read_text()
    assert "patches math.isclose" in record
    assert scores(parallel_root)[("malicious", "test_square_hidden")] == by_nbgrader[("malicious", "test_square_hidden")]


def test_zero_flagged_zeroes_only_flagged(parallel_root: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = Path(shutil.copytree(parallel_root, tmp_path_factory.mktemp("zero") / "course"))
    grade(open_course(root), fx.ASSIGNMENT, students=["malicious", "correct"], zero_flagged=True, progress=False)
    after = scores(root)
    assert after[("malicious", "test_square_hidden")] == 0 and after[("malicious", "test_cube")] == 0
    assert after[("correct", "test_square_hidden")] == 2


def test_sigkill_then_rerun_gives_uninterrupted_scores(ungraded: Path, tmp_path_factory: pytest.TempPathFactory,
                                                       parallel_root: Path) -> None:
    root = copy_of(ungraded, tmp_path_factory, "killed")
    command = [*AUTOGRADER, "--course", str(root), "grade", fx.ASSIGNMENT, "--workers", "1"]  # rerun: default
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    records = record_path(open_course(root), fx.ASSIGNMENT, "any").parent
    deadline = time.monotonic() + 120
    while not (records.is_dir() and any(records.glob("*.json"))) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    done_before = len(list(records.glob("*.json")))
    assert 1 <= done_before < 5, "the kill must land mid-batch"
    finished = subprocess.run(command[:-2], capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert f"skipped {done_before} up to date" in finished.stdout
    assert scores(root) == scores(parallel_root)
    assert grade_rows(root) == 3 * 5
