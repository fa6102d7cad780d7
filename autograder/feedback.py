"""HTML feedback per student: nbgrader's GenerateFeedback, minus the hidden tests' code.

nbgrader's feedback shows the autograded notebook, where the hidden tests have been put back,
and their tracebacks quote the failing lines (nbgrader issue #917). We add one preprocessor to
its pipeline that removes each hidden-test region and cuts each hidden cell's errors down to the
message the checks wrote, then scan the HTML we wrote for any hidden line, to be sure.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor, Preprocessor
from nbformat import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests, GetGrades
from traitlets.config import Config

from .course import Course, CourseError
from .grades import cell_label, read_grades
from .release import HIDDEN, hidden_test_lines, region_lines
from .writer import read_records

TAG = re.compile(r"<[^>]+>")
MACHINE_PATH = re.compile(r"(?:/[^\s/:\"'\x1b]+)+/([^\s/:\"'\x1b]+\.py)")
"""An absolute path to a Python file, as tracebacks quote it; group 1 is the file's own name."""
NOTE = "# (the hidden tests' code is not shown; their messages are below)"


class HideHiddenTests(ClearHiddenTests):
    """Drop hidden-test regions from the source and the code quoted by their tracebacks."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict, cell_index: int) -> tuple[NotebookNode, dict]:
        if cell.cell_type == "code" and self._remove_hidden_test_region(cell):
            cell.source = cell.source.rstrip() + "\n" + NOTE
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


class ScrubPaths(Preprocessor):
    """Cut every path in the tracebacks down to the file's name: feedback never shows the grading machine."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict, cell_index: int) -> tuple[NotebookNode, dict]:
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                output.traceback = [MACHINE_PATH.sub(r"\1", line) for line in output.traceback]
        return cell, resources


@dataclass
class Written:
    """The pages written, and each learner in the gradebook who got none, with why."""

    pages: list[Path]
    missing: dict[str, str]

    def text(self, folder: Path) -> str:
        lines = [f"feedback: wrote {len(self.pages)} HTML files under {folder}"]
        if self.missing:
            lines.append(f"feedback: no page for {len(self.missing)} learners, since grading could not run their "
                         "notebook; tell each of them why:")
            lines += [f"  {student}: {why}" for student, why in self.missing.items()]
        return "\n".join(lines)


def feedback(course: Course, assignment: str, students: list[str] | None = None,
             allow_ungraded: bool = False) -> Written:
    """Write feedback/<student>/<assignment>/*.html for graded students; return the pages and who got none.

    Refuses while a written answer waits for its hand grade (the learner would read 0 for it),
    unless `allow_ungraded`.
    """
    grades = read_grades(course, assignment, students)
    unknown = sorted(set(students or []) - set(grades.learners))
    if unknown or not grades.learners:
        who = f"for {', '.join(unknown)}" if unknown else "yet"
        raise CourseError(f"no graded submission of {assignment} {who}; check the student ids, "
                          f"or run `autograder grade {assignment}` first")
    waiting = grades.waiting()
    if waiting and not allow_ungraded:
        raise CourseError(
            "written answers not graded yet: "
            + "; ".join(f"{cell} ({', '.join(learners)})" for cell, learners in waiting.items())
            + ". Grade them in nbgrader's formgrader first, or pass --allow-ungraded to send feedback anyway"
        )
    config = Config(course.config)
    config.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, ScrubPaths, CSSHTMLHeaderPreprocessor]
    api = course.api(config)
    executed = [s for s in grades.learners
                if any(course.autograded_notebook(s, assignment, n).exists() for n in course.notebook_names(assignment))]
    runs = executed if students else [None] if executed else []  # nbgrader fails when no notebook matches
    for student in runs:
        result = api.generate_feedback(assignment, student_id=student, force=True)
        if not result["success"]:
            raise CourseError(f"feedback for {assignment} failed:\n{result.get('error') or result.get('log')}")
    pages = sorted(course.folder("feedback").glob(f"*/{assignment}/*.html"))
    written = [p for p in pages if not students or p.parts[-3] in students]
    _check_no_hidden_code(course, assignment, written)
    for page in written:
        _name_test_cells(page, grades.test_cells)
    return Written(written, _missing(course, assignment, sorted(grades.learners), written))


def _missing(course: Course, assignment: str, learners: list[str], pages: list[Path]) -> dict[str, str]:
    """Learners without a page: nbgrader writes none when no notebook was executed; the grading record says why."""
    with_page = {page.parts[-3] for page in pages}
    records = read_records(course, assignment)
    return {student: "; ".join(records.get(student, {}).get("problems") or ["no autograded notebook"])
            for student in learners if student not in with_page}


def _name_test_cells(page: Path, test_cells: list[str]) -> None:
    """nbgrader's contents list calls every test cell "Test cell"; say what each one tests instead."""
    text = page.read_text(encoding="utf-8")
    for grade_id in test_cells:
        text = text.replace(f'<a href="#{grade_id}">Test cell</a>',
                            f'<a href="#{grade_id}">Test cell: {html.escape(cell_label(grade_id))}</a>')
    page.write_text(text, encoding="utf-8")


def _check_no_hidden_code(course: Course, assignment: str, pages: list[Path]) -> None:
    """Belt and braces: no hidden-test line may appear in a page, unless the learner wrote it too."""
    secret = set().union(*(hidden_test_lines(course.read_notebook("source", assignment, name))
                           for name in course.notebook_names(assignment)))
    for page in pages:
        student, name = page.parts[-3], page.stem
        graded = nbformat.read(course.autograded_notebook(student, assignment, name), as_version=4)
        _, theirs = region_lines(graded, HIDDEN)
        text = html.unescape(TAG.sub("", page.read_text(encoding="utf-8")))
        leaked = [line for line in secret - theirs if line in text]
        if leaked:
            page.unlink()
            raise CourseError(f"{page} would show hidden test code ({leaked[0]!r}); it was removed")
