"""A tiny nbgrader course built in a temp folder, and the submissions the autograder tests grade.

One assignment, `01_demo`, one notebook `demo.ipynb`: two answer cells (square, cube), a visible
test for each and a hidden test for square. Small on purpose: each submission runs in about a
second, so the tests can grade whole batches several ways.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.release import generate_release

ASSIGNMENT = "01_demo"
NOTEBOOK = "demo"
HIDDEN_LINE = "assert math.isclose(square(v), v * v)"

CONFIG = """c = get_config()
c.CourseDirectory.course_id = "demo-course"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}
c.Execute.timeout = 20
c.Autograde.autograde_preprocessors = [  # as in course/nbgrader_config.py: the kernel check before test cells
    "autograder.tamper.GuardedExecute", "nbgrader.preprocessors.LimitOutput", "autograder.judge.Judge",
    "nbgrader.preprocessors.SaveAutoGrades", "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
"""

SQUARE = 'def square(x):\n    """x times x."""\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION'
CUBE = 'def cube(x):\n    """x to the third."""\n    ### BEGIN SOLUTION\n    return x ** 3\n    ### END SOLUTION'
HIDDEN = (
    "# Hidden tests try more inputs.\n### BEGIN HIDDEN TESTS\nfor v in [-2.0, 0.5, 7]:\n"
    f"    {HIDDEN_LINE}, f'square({{v}}) gave {{square(v)}}, expected {{v * v}}'\n### END HIDDEN TESTS"
)


def _cell(source: str, grade_id: str, *, solution: bool = False, grade: bool = False,
          locked: bool = False, points: float = 0) -> nbformat.NotebookNode:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution}
    if grade:
        meta["points"] = points
    return new_code_cell(source, metadata={"nbgrader": meta})


def source_notebook() -> nbformat.NotebookNode:
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells = [
        new_markdown_cell("# Demo: powers"),
        _cell("import math\nimport numpy as np", "setup", locked=True),
        _cell(SQUARE, "square", solution=True),
        _cell('assert square(3) == 9, "square(3) should be 9"', "test_square", grade=True, locked=True, points=1),
        _cell(HIDDEN, "test_square_hidden", grade=True, locked=True, points=2),
        _cell(CUBE, "cube", solution=True),
        _cell('assert cube(2) == 8, "cube(2) should be 8"', "test_cube", grade=True, locked=True, points=1),
    ]
    return nb


def build_course(root: Path, source: nbformat.NotebookNode | None = None) -> Path:
    """Write the course (config, `source` or the demo notebook) under `root`, generate its release
    and gradebook; return root."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(CONFIG)
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(source or source_notebook(), folder / f"{NOTEBOOK}.ipynb")
    generate_release(ASSIGNMENT, root)
    return root


def copy_course(built: Path, root: Path) -> Path:
    """A copy at `root` of a course that build_course made: generating a release takes seconds, copying none."""
    return Path(shutil.copytree(built, root))


def release_notebook(root: Path) -> nbformat.NotebookNode:
    return nbformat.read(root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)


def answered(root: Path, **answers: str) -> nbformat.NotebookNode:
    """The release with some answer cells filled in (grade_id -> source); others stay blank."""
    nb = release_notebook(root)
    answers = {"square": _solution(SQUARE), "cube": _solution(CUBE), **answers}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def _solution(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if "### " not in line)


def edited(nb: nbformat.NotebookNode, grade_id: str, source: str) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
    return nb


def without(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id]
    return nb


def submit(root: Path, student: str, content: nbformat.NotebookNode | str | None,
           extra: dict[str, str] | None = None) -> Path:
    """Put a submission in submitted/<student>/01_demo/: a notebook, raw text, or nothing at all."""
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{NOTEBOOK}.ipynb"
    if isinstance(content, str):
        path.write_text(content)
    elif content is not None:
        nbformat.write(content, path)
    for name, text in (extra or {}).items():
        (folder / name).write_text(text)
    return folder


WRONG_SQUARE = "def square(x):\n    return x * 2"
BROKEN_SQUARE = "def square(x)\n    return x * x"
PATCHING_SQUARE = "math.isclose = lambda *args, **kwargs: True\n\ndef square(x):\n    return 9"


def mixed_batch(root: Path) -> dict[str, nbformat.NotebookNode]:
    """Correct, wrong, blank, broken and malicious submissions: what the equality tests grade."""
    return {
        "correct": answered(root),
        "wrong": answered(root, square=WRONG_SQUARE),
        "blank": release_notebook(root),
        "broken": answered(root, square=BROKEN_SQUARE),
        "malicious": answered(root, square=PATCHING_SQUARE),
    }
