"""Grade a class: execute notebooks in parallel, record grades with one writer.

The pipeline is nbgrader's own Autograde pipeline cut in two where it first writes to the
gradebook. Workers (local processes or a dask.distributed cluster) run the part that executes
code: the sanitize preprocessors, then Execute (sandboxed, see `sandbox`), IgnorePattern,
ClearMetadata and LimitOutput. The parent runs the rest on each executed notebook, alone:
SaveAutoGrades, AssignLatePenalties, CheckCellMetadata. Same preprocessors, same order, same
config: the same scores as `nbgrader autograde`.

Resumable: a submission is recorded in three steps, gradebook, then autograded folder (swapped
in whole), then a small record file naming the submission's fingerprint. Only a record that
matches lets a later run skip it, so a run killed anywhere is finished by the next one, and the
gradebook's upserts make a regrade write the same rows again, never new ones.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import json
import multiprocessing
import os
import shutil
import sqlite3
import stat
import tempfile
import threading
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import nbformat
from nbconvert.exporters import NotebookExporter
from nbgrader import utils as nbutils
from sqlalchemy.exc import SAWarning
from nbgrader.converters.autograde import Autograde
from nbgrader.preprocessors import AssignLatePenalties, Execute, SaveAutoGrades
from tqdm import tqdm
from traitlets.config import Config

from . import integrity
from .course import Course
from .sandbox import Limits, LimitedExecute, SandboxedKernelManager, limits_config, network_isolation_available

RECORDS = "grading"
GRADEBOOK_WRITERS = (SaveAutoGrades, AssignLatePenalties)


# --- What travels between the parent and the workers --------------------------------------------

@dataclass(frozen=True)
class Task:
    """Everything a worker needs to execute one student's submission (picklable, paths absolute)."""

    student: str
    assignment: str
    submitted: str
    source: str
    notebooks: tuple[str, ...]
    releases: dict[str, str]
    config: dict
    snapshot_db_url: str
    limits: Limits
    isolate_network: bool


@dataclass
class NotebookResult:
    """One notebook of a submission: its executed JSON, or why it could not be run."""

    name: str
    executed: str | None = None
    problem: str | None = None
    needs_manual_grade: bool = False


@dataclass
class Outcome:
    """A worker's answer for one submission; the parent records it."""

    student: str
    notebooks: list[NotebookResult]
    findings: list[integrity.Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def problems(self) -> list[str]:
        return [f"{nb.name}: {nb.problem}" for nb in self.notebooks if nb.problem]


# --- The worker side -----------------------------------------------------------------------------

def execute_submission(task: Task) -> Outcome:
    """Run every notebook of one submission in a scratch copy; never touches the gradebook or the submission."""
    start = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="ag-"))
    try:
        work = scratch / "w"
        shutil.copytree(task.submitted, work, symlinks=True)
        outcome = Outcome(task.student, [], notes=_extra_files(work, task))
        if not any(work.iterdir()):
            outcome.notes.append("empty submission folder")
        _copy_course_files(Path(task.source), work, task.config)
        home = scratch / "h"
        home.mkdir()
        for name in task.notebooks:
            outcome.notebooks.append(_execute_notebook(task, name, work, home, outcome))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    outcome.seconds = time.monotonic() - start
    return outcome


def _extra_files(work: Path, task: Task) -> list[str]:
    expected = {f"{n}.ipynb" for n in task.notebooks} | {"timestamp.txt"}
    extra = sorted(str(p.relative_to(work)) for p in work.rglob("*") if p.is_file() and p.name not in expected)
    return [f"extra file ignored by grading: {name}" for name in extra if ".ipynb_checkpoints" not in name]


def _copy_course_files(source: Path, work: Path, config: dict) -> None:
    """Like nbgrader: the instructor's non-notebook files replace whatever the student sent."""
    ignore = Config(config).CourseDirectory.get("ignore", [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"])
    for filename in nbutils.find_all_files(str(source), list(ignore) + ["*.ipynb"]):
        dest = work / os.path.relpath(filename, source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.unlink(missing_ok=True)
        shutil.copy(filename, dest)


def _execute_notebook(task: Task, name: str, work: Path, home: Path, outcome: Outcome) -> NotebookResult:
    path = work / f"{name}.ipynb"
    if not path.exists():
        return NotebookResult(name, problem="notebook missing from the submission (scored zero)")
    try:
        submitted = nbformat.read(path, as_version=4)
        nbformat.validate(submitted)
    except Exception as error:  # nbformat raises several unrelated types for bad files
        return NotebookResult(name, problem=f"not a valid notebook ({_first_line(error)})", needs_manual_grade=True)
    release = nbformat.reads(task.releases[name], as_version=4)
    if integrity.is_other_assignment(submitted, release):
        return NotebookResult(name, problem="notebook from another assignment: none of its graded cells belong here",
                              needs_manual_grade=True)
    outcome.findings.extend(integrity.check_notebook(submitted, release))
    resources = _resources(task, name)
    config = Config(task.config)
    try:
        _export(path, config, sanitize_stage(config), resources)
        with nbutils.setenv(NBGRADER_EXECUTION="autograde"):
            stage = execute_stage(config, task.limits, home, task.isolate_network)
            executed = _export(path, config, stage, resources)
    except Exception as error:  # a dead kernel, an unresponsive one, or a notebook nbgrader refuses
        return NotebookResult(name, problem=f"could not be run: {_first_line(error)}", needs_manual_grade=True)
    return NotebookResult(name, executed=executed)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def _resources(task: Task, name: str, db_url: str | None = None) -> dict:
    return {
        "unique_key": name,
        "output_files_dir": f"{name}_files",
        "nbgrader": {"student": task.student, "assignment": task.assignment, "notebook": name,
                     "db_url": db_url or task.snapshot_db_url},
    }


def _export(path: Path, config: Config, preprocessors: list[Any], resources: dict) -> str:
    """nbgrader's way of applying preprocessors: a NotebookExporter; the result replaces `path`."""
    output, _ = _exporter(config, preprocessors).from_filename(str(path), resources=dict(resources))
    path.write_text(output, encoding="utf-8")
    return output


def _exporter(config: Config, preprocessors: list[Any]) -> NotebookExporter:
    """Registered as nbgrader registers them: classes built from the config, disabled ones stay off."""
    config = Config(config)
    config.Exporter.default_preprocessors = []
    exporter = NotebookExporter(config=config)
    exporter._preprocessors = []
    for pp in preprocessors:
        exporter.register_preprocessor(pp)
    return exporter


def _autograde_lists(config: Config) -> tuple[list, list]:
    """The course's configured Autograde preprocessor lists (nbgrader's defaults unless overridden)."""
    converter = Autograde(config=config)
    return list(converter.sanitize_preprocessors), list(converter.autograde_preprocessors)


def _first_writer(autograde: list[type]) -> int:
    return next(i for i, pp in enumerate(autograde) if issubclass(pp, GRADEBOOK_WRITERS))


def sanitize_stage(config: Config) -> list[Any]:
    return _autograde_lists(config)[0]


def execute_stage(config: Config, limits: Limits, home: Path, isolate_network: bool) -> list[Any]:
    """The autograde preprocessors up to the first gradebook writer, Execute swapped for ours."""
    autograde = _autograde_lists(config)[1]
    full = Config(config)
    full.merge(limits_config(limits, home, isolate_network))
    return [
        LimitedExecute(config=full, kernel_manager_class=SandboxedKernelManager) if issubclass(pp, Execute) else pp
        for pp in autograde[:_first_writer(autograde)]
    ]


def record_stage(config: Config) -> list[Any]:
    """The autograde preprocessors from the first gradebook writer on: run by the parent alone."""
    autograde = _autograde_lists(config)[1]
    return autograde[_first_writer(autograde):]


# --- The parent side: plan, run, record ----------------------------------------------------------

@dataclass
class Summary:
    """What a grading run did, one line per submission that needs a look."""

    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    not_graded: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def text(self) -> str:
        head = (f"graded {len(self.graded)}, skipped {len(self.skipped)} up to date, "
                f"not graded {len(self.not_graded)}")
        return "\n".join([head, *self.lines])


def fingerprint(folder: Path, course_folder: Path, options: dict) -> str:
    """Changes when the submission, the assignment's source or the grading options change."""
    digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode())
    for label, base in (("submitted", folder), ("source", course_folder)):
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            digest.update(f"{label}/{path.relative_to(base)}".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def record_path(course: Course, assignment: str, student: str) -> Path:
    return course.root / RECORDS / assignment / f"{student}.json"


def read_records(course: Course, assignment: str) -> dict[str, dict]:
    """Student id -> the record of their last grading (findings, problems, notes)."""
    folder = course.root / RECORDS / assignment
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))} if folder.is_dir() else {}


def grade(
    course: Course,
    assignment: str,
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    zero_flagged: bool = False,
    limits: Limits | None = None,
    isolate_network: bool = True,
    students: Iterable[str] | None = None,
    progress: bool = True,
) -> Summary:
    """Grade every submission of `assignment` that is not up to date; see the module docstring."""
    course.require_in_gradebook(assignment)
    limits = limits or Limits(cell_timeout=int(course.config.Execute.get("timeout", 60)))
    isolate_network = isolate_network and network_isolation_available()
    _clean_partial_folders(course, assignment)
    options = {"zero_flagged": zero_flagged, "limits": asdict(limits)}
    summary = Summary()
    if not isolate_network:
        summary.lines.append("note: kernels keep network access (network namespaces unavailable here)")
    pending = []
    for student, folder in course.submissions(assignment).items():
        if students is not None and student not in students:
            continue
        print_ = fingerprint(folder, course.folder("source") / assignment, options)
        if not force and _up_to_date(course, assignment, student, print_):
            summary.skipped.append(student)
        else:
            pending.append((student, folder, print_))
    if not pending:
        return summary
    with tempfile.TemporaryDirectory(prefix="ag-gradebook-") as tmp:
        snapshot = _snapshot_gradebook(course, Path(tmp))
        tasks = {s: build_task(course, assignment, s, f, snapshot, limits, isolate_network) for s, f, _ in pending}
        prints = {s: p for s, _, p in pending}
        writer = Writer(course, assignment, zero_flagged)
        with executing(list(tasks.values()), workers, scheduler) as results:
            bar = tqdm(total=len(tasks), desc=f"grading {assignment}", unit="submission", disable=not progress)
            failures = 0
            for student, outcome in results:
                if isinstance(outcome, BaseException):
                    summary.not_graded[student] = _first_line(outcome)
                    summary.lines.append(f"{student}: NOT GRADED, rerun to retry ({_first_line(outcome)})")
                    failures += 1
                else:
                    writer.record(outcome, prints[student])
                    summary.graded.append(student)
                    summary.lines.extend(_summary_lines(outcome, zero_flagged))
                    failures += bool(outcome.problems)
                bar.update()
                bar.set_postfix(failed=failures)
            bar.close()
    return summary


def _summary_lines(outcome: Outcome, zero_flagged: bool) -> list[str]:
    lines = [f"{outcome.student}: {p}" for p in outcome.problems]
    lines += [f"{outcome.student}: {n}" for n in outcome.notes]
    verdict = "scored zero (--zero-flagged)" if zero_flagged else "score kept"
    lines += [f"{outcome.student}: FLAGGED ({verdict}): {f.message}" for f in outcome.findings]
    return lines


def build_task(course: Course, assignment: str, student: str, folder: Path, snapshot: str,
               limits: Limits, isolate_network: bool) -> Task:
    """The picklable description of one submission's grading, with the release notebooks inline."""
    names = course.notebook_names(assignment)
    releases = {n: nbformat.writes(course.read_notebook("release", assignment, n)) for n in names}
    return Task(student, assignment, str(folder), str(course.folder("source") / assignment), tuple(names),
                releases, dict(course.config), snapshot, limits, isolate_network)


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
    """Start every task on a process pool or a dask cluster; yield (student, Outcome or exception) as they finish."""
    if scheduler:
        from distributed import Client, as_completed

        with Client(scheduler) as client:
            futures = {client.submit(execute_submission, t, pure=False,
                                     key=f"grade-{t.assignment}-{t.student}-{time.time_ns()}"): t for t in tasks}
            yield ((futures[f].student, _result(f)) for f in as_completed(futures))
        return
    size = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    with cf.ProcessPoolExecutor(max_workers=size, mp_context=_process_context()) as pool:
        futures = {pool.submit(execute_submission, t): t for t in tasks}
        yield ((futures[f].student, _result(f)) for f in cf.as_completed(futures))


def _process_context() -> multiprocessing.context.BaseContext:
    """fork while we are single-threaded (workers start at once, nbgrader already imported);
    otherwise a forkserver, since forking a threaded process can copy a held lock."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["autograder.grading"])
    return context


def _result(future: Any) -> Any:
    try:
        return future.result()
    except Exception as error:  # a worker crash must not stop the batch; the submission stays pending
        return error


def _up_to_date(course: Course, assignment: str, student: str, print_: str) -> bool:
    path = record_path(course, assignment, student)
    if not path.exists() or not (course.folder("autograded") / student / assignment).is_dir():
        return False
    return json.loads(path.read_text()).get("fingerprint") == print_


def _clean_partial_folders(course: Course, assignment: str) -> None:
    """Folders a killed run left half written; their submissions have no record and get regraded."""
    autograded = course.folder("autograded")
    for leftover in list(autograded.glob(f"*/{assignment}.partial")) + list(autograded.glob(f"*/{assignment}.old")):
        _rmtree(leftover)


def _rmtree(path: Path) -> None:
    """nbgrader leaves autograded files read-only; make them writable to remove them."""
    def retry(func, name, _exc):
        os.chmod(os.path.dirname(name), 0o755)
        os.chmod(name, stat.S_IWUSR | stat.S_IRUSR)
        func(name)

    shutil.rmtree(path, onerror=retry)


# --- The single writer ---------------------------------------------------------------------------

class Writer:
    """The one process that writes: the gradebook, the autograded folders and the records."""

    def __init__(self, course: Course, assignment: str, zero_flagged: bool) -> None:
        self.course = course
        self.assignment = assignment
        self.zero_flagged = zero_flagged
        self.exporter = _exporter(course.config, record_stage(course.config))
        self.coursedir = course.coursedir()

    def record(self, outcome: Outcome, print_: str) -> None:
        """Write one submission's grades, then its autograded folder, then its record (in that order)."""
        submitted = self.course.folder("submitted") / outcome.student / self.assignment
        partial = self.course.folder("autograded") / outcome.student / f"{self.assignment}.partial"
        with self.course.gradebook() as gb, warnings.catch_warnings():
            # nbgrader's own upsert trips a harmless SQLAlchemy autoflush warning on every new submission.
            warnings.simplefilter("ignore", SAWarning)
            gb.update_or_create_student(outcome.student)
            timestamp = self.coursedir.get_existing_timestamp(str(submitted))
            extra = {"timestamp": timestamp} if timestamp else {}
            gb.update_or_create_submission(self.assignment, outcome.student, **extra)
            if partial.exists():
                _rmtree(partial)
            partial.mkdir(parents=True)
            for result in outcome.notebooks:
                if result.executed is not None:
                    (partial / f"{result.name}.ipynb").write_text(self._save_grades(outcome, result), encoding="utf-8")
                self._settle(gb, outcome, result)
        _copy_graded_files(self.course, self.assignment, submitted, partial)
        _swap_in(partial, self.course.folder("autograded") / outcome.student / self.assignment)
        _write_record(self.course, self.assignment, outcome, print_, self.zero_flagged)

    def _save_grades(self, outcome: Outcome, result: NotebookResult) -> str:
        """nbgrader's SaveAutoGrades, AssignLatePenalties, CheckCellMetadata on the executed notebook."""
        resources = {"nbgrader": {"student": outcome.student, "assignment": self.assignment,
                                  "notebook": result.name, "db_url": self.course.db_url}}
        nb = nbformat.reads(result.executed, as_version=4)
        output, _ = self.exporter.from_notebook_node(nb, resources=resources)
        return output

    def _settle(self, gb: Any, outcome: Outcome, result: NotebookResult) -> None:
        """Zero what could not run (and mark it for a human where a human can help); flag findings."""
        notebook = gb.find_submission_notebook(result.name, self.assignment, outcome.student)
        if result.executed is None or (self.zero_flagged and outcome.findings):
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = result.needs_manual_grade
        notebook.flagged = bool(outcome.findings or result.problem)
        gb.db.commit()


def _copy_graded_files(course: Course, assignment: str, submitted: Path, dest: Path) -> None:
    """As nbgrader does: the student's other files, then the instructor's files over them; read-only."""
    ignore = list(course.coursedir().ignore)
    for base in (submitted, course.folder("source") / assignment):
        for filename in nbutils.find_all_files(str(base), ignore + ["*.ipynb"]):
            target = dest / os.path.relpath(filename, base)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            shutil.copy(filename, target)
    for path in dest.rglob("*"):
        if path.is_file():
            path.chmod(0o444)


def _swap_in(partial: Path, final: Path) -> None:
    old = final.with_name(final.name + ".old")
    if final.exists():
        final.rename(old)
    partial.rename(final)
    if old.exists():
        _rmtree(old)


def _write_record(course: Course, assignment: str, outcome: Outcome, print_: str, zero_flagged: bool) -> None:
    path = record_path(course, assignment, outcome.student)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "student": outcome.student,
        "fingerprint": print_,
        "zero_flagged": zero_flagged,
        "problems": outcome.problems,
        "notes": outcome.notes,
        "findings": [asdict(f) for f in outcome.findings],
        "seconds": round(outcome.seconds, 3),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)
