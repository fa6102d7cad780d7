"""One grading run per assignment at a time, and patience with a gradebook another program holds.

The run lock is a file, course/.autograder/<assignment>.lock, locked with flock(2): the kernel
releases it when the holding process ends however it ends, so a killed run never blocks the next
one. The file names the holder (PID, host, start time) for the message a second run prints; a
holder's details found in an unlocked file are a stale lock from a killed run, cleared and reported.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sqlite3
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, TextIO, TypeVar

from sqlalchemy.exc import OperationalError

from .course import Course, CourseError

LOCKS = Path(".autograder")
T = TypeVar("T")


def lock_path(course: Course, assignment: str) -> Path:
    return course.root / LOCKS / f"{assignment}.lock"


@contextlib.contextmanager
def grading_lock(course: Course, assignment: str, wait: bool = False) -> Iterator[str | None]:
    """Hold the assignment's run lock; yield a note about a stale lock it cleared, if any.

    Refuses (CourseError) when another run holds it, unless `wait`; refuses a read-only course.
    """
    require_writable(course)
    path = lock_path(course, assignment)
    with open(os.open(path, os.O_RDWR | os.O_CREAT, 0o644), "r+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            if not wait:
                raise CourseError(f"{assignment} is already being graded by {holder}; wait for that run to "
                                  "finish, or pass --wait to queue behind it") from None
            print(f"autograder grade: waiting for the run of {holder} to finish", file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        stale = _holder(handle) if handle.read(1) else None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")}))
        handle.flush()
        try:
            yield f"note: cleared a stale lock left by a run that was killed ({stale})" if stale else None
        finally:
            handle.seek(0)
            handle.truncate()


def _holder(handle: TextIO) -> str:
    """'PID 123 on host, started 2026-11-29 18:00:00 UTC', from the lock file's contents."""
    handle.seek(0)
    try:
        data = json.loads(handle.read())
        return f"PID {data['pid']} on {data['host']}, started {data['started']}"
    except (ValueError, KeyError, TypeError):
        return "another run (its lock file names no holder yet)"
    finally:
        handle.seek(0)


def require_writable(course: Course) -> None:
    """Grading writes the gradebook, autograded/ and .autograder/: refuse a read-only course up front."""
    folder = course.root / LOCKS
    try:
        folder.mkdir(exist_ok=True)
        with open(folder / f".probe-{os.getpid()}", "w"):
            pass
        os.unlink(folder / f".probe-{os.getpid()}")
    except OSError as error:
        raise CourseError(f"the course folder {course.root} is not writable ({error.strerror}); "
                          "grade a writable copy of it, or fix its permissions") from None
    database = _sqlite_file(course)
    if database is not None and database.exists() and not os.access(database, os.W_OK):
        raise CourseError(f"the gradebook {database} is read-only; make it writable and run again")


def _sqlite_file(course: Course) -> Path | None:
    prefix = "sqlite:///"
    return Path(course.db_url[len(prefix):]) if course.db_url.startswith(prefix) else None


def patiently(action: Callable[[], T], wait: float) -> T:
    """Run `action` (one gradebook transaction), retrying for up to `wait` seconds while another
    program holds the gradebook locked; then one clear CourseError."""
    deadline = time.monotonic() + wait
    pause, told = 0.2, False
    while True:
        try:
            return action()
        except (OperationalError, sqlite3.OperationalError) as error:
            if "database is locked" not in str(error):
                raise
            if time.monotonic() + pause > deadline:
                raise CourseError(f"the gradebook stayed locked by another program for {wait:g} s; close the "
                                  "program holding it (a database browser, another nbgrader command) and run "
                                  "again (graded submissions are kept)") from None
            if not told:
                print(f"autograder: the gradebook is locked by another program; retrying for up to {wait:g} s",
                      file=sys.stderr, flush=True)
                told = True
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
