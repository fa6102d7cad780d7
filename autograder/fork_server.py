"""The fork server grading workers start from, with the grading modules imported once in it.

A worker forked from it starts at once, and none is forked from the threaded grader (a fork can
copy a lock another thread holds). `autograder grade` starts the server before importing anything
heavy itself, so the server's imports (nbformat, nbgrader, the judge with numpy and the answer
key) run on another core while the command loads the course.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing import forkserver

PRELOADED = ["autograder.grading", "autograder.judge"]


def worker_context() -> multiprocessing.context.BaseContext:
    """The multiprocessing context grading workers are started with."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    return context


def start() -> None:
    """Start the server now rather than at the first worker; does nothing if it runs already."""
    worker_context()
    forkserver.ensure_running()
