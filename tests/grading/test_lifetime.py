"""A kernel never outlives the worker that started it, even when the worker dies while the kernel starts.

Each case runs in its own Python process made a child subreaper, so the orphaned "kernel" is handed
to it (not to init) and it can see how the orphan ended.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

RACE = textwrap.dedent("""
    import ctypes, os
    from autograder.lifetime import die_with_parent

    PR_SET_CHILD_SUBREAPER = 36
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    worker = os.fork()
    if worker == 0:
        launcher = os.getpid()
        kernel = os.fork()
        if kernel == 0:
            while os.getppid() == launcher:  # the worker ends before the kernel asks to die with it
                pass
            die_with_parent(launcher)
            os._exit(0)  # reached only if the kernel lives on as an orphan
        os._exit(0)
    os.waitpid(worker, 0)
    pid, status = os.wait()  # the orphaned kernel, now ours
    print(os.waitstatus_to_exitcode(status))
""")


def test_a_kernel_whose_worker_ended_before_it_asked_to_die_with_it_ends_at_once() -> None:
    run = subprocess.run([sys.executable, "-c", RACE], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) == -signal.SIGKILL


def test_a_kernel_whose_worker_lives_starts_normally() -> None:
    alive = textwrap.dedent("""
        import os, subprocess, sys
        from autograder.lifetime import die_with_parent
        worker = os.getpid()
        child = subprocess.run([sys.executable, "-c", "pass"], preexec_fn=lambda: die_with_parent(worker))
        print(child.returncode)
    """)
    run = subprocess.run([sys.executable, "-c", alive], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and int(run.stdout) == 0, run.stderr
