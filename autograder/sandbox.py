"""Run one untrusted notebook in its own kernel, inside a sandbox, under limits the grader sets.

The kernel is an ordinary Jupyter kernel started by nbgrader's own `Execute` preprocessor, so
scores match `nbgrader autograde`; what we add is done at launch time and on the output stream:

- isolation: the kernel runs inside bubblewrap (see `bubblewrap`): only the submission's scratch
  copy is visible and writable, private /tmp and home, its own PID namespace (nothing it starts
  outlives it), no network (it talks to us over unix sockets), no capabilities, an unprivileged uid;
- memory and processes: one cgroup per notebook bounds the sandbox as a whole (see `cgroup`), and
  RLIMIT_AS bounds each process, so an unbounded allocation raises MemoryError in its cell;
- file size (RLIMIT_FSIZE) and no core dumps;
- time: nbgrader's per-cell timeout (interrupts travel as messages: a signal to bubblewrap does not
  reach the kernel), plus a budget for all the cells of the notebook;
- output: past a byte budget per cell further output is dropped (errors, results and the first
  chunk of each stream are kept, so grades do not change).

What this machine cannot give is found once by `Isolation.detect` and said in `grade`'s summary.
"""

from __future__ import annotations

import ctypes
import functools
import os
import resource
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer, List, Unicode
from traitlets.config import Config

from . import bubblewrap, cgroup
from .kernel_cache import KernelCache
from .lifetime import die_with_parent
from .limits import Limits
from .notebook_budget import NotebookBudget
from .output_budget import OutputBudget
from .tamper import GuardedExecute

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
# One thread per kernel (the workers already use every core) and figures drawn without a display.
KERNEL_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


@dataclass(frozen=True)
class Isolation:
    """Which pieces of the sandbox this machine gives kernels (found once per grading run)."""

    bubblewrap: bool
    user_namespace: bool
    network: bool  # kernels can be cut off the network here
    cgroup_missing: str = ""  # why no cgroup bounds the sandbox; empty when one does
    kernel_cache: KernelCache | None = None  # prepared per course by `kernel_cache.prepare`

    @classmethod
    def detect(cls) -> Isolation:
        wrapped = bubblewrap.executable() is not None
        network = wrapped or network_isolation_available()
        return cls(wrapped, wrapped and bubblewrap.user_namespaces(), network, cgroup.unavailable_reason() or "")

    def cuts_network(self, limits: Limits) -> bool:
        """Whether kernels run without network: the limits forbid it and this machine can cut it."""
        return self.network and not limits.network

    def gaps(self, limits: Limits) -> list[str]:
        """One summary line per missing piece, saying what holds instead."""
        lines = []
        if not self.bubblewrap:
            lines.append("note: NO SANDBOX (bubblewrap missing or refused here; apt-get install bubblewrap): kernels "
                         "can read and write whatever the grader's user can, the course folder, the gradebook and "
                         "other submissions included, and processes they start may outlive them")
        elif not self.user_namespace:
            lines.append("note: bubblewrap cannot make a user namespace here: kernels keep the grader's uid "
                         "inside the sandbox (without capabilities)")
        if self.cgroup_missing:
            lines.append(f"note: no cgroup ({self.cgroup_missing}): memory is bounded per process only "
                         f"(RLIMIT_AS, {limits.memory // 1024**2} MB each, so several processes may use more "
                         "together) and the number of processes is not limited")
        if not self.cuts_network(limits):
            lines.append("note: kernels keep network access")
        return lines


def kernel_packages(config: Config) -> tuple[str, ...]:
    """The packages the course's kernels may import (its `SandboxedKernelManager.kernel_packages`, else ours)."""
    return tuple(config.get("SandboxedKernelManager", {}).get("kernel_packages", bubblewrap.KERNEL_PACKAGES))


def _unshare_network() -> None:
    """Give this process an empty network namespace (needs root or unprivileged user namespaces)."""
    libc = ctypes.CDLL(None, use_errno=True)
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWNET | CLONE_NEWUSER
    if libc.unshare(flags) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) refused")


@functools.cache
def network_isolation_available() -> bool:
    """Whether kernels here can be cut off the network without bubblewrap (tried once, in a forked child)."""
    if not sys.platform.startswith("linux"):
        return False
    pid = os.fork()
    if pid == 0:  # the child only calls unshare and leaves: nothing else of ours runs here
        try:
            _unshare_network()
        except OSError:
            os._exit(1)
        os._exit(0)
    return os.waitpid(pid, 0)[1] == 0


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel in a bubblewrap sandbox and a cgroup, under resource limits."""

    memory_limit = Integer(0, help="RLIMIT_AS for each kernel process, bytes (0: none)").tag(config=True)
    file_size_limit = Integer(0, help="RLIMIT_FSIZE for the kernel, bytes (0: none)").tag(config=True)
    isolate_network = Bool(False, help="cut the kernel off the network").tag(config=True)
    folder = Unicode("", help="the kernel's own folder: sockets, connection file (HOME and TMPDIR "
                              "when there is no sandbox)").tag(config=True)
    work = Unicode("", help="the submission's scratch copy, the one outside folder it may write").tag(config=True)
    sandboxed = Bool(False, help="run the kernel inside bubblewrap").tag(config=True)
    user_namespace = Bool(True, help="give the sandboxed kernel its own user namespace and uid").tag(config=True)
    cgroup_folders = List(Unicode(), help="cgroup folders the kernel joins before it starts").tag(config=True)
    kernel_cache = Unicode("", help="the course's prepared kernel cache (font list, bytecode), bound read-only"
                           ).tag(config=True)
    kernel_packages = List(Unicode(), list(bubblewrap.KERNEL_PACKAGES),
                           help="packages bound read-only into the sandbox for the kernel to import").tag(config=True)

    @property
    def kernel_spec(self) -> KernelSpec | None:
        """The kernel's spec, with interrupts sent as messages: SIGINT to bubblewrap never reaches the kernel."""
        spec = super().kernel_spec
        if spec is not None and self.sandboxed:
            spec.interrupt_mode = "message"
        return spec

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        env = kw.get("env", os.environ)
        if self.sandboxed:
            kernel_cmd = bubblewrap.command(self._sandbox(), kernel_cmd, kw.get("cwd") or self.work)
            env = bubblewrap.kernel_env(env, self._cache())
        elif self.folder:
            env = {**env, "HOME": self.folder, "TMPDIR": self.folder,
                   "IPYTHONDIR": os.path.join(self.folder, ".ipython")}
        kw["env"] = {**env, **KERNEL_ENV}
        kw["preexec_fn"] = functools.partial(self._limit_child, os.getpid())
        await super()._async_launch_kernel(kernel_cmd, **kw)

    def _sandbox(self) -> bubblewrap.Sandbox:
        return bubblewrap.Sandbox(
            work=Path(self.work), sockets=Path(self.folder), tmpfs_bytes=self.memory_limit or 1024**3,
            cache=self._cache(), user_namespace=self.user_namespace,
            packages=tuple(self.kernel_packages), share_network=not self.isolate_network)

    def _cache(self) -> KernelCache | None:
        return KernelCache(Path(self.kernel_cache)) if self.kernel_cache else None

    def _limit_child(self, launcher: int) -> None:
        """Runs in the forked child, before exec: the cgroup and the limits are inherited by the kernel,
        which dies with `launcher`, the grading worker that started it."""
        cgroup.Group(tuple(Path(f) for f in self.cgroup_folders)).join()
        if self.memory_limit:
            resource.setrlimit(resource.RLIMIT_AS, (self.memory_limit, self.memory_limit))
        if self.file_size_limit:
            resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_size_limit, self.file_size_limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        die_with_parent(launcher)
        if self.isolate_network and not self.sandboxed:
            _unshare_network()


class LimitedExecute(NotebookBudget, OutputBudget, GuardedExecute):
    """nbgrader's Execute, tamper-guarded, with a time budget per notebook and an output budget per cell."""


def limits_config(limits: Limits, isolation: Isolation, work: Path, folder: Path,
                  group: cgroup.Group | None = None) -> Config:
    """Config for LimitedExecute and its kernel manager; merge it over the course's config."""
    cfg = Config()
    km = cfg.SandboxedKernelManager
    km.memory_limit = limits.memory
    km.file_size_limit = limits.file_size
    km.isolate_network = isolation.cuts_network(limits)
    km.sandboxed = isolation.bubblewrap
    km.user_namespace = isolation.user_namespace
    km.kernel_cache = str(isolation.kernel_cache.folder) if isolation.kernel_cache else ""
    km.cgroup_folders = [str(f) for f in group.folders] if group else []
    km.work, km.folder = str(work), str(folder)
    if km.isolate_network or isolation.bubblewrap:
        # No loopback is shared with the kernel; unix sockets in its own folder cross the boundary.
        km.transport = "ipc"
        km.ip = str(folder / "kernel")
        km.connection_file = str(folder / "kernel.json")
    # Every output is in once the last cell has replied: end the sandbox at once (its PID namespace goes
    # with it) rather than wait for the kernel's own clean-up, which nothing graded depends on.
    cfg.LimitedExecute.shutdown_kernel = "immediate"
    cfg.LimitedExecute.notebook_timeout = float(limits.notebook_timeout)
    cfg.LimitedExecute.output_limit = limits.output
    if limits.cell_timeout is not None:  # else the course's own Execute.timeout holds
        cfg.Execute.timeout = limits.cell_timeout
    return cfg
