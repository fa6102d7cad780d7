"""A class of mixed-quality submissions to the demo course with a written answer, graded once.

What `grade`'s summary, `report`, `feedback` and `export` are tested on: a full answer, a blank
release, a wrong square, a half-done notebook, one that runs out of time, and one flagged for
patching the checks. Numbers the commands print are checked against nbgrader's gradebook itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell

import autograder_fixture as fx
from autograder.course import open_course
from autograder.grading import Summary, grade
from autograder.sandbox import Limits

WRITTEN = "explain_square"
ANSWER = "Squaring is multiplying a number by itself."
SLEEPY_CUBE = "import time\n\ndef cube(x):\n    time.sleep(60)\n    return x ** 3"


def source_with_written_answer() -> nbformat.NotebookNode:
    """The demo notebook plus a written answer worth 2 points, graded by hand."""
    nb = fx.source_notebook()
    meta = {"grade": True, "solution": True, "grade_id": WRITTEN, "locked": False, "points": 2, "schema_version": 3}
    nb.cells.append(new_markdown_cell(f"What does `square` do?\n\n{ANSWER}", metadata={"nbgrader": meta}))
    return nb


def with_answer(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return fx.edited(nb, WRITTEN, ANSWER)


def submissions(root: Path) -> dict[str, nbformat.NotebookNode]:
    return {
        "ada": with_answer(fx.answered(root)),
        "blank": fx.release_notebook(root),
        "wrong": with_answer(fx.answered(root, square=fx.WRONG_SQUARE)),
        "half": fx.answered(root, cube=_released(root, "cube")),
        "sleepy": with_answer(fx.answered(root, cube=SLEEPY_CUBE)),
        "patcher": fx.answered(root, square=fx.PATCHING_SQUARE),
    }


def _released(root: Path, grade_id: str) -> str:
    """The cell as learners receive it: for an answer cell, the stub that raises NotImplementedError."""
    return next(c.source for c in fx.release_notebook(root).cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@dataclass(frozen=True)
class GradedClass:
    root: Path
    summary: Summary


def graded_class(root: Path) -> GradedClass:
    """Build the course under `root`, submit the class and grade it with our pipeline."""
    fx.build_course(root, source_with_written_answer())
    for student, nb in submissions(root).items():
        fx.submit(root, student, nb)
    summary = grade(open_course(root), fx.ASSIGNMENT, workers=2, progress=False, limits=Limits(cell_timeout=5))
    return GradedClass(root, summary)
