"""Grades as CSV, written by nbgrader's own CSV exporter so the columns are the ones nbgrader users know."""

from __future__ import annotations

from pathlib import Path

from nbgrader.plugins import CsvExportPlugin

from .course import Course


def export_csv(course: Course, to: Path) -> Path:
    """One row per student and assignment (score, max score, late penalty, timestamp); returns the file."""
    to = to.resolve()
    to.parent.mkdir(parents=True, exist_ok=True)
    with course.gradebook() as gb:
        CsvExportPlugin(to=str(to), config=course.config).export(gb)
    return to
