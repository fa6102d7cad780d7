"""The commands that need no graded batch: collect, release, selfcheck, and --help everywhere."""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
import zipfile
from pathlib import Path
from typing import Iterator

import nbformat
import pytest
from distributed import LocalCluster

import autograder_fixture as fx
from grading_oracle import gradebook_scores, nbgrader_scores
from autograder.cli import COMMANDS, main
from autograder.collect import collect
from autograder.course import CourseError, open_course
from autograder.release import leaks, release
from autograder.sandbox import network_isolation_available

pytestmark = pytest.mark.slow
FULL = {"test_square": 1.0, "test_square_hidden": 2.0, "test_cube": 1.0}

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
def course_root(demo_course: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fx.copy_course(demo_course, tmp_path_factory.mktemp("commands") / "course")


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
    (course_root / "variants").mkdir(exist_ok=True)
    (course_root / "variants" / f"{fx.ASSIGNMENT}.yml").write_text(VARIANTS)
    assert main(["--course", str(course_root), "selfcheck", fx.ASSIGNMENT, "--workers", "1"]) == 1
    out = capsys.readouterr().out
    assert f"FAIL {fx.ASSIGNMENT}: wrong-mislabelled-on-purpose" in out
    assert "test_cube did not fail (wrong variant 'mislabelled on purpose')" in out
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


# --- Every option of `grade`, through the real entry point, and what each one changes -------------

SQUARE = fx._solution(fx.SQUARE)
OPTION_BATCH = {  # student -> the square cell; every other cell as in a correct submission
    "correct": SQUARE,
    "wrong": fx.WRONG_SQUARE,
    "sleepy": f"import time\ntime.sleep(12)\n\n{SQUARE}",
    "hog": f"hog = bytearray(800 * 1024**2)\n\n{SQUARE}",
    "printer": f"print('p' * 5000)\n\n{SQUARE}",
    # Right, but built with eval: flagged by the static checks, with nothing for the kernel check to catch.
    "flagged": "def square(x):\n    return eval('x * x')",
    "net": "import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3).close()\n"
           "    print('network: reached')\nexcept OSError:\n    print('network: blocked')\n\n" + SQUARE,
}
HONEST = {"correct", "wrong"}


def cell_text(root: Path, student: str) -> str:
    return open_course(root).autograded_notebook(student, fx.ASSIGNMENT, fx.NOTEBOOK).read_text()


def student_scores(root: Path, student: str) -> dict[str, float]:
    return {g: s for (_, g), s in gradebook_scores(root, {student}).items()}


@pytest.fixture(scope="module")
def listener() -> Iterator[int]:
    """A loopback port the grader's host listens on: a kernel with network reaches it."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


@pytest.fixture(scope="module")
def options_root(demo_course: Path, tmp_path_factory: pytest.TempPathFactory, listener: int) -> Path:
    root = fx.copy_course(demo_course, tmp_path_factory.mktemp("options") / "course")
    for student, square in OPTION_BATCH.items():
        fx.submit(root, student, fx.answered(root, square=square.replace("{port}", str(listener))))
    return root


@pytest.fixture(scope="module")
def options_oracle(options_root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return nbgrader_scores(options_root, HONEST, tmp_path_factory.mktemp("options-oracle"))


@pytest.fixture(scope="module")
def strict_run(options_root: Path, options_oracle: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tight limits: --workers 1 --cell-timeout 8 --memory-mb 768 --output-kb 1 (network cut by default)."""
    code = main(["--course", str(options_root), "grade", fx.ASSIGNMENT, "--workers", "1", "--cell-timeout", "8",
                 "--memory-mb", "768", "--output-kb", "1"])
    assert code == 0
    assert gradebook_scores(options_root, HONEST) == options_oracle
    return Path(shutil.copytree(options_root, tmp_path_factory.mktemp("strict") / "course"))


@pytest.fixture(scope="module")
def loose_run(strict_run: Path, options_oracle: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Defaults again, and --force --workers 2 --allow-network --zero-flagged."""
    root = Path(shutil.copytree(strict_run, tmp_path_factory.mktemp("loose") / "course"))
    assert main(["--course", str(root), "grade", fx.ASSIGNMENT, "--force", "--workers", "2", "--allow-network",
                 "--zero-flagged"]) == 0
    assert gradebook_scores(root, HONEST) == options_oracle
    return root


def test_cell_timeout_stops_a_slow_cell(strict_run: Path, loose_run: Path) -> None:
    assert student_scores(strict_run, "sleepy") == {"test_square": 0.0, "test_square_hidden": 0.0, "test_cube": 1.0}
    assert student_scores(loose_run, "sleepy") == FULL


def test_memory_mb_limits_each_kernel(strict_run: Path, loose_run: Path) -> None:
    assert student_scores(strict_run, "hog")["test_square"] == 0.0 and "MemoryError" in cell_text(strict_run, "hog")
    assert student_scores(loose_run, "hog") == FULL


def test_output_kb_caps_what_a_cell_keeps(strict_run: Path, loose_run: Path) -> None:
    assert "[output cut: this cell sent more than 1024 bytes" in cell_text(strict_run, "printer")
    assert "p" * 5000 in cell_text(loose_run, "printer") and "[output cut" not in cell_text(loose_run, "printer")
    assert student_scores(strict_run, "printer") == FULL


def test_allow_network_lets_a_kernel_reach_the_host(strict_run: Path, loose_run: Path) -> None:
    expected = "blocked" if network_isolation_available() else "reached"
    assert f"network: {expected}" in cell_text(strict_run, "net")
    assert "network: reached" in cell_text(loose_run, "net")


def test_zero_flagged_zeroes_the_flagged_submission_only(strict_run: Path, loose_run: Path) -> None:
    assert student_scores(strict_run, "flagged") == FULL  # flagged, score kept
    assert set(student_scores(loose_run, "flagged").values()) == {0.0}
    assert student_scores(loose_run, "correct") == FULL


def test_without_force_an_up_to_date_batch_is_skipped(loose_run: Path, capsys: pytest.CaptureFixture) -> None:
    capsys.readouterr()
    assert main(["--course", str(loose_run), "grade", fx.ASSIGNMENT, "--workers", "2", "--allow-network",
                 "--zero-flagged"]) == 0
    assert capsys.readouterr().out.startswith(f"graded 0, skipped {len(OPTION_BATCH)} up to date")


def test_feedback_for_one_student(loose_run: Path) -> None:
    assert main(["--course", str(loose_run), "feedback", fx.ASSIGNMENT, "--student", "correct"]) == 0
    assert [p.parts[-3] for p in (loose_run / "feedback").glob(f"*/{fx.ASSIGNMENT}/*.html")] == ["correct"]


def test_notebook_timeout_and_scheduler(options_root: Path, tmp_path: Path, options_oracle: dict) -> None:
    """--notebook-timeout stops the notebook mid-way; --scheduler runs it on a dask cluster."""
    root = Path(shutil.copytree(options_root, tmp_path / "course", ignore=shutil.ignore_patterns("autograded", ".autograder")))
    for folder in (root / "submitted").iterdir():
        if folder.name not in HONEST | {"sleepy"}:
            shutil.rmtree(folder)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        code = main(["--course", str(root), "grade", fx.ASSIGNMENT, "--notebook-timeout", "6",
                     "--scheduler", cluster.scheduler_address])
    assert code == 0
    assert gradebook_scores(root, HONEST) == options_oracle
    assert set(student_scores(root, "sleepy").values()) == {0.0}
    assert "not run: the notebook used its 6 s budget" in cell_text(root, "sleepy")


def test_release_through_the_command(course_root: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["--course", str(course_root), "release", fx.ASSIGNMENT]) == 0
    assert capsys.readouterr().out.strip() == "release: every student version is free of solutions and hidden tests"


def test_learners_data_the_commands_write_is_git_ignored() -> None:
    """The README promises an instructor's `git add -A` never commits grades: `nbgrader export` and ours included."""
    repo = Path(__file__).resolve().parents[2]
    written = ["course/gradebook.db", "course/submitted/jsmith/01_a/a.ipynb", "course/autograded/jsmith/01_a/a.ipynb",
               "course/feedback/jsmith/01_a/a.html", "course/reports/report-01_a.html", "course/grades.csv",
               "grades.csv", "course/.autograder/records/01_a/jsmith.json"]
    ignored = subprocess.run(["git", "check-ignore", *written], cwd=repo, capture_output=True, text=True)
    assert ignored.stdout.split() == written
