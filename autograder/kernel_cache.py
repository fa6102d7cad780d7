"""What every sandboxed kernel would otherwise rebuild at each start: matplotlib's font list and bytecode.

A sandbox's home is fresh and the Python it sees is read-only, so without help each kernel scans the
system's fonts again and compiles the course's own package again. The grader prepares both once per
course, outside any sandbox, under `<course>/.autograder/kernel-cache/`: the font list, and a
bytecode tree (Python's `PYTHONPYCACHEPREFIX`) of what a kernel imports. Each sandbox gets them
read-only: kernels read the cache, none can write it, so no submission can plant code another runs.
A later run refreshes only what changed (Python checks each cached file against its source).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

FOLDER = Path(".autograder") / "kernel-cache"
STAMP = "prepared-for.json"

KERNEL_MODULES = ("numpy", "matplotlib.pyplot", "ipywidgets", "array_api_compat.numpy")
"""The libraries the course's notebooks import, beside the kernel itself and the course's own packages."""

WARM_UP = """
import compileall, importlib, importlib.util, os, sys
from ipykernel.kernelapp import IPKernelApp
# What a kernel imports while it starts, the IPython shell's set-up included (not run: no event loop).
IPKernelApp.instance().initialize(['--IPKernelApp.connection_file=' + os.path.join(os.environ['IPYTHONDIR'], 'k.json')])
split = sys.argv.index('--')
for name in sys.argv[1:split]:
    if importlib.util.find_spec(name.split('.')[0]) is not None:
        importlib.import_module(name)
for name in sys.argv[split + 1:]:
    spec = importlib.util.find_spec(name)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(folder, quiet=1)
"""
"""Run by the grader in the cache's environment: a kernel's start-up, the notebooks' libraries, and
compileall on the course's kernel-side packages (a kernel may import any module of them) write their
bytecode into the cache. With PYTHONPYCACHEPREFIX set, Python reads bytecode only from the cache, so
a module left out would be compiled again in every kernel."""


@dataclass(frozen=True)
class KernelCache:
    """A prepared cache: the font list (bound into the kernel's matplotlib folder) and the bytecode tree."""

    folder: Path

    @property
    def fonts(self) -> Path:
        return self.folder / "matplotlib"

    @property
    def bytecode(self) -> Path:
        return self.folder / "bytecode"


def prepare(course_root: Path, packages: tuple[str, ...]) -> KernelCache:
    """Bring the course's kernel cache up to date for these kernel-side packages (fast when nothing changed)."""
    cache = KernelCache(course_root / FOLDER)
    stamp = _stamp(packages)
    if (cache.folder / STAMP).exists() and (cache.folder / STAMP).read_text() == stamp:
        return cache
    cache.fonts.mkdir(parents=True, exist_ok=True)
    cache.bytecode.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= {"MPLCONFIGDIR": str(cache.fonts), "PYTHONPYCACHEPREFIX": str(cache.bytecode), "MPLBACKEND": "Agg"}
    with tempfile.TemporaryDirectory(prefix="ag-warm-up-") as ipython:  # the kernel's profile: thrown away
        subprocess.run([sys.executable, "-c", WARM_UP, *KERNEL_MODULES, "--", *packages], check=True,
                       capture_output=True, env={**env, "IPYTHONDIR": ipython})
    _readable_by_all(cache.folder)
    (cache.folder / STAMP).write_text(stamp)
    return cache


def _readable_by_all(folder: Path) -> None:
    """Kernels run as an unprivileged user: whatever the grader's umask, they may read (never write) the cache."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def _stamp(packages: tuple[str, ...]) -> str:
    """Changes when Python, the installed libraries or a file of the kernel-side packages change."""
    installed = Path(sysconfig.get_paths()["purelib"])  # installing or removing a library changes its mtime
    folders = []
    for name in packages:
        spec = importlib.util.find_spec(name)
        folders += [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    newest = max(p.stat().st_mtime_ns for p in [installed, *(f for folder in folders for f in folder.rglob("*.py"))])
    return json.dumps([sys.version, sys.prefix, KERNEL_MODULES, packages, newest])
