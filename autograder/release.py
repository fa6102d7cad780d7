"""Make the student version of an assignment: nbgrader's generate_assignment, run on the course directory."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat

from .course import Course, CourseError, open_course
from .grades import grade_id


def generate_release(assignment: str, course: str | os.PathLike = "course") -> Path:
    """Regenerate <course>/release/<assignment> from source (solutions and hidden tests removed, outputs cleared).

    Also records the assignment in the course's gradebook, which nbgrader needs before it autogrades.
    """
    handle = open_course(course)
    result = handle.api().generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        raise CourseError(f"nbgrader generate_assignment {assignment} failed:\n{result.get('error') or result.get('log')}")
    return handle.folder("release") / assignment


SOLUTION_REGION = ("### BEGIN SOLUTION", "### END SOLUTION")
REGIONS = (SOLUTION_REGION, ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"))


def release(course: Course, assignments: list[str]) -> list[str]:
    """Regenerate each assignment's student version and return every leak found (empty: all clean)."""
    problems = []
    for assignment in assignments:
        generate_release(assignment, course.root)
        for name in course.notebook_names(assignment):
            source = course.read_notebook("source", assignment, name)
            student = course.read_notebook("release", assignment, name)
            problems += [f"{assignment}/{name}.ipynb: {leak}" for leak in leaks(source, student)]
    return problems


def leaks(source: nbformat.NotebookNode, student: nbformat.NotebookNode) -> list[str]:
    """Solution or hidden-test lines of `source` that survive in `student`, and any leftover marker."""
    secret = _secret_lines(source, REGIONS)
    found = []
    for cell in student.cells:
        where = grade_id(cell) or f"cell {student.cells.index(cell)}"
        for line in cell.source.splitlines():
            text = line.strip()
            if any(text.startswith(marker) for pair in REGIONS for marker in pair):
                found.append(f"{where} still has the marker {text!r}")
            elif text in secret:
                found.append(f"{where} shows solution or hidden-test code: {text!r}")
    return found


HIDDEN = REGIONS[1:]


def hidden_test_lines(nb: nbformat.NotebookNode) -> set[str]:
    """Lines that only hidden-test regions of `nb` contain: what feedback must never show."""
    return _secret_lines(nb, HIDDEN)


def _secret_lines(nb: nbformat.NotebookNode, regions: tuple[tuple[str, str], ...]) -> set[str]:
    inside, outside = region_lines(nb, regions)
    return inside - outside


def region_lines(nb: nbformat.NotebookNode, regions: tuple[tuple[str, str], ...] = REGIONS) -> tuple[set[str], set[str]]:
    """(lines inside the given marked regions, lines outside them), stripped, blank lines dropped."""
    inside_lines, outside_lines = set(), set()
    for cell in nb.cells:
        inside = None
        for line in cell.source.splitlines():
            text = line.strip()
            begin = next((end for start, end in regions if text.startswith(start)), None)
            if begin:
                inside = begin
            elif inside and text.startswith(inside):
                inside = None
            elif text:
                (inside_lines if inside else outside_lines).add(text)
    return inside_lines, outside_lines
