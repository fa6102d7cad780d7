"""Hidden tests of notebooks 01–03 hold each answer to its docstring's word: recorded in the kernel's way,
judged by the grader's judge, with the contract's edge accepted and its breach named.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import solutions
from autograder.judge import hidden_test, verdict
from autograder.checks.notebook_02 import reference_chain_backward
from backprop_lab.hidden_tests import AwaitingJudge, record
from backprop_lab.recording import MIME_TYPE


def judged(monkeypatch: pytest.MonkeyPatch, line: str, answer, **options) -> str | None:
    """The judge's verdict on `answer` for the hidden test cell whose record call is `line`."""
    sent = []
    monkeypatch.setattr("backprop_lab.recording.display", lambda data, raw: sent.append(data[MIME_TYPE]))
    test = hidden_test(f"### BEGIN HIDDEN TESTS\n{line}\n### END HIDDEN TESTS")
    with pytest.raises(AwaitingJudge):
        record(test.check, answer, **test.options, **options)
    return verdict(test, sent)


# --- 01: "Returns a number", the floor of relative_error, two measurements, arguments left as they were --

def one_item_tuple(f, *vals, arg=0, epsilon=1e-6):
    return (solutions.central_difference(f, *vals, arg=arg, epsilon=epsilon),)


def test_a_difference_rule_returning_a_one_item_tuple_is_not_a_number(monkeypatch) -> None:
    message = judged(monkeypatch, 'record("difference", central_difference, seed=202, rule="central")', one_item_tuple)
    assert "NotANumber" in message and "returns a number" in message


def test_a_difference_rule_returning_a_numpy_scalar_passes(monkeypatch) -> None:
    def numpy_scalar(f, *vals, arg=0, epsilon=1e-6):
        return np.float64(solutions.central_difference(f, *vals, arg=arg, epsilon=epsilon))

    line = 'record("difference", central_difference, seed=202, rule="central")'
    assert judged(monkeypatch, line, numpy_scalar) is None


@pytest.mark.parametrize(("answer", "named"), [
    (lambda a, b: abs(a - b) / max(abs(a), abs(b), 1e-10), "the floor 1e-12 is the denominator"),
    (lambda a, b: abs(a - b) / (max(abs(a), abs(b)) + 1e-12), "the floor is added to the denominator"),
    (lambda a, b: abs(a - b) / (max(abs(a), abs(b)) or 1e-12), "the floor 1e-12 is the denominator"),
])
def test_relative_error_is_held_to_its_floor(monkeypatch, answer, named) -> None:
    assert named in judged(monkeypatch, 'record("relative_error", relative_error, seed=404)', answer)


def test_a_floor_written_as_a_comparison_passes(monkeypatch) -> None:
    def compared(a, b):
        size = max(abs(a), abs(b))
        return abs(b - a) / (size if size >= 1e-12 else 1e-12)

    assert judged(monkeypatch, 'record("relative_error", relative_error, seed=404)', compared) is None


def test_order_of_accuracy_must_work_from_two_measurements(monkeypatch) -> None:
    def skips_the_first(epsilons, errors):
        return math.log(errors[-1] / errors[1]) / math.log(epsilons[-1] / epsilons[1])

    message = judged(monkeypatch, 'record("order_of_accuracy", order_of_accuracy, seed=303)', skips_the_first)
    assert "ZeroDivisionError" in message and "the fewest the docstring allows" in message


def test_order_of_accuracy_must_leave_its_arguments_as_they_were(monkeypatch) -> None:
    def logs_in_place(epsilons, errors):
        x, y = np.asarray(epsilons, dtype=float), np.asarray(errors, dtype=float)
        np.log(x, out=x)
        np.log(y, out=y)
        return float(np.polyfit(x, y, 1)[0])

    message = judged(monkeypatch, 'record("order_of_accuracy", order_of_accuracy, seed=303)', logs_in_place)
    assert "ArgumentChanged" in message and "changed its first argument" in message


def test_order_of_accuracy_on_a_copy_passes(monkeypatch) -> None:
    def sorts_a_copy(epsilons, errors):
        pairs = sorted(zip(epsilons, errors))
        return solutions.order_of_accuracy([e for e, _ in pairs], [r for _, r in pairs])

    assert judged(monkeypatch, 'record("order_of_accuracy", order_of_accuracy, seed=303)', sorts_a_copy) is None


# --- 02 and 03: a box keeps its input; chain_backward runs the boxes; the error names the known ops --------

class SquareOverwritingItsInput:
    def __init__(self, x):
        self.x = x

    def forward(self):
        self.x = self.x * self.x
        return self.x

    def backward(self, d_out):
        return 2 * self.x * d_out


class SquareKeepingItsOutput(SquareOverwritingItsInput):
    def forward(self):
        self.out = self.x * self.x
        return self.out


def test_a_box_whose_forward_overwrites_its_input_fails(monkeypatch) -> None:
    message = judged(monkeypatch, 'record("box", Square, seed=21, reference="Square")', SquareOverwritingItsInput)
    assert "box.forward(); box.backward(" in message and "forward() changed what the box keeps" in message


def test_a_box_that_keeps_its_output_besides_its_input_passes(monkeypatch) -> None:
    assert judged(monkeypatch, 'record("box", Square, seed=21, reference="Square")', SquareKeepingItsOutput) is None


def measured_chain_backward(boxes, x, d_out=1.0):
    def whole(t):
        for box_class in boxes:
            t = box_class(t).forward()
        return t

    return solutions.central_difference(whole, x) * d_out


def product_of_local_derivatives(boxes, x, d_out=1.0):
    inputs = []
    for box_class in boxes:
        inputs.append(x)
        x = box_class(x).forward()
    return math.prod(box_class(seen).backward(1.0) for box_class, seen in zip(boxes, inputs)) * d_out


def test_chain_backward_measured_on_the_whole_chain_fails(monkeypatch) -> None:
    message = judged(monkeypatch, 'record("chain_backward", chain_backward, seed=24)', measured_chain_backward)
    assert "gives the right number, but the backward of" in message and "never ran" in message


# The grader's own reference is a right answer: build the boxes forward, walk them back.
@pytest.mark.parametrize("answer", [reference_chain_backward, product_of_local_derivatives])
def test_chain_backward_through_every_box_passes(monkeypatch, answer) -> None:
    assert judged(monkeypatch, 'record("chain_backward", chain_backward, seed=24)', answer) is None


def test_a_forged_chain_backward_record_is_unreadable() -> None:
    test = hidden_test('record("chain_backward", chain_backward, seed=24)')
    forged = {"check": "chain_backward", "options": {"seed": 24}, "results": [{"result": {"value": 1.0}}] * 10}
    assert "unreadable" in verdict(test, [forged])


def test_the_unknown_op_error_must_name_the_known_ones(monkeypatch) -> None:
    def terse(op, x1, x2):
        if op in ("add", "mul", "div"):
            return solutions.boxes.__dict__[op.capitalize()](x1, x2).derivatives()
        raise ValueError("unknown operation")

    message = judged(monkeypatch, 'record("local_derivatives", local_derivatives, seed=33)', terse)
    assert "does not name 'add', 'mul', 'div'" in message


def test_a_chain_forward_that_empties_the_list_it_is_handed_fails_on_the_tuple_chains(monkeypatch) -> None:
    def popping(boxes, x):
        while boxes:
            x = boxes.pop(0)(x).forward()
        return x

    assert "has no attribute 'pop'" in judged(monkeypatch, 'record("chain_forward", chain_forward, seed=23)', popping)
