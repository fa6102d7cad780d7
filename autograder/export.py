"""Grades as CSV: one row per student and assignment, sorted, with every column filled.

nbgrader's own CSV exporter leaves columns empty (names, due date, the timestamp when a submission
came without one) and counts an ungraded written answer as zero; this file keeps the columns an
nbgrader user knows where they carry data, and adds autograded and hand-graded points apart.
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

from .course import Course
from .grades import AssignmentGrades, read_grades

COLUMNS = ["student_id", "assignment", "timestamp", "autograded_score", "written_score", "written_to_grade",
           "late_submission_penalty", "score", "max_score", "flagged"]


def export_csv(course: Course, to: Path) -> Path:
    """Write the grades of every assignment in the gradebook to `to`; return the file."""
    to = to.resolve()
    to.parent.mkdir(parents=True, exist_ok=True)
    with course.gradebook() as gb:
        assignments = [a.name for a in gb.assignments]
    rows = [row for assignment in assignments for row in _rows(course, read_grades(course, assignment))]
    rows.sort(key=lambda row: (row["student_id"], row["assignment"]))
    with to.open("w", newline="", encoding="utf-8") as sink:
        writer = csv.DictWriter(sink, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return to


def _rows(course: Course, grades: AssignmentGrades) -> list[dict[str, str]]:
    rows = []
    for student, learner in grades.learners.items():
        autograded = grades.points(student, by_hand=False)
        written = grades.points(student, by_hand=True)
        rows.append({
            "student_id": student,
            "assignment": grades.assignment,
            "timestamp": _submitted_at(course, grades.assignment, student, learner.timestamp),
            "autograded_score": f"{autograded:g}",
            "written_score": f"{written:g}",
            "written_to_grade": " ".join(learner.waiting) or "none",
            "late_submission_penalty": f"{learner.late_penalty:g}",
            "score": f"{autograded + written - learner.late_penalty:g}",
            "max_score": f"{grades.max_points(by_hand=False) + grades.max_points(by_hand=True):g}",
            "flagged": "yes" if learner.flagged else "no",
        })
    return rows


def _submitted_at(course: Course, assignment: str, student: str, timestamp: datetime | None) -> str:
    """nbgrader's timestamp when the submission has one (timestamp.txt), else when its files last changed."""
    if timestamp is None:
        folder = course.folder("submitted") / student / assignment
        if not folder.is_dir():
            return "unknown: no timestamp.txt and no submitted folder"
        changed = [p.stat().st_mtime for p in folder.rglob("*") if p.is_file()] or [folder.stat().st_mtime]
        timestamp = datetime.fromtimestamp(max(changed), tz=timezone.utc)
    elif timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=timezone.utc)  # nbgrader stores UTC without a zone
    return timestamp.isoformat(timespec="seconds")
