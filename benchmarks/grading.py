"""How much faster `autograder grade` is than serial `nbgrader autograde`, and what the sandbox costs.

    .venv/bin/python benchmarks/grading.py [--submissions 40] [--assignments 01_central_difference ...]

Builds a scratch copy of course/ with N submissions spread over the assignments (each one the
source notebook with a right or wrong variant from variants/ applied, so some cells fail), then in
the same run:

1. grades them with `autograder grade` (workers = cores) and, in a second copy, with
   `nbgrader autograde`, interleaved per assignment, both as the command-line programs; prints
   both times, the speed-up (goal: at least 1.8x on 2 cores) and whether the scores agree;
2. runs one submission per assignment alone, five times each (median), through our sandboxed pipeline
   and through plain nbclient, and prints the per-notebook overhead (goal: within 1.2x);
3. runs the same submission through our pipeline with and without the sandbox (bubblewrap and the
   cgroup; the same limits otherwise), alternating, and prints what the sandbox costs per notebook.
   `--sandbox-only` measures just this.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder import grading
from autograder.worker import execute_submission
from autograder.course import Course, open_course
from autograder.release import generate_release
from autograder.sandbox import Isolation, Limits, prepare_font_cache
from autograder.variants import apply_variant, load_variants

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT_ASSIGNMENTS = ["01_central_difference", "02_chain_rule", "03_backprop"]


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
    variants = list(load_variants(assignment, REPO / "course"))
    return [(name, source)] + [(name, apply_variant(source, v)) for v in variants]


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"})
    return time.perf_counter() - start


def scores(course: Course, assignments: list[str]) -> dict:
    with course.gradebook() as gb:
        return {(a, s.student_id, g.name): g.score for a in assignments
                for s in gb.assignment_submissions(a) for nb in s.notebooks for g in nb.grades}


def overhead(course: Course, assignment: str, repeats: int, isolation: Isolation) -> tuple[float, float]:
    """Median seconds for one submission: our sandboxed worker pipeline vs nbclient alone."""
    student = next(iter(course.submissions(assignment)))
    folder = course.submissions(assignment)[student]
    task = grading.build_task(course, assignment, student, folder, course.db_url, Limits(), isolation)
    (name,) = task.notebooks
    ours, plain = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        execute_submission(task)
        ours.append(time.perf_counter() - start)
        with tempfile.TemporaryDirectory() as tmp:
            nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
            start = time.perf_counter()
            NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": tmp}}).execute()
            plain.append(time.perf_counter() - start)
    return statistics.median(ours), statistics.median(plain)


def sandbox_cost(course: Course, assignment: str, repeats: int, sandboxed: Isolation) -> tuple[float, float]:
    """Median seconds for one submission through our worker: in the sandbox, and with no sandbox at all."""
    student = next(iter(course.submissions(assignment)))
    bare = Isolation(bubblewrap=False, user_namespace=False, network=False, cgroup_missing="off for the baseline")
    tasks = {isolation: grading.build_task(course, assignment, student, course.submissions(assignment)[student],
                                           course.db_url, Limits(), isolation) for isolation in (sandboxed, bare)}
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
    parser.add_argument("--sandbox-only", action="store_true", help="measure only what the sandbox costs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        ours = build_course(Path(tmp) / "ours", args.assignments, args.submissions)
        isolation = Isolation.detect()
        print("\n".join(isolation.gaps(Limits())) or "sandbox: every piece available")
        if isolation.bubblewrap:  # as `grade` does: one matplotlib font list for every kernel
            isolation = replace(isolation, font_cache=prepare_font_cache(Path(tmp) / "matplotlib"))
        if not args.sandbox_only:
            compare_with_nbgrader(ours, Path(tmp), isolation, args)
        for assignment in args.assignments:
            boxed, bare = sandbox_cost(ours, assignment, args.repeats, isolation)
            print(f"sandbox cost, {assignment}: {boxed:.2f} s sandboxed, {bare:.2f} s without, "
                  f"+{boxed - bare:.2f} s per notebook ({boxed / bare:.2f}x)")


def compare_with_nbgrader(ours: Course, tmp: Path, isolation: Isolation, args: argparse.Namespace) -> None:
    """Parts 1 and 2 of the module docstring: against `nbgrader autograde`, then against nbclient alone."""
    theirs = open_course(shutil.copytree(ours.root, tmp / "nbgrader"))
    print(f"{args.submissions} submissions of {', '.join(args.assignments)} on {os.cpu_count()} cores; "
          f"load average before: {os.getloadavg()[0]:.1f}")

    t_ours = t_nbgrader = 0.0
    for assignment in args.assignments:  # interleaved, so drifting machine load hits both alike
        t_ours += timed([str(BIN / "autograder"), "--course", str(ours.root), "grade", assignment], REPO)
        t_nbgrader += timed([str(BIN / "nbgrader"), "autograde", assignment, "--force"], theirs.root)
    agree = scores(ours, args.assignments) == scores(theirs, args.assignments)
    print(f"autograder grade:    {t_ours:7.1f} s")
    print(f"nbgrader autograde:  {t_nbgrader:7.1f} s")
    print(f"speed-up:            {t_nbgrader / t_ours:7.2f}x  (goal >= 1.8x on 2 cores); "
          f"scores {'agree' if agree else 'DIFFER'}; load average after: {os.getloadavg()[0]:.1f}")

    for assignment in args.assignments:
        mine, plain = overhead(ours, assignment, args.repeats, isolation)
        print(f"one notebook, {assignment}: sandboxed pipeline {mine:.2f} s, nbclient alone {plain:.2f} s, "
              f"overhead {mine / plain:.2f}x  (goal <= 1.2x)")


if __name__ == "__main__":
    main()
