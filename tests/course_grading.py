"""Shared test helpers: grade submissions of the course's notebooks with nbgrader itself, and run notebooks.

A `CourseWorkspace` is a throwaway copy of course/ (config, source, release) where nbgrader may
write its gradebook and folders. Per assignment it regenerates the release once, builds the
submissions (the source notebook as is, the blank release, every variant in
course/variants/<assignment>.yml), autogrades them all in ONE nbgrader call, and reads back each
test cell's score and error text. A `GradingPool` does that for several assignments at once, each
in a workspace and a worker process of its own; tests/conftest.py keeps one for the session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
import multiprocessing
import os
import shutil
import warnings
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from sqlalchemy.exc import SAWarning

from autograder.course import open_course
from autograder.grades import cell_errors
from autograder.release import generate_release
from autograder.variants import Variant, apply_variant, load_variants

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "course"


def assignments() -> list[str]:
    """Assignments that have a source notebook, in course order."""
    return sorted(p.parent.name for p in (COURSE / "source").glob("*/*.ipynb"))


def notebook_filename(assignment: str) -> str:
    """The assignment's notebook file: its name without the number, e.g. central_difference.ipynb."""
    return assignment.split("_", 1)[1] + ".ipynb"


def source_notebook(assignment: str) -> Path:
    return COURSE / "source" / assignment / notebook_filename(assignment)


def release_notebook(assignment: str, course: Path = COURSE) -> Path:
    return course / "release" / assignment / notebook_filename(assignment)


def nbgrader_meta(cell: nbformat.NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def run_up_to(assignment: str, stop: Callable[[nbformat.NotebookNode], bool],
              answers: Mapping[str, str] | None = None) -> tuple[dict, str]:
    """Run a source notebook's code as a learner's Run All would, test cells left out and `answers` (by
    grade_id) in place of those cells, up to the first code cell `stop` picks: the namespace, and that
    cell's source (answered), not yet run, so a test can run it expecting its failure."""
    namespace: dict = {}
    for cell in nbformat.read(source_notebook(assignment), as_version=4).cells:
        if cell.cell_type != "code":
            continue
        meta = nbgrader_meta(cell)
        source = (answers or {}).get(meta.get("grade_id"), cell.source)
        if stop(cell):
            return namespace, source
        if not meta.get("grade"):
            exec(source, namespace)
    raise AssertionError(f"no code cell of {assignment} is the one to stop at")


def autograded_test_ids(notebook: nbformat.NotebookNode) -> list[str]:
    """grade_ids of the code cells nbgrader scores by running them (visible and hidden tests)."""
    return [
        nbgrader_meta(c)["grade_id"]
        for c in notebook.cells
        if c.cell_type == "code" and nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")
    ]


@dataclass(frozen=True)
class Submission:
    """One notebook to hand in: who submits it, and the variant it was built from (None: source or blank)."""

    student: str
    notebook: nbformat.NotebookNode
    variant: Variant | None = None


@dataclass
class GradedSubmission:
    """nbgrader's verdict on one submission: score per autograded test cell, and each failing cell's error."""

    submission: Submission
    scores: dict[str, float] = field(default_factory=dict)
    max_scores: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def lost_points(self) -> set[str]:
        """Test cells that scored less than their points."""
        return {g for g, s in self.scores.items() if s < self.max_scores[g]}

    def report(self) -> str:
        """Every cell's score, then the errors: what a failing test should print."""
        lines = [f"{self.submission.student}:"]
        lines += [f"  {g}: {self.scores[g]:g}/{self.max_scores[g]:g}" for g in sorted(self.scores)]
        lines += [f"--- {g} ---\n{text}" for g, text in sorted(self.errors.items())]
        return "\n".join(lines)


def build_submissions(assignment: str, blank: nbformat.NotebookNode) -> list[Submission]:
    """The source notebook as is, the blank release, and every variant applied to the source."""
    source = nbformat.read(source_notebook(assignment), as_version=4)
    built = [Submission("source", source), Submission("blank", blank)]
    variants = load_variants(assignment, COURSE)
    built += [
        Submission(v.student, apply_variant(source, v), v) for v in variants
    ]
    return built


class CourseWorkspace:
    """A throwaway copy of course/ in which nbgrader generates releases and autogrades submissions."""

    def __init__(self, root: Path):
        self.root = root
        shutil.copy(COURSE / "nbgrader_config.py", root / "nbgrader_config.py")
        for folder in ("source", "release"):
            if (COURSE / folder).is_dir():
                shutil.copytree(COURSE / folder, root / folder, dirs_exist_ok=True)
        self._released: set[str] = set()

    def release(self, assignment: str) -> Path:
        """The assignment's release notebook, regenerated from source here (once per workspace)."""
        if assignment not in self._released:
            generate_release(assignment, self.root)
            self._released.add(assignment)
        return release_notebook(assignment, self.root)

    def grade(self, assignment: str, submissions: Iterable[Submission]) -> dict[str, GradedSubmission]:
        """Autograde every submission with ONE `nbgrader autograde` run; results by student id."""
        self.release(assignment)
        submissions = list(submissions)
        filename = notebook_filename(assignment)
        for sub in submissions:
            folder = self.root / "submitted" / sub.student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(sub.notebook, folder / filename)
        course = open_course(self.root)
        with warnings.catch_warnings():  # nbgrader's own SQLAlchemy session chatter, not ours to fix
            warnings.simplefilter("ignore", SAWarning)
            result = course.api().autograde(assignment, "*", force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader autograde {assignment} failed:\n{result.get('error') or result.get('log')}")
        graded = {}
        with course.gradebook() as gb:
            for sub in submissions:
                notebook = gb.find_submission_notebook(filename[: -len(".ipynb")], assignment, sub.student)
                result_ = GradedSubmission(sub)
                for grade in notebook.grades:
                    if grade.cell.cell_type == "code":
                        result_.scores[grade.name] = float(grade.score)
                        result_.max_scores[grade.name] = float(grade.max_score)
                autograded = self.root / "autograded" / sub.student / assignment / filename
                result_.errors = cell_errors(nbformat.read(autograded, as_version=4), result_.lost_points())
                graded[sub.student] = result_
        return graded

    def grade_variants(self, assignment: str) -> dict[str, GradedSubmission]:
        """Grade the source, the blank release and every variant of an assignment."""
        blank = nbformat.read(self.release(assignment), as_version=4)
        return self.grade(assignment, build_submissions(assignment, blank))


@dataclass(frozen=True)
class GradedAssignment:
    """What one worker learns about an assignment: the source's own run in a fresh kernel, and, in a
    workspace of its own, the release nbgrader regenerated from source and its verdict on each
    submission by student id."""

    source_run: Execution
    release: nbformat.NotebookNode
    submissions: dict[str, GradedSubmission]


def grade_assignment(root: Path, assignment: str) -> GradedAssignment:
    """Run the source notebook, then regenerate the release and grade the source, the blank release and
    every variant, in a new workspace at `root` (a GradingPool's worker runs this)."""
    source_run = execute_notebook(source_notebook(assignment))
    root.mkdir(parents=True)
    workspace = CourseWorkspace(root)
    submissions = workspace.grade_variants(assignment)
    return GradedAssignment(source_run, nbformat.read(workspace.release(assignment), as_version=4), submissions)


class GradingPool:
    """nbgrader grading whole assignments, `workers` at a time, each in its own process and workspace
    under `root`: one nbgrader run keeps about one core busy (it waits on one kernel at a time), so by
    default one worker per core, at most four.

    Workers (and the kernels they start) run at low priority, `nice` 10: queued as a session starts,
    they use the CPU that other tests leave idle and barely slow those down. They are spawned, not
    forked: the test process may hold threads (a browser driver).
    """

    def __init__(self, root: Path, workers: int = min(4, os.cpu_count() or 1)):
        self.root = root
        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=os.nice, initargs=(10,))
        self._graded: dict[str, Future[GradedAssignment]] = {}

    def start(self, assignments: Iterable[str]) -> None:
        """Queue these assignments' grading, in order, unless already queued."""
        for assignment in assignments:
            if assignment not in self._graded:
                self._graded[assignment] = self._pool.submit(grade_assignment, self.root / assignment, assignment)

    def result(self, assignment: str) -> GradedAssignment:
        """The assignment's grades, waiting for its worker to finish (queued now if it was not)."""
        self.start([assignment])
        return self._graded[assignment].result()

    def close(self) -> None:
        """Drop what no test asked for yet and stop the workers."""
        self._pool.shutdown(wait=True, cancel_futures=True)


# --- Assertions the per-notebook tests share -----------------------------------------------------

def assert_full_marks(graded: GradedSubmission, test_ids: Iterable[str]) -> None:
    """Every autograded test cell scored all its points."""
    test_ids = list(test_ids)
    assert sorted(graded.scores) == sorted(test_ids), graded.report()
    assert not graded.lost_points(), graded.report()


def assert_zero(graded: GradedSubmission, test_ids: Iterable[str]) -> None:
    """Every autograded test cell scored nothing (a blank release must not earn points)."""
    test_ids = list(test_ids)
    assert sorted(graded.scores) == sorted(test_ids), graded.report()
    assert all(graded.scores[g] == 0 for g in test_ids), graded.report()


def assert_caught(graded: GradedSubmission, variant: Variant) -> None:
    """A wrong variant scores zero on each listed cell, and each of those cells' errors names the mistake."""
    for grade_id in variant.fails:
        assert grade_id in graded.scores, f"{variant.name}: no test cell {grade_id!r}\n{graded.report()}"
        assert graded.scores[grade_id] == 0, f"{variant.name}: {grade_id} did not fail\n{graded.report()}"
        assert variant.message in graded.errors.get(grade_id, ""), (
            f"{variant.name}: {grade_id}'s error does not say {variant.message!r}\n{graded.report()}"
        )


# --- Running a notebook top to bottom ------------------------------------------------------------

PEAK_RSS_PROBE = "import resource as _r; print(_r.getrusage(_r.RUSAGE_SELF).ru_maxrss * 1024)"


@dataclass(frozen=True)
class Execution:
    """A notebook run: the executed notebook and the kernel's peak resident memory."""

    notebook: nbformat.NotebookNode
    peak_rss_bytes: int


def execute_notebook(path: Path, cell_timeout: int = 300) -> Execution:
    """Run the notebook top to bottom in a fresh kernel in its own folder; errors raise CellExecutionError
    (except the AwaitingJudge that ends every hidden test cell).

    A last cell added to a copy asks the kernel for its own peak RSS (ru_maxrss is in KiB on Linux).
    The cell timeout only guards against a hang: time budgets are measured by benchmarks/notebooks.py.
    """
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(PEAK_RSS_PROBE))
    client = NotebookClient(
        notebook, timeout=cell_timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
        allow_error_names=["AwaitingJudge"],  # a hidden test cell hands its record to the grader's judge
    )
    client.execute()
    probe = notebook.cells.pop()
    return Execution(notebook, int(probe.outputs[0].text.strip()))


def outputs_stripped(notebook: nbformat.NotebookNode) -> list[int]:
    """Indices of code cells that still carry outputs or an execution count."""
    return [
        i for i, c in enumerate(notebook.cells)
        if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)
    ]


def release_view(notebook: nbformat.NotebookNode) -> list[tuple[str, str, dict]]:
    """What must match between a committed and a regenerated release: each cell's type, source and metadata."""
    return [(c.cell_type, c.source, dict(c.get("metadata", {}))) for c in notebook.cells]


def graded_variant(graded: Mapping[str, GradedSubmission], variant: Variant) -> GradedSubmission:
    """The graded submission that was built from `variant`."""
    return graded[variant.student]
