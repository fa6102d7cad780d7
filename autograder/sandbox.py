"""Run one untrusted notebook in its own kernel process, under limits the grader sets.

The kernel is an ordinary Jupyter kernel started by nbgrader's own `Execute` preprocessor, so
scores match `nbgrader autograde`; what we add is done at launch time and on the output stream:

- memory: RLIMIT_AS in the kernel process, so an unbounded allocation raises MemoryError in that
  cell and only that cell fails; the grader and the other kernels are unaffected;
- file size (RLIMIT_FSIZE) and no core dumps;
- time: nbgrader's per-cell timeout, plus a budget for all the cells of the notebook after which
  the remaining cells are not run;
- output: past a byte budget per cell further output is dropped (errors, results and the first
  chunk of each stream are kept, so grades do not change);
- files: the kernel runs in a scratch copy of the submission, with HOME and TMPDIR beside it;
- network: on Linux, when the platform allows unsharing a network namespace, the kernel gets an
  empty one and talks to us over unix sockets. Elsewhere this is skipped (best effort) and
  `network_isolation_available()` says so.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from nbformat import NotebookNode
from traitlets import Bool, Float, Integer, Unicode
from traitlets.config import Config

from .tamper import GuardedExecute

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000


@dataclass(frozen=True)
class Limits:
    """What one notebook may use. Times in seconds, sizes in bytes."""

    cell_timeout: int = 60
    notebook_timeout: int = 300
    memory: int = 2 * 1024**3
    file_size: int = 64 * 1024**2
    output: int = 1024**2
    isolate_network: bool = True


def _unshare_network() -> None:
    """Give this process an empty network namespace (needs root or unprivileged user namespaces)."""
    libc = ctypes.CDLL(None, use_errno=True)
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWNET | CLONE_NEWUSER
    if libc.unshare(flags) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) refused")


@functools.cache
def network_isolation_available() -> bool:
    """Whether kernels here can be cut off the network (tried once, in a forked child)."""
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
    """A kernel manager that applies resource limits in the kernel process before it starts."""

    memory_limit = Integer(0, help="RLIMIT_AS for the kernel, bytes (0: none)").tag(config=True)
    file_size_limit = Integer(0, help="RLIMIT_FSIZE for the kernel, bytes (0: none)").tag(config=True)
    isolate_network = Bool(False, help="run the kernel in an empty network namespace").tag(config=True)
    home = Unicode("", help="HOME and TMPDIR for the kernel (kept outside the submission copy)").tag(config=True)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        kw["env"] = {**kw.get("env", os.environ), **self._kernel_env()}
        kw["preexec_fn"] = self._limit_child
        await super()._async_launch_kernel(kernel_cmd, **kw)

    def _kernel_env(self) -> dict[str, str]:
        env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
        if self.home:
            env.update(HOME=self.home, TMPDIR=self.home, IPYTHONDIR=os.path.join(self.home, ".ipython"))
        return env

    def _limit_child(self) -> None:
        """Runs in the forked child, before exec: limits are inherited by the kernel."""
        if self.memory_limit:
            resource.setrlimit(resource.RLIMIT_AS, (self.memory_limit, self.memory_limit))
        if self.file_size_limit:
            resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_size_limit, self.file_size_limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if self.isolate_network:
            _unshare_network()


class LimitedExecute(GuardedExecute):
    """nbgrader's Execute with a whole-notebook time budget and an output byte budget."""

    notebook_timeout = Float(300.0, help="seconds for all the cells of a notebook (kernel start not counted)").tag(config=True)
    output_limit = Integer(1024**2, help="bytes of output kept per cell").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict, km: Any = None) -> tuple[NotebookNode, dict]:
        self._deadline = float("inf")  # set when the first cell starts: startup has its own timeout
        self._output_cell, self._output_bytes, self._cut_streams = -1, 0, set()
        self.timeout_func = self._cell_timeout
        return super().preprocess(nb, resources, km=km)

    def _cell_timeout(self, cell: NotebookNode) -> int:
        remaining = self._deadline - time.monotonic()
        return max(1, min(self.timeout or remaining, int(remaining) + 1))

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        if self._deadline == float("inf"):
            self._deadline = time.monotonic() + self.notebook_timeout
        if cell.cell_type == "code" and time.monotonic() > self._deadline:
            cell.outputs = [_error_output("NotebookTimeout", f"not run: the notebook used its {self.notebook_timeout:.0f} s budget")]
            return cell, resources
        return super().preprocess_cell(cell, resources, index)

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> NotebookNode | None:
        """Keep each cell's output under the byte budget; a stream past it keeps its head and a note."""
        if cell_index != self._output_cell:
            self._output_cell, self._output_bytes, self._cut_streams = cell_index, 0, set()
        content = msg["content"]
        if msg["msg_type"] in ("error", "execute_result"):
            return super().output(outs, msg, display_id, cell_index)
        room = self.output_limit - self._output_bytes
        size = len(json.dumps(content, default=str))
        self._output_bytes += size
        if size <= room:
            return super().output(outs, msg, display_id, cell_index)
        if msg["msg_type"] != "stream" or content.get("name") in self._cut_streams:
            return None
        self._cut_streams.add(content.get("name"))
        text = content.get("text", "")[:max(room, 0)] + f"\n[output cut: this cell printed more than {self.output_limit} bytes]\n"
        return super().output(outs, {**msg, "content": {**content, "text": text}}, display_id, cell_index)


def _error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def limits_config(limits: Limits, home: Path, isolate_network: bool) -> Config:
    """Config for LimitedExecute and its kernel manager; merge it over the course's config."""
    cfg = Config()
    cfg.SandboxedKernelManager.memory_limit = limits.memory
    cfg.SandboxedKernelManager.file_size_limit = limits.file_size
    cfg.SandboxedKernelManager.isolate_network = isolate_network
    cfg.SandboxedKernelManager.home = str(home)
    if isolate_network:
        # The kernel cannot reach our loopback from its own namespace; unix sockets cross it.
        cfg.SandboxedKernelManager.transport = "ipc"
        cfg.SandboxedKernelManager.ip = str(home / "kernel")
    cfg.LimitedExecute.notebook_timeout = float(limits.notebook_timeout)
    cfg.LimitedExecute.output_limit = limits.output
    cfg.Execute.timeout = limits.cell_timeout
    return cfg
