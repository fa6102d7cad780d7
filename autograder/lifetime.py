"""Processes that end with the one that started them: nothing of a grading run outlives it.

Grading workers watch the grader itself through a pidfd (they are forked by multiprocessing's
fork server, so their parent is not the grader, and the server outlives the grader while any
worker holds its pipe). Kernels use Linux's PR_SET_PDEATHSIG: the kernel sends them SIGKILL when
their worker ends. So killing `autograder grade`, even with SIGKILL, takes the workers with it,
and each worker its kernel.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Have this freshly forked process receive SIGKILL when `parent`, the process that forked it, ends.

    If `parent` ended before the request was made (between fork and prctl), this process has already
    been handed to another parent and would never get the signal: it ends at once instead.
    A no-op outside Linux.
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) refused")
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)


def die_with(pid: int) -> None:
    """End this process (SIGKILL) as soon as process `pid` ends, whoever started this one."""
    try:
        watched = os.pidfd_open(pid)
    except ProcessLookupError:  # already gone
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Thread(target=_kill_self_when_ready, args=(watched,), name="die-with", daemon=True).start()


def _kill_self_when_ready(pidfd: int) -> None:
    select.select([pidfd], [], [])  # a pidfd becomes readable when its process ends
    os.kill(os.getpid(), signal.SIGKILL)
