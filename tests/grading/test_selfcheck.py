"""selfcheck fails an assignment whose graders were never tried on right and wrong answers,
and its progress bar says what it grades."""

from __future__ import annotations

from pathlib import Path

import pytest

import autograder_fixture as fx
from autograder.cli import main

pytestmark = pytest.mark.slow


def test_a_missing_variants_file_is_a_failure_with_its_own_line(demo_course: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture) -> None:
    root = fx.copy_course(demo_course, tmp_path / "course")
    assert not (root / "variants").exists()
    assert main(["--course", str(root), "selfcheck", fx.ASSIGNMENT, "--workers", "1"]) == 1
    out, err = capsys.readouterr()
    assert f"selfcheck {fx.ASSIGNMENT}: the source, the blank release and each variant" in err, "no learner submitted"
    assert "2/2" in err and "check" in err and "submission" not in err and "not_graded=0" in err
    assert f"FAIL {fx.ASSIGNMENT}: no variants checked: " in out and "no variants file" in out
    assert "selfcheck: 1 failures" in out
    assert f"ok   {fx.ASSIGNMENT}: source" in out and f"ok   {fx.ASSIGNMENT}: blank" in out
