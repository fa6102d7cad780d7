"""CONTRIBUTING.md's recipe for a new notebook, followed in a scratch copy of the course.

The practice notebook in tests/course/practice/ is what a contributor writes by the guide: a source
notebook with one answer cell, a visible and a hidden test cell (the existing `difference` check of
notebook 01, on a new function), and a variants file. The test puts them where the guide says,
generates the release with nbgrader and runs `autograder selfcheck` on it, as the guide says.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from course_grading import COURSE, REPO, nbgrader_meta, outputs_stripped

pytestmark = pytest.mark.slow

PRACTICE = REPO / "tests" / "course" / "practice"
ASSIGNMENT = "08_practice"
NOTEBOOK = Path("source", ASSIGNMENT, "practice.ipynb")
VARIANTS = Path("variants", f"{ASSIGNMENT}.yml")
GUIDE = (REPO / "CONTRIBUTING.md").read_text()
# What the test runs, as the guide's recipe for a notebook writes it.
GENERATE = f"nbgrader generate_assignment {ASSIGNMENT} --force"
SELFCHECK = f"autograder selfcheck {ASSIGNMENT}"


@pytest.fixture(scope="session")
def practice_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of course/ with the practice notebook and its variants added, and its release generated."""
    root = tmp_path_factory.mktemp("contributing") / "course"
    shutil.copytree(COURSE, root, ignore=shutil.ignore_patterns(
        "gradebook.db", "submitted", "autograded", "feedback", "reports", ".autograder"))
    for written in (NOTEBOOK, VARIANTS):
        (root / written).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PRACTICE / written, root / written)
    tools = str(Path(sys.executable).parent)  # nbgrader, and the alembic it runs, from this environment
    done = subprocess.run(GENERATE.split(), cwd=root, capture_output=True, text=True,
                          env={**os.environ, "PATH": tools + os.pathsep + os.environ["PATH"]})
    assert done.returncode == 0, done.stderr[-2000:]
    return root


def recipe() -> str:
    """The guide's section on adding a notebook."""
    found = re.search(r"^## \(b\) A notebook$(.*?)^## ", GUIDE, re.MULTILINE | re.DOTALL)
    assert found, "CONTRIBUTING.md has no section '## (b) A notebook'"
    return found.group(1)


def test_the_guide_gives_the_paths_and_commands_this_test_follows() -> None:
    steps = recipe()
    for said in ("course/source/NN_name/name.ipynb", "course/variants/NN_name.yml",
                 GENERATE.replace(ASSIGNMENT, "NN_name"), SELFCHECK.replace(ASSIGNMENT, "NN_name"),
                 "tests/course/test_contributing.py"):
        assert said in steps, f"the guide's recipe for a notebook no longer says {said!r}"


def test_the_practice_source_is_as_the_guide_asks() -> None:
    notebook = nbformat.read(PRACTICE / NOTEBOOK, as_version=4)
    assert outputs_stripped(notebook) == []
    ids = [nbgrader_meta(cell).get("grade_id") for cell in notebook.cells]
    assert ids == [None, "setup", "two_sided_slope", "test_two_sided_slope", "test_two_sided_slope_hidden"]


def test_the_release_keeps_neither_the_answer_nor_the_hidden_test(practice_course: Path) -> None:
    release = nbformat.read(practice_course / "release" / ASSIGNMENT / "practice.ipynb", as_version=4)
    cells = {nbgrader_meta(cell).get("grade_id"): cell.source for cell in release.cells}
    assert "raise NotImplementedError()" in cells["two_sided_slope"]
    assert "up[arg]" not in cells["two_sided_slope"], "the answer's body survived"
    assert "record(" not in cells["test_two_sided_slope_hidden"]
    assert "check_difference(two_sided_slope" in cells["test_two_sided_slope"]


def test_selfcheck_grades_the_practice_notebook_as_its_variants_say(
        practice_course: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["--course", str(practice_course), *SELFCHECK.split()[1:], "--workers", "2"])
    out = capsys.readouterr().out
    assert code == 0, out
    for submission in ("source", "blank", "right-a-step-array-with-numpy", "wrong-one-sided-slope"):
        assert f"ok   {ASSIGNMENT}: {submission}" in out, out
    assert "selfcheck: every check passed" in out
