"""Session-wide setup: no per-example deadlines, only allowlisted skips, and nbgrader grading each
assignment's submissions once, in worker processes, for tests to inspect."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

import autograder_fixture as fx
from allowed_skips import unexplained_skip
from class_batch import GradedClass, graded_class
from course_grading import GradedSubmission, GradingPool

# Timings belong in benchmarks/: on a loaded machine a per-example deadline fails for no fault of the code.
settings.register_profile("no-deadline", deadline=None)
settings.load_profile("no-deadline")

UNEXPLAINED_SKIPS: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Note every skip that tests/allowed_skips.py does not allow here."""
    if report.skipped and not hasattr(report, "wasxfail") and isinstance(report.longrepr, tuple):
        reason = report.longrepr[2].removeprefix("Skipped: ")
        problem = unexplained_skip(report.nodeid, reason)
        if problem:
            UNEXPLAINED_SKIPS.append(problem)


def pytest_terminal_summary(terminalreporter) -> None:
    for problem in UNEXPLAINED_SKIPS:
        terminalreporter.write_line(f"SKIP NOT ALLOWED: {problem}", red=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A skip that hides a feature fails the run, even when every test that ran passed."""
    if UNEXPLAINED_SKIPS and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def assignments_asked_for(items: list[pytest.Item]) -> list[str]:
    """The assignments that the selected tests grade (their `assignment` parameter), in course order."""
    return sorted({item.callspec.params["assignment"] for item in items
                   if {"graded", "graded_assignments"} & set(getattr(item, "fixturenames", ()))
                   and "assignment" in getattr(getattr(item, "callspec", None), "params", {})})


@pytest.fixture(scope="session", autouse=True)
def graded_assignments(request: pytest.FixtureRequest,
                       tmp_path_factory: pytest.TempPathFactory) -> Iterator[GradingPool]:
    """Every assignment the selected tests ask for, queued as the session starts for nbgrader to grade,
    one per core at a time in low-priority worker processes (each in a throwaway copy of course/), so
    that grading overlaps the tests before them; `.result(assignment)` waits for one."""
    pool = GradingPool(tmp_path_factory.mktemp("graded"))
    pool.start(assignments_asked_for(request.session.items))
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def graded(graded_assignments: GradingPool) -> Callable[[str], dict[str, GradedSubmission]]:
    """graded(assignment) -> {student id: GradedSubmission}: nbgrader's verdict on the source, the blank
    release and every variant of that assignment."""
    return lambda assignment: graded_assignments.result(assignment).submissions


@pytest.fixture(scope="session")
def demo_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo course of tests/autograder_fixture.py with its release, built once: tests that change it
    work on a copy (fx.copy_course)."""
    return fx.build_course(tmp_path_factory.mktemp("demo") / "course")


@pytest.fixture(scope="session")
def graded_class_batch(tmp_path_factory: pytest.TempPathFactory) -> GradedClass:
    """The mixed-quality class of tests/class_batch.py, graded once; tests that change it work on a copy."""
    return graded_class(tmp_path_factory.mktemp("class") / "course")
