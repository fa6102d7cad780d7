"""Does every source notebook run within mybinder's limits: 30 s of wall time and 1 GB of memory?

    .venv/bin/python benchmarks/notebooks.py [01_central_difference ...]

Runs each source notebook top to bottom in a fresh kernel (the time includes the kernel's start,
as a learner waits for it), prints its seconds and the kernel's peak memory against the budget,
and exits 1 when any notebook is over. A clock on a shared machine is noisy, so this is a
benchmark to read, not a test (tests/course/test_notebooks.py keeps the memory check).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the tests' notebook runner, so both measure the same run

from course_grading import assignments, execute_notebook, source_notebook  # noqa: E402

SECONDS = 30
MEGABYTES = 1024


def measure(assignment: str) -> tuple[float, float]:
    """(seconds, peak MB) of one run of the assignment's source notebook."""
    start = time.perf_counter()
    run = execute_notebook(source_notebook(assignment))
    return time.perf_counter() - start, run.peak_rss_bytes / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="assignments to run (default: all)")
    chosen = parser.parse_args(argv).assignments or assignments()
    unknown = sorted(set(chosen) - set(assignments()))
    if unknown:
        parser.error(f"no source notebook for {', '.join(unknown)}; known: {', '.join(assignments())}")
    over = []
    print(f"{'notebook':24} {'seconds':>8} {'peak MB':>8}   budget {SECONDS} s, {MEGABYTES} MB")
    for assignment in chosen:
        seconds, megabytes = measure(assignment)
        verdict = "ok" if seconds < SECONDS and megabytes < MEGABYTES else "OVER BUDGET"
        if verdict != "ok":
            over.append(assignment)
        print(f"{assignment:24} {seconds:8.1f} {megabytes:8.0f}   {verdict}")
    print(f"over budget: {', '.join(over)}" if over else "every notebook is within budget")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
