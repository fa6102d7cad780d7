"""A notebook saved from the JupyterLite site is graded exactly like one saved from JupyterLab.

JupyterLite writes Pyodide's kernelspec ("python", "Python (Pyodide)") into every notebook it saves.
Nothing needs configuring: nbgrader's OverwriteKernelspec puts back the source notebook's kernelspec
before the notebook runs (and jupyter_client would take "python" for its own python3 anyway). These
tests hold `autograder grade` and `nbgrader autograde` to the outcome: the same scores, and the
submission left as it was.
"""

from __future__ import annotations

import warnings

import nbformat
import pytest
from sqlalchemy.exc import SAWarning

import autograder_fixture as fx
from autograder.course import open_course
from autograder.grading import grade

pytestmark = pytest.mark.slow

# The metadata JupyterLite 0.6 with pyodide-kernel 0.6 writes into a notebook it saves.
PYODIDE_METADATA = {
    "kernelspec": {"display_name": "Python (Pyodide)", "language": "python", "name": "python"},
    "language_info": {"codemirror_mode": {"name": "python", "version": 3}, "file_extension": ".py",
                      "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                      "pygments_lexer": "ipython3", "version": "3.8"},
}
# One right answer and one wrong: a score that is neither zero nor full, so a difference would show.
SUBMISSIONS = {"lab": {}, "lite": PYODIDE_METADATA}


def half_right(root) -> nbformat.NotebookNode:
    return fx.answered(root, square=fx.WRONG_SQUARE)


def scores_by_student(root) -> dict[str, dict[str, float]]:
    with open_course(root).gradebook() as gb:
        return {sub.student_id: {g.name: float(g.score) for nb in sub.notebooks for g in nb.grades}
                for sub in gb.assignment_submissions(fx.ASSIGNMENT)}


@pytest.fixture
def course(demo_course, tmp_path):
    """The demo course with the same half-right answers submitted from JupyterLab and from the lite site."""
    root = fx.copy_course(demo_course, tmp_path / "course")
    for student, metadata in SUBMISSIONS.items():
        notebook = half_right(root)
        notebook.metadata.update(metadata)
        fx.submit(root, student, notebook)
    return root


def submitted(root, student: str):
    return root / "submitted" / student / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.ipynb"


def test_autograder_grades_a_pyodide_notebook_like_a_lab_one(course):
    before = submitted(course, "lite").read_bytes()
    summary = grade(open_course(course), fx.ASSIGNMENT, workers=1, progress=False)
    assert sorted(summary.graded) == sorted(SUBMISSIONS), summary.text()
    scores = scores_by_student(course)
    assert (scores["lab"]["test_square"], scores["lab"]["test_cube"]) == (0.0, 1.0)
    assert scores["lite"] == scores["lab"]
    assert submitted(course, "lite").read_bytes() == before, "grading must not modify a submission"


def test_nbgrader_autograde_agrees(course):
    with warnings.catch_warnings():  # nbgrader's own upserts warn about SQLAlchemy autoflush; harmless
        warnings.simplefilter("ignore", SAWarning)
        result = open_course(course).api().autograde(fx.ASSIGNMENT, "*", force=True, create=True)
    assert result["success"], result.get("error") or result.get("log")
    scores = scores_by_student(course)
    assert scores["lite"] == scores["lab"]
