"""Every assignment's notebook: it runs within Binder's memory, and nbgrader grades it as labelled.

The right and wrong submissions are data (course/variants/<assignment>.yml) applied to the source
notebook. Each assignment's source runs once in a fresh kernel, and nbgrader autogrades its whole
batch once, in a worker process per core (the session fixtures `graded_assignments`, `graded`).
The checks behind each notebook's test cells are tested in test_notebook_0N.py.
"""

from __future__ import annotations

import nbformat
import pytest

from autograder.variants import load_variants
from course_grading import (
    COURSE,
    GradingPool,
    assert_caught,
    assert_full_marks,
    assert_zero,
    assignments,
    autograded_test_ids,
    graded_variant,
    source_notebook,
)

pytestmark = pytest.mark.slow

ASSIGNMENTS = assignments()
VARIANTS = {a: load_variants(a, COURSE) for a in ASSIGNMENTS}
TEST_IDS = {a: autograded_test_ids(nbformat.read(source_notebook(a), as_version=4)) for a in ASSIGNMENTS}


def variant_cases(kind: str) -> list:
    """(assignment, variant) pairs of one kind, with readable test ids."""
    return [
        pytest.param(a, v, id=f"{a}: {v.name}")
        for a in ASSIGNMENTS
        for v in getattr(VARIANTS[a], kind)
    ]


def test_every_assignment_of_the_course_is_here() -> None:
    expected = ["01_central_difference", "02_chain_rule", "03_backprop", "04_topological_sort", "05_tensors_gpu"]
    assert ASSIGNMENTS[: len(expected)] == expected


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_runs_within_binder_memory(graded_assignments: GradingPool, assignment: str) -> None:
    """Binder's 1 GB; its 30 s budget is a clock, measured by benchmarks/notebooks.py instead."""
    run = graded_assignments.result(assignment).source_run
    assert run.peak_rss_bytes < 1 << 30, f"the kernel peaked at {run.peak_rss_bytes / 2**20:.0f} MiB"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_variants_cover_the_issue(assignment: str) -> None:
    variants = VARIANTS[assignment]
    assert len(variants.right) >= 2 and len(variants.wrong) >= 6
    messages = [v.message for v in variants.wrong]
    assert len(set(messages)) == len(messages), "each wrong variant names its own mistake"
    for variant in variants.wrong:
        assert set(variant.fails) <= set(TEST_IDS[assignment]), variant.name


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_scores_full_marks(graded, assignment: str) -> None:
    assert_full_marks(graded(assignment)["source"], TEST_IDS[assignment])


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_release_scores_zero(graded, assignment: str) -> None:
    assert_zero(graded(assignment)["blank"], TEST_IDS[assignment])


@pytest.mark.parametrize("assignment, variant", variant_cases("right"))
def test_right_submission_scores_full_marks(graded, assignment: str, variant) -> None:
    assert_full_marks(graded_variant(graded(assignment), variant), TEST_IDS[assignment])


@pytest.mark.parametrize("assignment, variant", variant_cases("wrong"))
def test_wrong_submission_is_caught_and_named(graded, assignment: str, variant) -> None:
    assert_caught(graded_variant(graded(assignment), variant), variant)
