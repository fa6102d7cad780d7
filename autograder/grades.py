"""Who scored what on an assignment, read once from nbgrader's gradebook.

Autograded points (test cells) and hand-graded points (written answers) are kept apart, because
a written answer nobody has graded yet counts as zero in nbgrader's totals: `grade`, `report`,
`feedback` and `export` all need to say so rather than show that zero as a score.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from .course import Course


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


def cell_label(grade_id: str) -> str:
    """What a cell tests, from the course's naming: test_<name> are visible tests, test_<name>_hidden hidden ones."""
    if not grade_id.startswith("test_"):
        return grade_id
    name = grade_id.removeprefix("test_")
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
    ids = [cell.metadata["nbgrader"]["grade_id"]
           for name in course.notebook_names(assignment)
           for cell in course.read_notebook("source", assignment, name).cells
           if "grade_id" in cell.get("metadata", {}).get("nbgrader", {})]
    return {grade_id: i for i, grade_id in enumerate(ids)}
