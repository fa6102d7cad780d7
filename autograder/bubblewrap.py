"""The bubblewrap command line that wraps one kernel: what exists inside, and what it may do.

Inside, the root holds only read-only copies of what Python needs (the system's /usr, a few files
of /etc, the Python installation, the virtual environment, the kernel-side packages, the course's
prepared kernel cache), the submission's scratch copy (the one writable folder from outside), the folder of the kernel's
sockets, and a private /tmp and home. Every path is bound at its own path, so the paths in the
connection file and the notebook's working folder mean the same on both sides.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .kernel_cache import KernelCache

HOME = "/home/learner"
UID = 65534  # nobody: the kernel's user inside its own user namespace
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "fonts", "localtime", "nsswitch.conf",
       "passwd", "group", "hosts", "mime.types")
TOP_LEVEL = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")  # symlinks into /usr on merged-/usr systems

# What test cells import in the kernel, bound read-only from wherever they are installed (an editable
# install leaves them in the repository, which is otherwise absent inside): the learner's package,
# whose `hidden_tests` records results for the grader's judge. Never `solutions` or `autograder`.
KERNEL_PACKAGES = ("backprop_lab",)


@dataclass(frozen=True)
class Sandbox:
    """One kernel's sandbox: the folders it shares with the grader, the size of its /tmp and home, its imports."""

    work: Path
    sockets: Path
    tmpfs_bytes: int
    cache: KernelCache | None = None
    user_namespace: bool = True
    packages: tuple[str, ...] = KERNEL_PACKAGES
    share_network: bool = False


@functools.cache
def executable() -> str | None:
    """bwrap's path when it is installed and can make namespaces here (tried once)."""
    found = shutil.which("bwrap")
    if not found:
        return None
    probe = subprocess.run([found, "--unshare-all", "--ro-bind", "/", "/", "true"], capture_output=True)
    return found if probe.returncode == 0 else None


@functools.cache
def user_namespaces() -> bool:
    """Whether bwrap can also give the kernel its own user namespace and an unprivileged uid."""
    probe = subprocess.run([executable() or "bwrap", "--unshare-user", "--uid", str(UID), "--disable-userns",
                            "--ro-bind", "/", "/", "true"], capture_output=True)
    return probe.returncode == 0


def command(sandbox: Sandbox, kernel_cmd: list[str], cwd: str) -> list[str]:
    """The argv that runs `kernel_cmd` in `sandbox`, starting in `cwd` (a folder inside `work`)."""
    return [executable() or "bwrap", *_isolation(sandbox), *_system_mounts(), *_private_mounts(sandbox),
            *_python_mounts(sandbox), *_shared_mounts(sandbox), "--chdir", cwd, "--", *kernel_cmd]


def _isolation(sandbox: Sandbox) -> list[str]:
    """New namespaces of every kind, no capabilities, no new privileges, gone with the grader."""
    args = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            # the kernel's parent is the sandbox's init (pid 1), which stands for the grader inside:
            # ipykernel then skips watching for a changed parent; bubblewrap ends it with the grader.
            "--setenv", "JPY_PARENT_PID", "1"]
    if sandbox.user_namespace:
        args += ["--unshare-user", "--uid", str(UID), "--gid", str(UID), "--disable-userns"]
    if sandbox.share_network:
        args.append("--share-net")
    return args


def _system_mounts() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev"]
    for name in TOP_LEVEL:
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.exists():
            args += ["--ro-bind", str(path), str(path)]
    for name in ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def _python_mounts(sandbox: Sandbox) -> list[str]:
    """The Python installation, the virtual environment on top of it, and each kernel-side package."""
    folders = {Path(sys.base_prefix), Path(sys.prefix), *package_folders(sandbox.packages)}
    return [arg for folder in sorted(folders) if not folder.is_relative_to(Path("/usr"))
            for arg in ("--ro-bind", str(folder), str(folder))]


def package_folders(names: tuple[str, ...]) -> list[Path]:
    """Where each installed package among `names` lives (packages not installed here are left out)."""
    folders = []
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            folders += [Path(p) for p in spec.submodule_search_locations]
    return folders


def _private_mounts(sandbox: Sandbox) -> list[str]:
    """Fresh /tmp and home, mounted before anything bound below them (a course checked out under /tmp)."""
    size = str(sandbox.tmpfs_bytes)
    return ["--size", size, "--tmpfs", "/tmp", "--size", size, "--tmpfs", HOME]


def _shared_mounts(sandbox: Sandbox) -> list[str]:
    """The two folders shared with the grader, then the prepared kernel cache, read-only."""
    args = ["--bind", str(sandbox.work), str(sandbox.work), "--bind", str(sandbox.sockets), str(sandbox.sockets)]
    if sandbox.cache:
        for path in sorted(sandbox.cache.fonts.iterdir()):
            args += ["--ro-bind", str(path), f"{mpl_config_dir()}/{path.name}"]
        if sandbox.cache.bytecode.is_dir():
            args += ["--ro-bind", str(sandbox.cache.bytecode), str(sandbox.cache.bytecode)]
    return args


def mpl_config_dir() -> str:
    """matplotlib's folder inside: writable (home), holding the read-only font list made outside."""
    return f"{HOME}/.config/matplotlib"


def kernel_env(env: dict[str, str], cache: KernelCache | None = None) -> dict[str, str]:
    """The kernel's environment: Jupyter's own variables from `env`, and nothing else of the grader's."""
    kept = {k: v for k, v in env.items() if k.startswith("JPY_")}
    if cache and cache.bytecode.is_dir():
        kept["PYTHONPYCACHEPREFIX"] = str(cache.bytecode)
    return {**kept, "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/bin:/bin", "HOME": HOME, "TMPDIR": "/tmp",
            "LANG": "C.UTF-8", "MPLCONFIGDIR": mpl_config_dir(), "IPYTHONDIR": f"{HOME}/.ipython"}
