"""One graded batch of good, bad and tampered submissions, then what the other commands make of it.

Each bad input and each tampering case gets its own clear line in `grade`'s summary and a zero
(or a flag) in the gradebook, while the rest of the batch is graded normally. Feedback, export and
the class report then run on the same graded course.
"""

from __future__ import annotations

import base64
import copy
import csv
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbconvert.preprocessors import Preprocessor

import autograder.feedback
import autograder_fixture as fx
from autograder.cli import main
from autograder.course import CourseError, open_course
from autograder.grading import Summary, grade
from autograder.sandbox import Limits
from autograder.writer import record_path

pytestmark = pytest.mark.slow

HOG = "hog = []\nwhile True:\n    hog.append(bytearray(10**8))"
NBFORMAT_3 = json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
    {"cell_type": "code", "input": "def square(x):\n    return x * x", "language": "python", "outputs": [],
     "metadata": {}}]}]})
FULL = {"test_square": 1.0, "test_square_hidden": 2.0, "test_cube": 1.0}


def _duplicated(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "square")
    twin = copy.deepcopy(nb.cells[index])
    twin.id = "pasted-twin"  # Jupyter gives a pasted cell a new id but keeps its metadata
    nb.cells.insert(index + 1, twin)
    return nb


def _other_assignment(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata["nbgrader"]["grade_id"] = "elsewhere_" + cell.metadata["nbgrader"]["grade_id"]
    return nb


def submissions(root: Path) -> dict[str, tuple]:
    """student -> (notebook or raw text or None, extra files)."""
    return {
        "correct": (fx.answered(root), {}),
        "invalid-json": ('{"cells": [ this is not json', {}),
        "missing-notebook": (None, {"Demo-Copy1.ipynb": nbformat.writes(fx.answered(root))}),
        "extra-file": (fx.answered(root), {"scratch.py": "print('draft')\n"}),
        "empty": (None, {}),
        "other-assignment": (_other_assignment(fx.answered(root)), {}),
        "nbformat-3": (NBFORMAT_3, {}),
        "dying-kernel": (fx.answered(root, cube="import os\nos._exit(1)"), {}),
        "memory-hog": (fx.answered(root, square=HOG), {}),
        "imports-solutions": (fx.answered(root, square="import solutions\n\ndef square(x):\n    return x * x"), {}),
        "patches-numpy": (fx.answered(root, square="np.isclose = lambda *a, **k: True\n\ndef square(x):\n    return x * x"), {}),
        "touches-files": (fx.answered(root, square="secret = open('/etc/hostname').read()\n\ndef square(x):\n    return x * x"), {}),
        "test-edited": (fx.edited(fx.answered(root, square="def square(x):\n    return 0"), "test_square", "assert True"), {}),
        "test-deleted": (fx.without(fx.answered(root), "test_cube"), {}),
        "duplicated": (_duplicated(fx.answered(root)), {}),
    }


@pytest.fixture(scope="module")
def graded(demo_course: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Summary]:
    root = fx.copy_course(demo_course, tmp_path_factory.mktemp("bad") / "course")
    for student, (content, extra) in submissions(root).items():
        fx.submit(root, student, content, extra)
    before = {p: p.read_bytes() for p in (root / "submitted").rglob("*") if p.is_file()}
    summary = grade(open_course(root), fx.ASSIGNMENT, workers=2, progress=False,
                    limits=Limits(cell_timeout=20, memory=768 * 1024**2))
    after = {p: p.read_bytes() for p in (root / "submitted").rglob("*") if p.is_file()}
    assert before == after, "grading modified a submission"
    return root, summary


def lines(summary: Summary, student: str) -> str:
    return "\n".join(line for line in summary.lines if line.startswith(f"{student}:"))


def cell_scores(root: Path, student: str) -> dict[str, tuple[float, bool]]:
    """grade id -> (score, needs manual grade) for every test cell, so `all()` over it checks them all."""
    with open_course(root).gradebook() as gb:
        notebook = gb.find_submission_notebook(fx.NOTEBOOK, fx.ASSIGNMENT, student)
        scores = {g.name: (float(g.score), bool(g.needs_manual_grade)) for g in notebook.grades}
    assert set(scores) == set(FULL), f"{student}: grades for {sorted(scores)}, expected {sorted(FULL)}"
    return scores


def test_whole_batch_is_graded(graded: tuple[Path, Summary]) -> None:
    root, summary = graded
    assert sorted(summary.graded) == sorted(submissions(root)), summary.text()
    assert {g: s for g, (s, _) in cell_scores(root, "correct").items()} == FULL


def test_invalid_json(graded: tuple[Path, Summary]) -> None:
    root, summary = graded
    assert "demo: not a valid notebook" in lines(summary, "invalid-json")
    assert lines(summary, "invalid-json").endswith("ask the learner for a copy that opens in Jupyter")
    assert all(s == (0.0, True) for s in cell_scores(root, "invalid-json").values())


def test_missing_notebook(graded: tuple[Path, Summary]) -> None:
    root, summary = graded
    text = lines(summary, "missing-notebook")
    assert "demo: notebook missing" in text and "extra file ignored by grading: Demo-Copy1.ipynb" in text
    assert all(s == 0.0 for s, _ in cell_scores(root, "missing-notebook").values())


def test_extra_file_is_reported_and_the_notebook_graded(graded: tuple[Path, Summary]) -> None:
    root, summary = graded
    assert "extra file ignored by grading: scratch.py" in lines(summary, "extra-file")
    assert {g: s for g, (s, _) in cell_scores(root, "extra-file").items()} == FULL


def test_empty_submission_folder(graded: tuple[Path, Summary]) -> None:
    root, summary = graded
    assert "empty submission folder" in lines(summary, "empty")
    assert all(s == 0.0 for s, _ in cell_scores(root, "empty").values())


def test_notebook_from_another_assignment(graded: tuple[Path, Summary]) -> None:
    root, summary = graded
    assert "notebook from another assignment" in lines(summary, "other-assignment")
    assert all(s == (0.0, True) for s in cell_scores(root, "other-assignment").values())


def test_old_notebook_format_is_named_not_called_another_assignment(graded: tuple[Path, Summary]) -> None:
    root, summary = graded
    assert "saved in the old notebook format 3" in lines(summary, "nbformat-3")
    assert all(s == (0.0, True) for s in cell_scores(root, "nbformat-3").values())


def test_dying_kernel(graded: tuple[Path, Summary]) -> None:
    root, summary = graded
    assert "could not be run: DeadKernelError" in lines(summary, "dying-kernel")
    assert all(s == (0.0, True) for s in cell_scores(root, "dying-kernel").values())


def test_memory_hog_fails_its_cell_and_the_kernel_goes_on(graded: tuple[Path, Summary]) -> None:
    root, _ = graded
    scores = {g: s for g, (s, _) in cell_scores(root, "memory-hog").items()}
    assert scores == {"test_square": 0.0, "test_square_hidden": 0.0, "test_cube": 1.0}
    autograded = nbformat.read(root / "autograded" / "memory-hog" / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.ipynb", 4)
    hog_cell = next(c for c in autograded.cells if c.source == HOG)
    assert [o.ename for o in hog_cell.outputs if o.output_type == "error"] == ["MemoryError"]


@pytest.mark.parametrize("student, reason", [
    ("imports-solutions", "square: imports solutions"),
    ("patches-numpy", "square: patches np.isclose"),
    ("touches-files", "square: open() reaches outside the submission folder: '/etc/hostname'"),
    ("test-edited", "locked cell 'test_square' was edited (nbgrader grades with the original cell)"),
    ("test-deleted", "locked cell 'test_cube' is missing"),
    ("duplicated", "cell 'square' appears 2 times"),
])
def test_integrity_case_is_flagged_with_its_reason(graded: tuple[Path, Summary], student: str, reason: str) -> None:
    root, summary = graded
    assert f"FLAGGED (score kept): {reason}" in lines(summary, student)
    record = json.loads(record_path(open_course(root), fx.ASSIGNMENT, student).read_text())
    assert any(reason in f["message"] for f in record["findings"])
    with open_course(root).gradebook() as gb:
        assert gb.find_submission_notebook(fx.NOTEBOOK, fx.ASSIGNMENT, student).flagged


def test_edited_test_cell_is_restored_before_grading(graded: tuple[Path, Summary]) -> None:
    root, _ = graded
    assert cell_scores(root, "test-edited")["test_square"][0] == 0.0


def test_clean_submissions_are_not_flagged(graded: tuple[Path, Summary]) -> None:
    _, summary = graded
    assert "FLAGGED" not in lines(summary, "correct") + lines(summary, "extra-file")


def test_feedback_shows_messages_and_points_but_no_hidden_test_code(graded: tuple[Path, Summary]) -> None:
    root, _ = graded
    assert main(["--course", str(root), "feedback", fx.ASSIGNMENT]) == 0
    page = (root / "feedback" / "correct" / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.html").read_text()
    wrong = (root / "feedback" / "test-edited" / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.html").read_text()
    text = re.sub(r"<[^>]+>", "", wrong).replace("&#39;", "'")
    assert "square(-2.0) gave 0, expected 4.0" in text and "Score: 0.0 / 2.0" in text
    for html in (page, wrong):
        assert "isclose" not in html and "BEGIN HIDDEN TESTS" not in html and "for v in" not in html


def test_feedback_names_each_learner_it_wrote_no_page_for(graded: tuple[Path, Summary],
                                                           capsys: pytest.CaptureFixture) -> None:
    """nbgrader writes no page for a notebook that was never run; an instructor must not take the count for the class."""
    root, _ = graded
    assert main(["--course", str(root), "feedback", fx.ASSIGNMENT, "--allow-ungraded"]) == 0
    out = capsys.readouterr().out
    assert not (root / "feedback" / "invalid-json").exists()
    assert "  invalid-json: demo: not a valid notebook" in out
    assert "  correct:" not in out and "  extra-file:" not in out
    assert main(["--course", str(root), "feedback", fx.ASSIGNMENT, "--allow-ungraded", "--student", "invalid-json"]) == 0
    assert "  invalid-json: demo: not a valid notebook" in capsys.readouterr().out


def test_a_feedback_page_that_would_leak_hidden_code_is_removed(graded: tuple[Path, Summary], tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """With the hiding step taken out, the last guard must catch the hidden test's code and drop the page."""
    root = Path(shutil.copytree(graded[0], tmp_path / "course"))
    monkeypatch.setattr(autograder.feedback, "HideHiddenTests", Preprocessor)  # does nothing
    with pytest.raises(CourseError, match="would show hidden test code"):
        autograder.feedback.feedback(open_course(root), fx.ASSIGNMENT, ["correct"])
    assert not (root / "feedback" / "correct" / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.html").exists()


def test_export_writes_every_student(graded: tuple[Path, Summary], tmp_path: Path) -> None:
    root, _ = graded
    assert main(["--course", str(root), "export", "--to", str(tmp_path / "grades.csv")]) == 0
    rows = {r["student_id"]: r for r in csv.DictReader((tmp_path / "grades.csv").open())}
    assert set(rows) == set(submissions(root))
    assert float(rows["correct"]["score"]) == 4.0 and float(rows["empty"]["score"]) == 0.0


def test_report_has_plots_mistakes_and_flags(graded: tuple[Path, Summary], tmp_path: Path) -> None:
    root, _ = graded
    assert main(["--course", str(root), "report", fx.ASSIGNMENT, "--out", str(tmp_path)]) == 0
    page = (tmp_path / f"report-{fx.ASSIGNMENT}.html").read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2 and all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "square(3) should be 9" in page
    assert "patches np.isclose" in page and "notebook from another assignment" in page
    assert "<script" not in page and "http" not in page.split("<body>")[1]
