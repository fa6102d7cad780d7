"""Bring a learning platform's download (a zip or a folder) into nbgrader's submitted/ folder.

Each file's path inside the download is matched against the naming schemes platforms use; the
first that matches names the student:

- Canvas:     jsmith_12345_678901_central_difference.ipynb  (also jsmith_late_12345_...)
- Moodle:     Jane Smith_12345_assignsubmission_file_/central_difference.ipynb  (id: 12345)
- Blackboard: Assignment 1_jsmith_attempt_2026-11-20-09-30-00_central_difference.ipynb

`--pattern` replaces them with your own regular expression, which must have a named group
`student` (and may have `time`, formatted YYYY-MM-DD-HH-MM-SS, written to timestamp.txt). The
download is only read; every file that cannot be placed is reported with the reason (hidden files
and macOS __MACOSX folders are skipped silently).
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterator

from .course import Course, CourseError

SCHEMES = {
    "canvas": re.compile(r"^(?:.*/)?(?P<student>[A-Za-z0-9.\-]+)_(?:late_)?\d+_\d+_[^/]+$"),
    "moodle": re.compile(r"^(?:.*/)?[^/_]+_(?P<student>\d+)_assignsubmission_file_?/?(?:[^/]*/)*[^/]+$"),
    "blackboard": re.compile(r"^(?:.*/)?[^/]*?_(?P<student>[^_/]+)_attempt_(?P<time>\d{4}(?:-\d\d){5})(?:_[^/]*)?$"),
}
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")


@dataclass
class CollectReport:
    """Where each student's notebook went, and each file that could not be placed (with why)."""

    placed: dict[str, Path] = field(default_factory=dict)
    unplaced: list[tuple[str, str]] = field(default_factory=list)

    def text(self) -> str:
        lines = [f"collect: placed {len(self.placed)} submissions, could not place {len(self.unplaced)} files"]
        lines += [f"  not placed: {name}: {reason}" for name, reason in self.unplaced]
        return "\n".join(lines)


def collect(course: Course, downloads: Path, assignment: str, pattern: str | None = None) -> CollectReport:
    """Copy one notebook per student from `downloads` into submitted/<student>/<assignment>/."""
    names = course.notebook_names(assignment)
    if len(names) != 1:
        raise CourseError(f"collect expects one notebook per assignment; {assignment} has {names}")
    schemes = _schemes(pattern)
    report = CollectReport()
    found: dict[str, list[tuple[str, Path | zipfile.ZipInfo, str | None]]] = defaultdict(list)
    with _Entries(downloads) as entries:
        for name, handle in entries:
            if Path(name).name.startswith(".") or "__MACOSX" in name:
                continue
            if not name.endswith(".ipynb"):
                report.unplaced.append((name, "not a notebook (.ipynb)"))
                continue
            match = next((m for m in (s.match(name) for s in schemes) if m), None)
            if match is None:
                report.unplaced.append((name, "no student id in its name (see --pattern)"))
            elif not SAFE_ID.match(match["student"]):
                report.unplaced.append((name, f"student id {match['student']!r} is not a safe folder name"))
            else:
                found[match["student"]].append((name, handle, match.groupdict().get("time")))
        for student, files in sorted(found.items()):
            if len(files) > 1:
                listed = ", ".join(name for name, _, _ in files)
                report.unplaced += [(name, f"student {student} has {len(files)} notebooks ({listed}); "
                                           "keep one and collect again") for name, _, _ in files]
                continue
            name, handle, time = files[0]
            report.placed[student] = _place(course, assignment, names[0], student, handle, time, entries)
    return report


def _schemes(pattern: str | None) -> list[re.Pattern]:
    if pattern is None:
        return list(SCHEMES.values())
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise CourseError(f"--pattern is not a valid regular expression: {error}") from None
    if "student" not in compiled.groupindex:
        raise CourseError("--pattern needs a named group for the id, e.g. '(?P<student>[a-z0-9]+)_.*\\.ipynb'")
    return [compiled]


class _Entries:
    """The files of a download, as (path inside it, handle); reading never changes the download."""

    def __init__(self, downloads: Path) -> None:
        if not downloads.exists():
            raise CourseError(f"{downloads} does not exist; pass the zip or folder you downloaded")
        self.root = downloads
        self.zip = zipfile.ZipFile(downloads) if downloads.is_file() else None

    def __enter__(self) -> _Entries:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.zip is not None:
            self.zip.close()

    def __iter__(self) -> Iterator[tuple[str, Path | zipfile.ZipInfo]]:
        if self.zip is not None:
            yield from ((info.filename, info) for info in self.zip.infolist() if not info.is_dir())
        else:
            yield from ((p.relative_to(self.root).as_posix(), p) for p in sorted(self.root.rglob("*")) if p.is_file())

    def copy(self, handle: Path | zipfile.ZipInfo, dest: Path) -> None:
        if self.zip is not None:
            with self.zip.open(handle) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
        else:
            shutil.copyfile(handle, dest)


def _place(course: Course, assignment: str, notebook: str, student: str, handle: Path | zipfile.ZipInfo,
           time: str | None, entries: _Entries) -> Path:
    folder = course.folder("submitted") / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{notebook}.ipynb"
    entries.copy(handle, dest)
    if time:
        stamp = datetime.strptime(time, "%Y-%m-%d-%H-%M-%S")
        (folder / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S UTC"))
    return dest
