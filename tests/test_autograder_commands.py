"""The commands that need no graded batch: collect, release, selfcheck, and --help everywhere."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import nbformat
import pytest

import autograder_fixture as fx
from autograder.cli import COMMANDS, main
from autograder.collect import collect
from autograder.course import CourseError, open_course
from autograder.release import leaks, release

pytestmark = pytest.mark.slow

VARIANTS = """right:
  - name: power operator
    cells:
      square: |
        def square(x):
            return x ** 2
wrong:
  - name: doubles instead of squaring
    cells:
      square: |
        def square(x):
            return x * 2
    fails: [test_square, test_square_hidden]
    message: "square("
  - name: mislabelled on purpose
    cells:
      cube: |
        def cube(x):
            return x ** 3
    fails: [test_cube]
    message: cube
"""


@pytest.fixture(scope="module")
def course_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fx.build_course(tmp_path_factory.mktemp("commands") / "course")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(name: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([name, "--help"])
    assert exit_.value.code == 0
    assert f"usage: autograder {name}" in capsys.readouterr().out


def test_not_a_course_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["--course", str(tmp_path), "export"]) == 2
    assert "is not an nbgrader course directory" in capsys.readouterr().err


def test_release_has_no_solution_or_hidden_test(course_root: Path) -> None:
    assert release(open_course(course_root), [fx.ASSIGNMENT]) == []
    text = (course_root / "release" / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.ipynb").read_text()
    assert "return x * x" not in text and fx.HIDDEN_LINE not in text and "raise NotImplementedError()" in text


def test_release_check_catches_a_planted_leak(course_root: Path) -> None:
    course = open_course(course_root)
    student = fx.release_notebook(course_root)
    student.cells[-1].source += "\nreturn x ** 3"
    found = leaks(course.read_notebook("source", fx.ASSIGNMENT, fx.NOTEBOOK), student)
    assert found == ["test_cube shows solution or hidden-test code: 'return x ** 3'"]


def test_collect_places_each_platform_naming_and_reports_the_rest(course_root: Path, tmp_path: Path) -> None:
    notebook = nbformat.writes(fx.answered(course_root))
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w") as z:
        z.writestr("smithjane_12345_678901_demo.ipynb", notebook)                        # Canvas
        z.writestr("leeal_late_22222_333333_demo.ipynb", notebook)                       # Canvas, late
        z.writestr("Ana Ruiz_40404_assignsubmission_file_/demo.ipynb", notebook)          # Moodle
        z.writestr("Powers_bkim_attempt_2026-11-20-09-30-00_demo.ipynb", notebook)        # Blackboard
        z.writestr("Powers_bkim_attempt_2026-11-20-09-30-00.txt", "Name: B Kim")          # Blackboard receipt
        z.writestr("notes.ipynb", notebook)                                              # no id
        z.writestr("twin_1_2_demo.ipynb", notebook)                                      # two files, one id
        z.writestr("twin_1_3_demo-1.ipynb", notebook)
    before = digest(download)
    report = collect(open_course(course_root), download, fx.ASSIGNMENT)
    assert digest(download) == before
    assert sorted(report.placed) == ["40404", "bkim", "leeal", "smithjane"]
    unplaced = dict(report.unplaced)
    assert unplaced["notes.ipynb"] == "no student id in its name (see --pattern)"
    assert unplaced["Powers_bkim_attempt_2026-11-20-09-30-00.txt"] == "not a notebook (.ipynb)"
    assert "student twin has 2 notebooks" in unplaced["twin_1_2_demo.ipynb"]
    placed = course_root / "submitted" / "bkim" / fx.ASSIGNMENT
    assert (placed / f"{fx.NOTEBOOK}.ipynb").read_text() == notebook
    assert (placed / "timestamp.txt").read_text() == "2026-11-20 09:30:00 UTC"


def test_collect_from_a_folder_with_a_custom_pattern(course_root: Path, tmp_path: Path) -> None:
    (tmp_path / "s1234567").mkdir()
    nbformat.write(fx.answered(course_root), tmp_path / "s1234567" / "homework.ipynb")
    report = collect(open_course(course_root), tmp_path, fx.ASSIGNMENT, pattern=r"(?P<student>s\d{7})/.*\.ipynb")
    assert list(report.placed) == ["s1234567"] and not report.unplaced
    with pytest.raises(CourseError, match="named group"):
        collect(open_course(course_root), tmp_path, fx.ASSIGNMENT, pattern=r"s\d+")


def test_selfcheck_passes_good_variants_and_catches_a_mislabelled_one(course_root: Path, capsys) -> None:
    from autograder.selfcheck import selfcheck

    (course_root / "variants").mkdir(exist_ok=True)
    (course_root / "variants" / f"{fx.ASSIGNMENT}.yml").write_text(VARIANTS)
    failures = selfcheck(open_course(course_root), [fx.ASSIGNMENT], workers=2)
    assert failures == [f"{fx.ASSIGNMENT}: wrong-mislabelled-on-purpose: test_cube did not fail "
                        "(wrong variant 'mislabelled on purpose')"]
    out = capsys.readouterr().out
    for student in ("source", "blank", "right-power-operator", "wrong-doubles-instead-of-squaring"):
        assert f"ok   {fx.ASSIGNMENT}: {student}" in out


def test_report_groups_failures_by_what_the_message_names() -> None:
    from autograder.report import mistake

    first = mistake("AssertionError", "f(2.0)\n  expected: 12.0\n  got: 12.006\n  Likely mistake: forward difference.")
    second = mistake("AssertionError", "f(1.5)\n  expected: 6.75\n  got: 6.8\n  Likely mistake: forward difference.")
    assert first == second == ("likely mistake", "forward difference")
    assert mistake("AssertionError", "g(1)\n  Likely mistake, one of:\n    - a\n    - b") == ("likely mistake", "a; b")
    blank = "f(2.0)\n  got: NotImplementedError\n  Not written yet: replace `raise NotImplementedError()` with your code."
    assert mistake("AssertionError", blank)[0] == mistake("NotImplementedError", "")[0] == "not written yet"
    assert mistake("CellTimeoutError", "A cell timed out after 20 s")[0] == "timeout"
    assert mistake("DeadKernelError", "Kernel died")[0] == "crash"
    assert mistake("AssertionError", "square(-2.0) gave 4.5") == ("other failure", "AssertionError: square(#) gave #")