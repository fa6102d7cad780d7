"""Notebook 03 (backprop): it runs within Binder's limits, and nbgrader grades it as it should.

The right and wrong submissions are data (course/variants/03_backprop.yml), built from the source
notebook and graded in process as in test_notebook_02; the checks behind h_backward's test cells (recording boxes swapped into the notebook's
namespace) are tested directly below.
"""

from __future__ import annotations

import math

from hypothesis import given, settings, strategies as st
import nbformat
import numpy as np
import pytest

import solutions
from autograder.checks import check_box_against, check_h_backward, check_h_backward_against
from autograder.variants import load_variants
from course_grading import (
    COURSE,
    CourseWorkspace,
    GradedSubmission,
    Submission,
    assert_caught,
    assert_full_marks,
    assert_zero,
    autograded_test_ids,
    execute_notebook,
    source_notebook,
)
from solutions import boxes
from test_notebook_02 import run_in_process

ASSIGNMENT = "03_backprop"
VARIANTS = load_variants(ASSIGNMENT, COURSE)
SOURCE = nbformat.read(source_notebook(ASSIGNMENT), as_version=4)
TEST_IDS = autograded_test_ids(SOURCE)


@pytest.mark.slow
def test_source_runs_within_binder_limits() -> None:
    run = execute_notebook(source_notebook(ASSIGNMENT), timeout=30)
    assert run.seconds < 30, f"the notebook took {run.seconds:.1f} s"
    assert run.peak_rss_bytes < 1 << 30, f"the kernel peaked at {run.peak_rss_bytes / 2**20:.0f} MiB"


def test_variants_cover_the_issue() -> None:
    assert len(VARIANTS.right) >= 2 and len(VARIANTS.wrong) >= 6
    assert len({v.message for v in VARIANTS.wrong}) == len(VARIANTS.wrong), "each wrong variant names its own mistake"
    for variant in VARIANTS.wrong:
        assert set(variant.fails) <= set(TEST_IDS), variant.name


@pytest.fixture(scope="module")
def nbgrader_verdicts(course_workspace: CourseWorkspace) -> dict[str, GradedSubmission]:
    """The source notebook and the blank release, autograded by nbgrader itself."""
    blank = nbformat.read(course_workspace.release(ASSIGNMENT), as_version=4)
    return course_workspace.grade(ASSIGNMENT, [Submission("source", SOURCE), Submission("blank", blank)])


@pytest.mark.slow
def test_source_scores_full_marks(nbgrader_verdicts) -> None:
    assert_full_marks(nbgrader_verdicts["source"], TEST_IDS)


@pytest.mark.slow
def test_blank_release_scores_zero(nbgrader_verdicts) -> None:
    assert_zero(nbgrader_verdicts["blank"], TEST_IDS)


def test_in_process_runs_grade_the_source_like_nbgrader() -> None:
    assert_full_marks(run_in_process(SOURCE), TEST_IDS)


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS.right, ids=lambda v: v.name)
def test_right_submission_scores_full_marks(variant) -> None:
    assert_full_marks(run_in_process(SOURCE, variant), TEST_IDS)


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS.wrong, ids=lambda v: v.name)
def test_wrong_submission_is_caught_and_named(variant) -> None:
    assert_caught(run_in_process(SOURCE, variant), variant)


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


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6))
def test_backprop_through_the_boxes_passes_and_the_namespace_is_restored(seed: int) -> None:
    before = dict(NAMESPACE)
    check_h_backward_against(backprop_h, NAMESPACE, solutions, seed=seed)
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


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6))
def test_the_hidden_check_catches_the_quotient_rule_sign_whatever_the_seed(seed: int) -> None:
    with pytest.raises(AssertionError, match="a sign error in the quotient rule"):
        check_box_against(Div, boxes.Div, seed=seed)
