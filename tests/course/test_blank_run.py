"""Run All on a release notebook, as a learner's first move: blank, every cell that cannot work yet
says which answer it waits for; solved, no cell fails.

Every notebook in course/release/ (new ones included as they land) is executed by nbclient in a
fresh kernel, blank and with the source's answers written in. The rule for what a blank run may
show lives in tests/learner_runs.py, which the JupyterLab, JupyterLite and learner-environment
tests enforce too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from backprop_lab.unwritten import STUB_ADVICE
from learner_runs import errors, solved, unexplained_errors

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "course"
RELEASED = sorted(path.relative_to(COURSE).as_posix() for path in COURSE.glob("release/*/*.ipynb"))
CELL_TIMEOUT = 300  # a hang guard only: time budgets are measured by benchmarks/notebooks.py


def run_all(notebook: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    """Run every cell top to bottom in a fresh kernel, going on past errors so that every cell's own
    message is seen, and return the notebook with its outputs."""
    NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return notebook


def beside(released: str, folder: Path) -> Path:
    """`folder` holding the files a learner gets beside the notebook (07's digits), as in their workspace."""
    for path in (COURSE / released).parent.iterdir():
        if path.is_file() and path.suffix != ".ipynb":
            shutil.copy2(path, folder / path.name)
    return folder


def release(released: str) -> nbformat.NotebookNode:
    return nbformat.read(COURSE / released, as_version=4)


def source(released: str) -> nbformat.NotebookNode:
    return nbformat.read(COURSE / released.replace("release/", "source/", 1), as_version=4)


@pytest.mark.slow
@pytest.mark.parametrize("released", RELEASED)
def test_a_blank_release_says_only_which_answers_are_missing(released: str, tmp_path: Path) -> None:
    notebook = run_all(release(released), beside(released, tmp_path))
    assert errors(notebook), "a blank notebook with answers to write should say so somewhere"
    assert unexplained_errors(notebook) == []


@pytest.mark.slow
@pytest.mark.parametrize("released", RELEASED)
def test_a_solved_release_runs_without_an_error(released: str, tmp_path: Path) -> None:
    notebook = run_all(solved(release(released), source(released)), beside(released, tmp_path))
    assert [f"{error.ename}: {error.evalue}" for _, error in errors(notebook)] == []


# --- The rule itself, on hand-made outputs ---------------------------------------------------------

def cell(source: str, role: dict | None = None, error: tuple[str, str] | None = None) -> nbformat.NotebookNode:
    """A code cell with nbgrader's metadata `role` and, if given, the error (ename, evalue) it raised."""
    made = nbformat.v4.new_code_cell(source, metadata={"nbgrader": role} if role else {})
    if error:
        made.outputs = [nbformat.v4.new_output("error", ename=error[0], evalue=error[1], traceback=[])]
    return made


ANSWER = {"solution": True, "grade": False, "grade_id": "central_difference", "locked": False}
TOP_LEVEL_ANSWER = {"solution": True, "grade": False, "grade_id": "slope", "locked": False}
TEST = {"solution": False, "grade": True, "grade_id": "test_central_difference", "locked": True, "points": 1}
STUBBED = "def central_difference(f, x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
WAITING = "Not written yet: write `central_difference` above to see this plot."


def verdicts(*cells: nbformat.NotebookNode) -> list[str]:
    """The first line of each unexplained error in a notebook of an answer cell and these cells."""
    notebook = nbformat.v4.new_notebook(cells=[cell(STUBBED, ANSWER), *cells])
    return [found.split("\n")[0] for found in unexplained_errors(notebook)]


def test_the_three_ways_of_saying_not_written_yet_are_excused() -> None:
    assert verdicts(
        cell("# YOUR CODE HERE\nraise NotImplementedError()", TOP_LEVEL_ANSWER, ("NotImplementedError", "")),
        cell("check(central_difference)", TEST, ("AssertionError", f"got an error.\n  {STUB_ADVICE}")),
        cell("check(central_difference, 2.0)", TEST, ("CheckFailed", f"got an error.\n  {STUB_ADVICE}")),
        cell("with needs('central_difference'):\n    plot()", error=("NotWrittenYet", WAITING)),
    ) == []


def test_a_bare_stub_or_a_knock_on_name_error_in_a_given_cell_is_not() -> None:
    assert verdicts(
        cell("slope = central_difference(f, 1.0)", error=("NotImplementedError", "")),
        cell("print(slope)", error=("NameError", "name 'slope' is not defined")),
        cell("1 / 0", error=("ZeroDivisionError", "division by zero")),
    ) == ["NotImplementedError: ", "NameError: name 'slope' is not defined", "ZeroDivisionError: division by zero"]


def test_a_test_cell_must_give_the_stub_advice_and_a_given_cell_cannot_borrow_it() -> None:
    assert verdicts(
        cell("check(central_difference)", TEST, ("AssertionError", "expected 12.0, got 11.9")),
        cell("assert central_difference(f, 1.0) == 2", error=("AssertionError", STUB_ADVICE)),
    ) == ["AssertionError: expected 12.0, got 11.9", f"AssertionError: {STUB_ADVICE}"]


def test_a_waiting_cell_must_name_answers_of_this_notebook_in_the_one_line_form() -> None:
    assert verdicts(
        cell("with needs('forward_difference'):\n    plot()",
             error=("NotWrittenYet", "Not written yet: write `forward_difference` above to see this plot.")),
        cell("with needs('central_difference', 'sin_of_square'):\n    plot()",
             error=("NotWrittenYet", "Not written yet: write `central_difference` and `sin_of_square` above "
                                     "to see this plot.")),
        cell("raise NotWrittenYet('later')", error=("NotWrittenYet", "later")),
    ) == ["NotWrittenYet: Not written yet: write `forward_difference` above to see this plot.",
          "NotWrittenYet: Not written yet: write `central_difference` and `sin_of_square` above to see this plot.",
          "NotWrittenYet: later"]
