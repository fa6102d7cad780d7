"""The worker side of grading: run one student's submission in a scratch copy, touch nothing else.

A worker gets a `Task` (picklable, so it travels to a process pool or a dask cluster), runs the
first half of nbgrader's autograde pipeline on each notebook (see `pipeline`) in the sandbox, and
returns a `Graded`: the executed notebooks, or why one could not run, plus integrity findings.
It never writes to the gradebook and never modifies the submission.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader import utils as nbutils
from traitlets.config import Config

from . import cgroup, integrity, tamper
from .limits import Limits
from .pipeline import copy_other_files, execute_stage, export_file, sanitize_stage
from .sandbox import Isolation


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
    isolation: Isolation


@dataclass
class NotebookResult:
    """One notebook of a submission: its executed JSON, or why it could not be run."""

    name: str
    executed: str | None = None
    problem: str | None = None
    needs_manual_grade: bool = False


@dataclass
class Graded:
    """A submission as its worker graded it (its executed notebooks, findings, notes); the parent records it."""

    student: str
    notebooks: list[NotebookResult]
    findings: list[integrity.Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def problems(self) -> list[str]:
        return [f"{nb.name}: {nb.problem}" for nb in self.notebooks if nb.problem]


def execute_submission(task: Task) -> Graded:
    """Run every notebook of one submission in a scratch copy; never touches the gradebook or the submission."""
    start = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="ag-"))
    try:
        work = scratch / "w"
        shutil.copytree(task.submitted, work, symlinks=True)
        graded = Graded(task.student, [], notes=_extra_files(work, task))
        if not any(work.iterdir()):
            graded.notes.append("empty submission folder")
        # Like nbgrader: the instructor's non-notebook files replace whatever the student sent.
        copy_other_files(Path(task.source), work, Config(task.config))
        for name in task.notebooks:
            graded.notebooks.append(_execute_notebook(task, name, work, graded))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    graded.seconds = time.monotonic() - start
    return graded


def _extra_files(work: Path, task: Task) -> list[str]:
    """Files the assignment does not have: said in the summary, since a misnamed notebook looks like one."""
    source = Path(task.source)
    expected = {f"{n}.ipynb" for n in task.notebooks} | {"timestamp.txt"}
    expected |= {str(p.relative_to(source)) for p in source.rglob("*") if p.is_file()}
    found = sorted(str(p.relative_to(work)) for p in work.rglob("*") if p.is_file())
    return [f"extra file ignored by grading: {name}" for name in found
            if name not in expected and ".ipynb_checkpoints" not in name]


def _execute_notebook(task: Task, name: str, work: Path, graded: Graded) -> NotebookResult:
    path = work / f"{name}.ipynb"
    if not path.exists():
        return NotebookResult(name, problem="notebook missing from the submission (scored zero)")
    try:
        saved_as = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        version = saved_as.nbformat  # before convert, which upgrades in place
        submitted = nbformat.convert(saved_as, 4)
    except Exception as error:  # nbformat raises several unrelated types for unreadable files
        why = f"not a valid notebook ({first_line(error)}); ask the learner for a copy that opens in Jupyter"
        return NotebookResult(name, problem=why, needs_manual_grade=True)
    release = nbformat.reads(task.releases[name], as_version=4)
    if integrity.is_other_assignment(submitted, release):
        return NotebookResult(name, problem=_not_this_assignment(version), needs_manual_grade=True)
    graded.findings.extend(integrity.check_notebook(submitted, release))
    resources = _resources(task, name)
    config = Config(task.config)
    try:
        export_file(path, config, sanitize_stage(config), resources)
        executed = _run_in_sandbox(task, path, work, config, resources)
        graded.findings.extend(tamper.findings(nbformat.reads(executed, as_version=4)))
    except Exception as error:  # a dead kernel, an unresponsive one, or a notebook nbgrader refuses
        return NotebookResult(name, problem=f"could not be run: {first_line(error)}", needs_manual_grade=True)
    return NotebookResult(name, executed=executed)


def _not_this_assignment(version: int) -> str:
    """Why a notebook with none of the assignment's graded cells is not graded; an old format loses them all."""
    if version < 4:
        return (f"saved in the old notebook format {version}, which keeps none of nbgrader's cell metadata: "
                "ask for the released notebook with the answers copied in")
    return "notebook from another assignment: none of its graded cells belong here; ask for this assignment's notebook"


def _run_in_sandbox(task: Task, path: Path, work: Path, config: Config, resources: dict) -> str:
    """Execute one notebook in a fresh sandbox, with its own kernel folder and cgroup, both removed after."""
    folder = Path(tempfile.mkdtemp(prefix="kernel-", dir=work.parent))
    try:
        limited = task.isolation.cgroup_missing == ""
        group_context = cgroup.limited_group(task.limits.memory, task.limits.processes) if limited else nullcontext()
        with group_context as group, nbutils.setenv(NBGRADER_EXECUTION="autograde"):
            stage = execute_stage(config, task.limits, task.isolation, work, folder, group)
            return export_file(path, config, stage, resources)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def _resources(task: Task, name: str) -> dict:
    """What nbgrader's converter would put in `resources` for this notebook (gradebook: the snapshot)."""
    return {
        "unique_key": name,
        "output_files_dir": f"{name}_files",
        "nbgrader": {"student": task.student, "assignment": task.assignment, "notebook": name,
                     "db_url": task.snapshot_db_url},
    }
