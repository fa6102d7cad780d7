"""How much faster `autograder grade` is than serial `nbgrader autograde`, and where a graded notebook's time goes.

    .venv/bin/python benchmarks/grading.py [--submissions 40] [--assignments 01_central_difference ...]

Builds a scratch copy of course/ with N submissions spread over the assignments (each one the
release notebook with the answers of the source or of a right or wrong variant from variants/, as a
learner hands it in, so some cells fail), then in
the same run, with the sandbox on (bubblewrap and the cgroup, where this machine has them):

1. grades them with `autograder grade --workers 2` and, in a second copy, with `nbgrader autograde`,
   interleaved per assignment, both as the command-line programs; prints both times, the speed-up
   (goal: at least 1.8x on 2 cores), whether the scores agree, and `uptime` before and after;
2. per notebook, one submission per assignment run alone (median of --repeats), with the course's
   prepared kernel cache (font list and bytecode, see `autograder.kernel_cache`) and with its font
   list alone (what kernels had before the bytecode), alternating; it needs bubblewrap: kernel
   start (scratch copy, sandbox, kernel ready, integrity baseline), the cells that import, the
   other cells, the end (judge, kernel shutdown) and recording (the one writer);
3. the same submission through our pipeline with and without the sandbox (bubblewrap and the
   cgroup; the same limits otherwise), alternating: what the sandbox costs per notebook.
   `--sandbox-only` measures just this; `--phases-only` just part 2.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import nbformat

from autograder import grading
from autograder.course import Course, open_course
from autograder.kernel_cache import KernelCache, prepare
from autograder.limits import Limits
from autograder.release import generate_release
from autograder.sandbox import Isolation, kernel_packages
from autograder.variants import apply_variant, handed_in, load_variants
from autograder.worker import execute_submission
from autograder.writer import Writer

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT_ASSIGNMENTS = ["01_central_difference", "02_chain_rule", "03_backprop"]
PHASES = ("kernel start", "import cells", "other cells", "end", "recording")


def build_course(root: Path, assignments: list[str], submissions: int) -> Course:
    """A scratch course with `submissions` notebooks spread round-robin over the assignments."""
    root.mkdir(parents=True)
    shutil.copy(REPO / "course" / "nbgrader_config.py", root)
    for assignment in assignments:
        shutil.copytree(REPO / "course" / "source" / assignment, root / "source" / assignment)
        generate_release(assignment, root)
    course = open_course(root)
    pools = {a: _submission_pool(course, a) for a in assignments}
    cycles = {a: itertools.cycle(pool) for a, pool in pools.items()}
    for i, assignment in zip(range(submissions), itertools.cycle(assignments)):
        name, nb = next(cycles[assignment])
        folder = course.folder("submitted") / f"student{i:03d}" / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{name}.ipynb")
    return course


def _submission_pool(course: Course, assignment: str) -> list[tuple[str, nbformat.NotebookNode]]:
    (name,) = course.notebook_names(assignment)
    source = course.read_notebook("source", assignment, name)
    release = course.read_notebook("release", assignment, name)
    answered = [source] + [apply_variant(source, v) for v in load_variants(assignment, REPO / "course")]
    return [(name, handed_in(release, nb)) for nb in answered]


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"})
    return time.perf_counter() - start


def scores(course: Course, assignments: list[str]) -> dict:
    with course.gradebook() as gb:
        return {(a, s.student_id, g.name): g.score for a in assignments
                for s in gb.assignment_submissions(a) for nb in s.notebooks for g in nb.grades}


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def _moment(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _imports(source: str) -> bool:
    """A setup cell: one with an import statement at its top level."""
    try:
        return any(isinstance(node, (ast.Import, ast.ImportFrom)) for node in ast.parse(source).body)
    except SyntaxError:
        return False


def notebook_phases(course: Course, assignment: str, isolation: Isolation) -> dict[str, float]:
    """Seconds of each phase of one submission's grading (its one notebook), from nbclient's cell timings."""
    student, folder = next(iter(course.submissions(assignment).items()))
    task = grading.build_task(course, assignment, student, folder, course.db_url,
                              Limits().for_course(course.config), isolation)
    start = time.time()  # wall clock: the kernel stamps its replies with it
    graded = execute_submission(task)
    end = time.time()
    (result,) = graded.notebooks
    if result.executed is None:
        raise RuntimeError(f"{assignment}: {result.problem}")
    spans = {True: 0.0, False: 0.0}
    first, last = end, start
    for cell in nbformat.reads(result.executed, as_version=4).cells:
        timing = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type != "code" or "shell.execute_reply" not in timing:
            continue
        begin, done = _moment(timing["iopub.status.busy"]), _moment(timing["shell.execute_reply"])
        spans[_imports(cell.source)] += done - begin
        first, last = min(first, begin), max(last, done)
    clock = time.perf_counter()
    Writer(course, assignment, zero_flagged=False).record(graded, "benchmark")
    recording = time.perf_counter() - clock
    return dict(zip(PHASES, (first - start, spans[True], spans[False], end - last, recording)))


def phases(course: Course, assignment: str, repeats: int, cached: Isolation, fonts_only: Isolation) -> None:
    """Part 2: each phase's median, with the prepared kernel cache and with only a font list, alternating."""
    setups = {"font list and bytecode": cached, "font list only (before)": fonts_only}
    runs: dict[str, list[dict[str, float]]] = {label: [] for label in setups}
    for repeat in range(repeats):
        for label in sorted(setups, reverse=repeat % 2 == 1):  # each goes first in every other pair
            runs[label].append(notebook_phases(course, assignment, setups[label]))
    for label, measured in runs.items():
        medians = {phase: statistics.median(run[phase] for run in measured) for phase in PHASES}
        shown = ", ".join(f"{phase} {seconds:.2f}" for phase, seconds in medians.items())
        print(f"  {assignment}, {label}: {shown}; total {sum(medians.values()):.2f}")


def sandbox_cost(course: Course, assignment: str, repeats: int, sandboxed: Isolation) -> tuple[float, float]:
    """Median seconds for one submission through our worker: in the sandbox, and with no sandbox at all."""
    student = next(iter(course.submissions(assignment)))
    bare = Isolation(bubblewrap=False, user_namespace=False, network=False, cgroup_missing="off for the baseline")
    limits = Limits().for_course(course.config)
    tasks = {isolation: grading.build_task(course, assignment, student, course.submissions(assignment)[student],
                                           course.db_url, limits, isolation) for isolation in (sandboxed, bare)}
    seconds: dict[Isolation, list[float]] = {isolation: [] for isolation in tasks}
    for _ in range(repeats):
        for isolation, task in tasks.items():  # alternating, so drifting machine load hits both alike
            start = time.perf_counter()
            execute_submission(task)
            seconds[isolation].append(time.perf_counter() - start)
    return statistics.median(seconds[sandboxed]), statistics.median(seconds[bare])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--assignments", nargs="+", default=DEFAULT_ASSIGNMENTS)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sandbox-only", action="store_true", help="measure only what the sandbox costs (part 3)")
    parser.add_argument("--phases-only", action="store_true", help="measure only where a notebook's time goes (part 2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        ours = build_course(Path(tmp) / "ours", args.assignments, args.submissions)
        isolation = Isolation.detect()
        print("\n".join(isolation.gaps(Limits())) or "sandbox: every piece available")
        if not (args.sandbox_only or args.phases_only):
            compare_with_nbgrader(ours, Path(tmp), args)
        if isolation.bubblewrap:  # as `grade` does: the course's prepared kernel cache
            isolation = replace(isolation, kernel_cache=prepare(ours.root, kernel_packages(ours.config)))
        if not args.sandbox_only and isolation.kernel_cache:
            fonts = Path(tmp) / "fonts-only"  # what kernels had before the bytecode cache: a font list alone
            shutil.copytree(isolation.kernel_cache.fonts, KernelCache(fonts).fonts)
            fonts_only = replace(isolation, kernel_cache=KernelCache(fonts))
            print(f"where a notebook's time goes, in seconds (median of {args.repeats}); {uptime()}")
            for assignment in args.assignments:
                phases(ours, assignment, args.repeats, isolation, fonts_only)
        elif not args.sandbox_only:
            print("where a notebook's time goes: skipped, the kernel cache needs bubblewrap (apt-get install bubblewrap)")
        if not args.phases_only:
            for assignment in args.assignments:
                boxed, bare = sandbox_cost(ours, assignment, args.repeats, isolation)
                print(f"sandbox cost, {assignment}: {boxed:.2f} s sandboxed, {bare:.2f} s without, "
                      f"+{boxed - bare:.2f} s per notebook ({boxed / bare:.2f}x)")
        print(f"after: {uptime()}")


def compare_with_nbgrader(ours: Course, tmp: Path, args: argparse.Namespace) -> None:
    """Part 1 of the module docstring: `autograder grade --workers N` against serial `nbgrader autograde`."""
    theirs = open_course(shutil.copytree(ours.root, tmp / "nbgrader"))
    print(f"{args.submissions} submissions of {', '.join(args.assignments)} on {os.cpu_count()} cores, "
          f"--workers {args.workers}; before: {uptime()}")
    t_ours = t_nbgrader = 0.0
    for assignment in args.assignments:  # interleaved, so drifting machine load hits both alike
        t_ours += timed([str(BIN / "autograder"), "--course", str(ours.root), "grade", assignment,
                         "--workers", str(args.workers)], REPO)
        t_nbgrader += timed([str(BIN / "nbgrader"), "autograde", assignment, "--force"], theirs.root)
    agree = scores(ours, args.assignments) == scores(theirs, args.assignments)
    print(f"autograder grade:    {t_ours:7.1f} s")
    print(f"nbgrader autograde:  {t_nbgrader:7.1f} s")
    print(f"speed-up:            {t_nbgrader / t_ours:7.2f}x  (goal >= 1.8x on 2 cores); "
          f"scores {'agree' if agree else 'DIFFER'}; after: {uptime()}")


if __name__ == "__main__":
    main()
