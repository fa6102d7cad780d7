"""Processes that end with the one that started them: nothing of a grading run outlives it.

Linux's PR_SET_PDEATHSIG asks the kernel to send a signal to a process when its parent dies,
however the parent dies (SIGKILL included). Grading workers set it in their initializer, kernels
in their launch, so killing `autograder grade` takes the workers and then their kernels with it.
"""

from __future__ import annotations

import ctypes
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Have this process receive SIGKILL when its parent ends (a no-op outside Linux)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) refused")
