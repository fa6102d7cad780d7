"""Notebook 02 (chain rule): it runs within Binder's limits, and nbgrader grades it as it should.

The right and wrong submissions are data (course/variants/02_chain_rule.yml), built from the source
notebook; the box and chain checks the test cells call are tested directly below.
"""

from __future__ import annotations

import contextlib
import io
import math
import traceback
import warnings

from hypothesis import given, settings, strategies as st
import matplotlib

matplotlib.use("Agg")  # the notebooks' figures are drawn, never shown, when they run in this process
import matplotlib.pyplot as plt  # noqa: E402
import nbformat
import numpy as np
import pytest

from autograder.checks import (
    check_box,
    check_box_against,
    check_chain_backward,
    check_chain_backward_against,
    check_chain_forward_against,
)
from autograder.variants import Variant, apply_variant, load_variants
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
    nbgrader_meta,
    source_notebook,
)
from solutions import boxes

ASSIGNMENT = "02_chain_rule"
VARIANTS = load_variants(ASSIGNMENT, COURSE)
SOURCE = nbformat.read(source_notebook(ASSIGNMENT), as_version=4)
TEST_IDS = autograded_test_ids(SOURCE)


def run_in_process(notebook: nbformat.NotebookNode, variant: Variant | None = None) -> GradedSubmission:
    """Grade a notebook (with `variant` applied) the way nbgrader scores it, without a kernel per run.

    Code cells run in order in one fresh namespace; a test cell earns its points unless it raises or
    writes to stderr, nbgrader's two failures. Kernel start-up is most of an autograde's time, so the
    many variants go this way while the source and the blank release go through nbgrader itself.
    """
    if variant is not None:
        notebook = apply_variant(notebook, variant)
    namespace: dict = {"__name__": "__main__"}
    graded = GradedSubmission(Submission(variant.name if variant else "source", notebook, variant))
    try:
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            stderr = io.StringIO()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr), warnings.catch_warnings():
                warnings.simplefilter("default")
                try:
                    exec(compile(cell.source, "<cell>", "exec"), namespace)
                    error = ""
                except Exception:
                    error = traceback.format_exc()
            meta = nbgrader_meta(cell)
            if meta.get("grade") and not meta.get("solution"):
                failed = error + stderr.getvalue()
                graded.max_scores[meta["grade_id"]] = float(meta["points"])
                graded.scores[meta["grade_id"]] = 0.0 if failed else float(meta["points"])
                if failed:
                    graded.errors[meta["grade_id"]] = failed
    finally:
        plt.close("all")
    return graded


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
    """The fast path below, which grades the variants, gives the source full marks as nbgrader does."""
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

def square_box(number_type):
    """A right Square box whose numbers come out as `number_type` (float, numpy scalar, 0-d array)."""

    class Square:
        def __init__(self, x):
            self.x = x

        def forward(self):
            return number_type(self.x**2)

        def backward(self, d_out):
            return number_type(2 * self.x * d_out)

    return Square


@pytest.mark.parametrize("number_type", [float, np.float64, np.float32, np.array], ids=lambda t: t.__name__)
def test_a_right_box_passes_whatever_number_type_it_returns(number_type) -> None:
    check_box_against(square_box(number_type), boxes.Square, seed=5, rtol=1e-6, atol=1e-5)


class BoxG:
    """The seeds' bug, named as in the notebook: g(x) = x², but its slope is the slope of sin."""

    def __init__(self, x):
        self.x = x

    def forward(self):
        return self.x**2

    def backward(self, d_out):
        return math.cos(self.x) * d_out


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6))
def test_the_hidden_check_catches_the_wrong_function_whatever_the_seed(seed: int) -> None:
    with pytest.raises(AssertionError, match="differentiating the wrong function"):
        check_box_against(BoxG, boxes.Square, seed=seed)


def test_one_point_where_the_slopes_meet_cannot_catch_it() -> None:
    x_star = 0.4501836112948735  # cos x = 2x
    check_box(BoxG, x_star, d_out=1.0, forward=x_star**2, backward=2 * x_star)


def recursive_chain_backward(chain, x, d_out=1.0):
    if len(chain) == 0:
        return d_out
    first = chain[0](x)
    return first.backward(recursive_chain_backward(chain[1:], first.forward(), d_out))


def reversed_chain_forward(chain, x):
    for box_class in reversed(chain):
        x = box_class(x).forward()
    return x


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6))
def test_the_hidden_chain_checks_accept_another_algorithm_and_reject_the_wrong_order(seed: int) -> None:
    check_chain_backward_against(recursive_chain_backward, boxes, seed=seed)
    with pytest.raises(AssertionError, match="the wrong order"):
        check_chain_forward_against(reversed_chain_forward, boxes, seed=seed)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([boxes.Square, boxes.Sine, boxes.Exp, boxes.Tanh]), max_size=4), st.floats(-1, 1))
def test_the_chain_check_expects_what_a_central_difference_measures(chain, x) -> None:
    def whole(t):
        for box_class in chain:
            t = box_class(t).forward()
        return t

    measured = (whole(x + 1e-6) - whole(x - 1e-6)) / 2e-6
    check_chain_backward(recursive_chain_backward, chain, x, 2.0, expected=2 * measured)
