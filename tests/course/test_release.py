"""The committed student notebooks are exactly what nbgrader makes from source, and give nothing away."""

from __future__ import annotations

import re

import nbformat
import pytest

from course_grading import (
    GradingPool,
    assignments,
    autograded_test_ids,
    nbgrader_meta,
    outputs_stripped,
    release_notebook,
    release_view,
    source_notebook,
)

ASSIGNMENTS = assignments()
SOLUTIONS_IMPORT = re.compile(r"^\s*(import|from)\s+solutions\b", re.MULTILINE)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_outputs_are_stripped(assignment: str) -> None:
    notebook = nbformat.read(source_notebook(assignment), as_version=4)
    assert outputs_stripped(notebook) == [], f"{assignment}: clear the outputs of these source cells"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_regenerated_from_source(graded_assignments: GradingPool, assignment: str) -> None:
    """Compared with the release nbgrader regenerated from source to grade the assignment's variants."""
    regenerated = graded_assignments.result(assignment).release
    committed_path = release_notebook(assignment)
    assert committed_path.exists(), f"run `cd course && nbgrader generate_assignment {assignment}` and commit"
    committed = nbformat.read(committed_path, as_version=4)
    assert release_view(committed) == release_view(regenerated), (
        f"course/release/{assignment} is stale: regenerate it with "
        f"`cd course && ../.venv/bin/nbgrader generate_assignment {assignment} --force` and commit"
    )
    assert committed.metadata == regenerated.metadata


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_gives_nothing_away(assignment: str) -> None:
    source = nbformat.read(source_notebook(assignment), as_version=4)
    release = nbformat.read(release_notebook(assignment), as_version=4)
    text = "\n".join(cell.source for cell in release.cells)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert "BEGIN HIDDEN TESTS" not in text and "END HIDDEN TESTS" not in text
    assert outputs_stripped(release) == []
    tests = [c.source for c in release.cells if nbgrader_meta(c).get("grade") and c.cell_type == "code"]
    assert not any(SOLUTIONS_IMPORT.search(s) for s in tests), "visible tests must not lean on the reference"
    # The release keeps every test cell (hidden ones emptied of their tests), so grading finds them all.
    assert autograded_test_ids(release) == autograded_test_ids(source)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_imports_are_locked_given_code(assignment: str) -> None:
    """The README calls the imports read-only given code: every notebook's first code cell is its locked `setup`."""
    for path in (source_notebook(assignment), release_notebook(assignment)):
        first = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert first.source.startswith(("import ", "from ")), f"{path}: the first code cell is not the imports"
        meta = {key: value for key, value in nbgrader_meta(first).items() if key not in ("checksum", "cell_type")}
        assert meta == {"grade": False, "grade_id": "setup", "locked": True, "schema_version": 3, "solution": False,
                        "task": False}, f"{path}: lock the import cell as notebook 01 does"
    assert first.metadata.get("editable") is False and first.metadata.get("deletable") is False
