"""Notebook 03 (backprop): the checks behind its test cells, tested directly, among them h_backward's
(recording boxes swapped into the notebook's namespace).

Running the notebook and grading its right and wrong submissions is tests/course/test_notebooks.py's job.
"""

from __future__ import annotations

import math

from hypothesis import given, settings, strategies as st
import numpy as np
import pytest

import solutions
from autograder.checks.notebook_02 import check_box_against
from autograder.checks.notebook_03 import reference_h
from backprop_lab.cases import h_points
from backprop_lab.checks import check_h_backward
from solutions import boxes

# --- The checks themselves -----------------------------------------------------------------------

def notebook_namespace() -> dict:
    """What h_backward finds in a learner's notebook: the reference boxes under the notebook's names."""
    return {name: getattr(boxes, name) for name in ("Add", "Mul", "Log", "Exp")}


def backprop_h(x, y):
    """A right h_backward, looking its boxes up in the namespace below at call time."""
    ns = NAMESPACE
    mul = ns["Mul"](x, y)
    a = mul.forward()
    log, exp = ns["Log"](a), ns["Exp"](a)
    d_log, d_exp = ns["Add"](log.forward(), exp.forward()).backward(1.0)
    return mul.backward(log.backward(d_log) + exp.backward(d_exp))


def closed_form_h(x, y):
    return 1 / x + y * math.exp(x * y), 1 / y + x * math.exp(x * y)


NAMESPACE = notebook_namespace()


@settings(max_examples=20)
@given(st.integers(0, 10**6))
def test_backprop_through_the_boxes_passes_and_the_namespace_is_restored(seed: int) -> None:
    before = dict(NAMESPACE)
    for x, y in h_points(seed):
        check_h_backward(backprop_h, x, y, expected=reference_h(solutions, x, y)[1], namespace=NAMESPACE)
    assert NAMESPACE == before


def test_the_closed_form_gives_the_right_numbers_but_is_rejected() -> None:
    expected = closed_form_h(0.5, 1.5)
    check_h_backward(backprop_h, 0.5, 1.5, expected=expected, namespace=NAMESPACE)
    with pytest.raises(AssertionError, match="the closed-form formula"):
        check_h_backward(closed_form_h, 0.5, 1.5, expected=expected, namespace=NAMESPACE)


def test_a_learner_error_still_restores_the_notebooks_boxes() -> None:
    before = dict(NAMESPACE)

    def broken(x, y):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="Not written yet"):
        check_h_backward(broken, 0.5, 1.5, expected=(1.0, 1.0), namespace=NAMESPACE)
    assert NAMESPACE == before


def pair_box(reference, container):
    """A right two-input box that returns its pair as `container` (list, tuple, numpy array)."""

    class Box(reference):
        def backward(self, d_out):
            return container(reference.backward(self, d_out))

    Box.__name__ = reference.__name__
    return Box


@pytest.mark.parametrize("container", [list, tuple, np.array], ids=lambda c: c.__name__)
@pytest.mark.parametrize("reference", [boxes.Add, boxes.Mul, boxes.Div], ids=lambda r: r.__name__)
def test_a_right_pair_passes_in_any_container(reference, container) -> None:
    check_box_against(pair_box(reference, container), reference, seed=3)


class Div:
    """The quotient rule with its sign lost: −x/y² written as +x/y²."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def forward(self):
        return self.x / self.y

    def backward(self, d_out):
        return d_out / self.y, d_out * self.x / self.y**2


@settings(max_examples=40)
@given(st.integers(0, 10**6))
def test_the_hidden_check_catches_the_quotient_rule_sign_whatever_the_seed(seed: int) -> None:
    with pytest.raises(AssertionError, match="a sign error in the quotient rule"):
        check_box_against(Div, boxes.Div, seed=seed)
