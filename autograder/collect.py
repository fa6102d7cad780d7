"""Bring a learning platform's download (a zip or a folder) into nbgrader's submitted/ folder.

Each file's path inside the download is matched against the naming schemes platforms use; the
first that matches names the student:

- Canvas:     jsmith_12345_678901_central_difference.ipynb  (also jsmith_late_12345_...)
- Moodle:     Jane Smith_12345_assignsubmission_file_/central_difference.ipynb  (id: 12345)
- Blackboard: Assignment 1_jsmith_attempt_2026-11-20-09-30-00_central_difference.ipynb

`--pattern` replaces them with your own regular expression, which must have a named group
`student` (and may have `time`, formatted YYYY-MM-DD-HH-MM-SS, written to timestamp.txt; of one
student's several timed attempts the newest is collected). The download is only read; every file
that cannot be placed is reported with the reason (hidden files and macOS __MACOSX folders are
skipped silently). Symbolic links are never followed, and unpacking stops at 20 MB per notebook
and 500 MB per download unless the limits are raised.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Iterator

from .course import Course, CourseError

SCHEMES = {
    "canvas": re.compile(r"^(?:.*/)?(?P<student>[A-Za-z0-9.\-]+)_(?:late_)?\d+_\d+_[^/]+$"),
    "moodle": re.compile(r"^(?:.*/)?[^/_]+_(?P<student>\d+)_assignsubmission_file_?/?(?:[^/]*/)*[^/]+$"),
    "blackboard": re.compile(r"^(?:.*/)?[^/]*?_(?P<student>[^_/]+)_attempt_(?P<time>\d{4}(?:-\d\d){5})(?:_[^/]*)?$"),
}
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")


Found = tuple[str, "Path | zipfile.ZipInfo", "str | None"]
"""One notebook of the download: (path inside it, handle, submission time or None)."""


@dataclass
class CollectReport:
    """Where each student's notebook went, and each file that could not be placed (with why)."""

    placed: dict[str, Path] = field(default_factory=dict)
    unplaced: list[tuple[str, str]] = field(default_factory=list)
    older: dict[str, str] = field(default_factory=dict)
    """An attempt passed over -> the newer attempt of the same student collected instead."""

    def text(self) -> str:
        passed_over = f", passed over {len(self.older)} older attempts" if self.older else ""
        lines = [f"collect: placed {len(self.placed)} submissions, could not place {len(self.unplaced)} files"
                 + passed_over]
        lines += [f"  not placed: {name}: {reason}" for name, reason in self.unplaced]
        lines += [f"  older attempt: {name}: the newest, {newest}, is collected" for name, newest in self.older.items()]
        return "\n".join(lines)


FILE_LIMIT = 20 * 1024**2
ARCHIVE_LIMIT = 500 * 1024**2
CHUNK = 1024**2


class Refused(Exception):
    """One file of the download that is not placed; the message is the reason."""


def collect(course: Course, downloads: Path, assignment: str, pattern: str | None = None,
            file_limit: int = FILE_LIMIT, archive_limit: int = ARCHIVE_LIMIT) -> CollectReport:
    """Copy one notebook per student from `downloads` into submitted/<student>/<assignment>/.

    Never follows a symbolic link; refuses a notebook over `file_limit` bytes unpacked, and the rest
    of a download once it has expanded past `archive_limit`; reports each refused file with why.
    """
    names = course.notebook_names(assignment)
    if len(names) != 1:
        raise CourseError(f"collect expects one notebook per assignment; {assignment} has {names}")
    schemes = _schemes(pattern)
    report = CollectReport()
    found: dict[str, list[Found]] = defaultdict(list)
    with _Entries(downloads, file_limit, archive_limit) as entries:
        for name, handle in entries:
            if Path(name).name.startswith(".") or "__MACOSX" in name:
                continue
            try:
                student, time = _identify(name, handle, schemes, entries)
            except Refused as why:
                report.unplaced.append((name, str(why)))
            else:
                found[student].append((name, handle, time))
        for student, files in sorted(found.items()):
            chosen = _one_per_student(report, student, files)
            if chosen is None:
                continue
            name, handle, time = chosen
            try:
                report.placed[student] = _place(course, assignment, names[0], student, handle, time, entries)
            except Refused as why:
                report.unplaced.append((name, str(why)))
    return report


def _one_per_student(report: CollectReport, student: str, files: list[Found]) -> Found | None:
    """The notebook to collect for a student; the others go in the report.

    Several attempts with timestamps (Blackboard keeps them all): the newest, as nbgrader's
    zip_collect does. Several without: none, since nothing says which one the learner meant.
    """
    if len(files) == 1:
        return files[0]
    times = [time for _, _, time in files]
    if None not in times and len(set(times)) == len(times):
        newest = max(files, key=lambda found: found[2])
        report.older.update((name, newest[0]) for name, _, _ in files if name != newest[0])
        return newest
    listed = ", ".join(name for name, _, _ in files)
    why = (f"student {student} has {len(files)} notebooks ({listed}) and no times that tell the newest; "
           "unpack the download, delete all but one of them and collect the folder")
    report.unplaced += [(name, why) for name, _, _ in files]
    return None


def _identify(name: str, handle: Path | zipfile.ZipInfo, schemes: list[re.Pattern],
              entries: _Entries) -> tuple[str, str | None]:
    """(student id, submission time or None) from an entry's name, or Refused with the reason."""
    if entries.is_link(handle):
        raise Refused("symbolic link: not followed (collect only reads files inside the download)")
    if not name.endswith(".ipynb"):
        raise Refused("not a notebook (.ipynb)")
    match = next((m for m in (s.match(name) for s in schemes) if m), None)
    if match is None:
        raise Refused("no student id in its name (see --pattern)")
    if not SAFE_ID.match(match["student"]):
        raise Refused(f"student id {match['student']!r} is not a safe folder name")
    time = match.groupdict().get("time")
    if time is not None:
        try:
            datetime.strptime(time, "%Y-%m-%d-%H-%M-%S")
        except ValueError:
            raise Refused(f"timestamp {time!r} is not a date and time (YYYY-MM-DD-HH-MM-SS)") from None
    return match["student"], time


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
    """The files of a download, as (path inside it, handle); reading never changes the download.

    Copies are counted as they are read, so a file that lies about its size in a zip's directory
    is still stopped at the limits.
    """

    def __init__(self, downloads: Path, file_limit: int, archive_limit: int) -> None:
        if not downloads.exists():
            raise CourseError(f"{downloads} does not exist; pass the zip or folder you downloaded")
        self.root = downloads
        self.file_limit, self.archive_limit, self.expanded = file_limit, archive_limit, 0
        try:
            self.zip = zipfile.ZipFile(downloads) if downloads.is_file() else None
        except (zipfile.BadZipFile, OSError) as error:
            raise CourseError(f"{downloads} is not a readable zip archive ({error}); download it again, "
                              "or unpack it and pass the folder") from None

    def __enter__(self) -> _Entries:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.zip is not None:
            self.zip.close()

    def __iter__(self) -> Iterator[tuple[str, Path | zipfile.ZipInfo]]:
        if self.zip is not None:
            yield from ((info.filename, info) for info in self.zip.infolist() if not info.is_dir())
            return
        for folder, dirs, files in os.walk(self.root):  # os.walk does not descend into linked folders
            base = Path(folder)
            links = [d for d in dirs if (base / d).is_symlink()]
            for name in sorted(files + links):
                path = base / name
                yield path.relative_to(self.root).as_posix(), path
            dirs[:] = sorted(d for d in dirs if d not in links)

    def is_link(self, handle: Path | zipfile.ZipInfo) -> bool:
        if isinstance(handle, zipfile.ZipInfo):
            return stat.S_ISLNK(handle.external_attr >> 16)
        return handle.is_symlink()

    def copy(self, handle: Path | zipfile.ZipInfo, dest: Path) -> None:
        """Copy one entry to `dest`, or Refused (and nothing written) past a size limit."""
        limit_mb = self.file_limit / 1024**2
        try:
            with self._open(handle) as src, open(dest, "wb") as out:
                written = 0
                while chunk := src.read(CHUNK):
                    written += len(chunk)
                    self.expanded += len(chunk)
                    if written > self.file_limit:
                        raise Refused(f"bigger than {limit_mb:g} MB unpacked (raise --max-file-mb to accept it)")
                    if self.expanded > self.archive_limit:
                        raise Refused(f"the download expands past {self.archive_limit / 1024**2:g} MB "
                                      "(raise --max-archive-mb to accept it)")
                    out.write(chunk)
        except (Refused, zipfile.BadZipFile, OSError) as error:
            dest.unlink(missing_ok=True)
            raise (error if isinstance(error, Refused) else Refused(f"could not be read ({error})")) from None

    def _open(self, handle: Path | zipfile.ZipInfo) -> BinaryIO:
        return self.zip.open(handle) if isinstance(handle, zipfile.ZipInfo) else open(handle, "rb")


def _place(course: Course, assignment: str, notebook: str, student: str, handle: Path | zipfile.ZipInfo,
           time: str | None, entries: _Entries) -> Path:
    """Copy aside first: a refused file must leave neither a half notebook nor an empty submission."""
    aside = course.folder("submitted") / f".{student}-{assignment}.part"
    aside.parent.mkdir(parents=True, exist_ok=True)
    entries.copy(handle, aside)
    folder = course.folder("submitted") / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{notebook}.ipynb"
    os.replace(aside, dest)
    if time:
        stamp = datetime.strptime(time, "%Y-%m-%d-%H-%M-%S")
        (folder / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S UTC"))
    return dest
