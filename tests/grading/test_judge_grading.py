"""Red-team submissions of notebook 01, graded by `nbgrader autograde` through the course's config and
by `autograder grade`: planted kernel hooks, a disguised import of the answer key, an answer that reads
the checker's frames and a lying float gain nothing on the hidden tests and are flagged where a trick
shows; an honest submission in the same batch keeps full marks.
"""

from __future__ import annotations

import copy

import nbformat
import pytest

from autograder.course import open_course
from autograder.grading import grade
from course_grading import CourseWorkspace, Submission, nbgrader_meta, release_notebook, source_notebook

pytestmark = pytest.mark.slow
ASSIGNMENT = "01_central_difference"
HIDDEN = ["test_forward_difference_hidden", "test_central_difference_hidden", "test_order_of_accuracy_hidden",
          "test_relative_error_hidden"]

TRANSFORMER = "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n"
OBFUSCATED = "getattr(get_ipython(), 'input_' + 'transformers_' + 'post').append(lambda lines: ['pass\\n'])\n"
DISGUISED_IMPORT = ("exec('import sol' + 'utions as _key')\n\n"
                    "def relative_error(a, b):\n    return _key.relative_error(a, b)\n")
FRAME_READER = '''import sys

def relative_error(a, b):
    frame = sys._getframe(1)
    while frame is not None:
        for name in ("expected", "value"):
            if isinstance(frame.f_locals.get(name), float):
                return frame.f_locals[name]
        frame = frame.f_back
    return 0.0
'''
LYING_FLOAT = '''class Agreeable(float):
    def __eq__(self, other):
        return True

    def __float__(self):
        return 0.0

    __hash__ = float.__hash__


def relative_error(a, b):
    return Agreeable(0.5)
'''


def with_answer(notebook: nbformat.NotebookNode, grade_id: str, code: str) -> nbformat.NotebookNode:
    changed = copy.deepcopy(notebook)
    for cell in changed.cells:
        if nbgrader_meta(cell).get("grade_id") == grade_id:
            cell.source = code
    return changed


def prefixed(notebook: nbformat.NotebookNode, grade_id: str, code: str) -> nbformat.NotebookNode:
    cell = next(c for c in notebook.cells if nbgrader_meta(c).get("grade_id") == grade_id)
    return with_answer(notebook, grade_id, code + cell.source)


def answered_release() -> nbformat.NotebookNode:
    """The student version with every answer cell filled in from the source: what an honest learner hands in."""
    answers = {nbgrader_meta(c)["grade_id"]: c.source for c in nbformat.read(source_notebook(ASSIGNMENT), 4).cells
               if nbgrader_meta(c).get("solution")}
    release = nbformat.read(release_notebook(ASSIGNMENT), as_version=4)
    for cell in release.cells:
        if nbgrader_meta(cell).get("solution"):
            cell.source = answers[nbgrader_meta(cell)["grade_id"]]
    return release


def batch() -> list[Submission]:
    right = answered_release()
    wrong = with_answer(right, "relative_error", "def relative_error(a, b):\n    return abs(a - b)\n")
    wrong = with_answer(wrong, "central_difference",
                        "def central_difference(f, *vals, arg=0, epsilon=1e-6):\n    return 0.0\n")
    return [
        Submission("honest", right),
        Submission("transformer", prefixed(wrong, "forward_difference", TRANSFORMER)),
        Submission("obfuscated", prefixed(wrong, "forward_difference", OBFUSCATED)),
        Submission("disguised", with_answer(right, "relative_error", DISGUISED_IMPORT)),
        Submission("frames", with_answer(right, "relative_error", FRAME_READER)),
        Submission("liar", with_answer(right, "relative_error", LYING_FLOAT)),
    ]


@pytest.fixture(scope="module")
def by_nbgrader(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """nbgrader autograde, through course/nbgrader_config.py alone."""
    return CourseWorkspace(tmp_path_factory.mktemp("nbgrader")).grade(ASSIGNMENT, batch())


@pytest.fixture(scope="module")
def by_autograder(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    """`autograder grade`: scores per (student, cell), and the summary with its flags."""
    workspace = CourseWorkspace(tmp_path_factory.mktemp("autograder"))
    workspace.release(ASSIGNMENT)
    filename = source_notebook(ASSIGNMENT).name
    for submission in batch():
        folder = workspace.root / "submitted" / submission.student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(submission.notebook, folder / filename)
    course = open_course(workspace.root)
    summary = grade(course, ASSIGNMENT, workers=2, progress=False)
    with course.gradebook() as gb:
        scores = {(sub.student_id, g.name): float(g.score) for sub in gb.assignment_submissions(ASSIGNMENT)
                  for nb in sub.notebooks for g in nb.grades}
    return scores, summary.text()


def test_the_honest_submission_keeps_full_marks(by_nbgrader: dict, by_autograder: tuple[dict, str]) -> None:
    honest = by_nbgrader["honest"]
    assert honest.scores == honest.max_scores
    scores, summary = by_autograder
    assert all(scores[("honest", cell)] == honest.scores[cell] for cell in honest.scores)
    assert "honest: FLAGGED" not in summary


@pytest.mark.parametrize("student", ["transformer", "obfuscated"])
def test_an_input_transformer_zeroes_the_hidden_tests_and_is_flagged(
        student: str, by_nbgrader: dict, by_autograder: tuple[dict, str]) -> None:
    assert all(by_nbgrader[student].scores[cell] == 0 for cell in HIDDEN)
    scores, summary = by_autograder
    assert all(scores[(student, cell)] == 0 for cell in HIDDEN)
    assert f"{student}: FLAGGED" in summary
    assert f"{student}: FLAGGED (score kept): not run: the kernel was tampered with" in summary
    assert "an input transformer (input_transformers_post) was added" in summary


def test_a_disguised_import_of_the_answer_key_is_flagged(by_autograder: tuple[dict, str]) -> None:
    _, summary = by_autograder
    assert "disguised: FLAGGED" in summary and "exec" in summary


@pytest.mark.parametrize("student", ["frames", "liar"])
def test_reading_the_checker_or_lying_about_equality_gains_nothing(
        student: str, by_nbgrader: dict, by_autograder: tuple[dict, str]) -> None:
    assert by_nbgrader[student].scores["test_relative_error_hidden"] == 0
    assert by_autograder[0][(student, "test_relative_error_hidden")] == 0


def test_the_lying_float_is_named_in_the_feedback(by_nbgrader: dict) -> None:
    assert "Agreeable (a subclass of float)" in by_nbgrader["liar"].errors["test_relative_error_hidden"]


SANDBOX_ONLY = {"disguised"}
"""Submissions the two graders must score differently: plain `nbgrader autograde` runs kernels without
the sandbox, where the answer key can be imported; `autograder grade` binds only the learner's package."""


def test_both_graders_agree(by_nbgrader: dict, by_autograder: tuple[dict, str]) -> None:
    scores, _ = by_autograder
    for student, graded in by_nbgrader.items():
        if student not in SANDBOX_ONLY:
            assert {cell: scores[(student, cell)] for cell in graded.scores} == graded.scores, student


def test_in_the_sandbox_a_disguised_import_finds_no_answer_key(by_autograder: tuple[dict, str]) -> None:
    scores, _ = by_autograder
    assert scores[("disguised", "test_relative_error")] == 0
    assert scores[("disguised", "test_relative_error_hidden")] == 0
