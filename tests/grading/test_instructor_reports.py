"""What an instructor reads after grading a mixed class: grade's score summary, the report, feedback
that waits for hand grades, and the CSV export, each checked against nbgrader's gradebook."""

from __future__ import annotations

import csv
import json
import re
import shutil
import statistics
from pathlib import Path

import nbformat
import pytest

import autograder_fixture as fx
from autograder.cli import main
from autograder.course import open_course
from autograder.report import gather, write_report
from autograder.writer import record_path
from class_batch import WRITTEN, GradedClass, submissions

pytestmark = pytest.mark.slow

TEST_CELLS = ["test_square", "test_square_hidden", "test_cube"]


def gradebook(root: Path) -> dict[str, dict[str, tuple[float, bool]]]:
    """student -> grade id -> (score, needs a manual grade), read with nbgrader's own API."""
    with open_course(root).gradebook() as gb:
        return {s.student_id: {g.name: (float(g.score), bool(g.needs_manual_grade))
                               for nb in s.notebooks for g in nb.grades}
                for s in gb.assignment_submissions(fx.ASSIGNMENT)}


def autograded(root: Path) -> dict[str, float]:
    return {student: sum(grades[g][0] for g in TEST_CELLS) for student, grades in gradebook(root).items()}


def waiting(root: Path) -> list[str]:
    return sorted(s for s, grades in gradebook(root).items() if grades[WRITTEN][1])


def flagged(root: Path) -> list[str]:
    with open_course(root).gradebook() as gb:
        return sorted(s.student_id for s in gb.assignment_submissions(fx.ASSIGNMENT) if any(n.flagged for n in s.notebooks))


def copy(batch: GradedClass, tmp_path: Path) -> Path:
    return Path(shutil.copytree(batch.root, tmp_path / "course"))


def test_the_class_is_graded_as_its_submissions_deserve(graded_class_batch: GradedClass) -> None:
    root = graded_class_batch.root
    # The patcher replaces math.isclose: the kernel check fails every test cell after it, unrun.
    assert autograded(root) == {"ada": 4, "blank": 0, "wrong": 1, "half": 3, "sleepy": 3, "patcher": 0}
    assert waiting(root) == ["ada", "sleepy", "wrong"], "only written answers learners changed wait for a grader"
    assert flagged(root) == ["patcher"]


def test_grade_ends_with_a_score_summary_that_matches_the_gradebook(graded_class_batch: GradedClass) -> None:
    root, text = graded_class_batch.root, graded_class_batch.summary.text()
    points = list(autograded(root).values())
    expected = (f"scores: {len(points)} submissions, autograded points mean {statistics.mean(points):.2f} of 4 "
                f"(standard deviation {statistics.pstdev(points):.2f}, lowest {min(points):g}, highest {max(points):g}); "
                f"{points.count(0)} at zero; {len(flagged(root))} flagged; "
                f"{len(waiting(root))} written answers to grade by hand")
    assert text.splitlines()[-1] == expected, text


def test_report_numbers_match_the_gradebook(graded_class_batch: GradedClass) -> None:
    root = graded_class_batch.root
    report = gather(open_course(root), fx.ASSIGNMENT)
    assert {s: report.grades.points(s, by_hand=False) for s in report.grades.learners} == autograded(root)
    assert sorted(report.grades.waiting()[WRITTEN]) == waiting(root)
    assert set(report.flags) == set(flagged(root))
    assert set(report.grades.learners) == set(submissions(root))


def test_report_groups_each_learner_under_what_went_wrong(graded_class_batch: GradedClass) -> None:
    report = gather(open_course(graded_class_batch.root), fx.ASSIGNMENT)
    by_kind = {kind: m for (kind, _), m in report.mistakes.items()}
    assert by_kind["not written yet"].learners == {"blank", "half"}
    assert by_kind["not written yet"].cells == set(TEST_CELLS)
    assert by_kind["timeout"].learners == {"sleepy"} and by_kind["timeout"].cells == {"test_cube"}
    assert [m.learners for m in report.mistakes.values()].count({"blank"}) == 0, "a blank notebook is one row, not many"
    blank_rows = [key for key, m in report.mistakes.items() if "blank" in m.learners]
    assert blank_rows == [("not written yet", "the answer still raises NotImplementedError")]
    wrong = [m for m in report.mistakes.values() if "wrong" in m.learners]
    assert {c for m in wrong for c in m.cells} == {"test_square", "test_square_hidden"}


def test_report_names_an_answer_cell_that_timed_out_not_only_its_tests_name_errors(
        graded_class_batch: GradedClass, tmp_path: Path) -> None:
    """A loop at the top of an answer cell times out there; its tests then fail with NameError, which hides why."""
    root = copy(graded_class_batch, tmp_path)
    path = open_course(root).autograded_notebook("ada", fx.ASSIGNMENT, fx.NOTEBOOK)
    notebook = nbformat.read(path, as_version=4)
    answer = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "cube")
    answer.outputs = [nbformat.v4.new_output("error", ename="KeyboardInterrupt", evalue="", traceback=[]),
                      nbformat.v4.new_output("error", ename="CellTimeoutError", evalue="", traceback=[])]
    path.chmod(0o644)
    nbformat.write(notebook, path)
    report = gather(open_course(root), fx.ASSIGNMENT)
    timeout = report.mistakes["timeout", "ran out of time"]
    assert timeout.learners == {"ada", "sleepy"} and timeout.cells == {"cube", "test_cube"}
    page = write_report(open_course(root), fx.ASSIGNMENT, tmp_path).read_text()
    assert "<td>cube: answer cell, cube: visible tests</td>" in page


def test_report_header_says_how_many_notebooks_could_not_be_run(graded_class_batch: GradedClass, tmp_path: Path) -> None:
    """A notebook that never ran is still a graded submission (scored by the gradebook); the header says so."""
    root = copy(graded_class_batch, tmp_path)
    course = open_course(root)
    page = write_report(course, fx.ASSIGNMENT, tmp_path).read_text()
    assert "could not be run" not in page.split("<h2>")[0]
    record = record_path(course, fx.ASSIGNMENT, "patcher")
    entry = json.loads(record.read_text())
    entry["problems"].append("could not be run: DeadKernelError: Kernel died")
    record.write_text(json.dumps(entry))
    header = write_report(course, fx.ASSIGNMENT, tmp_path).read_text().split("<h2>")[0]
    assert f"{len(submissions(root))} graded submissions (1 of them could not be run: see Flagged submissions)." in header


def test_report_page_has_a_row_per_learner_with_points_apart(graded_class_batch: GradedClass, tmp_path: Path) -> None:
    root = graded_class_batch.root
    assert main(["--course", str(root), "report", fx.ASSIGNMENT, "--out", str(tmp_path)]) == 0
    page = (tmp_path / f"report-{fx.ASSIGNMENT}.html").read_text()
    for student, points in autograded(root).items():
        to_grade = " + 1 to grade" if student in waiting(root) else ""
        assert f"<tr><td>{student}</td><td>{points:g}</td><td>{points:g}</td><td>0{to_grade}</td>" in page, student
    assert f"<td>{WRITTEN}</td><td>3: ada, sleepy, wrong</td>" in page
    assert "square: hidden tests" in page and "<script" not in page and "http" not in page.split("<body>")[1]


def test_feedback_waits_for_written_answers_then_names_each_test_cell(graded_class_batch: GradedClass, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture) -> None:
    root = copy(graded_class_batch, tmp_path)
    assert main(["--course", str(root), "feedback", fx.ASSIGNMENT]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"{WRITTEN} (ada, sleepy, wrong)" in error and "--allow-ungraded" in error
    assert not (root / "feedback").exists()

    with open_course(root).gradebook() as gb:  # what nbgrader's formgrader does when a grader scores an answer
        for student in ("ada", "sleepy", "wrong"):
            grade = gb.find_grade(WRITTEN, fx.NOTEBOOK, fx.ASSIGNMENT, student)
            grade.manual_score, grade.needs_manual_grade = 2.0, False
        gb.db.commit()
    assert main(["--course", str(root), "feedback", fx.ASSIGNMENT]) == 0
    page = (root / "feedback" / "ada" / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.html").read_text()
    contents = re.findall(r'<li><a href="#(\w+)">([^<]+)</a>', page)
    assert contents == [("test_square", "Test cell: square: visible tests"),
                        ("test_square_hidden", "Test cell: square: hidden tests"),
                        ("test_cube", "Test cell: cube: visible tests"),
                        (WRITTEN, "Written response")]
    assert "Score: 6.0 / 6.0" in page


def test_feedback_can_be_sent_before_hand_grading_when_asked(graded_class_batch: GradedClass, tmp_path: Path) -> None:
    root = copy(graded_class_batch, tmp_path)
    assert main(["--course", str(root), "feedback", fx.ASSIGNMENT, "--student", "ada", "--allow-ungraded"]) == 0
    assert [p.parts[-3] for p in (root / "feedback").glob(f"*/{fx.ASSIGNMENT}/*.html")] == ["ada"]


def test_export_is_sorted_filled_and_agrees_with_the_gradebook(graded_class_batch: GradedClass, tmp_path: Path) -> None:
    root = graded_class_batch.root
    assert main(["--course", str(root), "export", "--to", str(tmp_path / "grades.csv")]) == 0
    rows = list(csv.DictReader((tmp_path / "grades.csv").open()))
    assert [(r["student_id"], r["assignment"]) for r in rows] == sorted((s, fx.ASSIGNMENT) for s in submissions(root))
    assert all(value != "" for row in rows for value in row.values()), rows
    points = autograded(root)
    for row in rows:
        student = row["student_id"]
        assert float(row["autograded_score"]) == points[student]
        assert row["written_to_grade"] == (WRITTEN if student in waiting(root) else "none")
        assert row["flagged"] == ("yes" if student in flagged(root) else "no")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", row["timestamp"]), row["timestamp"]


def test_feedback_tracebacks_name_files_never_paths_of_the_grading_machine() -> None:
    import nbformat

    from autograder.feedback import ScrubPaths

    cell = nbformat.v4.new_code_cell("check(answer)")
    cell.outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=[
        "\x1b[0;31mFile \x1b[0;32m/srv/grading/scratch-17/lib/backprop_lab/checks/compare.py:207\x1b[0m, in check_call",
        '  File "/usr/lib/python3.11/site-packages/numpy/core/fromnumeric.py", line 88, in sum',
        "ValueError: bad"])]
    scrubbed, _ = ScrubPaths().preprocess_cell(cell, {}, 0)
    lines = scrubbed.outputs[0].traceback
    assert "compare.py:207" in lines[0] and '"fromnumeric.py", line 88' in lines[1] and lines[2] == "ValueError: bad"
    assert not any("/srv/" in line or "/usr/" in line for line in lines)
