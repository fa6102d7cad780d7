"""Run All on a release notebook, as a learner's first move: blank, every cell that cannot work yet
says which answer it waits for; solved, no cell fails.

This file tests the rule itself, on hand-made outputs; it lives in tests/learner_runs.py. Every
notebook in course/release/ (new ones included as they land) is run blank and solved under that
rule in a learner's own environment by nbclient (test_learner_environment.py), and solved in
JupyterLab (tests/browser/test_course_e2e.py) and JupyterLite (tests/browser/test_lite.py); the
blank first notebook in both of those too.
"""

from __future__ import annotations

import nbformat

from backprop_lab.unwritten import STUB_ADVICE
from learner_runs import unexplained_errors


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
