"""The one writer: nbgrader's gradebook, the autograded folders and our per-submission records.

Each submission is recorded in three steps: grades into the gradebook (nbgrader's own
preprocessors, upserts), then the autograded folder (written aside and swapped in whole), then a
record file naming the submission's fingerprint, written atomically. Only a matching record lets a
later run skip a submission, so a run killed anywhere is finished by the next one.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Any

import nbformat
from sqlalchemy.exc import SAWarning

from .course import Course
from .pipeline import copy_other_files, exporter, record_stage
from .worker import Graded, NotebookResult

RECORDS = Path(".autograder") / "records"


def record_path(course: Course, assignment: str, student: str) -> Path:
    return course.root / RECORDS / assignment / f"{student}.json"


def read_records(course: Course, assignment: str) -> dict[str, dict]:
    """Student id -> the record of their last grading (findings, problems, notes)."""
    folder = course.root / RECORDS / assignment
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))} if folder.is_dir() else {}


def clean_partial_folders(course: Course, assignment: str) -> None:
    """Folders a killed run left half written; their submissions have no record and get regraded."""
    autograded = course.folder("autograded")
    for leftover in list(autograded.glob(f"*/{assignment}.partial")) + list(autograded.glob(f"*/{assignment}.old")):
        _rmtree(leftover)


def _rmtree(path: Path) -> None:
    """nbgrader leaves autograded files read-only; make them writable to remove them."""
    def retry(func, name, _exc):
        os.chmod(os.path.dirname(name), 0o755)
        os.chmod(name, stat.S_IWUSR | stat.S_IRUSR)
        func(name)

    shutil.rmtree(path, onerror=retry)


class Writer:
    """The one process that writes: the gradebook, the autograded folders and the records."""

    def __init__(self, course: Course, assignment: str, zero_flagged: bool) -> None:
        self.course = course
        self.assignment = assignment
        self.zero_flagged = zero_flagged
        self.exporter = exporter(course.config, record_stage(course.config))
        self.coursedir = course.coursedir()

    def record(self, graded: Graded, fingerprint: str) -> None:
        """Write one submission's grades, then its autograded folder, then its record (in that order)."""
        submitted = self.course.folder("submitted") / graded.student / self.assignment
        partial = self.course.folder("autograded") / graded.student / f"{self.assignment}.partial"
        with self.course.gradebook() as gb, warnings.catch_warnings():
            # nbgrader's own upsert trips a harmless SQLAlchemy autoflush warning on every new submission.
            warnings.simplefilter("ignore", SAWarning)
            gb.update_or_create_student(graded.student)
            timestamp = self.coursedir.get_existing_timestamp(str(submitted))
            extra = {"timestamp": timestamp} if timestamp else {}
            gb.update_or_create_submission(self.assignment, graded.student, **extra)
            if partial.exists():
                _rmtree(partial)
            partial.mkdir(parents=True)
            for result in graded.notebooks:
                if result.executed is not None:
                    (partial / f"{result.name}.ipynb").write_text(self._save_grades(graded, result), encoding="utf-8")
                self._settle(gb, graded, result)
        _copy_graded_files(self.course, self.assignment, submitted, partial)
        _swap_in(partial, self.course.folder("autograded") / graded.student / self.assignment)
        _write_record(self.course, self.assignment, graded, fingerprint, self.zero_flagged)

    def _save_grades(self, graded: Graded, result: NotebookResult) -> str:
        """nbgrader's SaveAutoGrades, AssignLatePenalties, CheckCellMetadata on the executed notebook."""
        resources = {"nbgrader": {"student": graded.student, "assignment": self.assignment,
                                  "notebook": result.name, "db_url": self.course.db_url}}
        nb = nbformat.reads(result.executed, as_version=4)
        output, _ = self.exporter.from_notebook_node(nb, resources=resources)
        return output

    def _settle(self, gb: Any, graded: Graded, result: NotebookResult) -> None:
        """Zero what could not run (and mark it for a human where a human can help); flag findings."""
        notebook = gb.find_submission_notebook(result.name, self.assignment, graded.student)
        if result.executed is None or (self.zero_flagged and graded.findings):
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = result.needs_manual_grade
        notebook.flagged = bool(graded.findings or result.problem)
        gb.db.commit()


def _copy_graded_files(course: Course, assignment: str, submitted: Path, dest: Path) -> None:
    """As nbgrader does: the student's other files, then the instructor's files over them; read-only."""
    for base in (submitted, course.folder("source") / assignment):
        copy_other_files(base, dest, course.config)
    for path in dest.rglob("*"):
        if path.is_file():
            path.chmod(0o444)


def _swap_in(partial: Path, final: Path) -> None:
    old = final.with_name(final.name + ".old")
    if final.exists():
        final.rename(old)
    partial.rename(final)
    if old.exists():
        _rmtree(old)


def _write_record(course: Course, assignment: str, graded: Graded, fingerprint: str, zero_flagged: bool) -> None:
    path = record_path(course, assignment, graded.student)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "student": graded.student,
        "fingerprint": fingerprint,
        "zero_flagged": zero_flagged,
        "problems": graded.problems,
        "notes": graded.notes,
        "findings": [asdict(f) for f in graded.findings],
        "seconds": round(graded.seconds, 3),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)
