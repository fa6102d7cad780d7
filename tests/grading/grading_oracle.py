"""What grading tests compare with: the scores in a course's gradebook, and those `nbgrader autograde` gives."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

from sqlalchemy.exc import SAWarning

import autograder_fixture as fx
from autograder.course import open_course

Scores = dict[tuple[str, str], float]


def gradebook_scores(root: Path, students: set[str] | None = None) -> Scores:
    """(student, test cell) -> score recorded in the course's gradebook (only `students`, when given)."""
    with open_course(root).gradebook() as gb:
        return {
            (sub.student_id, g.name): float(g.score)
            for sub in gb.assignment_submissions(fx.ASSIGNMENT)
            if students is None or sub.student_id in students
            for nb in sub.notebooks
            for g in nb.grades
        }


def nbgrader_scores(root: Path, students: set[str], scratch: Path) -> Scores:
    """Scores `nbgrader autograde` gives `students`' submissions, graded in a copy of the course under `scratch`."""
    copy = Path(shutil.copytree(root, scratch / "course", ignore=shutil.ignore_patterns("autograded", ".autograder")))
    for folder in (copy / "submitted").iterdir():
        if folder.name not in students:
            shutil.rmtree(folder)
    with warnings.catch_warnings():  # nbgrader's own upserts warn about SQLAlchemy autoflush; harmless
        warnings.simplefilter("ignore", SAWarning)
        result = open_course(copy).api().autograde(fx.ASSIGNMENT, "*", force=True, create=True)
    assert result["success"], result.get("error") or result.get("log")
    return gradebook_scores(copy, students)
