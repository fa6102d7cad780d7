"""Session-wide fixtures: nbgrader grades each assignment's submissions once, and tests inspect the results."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from course_grading import CourseWorkspace, GradedSubmission


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
