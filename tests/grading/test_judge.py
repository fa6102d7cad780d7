"""The record a hidden test sends and the judge that decides it, without a kernel: plain data only,
the grader's verdicts on right, wrong, missing and forged records, and a kernel side that never
imports the answer key.
"""

from __future__ import annotations

import math
import subprocess
import sys

import nbformat
from nbgrader.utils import determine_grade
import numpy as np
import pytest

import solutions
from autograder.judge import Judge, hidden_test, verdict
from backprop_lab import recording
from backprop_lab.hidden_tests import AwaitingJudge, record
from backprop_lab.recording import MIME_TYPE, plain


class LyingFloat(float):
    """Equal to anything, and a float of whatever it is asked for."""

    def __eq__(self, other):
        return True

    def __float__(self):
        return 0.0


def test_exact_types_become_plain_data() -> None:
    assert plain([1, 2.5, None, True]) == [1, 2.5, None, True]
    assert plain((1.0, float("inf"))) == {"tuple": [1.0, {"float": "inf"}]}
    array = plain(np.arange(6.0).reshape(2, 3))["ndarray"]
    assert array["shape"] == [2, 3] and array["dtype"] == "<f8"
    assert plain(np.float32(1.5))["ndarray"]["shape"] == []


@pytest.mark.parametrize("value", [LyingFloat(2.0), np.array([object()]), np.arange(3).view(np.matrix), {1: 2}])
def test_anything_else_is_recorded_as_unsupported_without_running_its_methods(value) -> None:
    assert recording.converted(value)["error"][0] == recording.UNSUPPORTED


def recorded(monkeypatch: pytest.MonkeyPatch, check: str, answer, **options) -> dict:
    """What record(...) sends, caught instead of displayed; the cell's AwaitingJudge is checked too."""
    sent = []
    monkeypatch.setattr("backprop_lab.recording.display", lambda data, raw: sent.append(data[MIME_TYPE]))
    with pytest.raises(AwaitingJudge):
        record(check, answer, **options)
    assert len(sent) == 1
    return sent[0]


def cell(source: str, outputs: list) -> nbformat.NotebookNode:
    made = nbformat.v4.new_code_cell(source, outputs=outputs)
    made.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "hidden", "points": 2}
    return made


def ran(record_: dict | None, awaiting: bool = True) -> list:
    outputs = [] if record_ is None else [nbformat.v4.new_output("display_data", data={MIME_TYPE: record_})]
    if awaiting:
        outputs.append(nbformat.v4.new_output("error", ename="AwaitingJudge", evalue="", traceback=[]))
    return outputs


SOURCE = ('### BEGIN HIDDEN TESTS\nfrom backprop_lab.hidden_tests import record\n\n'
          'record("relative_error", relative_error, seed=404)\n### END HIDDEN TESTS')


def judged(record_: dict | None, awaiting: bool = True) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=[cell(SOURCE, ran(record_, awaiting))])
    return Judge().preprocess(nb, {})[0].cells[0]


def test_a_right_answer_passes_and_leaves_no_output(monkeypatch: pytest.MonkeyPatch) -> None:
    assert judged(recorded(monkeypatch, "relative_error", solutions.relative_error, seed=404)).outputs == []


def test_a_wrong_answer_fails_with_the_checks_message(monkeypatch: pytest.MonkeyPatch) -> None:
    absolute = recorded(monkeypatch, "relative_error", lambda a, b: abs(a - b), seed=404)
    [error] = judged(absolute).outputs
    assert error.output_type == "error" and "absolute error |a − b|" in error.evalue


def test_a_lying_float_scores_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    [error] = judged(recorded(monkeypatch, "relative_error", lambda a, b: LyingFloat(0.0), seed=404)).outputs
    assert "a LyingFloat (a subclass of float)" in error.evalue


@pytest.mark.parametrize(("outputs", "message"), [
    ([], "No results were recorded"),
    ([{"check": "relative_error", "options": {"seed": 404}, "results": []}] * 2, "2 sets of results"),
    ([{"check": "relative_error", "options": {"seed": 1}, "results": []}], "belong to another test"),
    ([{"check": "relative_error", "options": {"seed": 404}, "results": [{"value": 0.0}]}], "unreadable"),
])
def test_missing_doubled_and_forged_records_fail(outputs: list, message: str) -> None:
    test = hidden_test(SOURCE)
    assert message in verdict(test, outputs)


def test_without_the_awaiting_error_even_a_right_record_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    right = recorded(monkeypatch, "relative_error", solutions.relative_error, seed=404)
    [error] = judged(right, awaiting=False).outputs
    assert "did not finish as written" in error.evalue


def test_graded_without_the_judge_a_hidden_test_cell_scores_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    right = recorded(monkeypatch, "relative_error", solutions.relative_error, seed=404)
    assert determine_grade(cell(SOURCE, ran(right))) == (0, 2.0)


def test_a_transformed_cell_that_ran_nothing_scores_zero() -> None:
    [error] = judged(None, awaiting=False).outputs
    assert "No results were recorded" in error.evalue


def test_the_cells_options_come_from_its_trusted_source() -> None:
    test = hidden_test('record("backward", exp_backward, seed=501, op="exp")')
    assert (test.check, test.answer, test.options) == ("backward", "exp_backward", {"seed": 501, "op": "exp"})
    assert hidden_test("check_box(Square, 3.0, d_out=1.0, forward=9.0, backward=6.0)") is None


KERNEL_SIDE = """
import sys
import numpy as np
from backprop_lab.graph_cases import PlainNode
from backprop_lab.hidden_tests import AwaitingJudge, record
from backprop_lab import recording

recording.display = lambda data, raw: None

class Tensor:
    def __init__(self, data, parents=(), backward_fn=None, op="", requires_grad=False):
        self.data = np.asarray(data, dtype=float)

anything = lambda *args, **kwargs: 0.0
runs = [("difference", dict(seed=1, rule="central")), ("relative_error", dict(seed=1)),
        ("order_of_accuracy", dict(seed=1)), ("box", dict(seed=1, reference="Div")),
        ("chain_forward", dict(seed=1)), ("chain_backward", dict(seed=1)), ("local_derivatives", dict(seed=1)),
        ("h_forward", dict(seed=1)), ("h_backward", dict(seed=1, namespace={})),
        ("topological_sort", dict(seed=1, node=PlainNode)), ("backpropagate", dict(seed=1, node=PlainNode)),
        ("backward", dict(seed=1, op="sum")), ("tensor_grad_check", dict(seed=1, tensor=Tensor))]
for check, options in runs:
    try:
        record(check, anything, **options)
    except AwaitingJudge:
        pass
print(sorted(name for name in sys.modules if name.split(".")[0] in ("solutions", "autograder")))
"""


def test_no_hidden_test_code_path_in_the_kernel_imports_the_answer_key_or_the_grader() -> None:
    done = subprocess.run([sys.executable, "-c", KERNEL_SIDE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_deep_chain_order_is_recorded_compactly() -> None:
    from backprop_lab.graph_cases import DEEP_CHAIN, chain, order_record, reachable
    from solutions import Scalar

    root = chain(Scalar, DEEP_CHAIN)
    assert len(order_record(lambda r: reachable(r), root)["order"]) < 10_000
    assert math.isfinite(root.value)
