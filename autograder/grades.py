"""Who scored what on an assignment, read once from nbgrader's gradebook, and why a cell lost its points.

Autograded points (test cells) and hand-graded points (written answers) are kept apart, because
a written answer nobody has graded yet counts as zero in nbgrader's totals: `grade`, `report`,
`feedback` and `export` all need to say so rather than show that zero as a score. Why a test cell
scored zero is in the autograded notebook: the error each graded cell printed (`cell_errors`).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from nbformat import NotebookNode

from .course import Course

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class GradedCell:
    """A cell that earns points: a test cell, or a written answer graded by hand."""

    grade_id: str
    max_score: float
    by_hand: bool


@dataclass
class LearnerGrades:
    """One learner's points per cell, the hand-graded cells still waiting, and the submission's state."""

    student: str
    points: dict[str, float] = field(default_factory=dict)
    waiting: list[str] = field(default_factory=list)
    flagged: bool = False
    timestamp: datetime | None = None
    late_penalty: float = 0.0


@dataclass
class AssignmentGrades:
    """Every graded cell of an assignment (in notebook order) and every learner's grades on them."""

    assignment: str
    cells: dict[str, GradedCell] = field(default_factory=dict)
    learners: dict[str, LearnerGrades] = field(default_factory=dict)

    def _ids(self, by_hand: bool) -> list[str]:
        return [g for g, cell in self.cells.items() if cell.by_hand == by_hand]

    @property
    def test_cells(self) -> list[str]:
        return self._ids(by_hand=False)

    @property
    def written_cells(self) -> list[str]:
        return self._ids(by_hand=True)

    def max_points(self, by_hand: bool) -> float:
        return sum(self.cells[g].max_score for g in self._ids(by_hand))

    def points(self, student: str, by_hand: bool) -> float:
        """A learner's autograded (by_hand=False) or hand-graded points; cells still waiting count nothing."""
        learner = self.learners[student]
        return sum(learner.points.get(g, 0.0) for g in self._ids(by_hand) if g not in learner.waiting)

    def waiting(self) -> dict[str, list[str]]:
        """Written answer -> learners whose answer nobody has graded yet (only answers with someone waiting)."""
        waiting = {g: [s for s, learner in self.learners.items() if g in learner.waiting] for g in self.written_cells}
        return {g: students for g, students in waiting.items() if students}

    def score_line(self) -> str:
        """The autograded scores in one line: mean and spread, how many at zero, flagged, and still to grade by hand."""
        if not self.learners:
            return "scores: no graded submissions yet"
        autograded = [self.points(s, by_hand=False) for s in self.learners]
        spread = statistics.pstdev(autograded)
        at_zero = sum(p == 0 for p in autograded)
        flagged = sum(learner.flagged for learner in self.learners.values())
        waiting = sum(len(students) for students in self.waiting().values())
        return (f"scores: {len(autograded)} submissions, autograded points mean {statistics.mean(autograded):.2f} "
                f"of {self.max_points(by_hand=False):g} (standard deviation {spread:.2f}, lowest {min(autograded):g}, "
                f"highest {max(autograded):g}); {at_zero} at zero; {flagged} flagged; "
                f"{waiting} written answers to grade by hand")


def grade_id(cell: NotebookNode) -> str | None:
    """The nbgrader grade_id of a cell, None for a cell nbgrader does not track."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or None


def cell_label(cell_id: str) -> str:
    """What a cell tests, from the course's naming: test_<name> are visible tests, test_<name>_hidden hidden ones."""
    if not cell_id.startswith("test_"):
        return cell_id
    name = cell_id.removeprefix("test_")
    if name.endswith("_hidden"):
        return f"{name.removesuffix('_hidden')}: hidden tests"
    return f"{name}: visible tests"


def read_grades(course: Course, assignment: str, students: list[str] | None = None) -> AssignmentGrades:
    """The gradebook's grades for `assignment` (only `students`, when given), written answers told apart."""
    course.require_in_gradebook(assignment)
    grades = AssignmentGrades(assignment)
    with course.gradebook() as gb:
        for notebook in gb.find_assignment(assignment).notebooks:
            by_hand = {cell.name for cell in notebook.solution_cells}
            for cell in notebook.grade_cells:
                grades.cells[cell.name] = GradedCell(cell.name, float(cell.max_score), cell.name in by_hand)
        for submission in gb.assignment_submissions(assignment):
            if students is not None and submission.student_id not in students:
                continue
            learner = LearnerGrades(submission.student_id, timestamp=submission.timestamp,
                                    late_penalty=float(submission.late_submission_penalty or 0.0))
            for notebook in submission.notebooks:
                learner.flagged |= bool(notebook.flagged)
                for grade in notebook.grades:
                    learner.points[grade.name] = float(grade.score)
                    if grades.cells[grade.name].by_hand and grade.needs_manual_grade:
                        learner.waiting.append(grade.name)
            grades.learners[learner.student] = learner
    order = _source_order(course, assignment)
    grades.cells = dict(sorted(grades.cells.items(), key=lambda item: order.get(item[0], len(order))))
    return grades


def _source_order(course: Course, assignment: str) -> dict[str, int]:
    """grade id -> position in the source notebooks, so tables follow the order learners met the cells."""
    ids = [grade_id(cell) for name in course.notebook_names(assignment)
           for cell in course.read_notebook("source", assignment, name).cells if grade_id(cell)]
    return {name: i for i, name in enumerate(ids)}


def plain(text: str) -> str:
    """`text` without the terminal colour codes IPython puts in tracebacks."""
    return ANSI.sub("", text)


def cell_errors(notebook: NotebookNode, grade_ids: Iterable[str] | None = None) -> dict[str, str]:
    """grade_id -> the error text (traceback and stderr) of each graded cell that printed one.

    Only the cells named in `grade_ids`, when given. These are the messages a learner sees, so
    they are what grading tests and reports search for a mistake's name.
    """
    wanted = None if grade_ids is None else set(grade_ids)
    errors = {}
    for cell in notebook.cells:
        name = grade_id(cell)
        if cell.cell_type != "code" or name is None or (wanted is not None and name not in wanted):
            continue
        parts = []
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                parts.append("\n".join(out.traceback) or f"{out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr":
                parts.append(out.text)
        if parts:
            errors[name] = plain("\n".join(parts))
    return errors
