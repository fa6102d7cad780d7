"""HTML feedback per student: nbgrader's GenerateFeedback, minus the hidden tests' code.

nbgrader's feedback shows the autograded notebook, where the hidden tests have been put back,
and their tracebacks quote the failing lines (nbgrader issue #917). We add one preprocessor to
its pipeline that removes each hidden-test region and cuts each hidden cell's errors down to the
message the checks wrote, then scan the HTML we wrote for any hidden line, to be sure.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbformat import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests, GetGrades
from traitlets.config import Config

from .course import Course, CourseError
from .release import HIDDEN, hidden_test_lines, region_lines

TAG = re.compile(r"<[^>]+>")
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


def feedback(course: Course, assignment: str, students: list[str] | None = None) -> list[Path]:
    """Write feedback/<student>/<assignment>/*.html for graded students; return the files written."""
    course.require_in_gradebook(assignment)
    config = Config(course.config)
    config.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
    api = course.api(config)
    for student in students or [None]:
        result = api.generate_feedback(assignment, student_id=student, force=True)
        if not result["success"]:
            raise CourseError(f"feedback for {assignment} failed:\n{result.get('error') or result.get('log')}")
    pages = sorted(course.folder("feedback").glob(f"*/{assignment}/*.html"))
    written = [p for p in pages if not students or p.parts[-3] in students]
    _check_no_hidden_code(course, assignment, written)
    return written


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
