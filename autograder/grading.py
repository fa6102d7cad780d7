"""Grade a class: execute notebooks in parallel, record grades with one writer.

`grade` takes the assignment's run lock (`lock`), plans (which submissions are not up to date),
starts every submission in a worker process of its own or on a dask.distributed cluster
(`worker`), and hands each finished one to the single `writer`, with a progress bar. Same
preprocessors as `nbgrader autograde` (`pipeline`), so the same scores; resumable after a kill
at any point (see `writer`), and a kill leaves no worker or kernel behind (see `lifetime`).
"""

from __future__ import annotations

import concurrent.futures as cf
from concurrent.futures.process import BrokenProcessPool
import contextlib
import hashlib
import json
import multiprocessing
import os
import sqlite3
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator

import nbformat
from tqdm import tqdm

from . import fork_server
from .course import Course
from .grades import AssignmentGrades, read_grades
from .lifetime import die_with
from .lock import grading_lock, patiently
from .kernel_cache import prepare
from .limits import Limits
from .sandbox import Isolation, kernel_packages
from .worker import Graded, Task, execute_submission, first_line
from .writer import Writer, clean_partial_folders, record_path


@dataclass
class Summary:
    """What a grading run did, one line per submission that needs a look."""

    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    not_graded: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    grades: AssignmentGrades | None = None  # of the graded and the up-to-date submissions

    def text(self) -> str:
        """What needs a look, then the scores: what an instructor reads when grading ends."""
        head = (f"graded {len(self.graded)}, skipped {len(self.skipped)} up to date, "
                f"not graded {len(self.not_graded)}")
        tail = [self.grades.score_line()] if self.grades else []
        tail += [f"not graded: {student} ({why})" for student, why in sorted(self.not_graded.items())]
        return "\n".join([head, *self.lines, *tail])


def fingerprint_of(folder: Path, course_folder: Path, options: dict) -> str:
    """Changes when the submission, the assignment's source or the grading options change."""
    digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode())
    for label, base in (("submitted", folder), ("source", course_folder)):
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            digest.update(f"{label}/{path.relative_to(base)}".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def grade(
    course: Course,
    assignment: str,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    zero_flagged: bool = False,
    limits: Limits | None = None,
    students: Iterable[str] | None = None,
    progress: bool = True,
    progress_text: str | None = None,
    progress_unit: str = "submission",
    wait: bool = False,
    gradebook_wait: float = 60.0,
) -> Summary:
    """Grade every submission of `assignment` that is not up to date; see the module docstring.

    One run per assignment at a time (`wait`: queue behind a running one instead of refusing);
    a gradebook another program holds is retried for `gradebook_wait` seconds. The progress bar
    counts finished gradings and those not graded; `progress_text` and `progress_unit` name what
    it grades when that is not learners' submissions (selfcheck).
    """
    with grading_lock(course, assignment, wait) as stale:
        summary = _grade_locked(course, assignment, workers=workers, scheduler=scheduler, force=force,
                                zero_flagged=zero_flagged, limits=limits,
                                students=students, progress=progress, progress_text=progress_text,
                                progress_unit=progress_unit, gradebook_wait=gradebook_wait)
    if stale:
        summary.lines.insert(0, stale)
    return summary


def _grade_locked(course: Course, assignment: str, *, workers: int | None, scheduler: str | None, force: bool,
                  zero_flagged: bool, limits: Limits | None,
                  students: Iterable[str] | None, progress: bool, progress_text: str | None,
                  progress_unit: str, gradebook_wait: float) -> Summary:
    patiently(lambda: course.require_in_gradebook(assignment), gradebook_wait)
    if scheduler is None:  # the fork server imports our modules while we plan the run
        fork_server.start()
    limits = (limits or Limits()).for_course(course.config)
    isolation = Isolation.detect()
    clean_partial_folders(course, assignment)
    options = {"zero_flagged": zero_flagged, "limits": asdict(limits)}
    summary = Summary(lines=isolation.gaps(limits))
    submissions = course.submissions(assignment)
    if not submissions:
        summary.lines.append(f"no submissions of {assignment} in {course.folder('submitted')}/<student>/{assignment}/; "
                             f"run `autograder collect DOWNLOAD {assignment}` first")
    pending = []
    for student, folder in submissions.items():
        if students is not None and student not in students:
            continue
        fingerprint = fingerprint_of(folder, course.folder("source") / assignment, options)
        if not force and _up_to_date(course, assignment, student, fingerprint):
            summary.skipped.append(student)
        else:
            pending.append((student, folder, fingerprint))
    if not pending:
        summary.grades = read_grades(course, assignment, summary.skipped)
        return summary
    with tempfile.TemporaryDirectory(prefix="ag-gradebook-") as tmp:
        snapshot = patiently(lambda: _snapshot_gradebook(course, Path(tmp)), gradebook_wait)
        if isolation.bubblewrap:
            isolation = replace(isolation, kernel_cache=prepare(course.root, kernel_packages(course.config)))
        tasks = {s: build_task(course, assignment, s, f, snapshot, limits, isolation) for s, f, _ in pending}
        fingerprints = {s: f for s, _, f in pending}
        writer = Writer(course, assignment, zero_flagged)
        with executing(list(tasks.values()), workers, scheduler) as results:
            bar = tqdm(total=len(tasks), desc=progress_text or f"grading {assignment}", unit=progress_unit,
                       disable=not progress)
            for student, graded in results:
                if isinstance(graded, BaseException):
                    summary.not_graded[student] = first_line(graded)
                    summary.lines.append(f"{student}: NOT GRADED, rerun to retry ({first_line(graded)})")
                else:
                    patiently(lambda: writer.record(graded, fingerprints[student]), gradebook_wait)
                    summary.graded.append(student)
                    summary.lines.extend(_summary_lines(graded, zero_flagged))
                bar.update()
                bar.set_postfix(not_graded=len(summary.not_graded))
            bar.close()
    summary.grades = read_grades(course, assignment, summary.graded + summary.skipped)
    return summary


def _summary_lines(graded: Graded, zero_flagged: bool) -> list[str]:
    lines = [f"{graded.student}: {p}" for p in graded.problems]
    lines += [f"{graded.student}: {n}" for n in graded.notes]
    verdict = "scored zero (--zero-flagged)" if zero_flagged else "score kept"
    lines += [f"{graded.student}: FLAGGED ({verdict}): {f.message}" for f in graded.findings]
    return lines


def build_task(course: Course, assignment: str, student: str, folder: Path, snapshot: str,
               limits: Limits, isolation: Isolation) -> Task:
    """The picklable description of one submission's grading, with the release notebooks inline."""
    names = course.notebook_names(assignment)
    releases = {n: nbformat.writes(course.read_notebook("release", assignment, n)) for n in names}
    return Task(student, assignment, str(folder), str(course.folder("source") / assignment), tuple(names),
                releases, dict(course.config), snapshot, limits, isolation)


def _snapshot_gradebook(course: Course, tmp: Path) -> str:
    """Workers read source cells from a private copy, so they never wait on the writer's locks."""
    prefix = "sqlite:///"
    if not course.db_url.startswith(prefix):
        return course.db_url
    copy = tmp / "gradebook.db"
    with sqlite3.connect(course.db_url[len(prefix):]) as live, sqlite3.connect(copy) as dest:
        live.backup(dest)
    return prefix + str(copy)


@contextlib.contextmanager
def executing(tasks: list[Task], workers: int | None, scheduler: str | None) -> Iterator[Iterator[tuple[str, Any]]]:
    """Start every task on worker processes or a dask cluster; yield (student, Graded or exception) as they finish."""
    if scheduler:
        from distributed import Client, as_completed

        with Client(scheduler) as client:
            futures = {client.submit(execute_submission, t, pure=False,
                                     key=f"grade-{t.assignment}-{t.student}-{time.time_ns()}"): t for t in tasks}
            yield ((futures[f].student, _result(f)) for f in as_completed(futures))
        return
    size = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    context = fork_server.worker_context()
    threads = cf.ThreadPoolExecutor(max_workers=size, thread_name_prefix="grading")
    try:
        futures = {threads.submit(execute_alone, t, context): t for t in tasks}
        yield ((futures[f].student, _result(f)) for f in cf.as_completed(futures))
    finally:  # stopped early (an error, Ctrl-C): submissions not yet started are not started
        threads.shutdown(cancel_futures=True)


def execute_alone(task: Task, context: multiprocessing.context.BaseContext) -> Graded:
    """Run one task in a worker process of its own, so a worker that dies costs only this submission.

    A death is retried once in a fresh process, then reported as WorkerDied. The worker dies with
    the grader (see `lifetime`), and its kernel with it.
    """
    for _ in range(2):
        try:
            with cf.ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=die_with,
                                        initargs=(os.getpid(),)) as pool:
                return pool.submit(execute_submission, task).result()
        except BrokenProcessPool:
            continue
    raise WorkerDied("its worker process died twice (does the notebook kill its kernel's parent?)")


class WorkerDied(Exception):
    """The process grading a submission ended without an answer, on every try."""


def _result(future: Any) -> Any:
    try:
        return future.result()
    except Exception as error:  # a worker crash must not stop the batch; the submission stays pending
        return error


def _up_to_date(course: Course, assignment: str, student: str, fingerprint: str) -> bool:
    path = record_path(course, assignment, student)
    if not path.exists() or not (course.folder("autograded") / student / assignment).is_dir():
        return False
    return json.loads(path.read_text()).get("fingerprint") == fingerprint
