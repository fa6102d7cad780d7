"""`collect` on hostile downloads: links out of the download, zip bombs, bad timestamps, corrupt archives.

Each download also holds honest submissions, which must be placed byte for byte and then graded
in full, while each refused entry is reported with its reason.
"""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import nbformat
import pytest

import autograder_fixture as fx
from autograder.cli import main
from autograder.collect import collect
from autograder.course import open_course
from grading_oracle import gradebook_scores

pytestmark = pytest.mark.slow
FULL = {"test_square": 1.0, "test_square_hidden": 2.0, "test_cube": 1.0}
MB = 1024**2


@pytest.fixture()
def course_root(demo_course: Path, tmp_path: Path) -> Path:
    return fx.copy_course(demo_course, tmp_path / "course")


def honest_text(root: Path) -> str:
    return nbformat.writes(fx.answered(root))


def padded(root: Path, megabytes: float) -> str:
    """A correct notebook padded with a long comment: compresses to almost nothing."""
    nb = fx.answered(root)
    nb.cells[-1].source += "\n# " + "0" * int(megabytes * MB)
    return nbformat.writes(nb)


def test_symbolic_links_are_never_followed(course_root: Path, tmp_path: Path) -> None:
    download = tmp_path / "download"
    download.mkdir()
    (download / "ana_1_2_demo.ipynb").write_text(honest_text(course_root))
    key = course_root / "source" / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.ipynb"
    (download / "thief_1_2_demo.ipynb").symlink_to(key)                       # a file link to the answer key
    (download / "Answers_9_assignsubmission_file_").symlink_to(key.parent)    # a folder link (Moodle-shaped)
    report = collect(open_course(course_root), download, fx.ASSIGNMENT)
    assert list(report.placed) == ["ana"]
    reason = "symbolic link: not followed (collect only reads files inside the download)"
    assert dict(report.unplaced) == {"thief_1_2_demo.ipynb": reason, "Answers_9_assignsubmission_file_": reason}
    assert not (course_root / "submitted" / "thief").exists() and not (course_root / "submitted" / "9").exists()
    assert main(["--course", str(course_root), "grade", fx.ASSIGNMENT, "--workers", "1"]) == 0
    assert {g: s for (_, g), s in gradebook_scores(course_root, {"ana"}).items()} == FULL


def test_a_symbolic_link_inside_a_zip_is_refused(course_root: Path, tmp_path: Path) -> None:
    download = tmp_path / "download.zip"
    link = zipfile.ZipInfo("thief_1_2_demo.ipynb")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(download, "w") as z:
        z.writestr(link, "../../course/source/01_demo/demo.ipynb")
        z.writestr("ana_1_2_demo.ipynb", honest_text(course_root))
    report = collect(open_course(course_root), download, fx.ASSIGNMENT)
    assert list(report.placed) == ["ana"]
    assert dict(report.unplaced)["thief_1_2_demo.ipynb"].startswith("symbolic link: not followed")


def test_size_caps_refuse_a_zip_bomb_and_can_be_raised(course_root: Path, tmp_path: Path) -> None:
    download = tmp_path / "download.zip"
    big = padded(course_root, 21)
    with zipfile.ZipFile(download, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb_1_2_demo.ipynb", big)
        z.writestr("ana_1_2_demo.ipynb", honest_text(course_root))
    assert download.stat().st_size < MB  # small on disk, 21 MB unpacked
    report = collect(open_course(course_root), download, fx.ASSIGNMENT)
    assert list(report.placed) == ["ana"]
    assert dict(report.unplaced) == {"bomb_1_2_demo.ipynb": "bigger than 20 MB unpacked (raise --max-file-mb to accept it)"}
    assert not (course_root / "submitted" / "bomb").exists()
    assert not [p for p in (course_root / "submitted").iterdir() if p.name.startswith(".")]
    assert main(["--course", str(course_root), "collect", str(download), fx.ASSIGNMENT, "--max-file-mb", "22"]) == 0
    assert (course_root / "submitted" / "bomb" / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.ipynb").read_text() == big


def test_the_archive_cap_stops_unpacking_and_says_so(course_root: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for student in ("a1", "a2", "a3"):
            z.writestr(f"{student}_1_2_demo.ipynb", padded(course_root, 0.4))
    assert main(["--course", str(course_root), "collect", str(download), fx.ASSIGNMENT, "--max-archive-mb", "1"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "collect: placed 2 submissions, could not place 1 files",
        "  not placed: a3_1_2_demo.ipynb: the download expands past 1 MB (raise --max-archive-mb to accept it)"]
    assert sorted(p.name for p in (course_root / "submitted").iterdir()) == ["a1", "a2"]


def test_a_bad_timestamp_or_name_is_reported_and_the_rest_placed(course_root: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture) -> None:
    download = tmp_path / "download.zip"
    text = honest_text(course_root)
    with zipfile.ZipFile(download, "w") as z:
        z.writestr("Powers_late_attempt_2026-13-45-99-00-00_demo.ipynb", text)
        z.writestr("Powers_ok_attempt_2026-11-20-09-30-00_demo.ipynb", text)
        z.writestr("bad id!_1_2_demo.ipynb", text)
    assert main(["--course", str(course_root), "collect", str(download), fx.ASSIGNMENT, "--strict"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "collect: placed 1 submissions, could not place 2 files",
        "  not placed: Powers_late_attempt_2026-13-45-99-00-00_demo.ipynb: timestamp '2026-13-45-99-00-00' is not "
        "a date and time (YYYY-MM-DD-HH-MM-SS)",
        "  not placed: bad id!_1_2_demo.ipynb: no student id in its name (see --pattern)",
    ]
    assert (course_root / "submitted" / "ok" / fx.ASSIGNMENT / "timestamp.txt").read_text() == "2026-11-20 09:30:00 UTC"
    assert main(["--course", str(course_root), "collect", str(download), fx.ASSIGNMENT]) == 0  # not --strict


def test_a_corrupt_archive_is_one_line_and_exit_code_2(course_root: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w") as z:
        z.writestr("ana_1_2_demo.ipynb", honest_text(course_root))
    download.write_bytes(download.read_bytes()[:-30])  # cut off mid-download: the central directory is gone
    before = os.listdir(course_root)
    assert main(["--course", str(course_root), "collect", str(download), fx.ASSIGNMENT]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [f"autograder collect: {download} is not a readable zip archive (File is not a zip "
                                "file); download it again, or unpack it and pass the folder"]
    assert os.listdir(course_root) == before


def test_of_several_timed_attempts_the_newest_is_collected(course_root: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    """Blackboard hands over every attempt; as with nbgrader's zip_collect, the newest is the one graded,
    and passing over the others is not a failure, even with --strict."""
    download = tmp_path / "download.zip"
    newest = "A1_kim_attempt_2026-11-21-08-00-00_demo.ipynb"
    with zipfile.ZipFile(download, "w") as z:
        z.writestr(newest, "newest")
        z.writestr("A1_kim_attempt_2026-11-20-09-30-00_demo.ipynb", "oldest")
        z.writestr("A1_kim_attempt_2026-11-20-23-59-59_demo.ipynb", "older")
    assert main(["--course", str(course_root), "collect", str(download), fx.ASSIGNMENT, "--strict"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "collect: placed 1 submissions, could not place 0 files, passed over 2 older attempts",
        f"  older attempt: A1_kim_attempt_2026-11-20-09-30-00_demo.ipynb: the newest, {newest}, is collected",
        f"  older attempt: A1_kim_attempt_2026-11-20-23-59-59_demo.ipynb: the newest, {newest}, is collected"]
    placed = course_root / "submitted" / "kim" / fx.ASSIGNMENT
    assert (placed / f"{fx.NOTEBOOK}.ipynb").read_text() == "newest"
    assert (placed / "timestamp.txt").read_text() == "2026-11-21 08:00:00 UTC"


def test_several_notebooks_without_times_are_all_left_out_with_what_to_do(course_root: Path, tmp_path: Path) -> None:
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w") as z:
        z.writestr("kim_7_100_demo.ipynb", "first")
        z.writestr("kim_7_101_demo-1.ipynb", "second")
    report = collect(open_course(course_root), download, fx.ASSIGNMENT)
    assert not report.placed and [name for name, _ in report.unplaced] == ["kim_7_100_demo.ipynb", "kim_7_101_demo-1.ipynb"]
    assert all("delete all but one of them and collect the folder" in why for _, why in report.unplaced)
