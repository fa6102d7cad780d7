"""The judge: hidden tests decided in the grader's process, never in the learner's kernel.

A hidden test cell (backprop_lab.hidden_tests.record) runs the learner's code on seeded inputs,
writes the results as one record output, and ends in an `AwaitingJudge` error. `Judge`, an nbgrader
preprocessor registered in the course's config between Execute and SaveAutoGrades, reads which test
the trusted cell source asks for, draws the inputs again from its seed, compares the recorded results
with `solutions` through the usual checks, and leaves either no error (a pass) or the check's message.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution

from backprop_lab.hidden_tests import AwaitingJudge
from backprop_lab.recording import MIME_TYPE

from . import hidden_checks
from .checks.replay import BadRecord

RECORD_CALL = "record"
AWAITING = AwaitingJudge.__name__


@dataclass(frozen=True)
class HiddenTest:
    """What a hidden test cell's trusted source asks for: record(check, answer, **options)."""

    check: str
    answer: str
    options: dict = field(default_factory=dict)


def hidden_test(source: str) -> HiddenTest | None:
    """The record(...) call in a test cell's source, or None when the cell records nothing."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called_name(node.func) == RECORD_CALL and len(node.args) == 2:
            check, answer = node.args
            if isinstance(check, ast.Constant) and isinstance(check.value, str):
                options = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
                return HiddenTest(check.value, ast.unparse(answer), options)
    return None


def _called_name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def is_record(output: NotebookNode) -> bool:
    return output.get("output_type") == "display_data" and MIME_TYPE in output.get("data", {})


def verdict(test: HiddenTest, records: list[dict]) -> str | None:
    """None when the recorded results pass the hidden test, else the message the learner reads."""
    if not records:
        return ("No results were recorded: this hidden test did not run your code. Something stopped the "
                "test cell from running as written (an input transformer or another hook in the kernel?).")
    if len(records) > 1:
        return f"This hidden test recorded {len(records)} sets of results instead of one; it cannot be judged."
    record = records[0]
    if not isinstance(record, dict) or record.get("check") != test.check or record.get("options") != test.options:
        return "The results recorded here belong to another test than this cell's; it cannot be judged."
    if test.check not in hidden_checks.CHECKS:
        return f"The grader knows no hidden test called {test.check!r}."
    try:
        hidden_checks.judge(test.check, test.answer, record, test.options)
    except AssertionError as failure:
        return str(failure)
    except BadRecord as error:
        return f"The results recorded by this test are unreadable ({error}); it cannot be judged."
    return None


class Judge(NbGraderPreprocessor):
    """Turns each hidden test cell's record into its verdict: no error on a pass, the check's message on a fail."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        if cell.cell_type != "code" or not is_grade(cell) or is_solution(cell):
            return cell, resources
        test = hidden_test(cell.source)
        if test is None:
            return cell, resources
        outputs = [out for out in cell.outputs if not is_record(out)]
        records = [out["data"][MIME_TYPE] for out in cell.outputs if is_record(out)]
        errors = [out for out in outputs if out.get("output_type") == "error"]
        if errors and errors[-1].get("ename") == AWAITING and len(errors) == 1:
            outputs.remove(errors[-1])
            message = verdict(test, records)
        elif errors:
            message = None  # the cell failed on its own (a timeout, a missing name): it scores zero already
        else:
            message = verdict(test, records) or "This hidden test did not finish as written; it cannot be judged."
        if message is not None:
            outputs.append(failure(message))
        cell.outputs = outputs
        return cell, resources


def failure(message: str) -> NotebookNode:
    """An error output as IPython writes one, so nbgrader scores the cell zero and feedback shows `message`."""
    return NotebookNode(output_type="error", ename="AssertionError", evalue=message,
                        traceback=[f"AssertionError: {message}"])
