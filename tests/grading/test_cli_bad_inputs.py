"""Every sub-command, given bad input, ends with one line on stderr and exit code 2: never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import autograder_fixture as fx
from autograder.cli import main

pytestmark = pytest.mark.slow
HOSTNAME = "/etc/hostname"  # a file, so nothing can be created below it

BAD = {  # id -> (arguments after --course, what the one line must say)
    "no command": ([], "the following arguments are required: COMMAND"),
    "unknown command": (["frob"], "invalid choice: 'frob'"),
    "release unknown assignment": (["release", "nope"], "no assignment 'nope'"),
    "collect missing download": (["collect", "missing.zip", fx.ASSIGNMENT], "missing.zip does not exist"),
    "collect corrupt zip": (["collect", "{corrupt}", fx.ASSIGNMENT], "is not a readable zip archive"),
    "collect unknown assignment": (["collect", "{corrupt}", "nope"], "no assignment 'nope'"),
    "collect bad pattern": (["collect", "{folder}", fx.ASSIGNMENT, "--pattern", "("], "not a valid regular expression"),
    "collect pattern without id": (["collect", "{folder}", fx.ASSIGNMENT, "--pattern", "x"], "needs a named group"),
    "collect file cap 0": (["collect", "{folder}", fx.ASSIGNMENT, "--max-file-mb", "0"], "must be an integer >= 1"),
    "collect archive cap text": (["collect", "{folder}", fx.ASSIGNMENT, "--max-archive-mb", "lots"],
                                 "'lots' is not an integer >= 1"),
    "grade unknown assignment": (["grade", "nope"], "no assignment 'nope'"),
    "grade no workers": (["grade", fx.ASSIGNMENT, "--workers", "0"], "must be an integer >= 1"),
    "grade notebook timeout 0": (["grade", fx.ASSIGNMENT, "--notebook-timeout", "0"], "must be an integer > 0"),
    "grade cell timeout negative": (["grade", fx.ASSIGNMENT, "--cell-timeout", "-3"], "must be an integer > 0"),
    "grade memory negative": (["grade", fx.ASSIGNMENT, "--memory-mb", "-5"], "must be an integer >= 64"),
    "grade memory too small": (["grade", fx.ASSIGNMENT, "--memory-mb", "63"], "must be an integer >= 64"),
    "grade output 0": (["grade", fx.ASSIGNMENT, "--output-kb", "0"], "must be an integer >= 1"),
    "grade gradebook wait negative": (["grade", fx.ASSIGNMENT, "--gradebook-wait", "-1"], "must be a number >= 0"),
    "feedback unknown assignment": (["feedback", "nope"], "no assignment 'nope'"),
    "feedback before grading": (["feedback", fx.ASSIGNMENT], f"no graded submission of {fx.ASSIGNMENT} yet"),
    "feedback unknown student": (["feedback", fx.ASSIGNMENT, "--student", "nobody"],
                                 f"no graded submission of {fx.ASSIGNMENT} for nobody"),
    "export under a file": (["export", "--to", f"{HOSTNAME}/grades.csv"], "check the path and its permissions"),
    "report unknown assignment": (["report", "nope"], "no assignment 'nope'"),
    "report under a file": (["report", fx.ASSIGNMENT, "--out", f"{HOSTNAME}/out"], "check the path and its permissions"),
    "selfcheck unknown assignment": (["selfcheck", "nope"], "no assignment 'nope'"),
    "selfcheck no workers": (["selfcheck", "--workers", "0"], "must be an integer >= 1"),
}


@pytest.fixture(scope="module")
def course_root(demo_course: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = fx.copy_course(demo_course, tmp_path_factory.mktemp("bad-inputs") / "course")
    (root.parent / "corrupt.zip").write_bytes(b"PK\x03\x04 this was cut off mid-download")
    (root.parent / "download").mkdir()
    return root


def arguments(course_root: Path, args: list[str]) -> list[str]:
    places = {"corrupt": str(course_root.parent / "corrupt.zip"), "folder": str(course_root.parent / "download")}
    return ["--course", str(course_root), *(a.format(**places) for a in args)]


def exit_code(argv: list[str]) -> int:
    """main's return value, or the code argparse exits with."""
    try:
        return main(argv)
    except SystemExit as leaving:
        return leaving.code


@pytest.mark.parametrize("args, says", BAD.values(), ids=BAD.keys())
def test_bad_input_is_one_line_and_exit_code_2(course_root: Path, args: list[str], says: str,
                                               capsys: pytest.CaptureFixture) -> None:
    code = exit_code(arguments(course_root, args))
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("autograder") and says in err, err


def test_not_a_course_through_the_installed_command(tmp_path: Path) -> None:
    command = Path(sys.executable).parent / "autograder"
    run = subprocess.run([str(command), "--course", str(tmp_path), "grade", fx.ASSIGNMENT, "--workers", "2"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip().splitlines() == [
        f"autograder grade: {tmp_path} is not an nbgrader course directory (no nbgrader_config.py); "
        "pass --course DIR pointing at the folder that holds it"]


def test_grade_before_collect_says_to_collect(course_root: Path, capsys: pytest.CaptureFixture) -> None:
    """Nothing to grade is not an error, but the summary must say where submissions go and how."""
    assert main(["--course", str(course_root), "grade", fx.ASSIGNMENT]) == 0
    assert f"run `autograder collect DOWNLOAD {fx.ASSIGNMENT}` first" in capsys.readouterr().out
