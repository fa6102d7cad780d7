"""Session-wide setup: no per-example deadlines, only allowlisted skips, and nbgrader grading each
assignment's submissions once for tests to inspect."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import settings

from allowed_skips import unexplained_skip
from class_batch import GradedClass, graded_class
from course_grading import CourseWorkspace, GradedSubmission

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


@pytest.fixture(scope="session")
def course_workspace(tmp_path_factory: pytest.TempPathFactory) -> CourseWorkspace:
    """A throwaway copy of course/ where nbgrader writes its gradebook, releases and autograded notebooks."""
    return CourseWorkspace(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="session")
def graded(course_workspace: CourseWorkspace) -> Callable[[str], dict[str, GradedSubmission]]:
    """graded(assignment) -> {student id: GradedSubmission}, autograding the source, the blank release
    and every variant of that assignment on first use, then serving the cached results."""
    cache: dict[str, dict[str, GradedSubmission]] = {}

    def grade(assignment: str) -> dict[str, GradedSubmission]:
        if assignment not in cache:
            cache[assignment] = course_workspace.grade_variants(assignment)
        return cache[assignment]

    return grade


@pytest.fixture(scope="session")
def graded_class_batch(tmp_path_factory: pytest.TempPathFactory) -> GradedClass:
    """The mixed-quality class of tests/class_batch.py, graded once; tests that change it work on a copy."""
    return graded_class(tmp_path_factory.mktemp("class") / "course")
