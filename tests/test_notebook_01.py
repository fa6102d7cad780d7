"""Notebook 01 (central differences): it runs within mybinder's limits, and nbgrader grades it as intended."""

from __future__ import annotations

import nbformat
import pytest

from autograder.variants import load_variants
from course_grading import (
    COURSE,
    assert_caught,
    assert_full_marks,
    assert_zero,
    autograded_test_ids,
    execute_notebook,
    graded_variant,
    source_notebook,
)

ASSIGNMENT = "01_central_difference"
VARIANTS = load_variants(ASSIGNMENT, COURSE)
TEST_IDS = autograded_test_ids(nbformat.read(source_notebook(ASSIGNMENT), as_version=4))

pytestmark = pytest.mark.slow


def test_source_runs_top_to_bottom_within_limits() -> None:
    run = execute_notebook(source_notebook(ASSIGNMENT), timeout=30)
    assert run.seconds < 30, f"took {run.seconds:.1f} s"
    assert run.peak_rss_bytes < 2**30, f"kernel peaked at {run.peak_rss_bytes / 2**20:.0f} MiB"


def test_variants_cover_the_mistakes() -> None:
    assert len(VARIANTS.right) >= 2 and len(VARIANTS.wrong) >= 6
    assert len(TEST_IDS) == 8


def test_source_scores_full_marks(graded) -> None:
    assert_full_marks(graded(ASSIGNMENT)["source"], TEST_IDS)


def test_blank_release_scores_zero(graded) -> None:
    assert_zero(graded(ASSIGNMENT)["blank"], TEST_IDS)


@pytest.mark.parametrize("variant", VARIANTS.right, ids=lambda v: v.name)
def test_right_variant_scores_full_marks(graded, variant) -> None:
    assert_full_marks(graded_variant(graded(ASSIGNMENT), variant), TEST_IDS)


@pytest.mark.parametrize("variant", VARIANTS.wrong, ids=lambda v: v.name)
def test_wrong_variant_loses_points_with_a_named_mistake(graded, variant) -> None:
    assert_caught(graded_variant(graded(ASSIGNMENT), variant), variant)
