"""One memory and process limit for a whole sandbox: a cgroup v1 child group per notebook.

A limit on each process (RLIMIT_AS) lets three children of 1 GB each use 3 GB together; a cgroup
counts them all. We use cgroup v1's `memory` and `pids` controllers when this process may create a
child group in them (root, delegated hierarchy). Elsewhere (cgroup v2, no delegation, not Linux)
`unavailable_reason()` says why, and only the per-process bounds hold.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids")


@dataclass(frozen=True)
class Group:
    """A child group in each controller; processes that join it (and their children) share its limits."""

    folders: tuple[Path, ...]

    def join(self) -> None:
        """Put the calling process in the group: meant for a launched child, before it execs."""
        for folder in self.folders:
            (folder / "cgroup.procs").write_text(str(os.getpid()))

    def pids(self) -> list[int]:
        return sorted({int(p) for f in self.folders for p in (f / "cgroup.procs").read_text().split()})


def _create(limit_memory: int, limit_processes: int) -> Group:
    name = f"autograder-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    memory, pids = ROOT / "memory" / name, ROOT / "pids" / name
    group = Group((memory, pids))
    for folder in group.folders:
        folder.mkdir()
    try:
        (memory / "memory.limit_in_bytes").write_text(str(limit_memory))
        swap = memory / "memory.memsw.limit_in_bytes"  # present when swap accounting is on: no way around the limit
        if swap.exists():
            swap.write_text(str(limit_memory))
        (pids / "pids.max").write_text(str(limit_processes))
    except OSError:
        _remove(group)
        raise
    return group


def _remove(group: Group) -> None:
    """Kill whatever is left in the group (normally nothing: the sandbox's PID namespace ended it), then remove it."""
    for _ in range(100):
        pids = group.pids() if all(f.exists() for f in group.folders) else []
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if not pids:
            break
        time.sleep(0.05)
    for folder in group.folders:
        with contextlib.suppress(FileNotFoundError):
            folder.rmdir()


@functools.cache
def unavailable_reason() -> str | None:
    """None when a limited child group can be made here; otherwise why not, in a few words."""
    if (ROOT / "cgroup.controllers").exists():
        return "cgroup v2 (only v1 child groups are used)"
    missing = [c for c in CONTROLLERS if not (ROOT / c / "cgroup.procs").exists()]
    if missing:
        return f"no cgroup v1 {' or '.join(missing)} controller mounted"
    try:
        _remove(_create(1024**3, 64))
    except OSError as error:
        return f"cannot create a cgroup here ({error.strerror}: not root, or the hierarchy is not delegated)"
    return None


@contextlib.contextmanager
def limited_group(memory: int, processes: int) -> Iterator[Group | None]:
    """A fresh group with these limits for the duration of the block (None where cgroups are unavailable)."""
    if unavailable_reason():
        yield None
        return
    group = _create(memory, processes)
    try:
        yield group
    finally:
        _remove(group)
