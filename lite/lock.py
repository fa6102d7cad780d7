"""The site's pyodide-lock.json: the official lock cut down to what the course needs, plus its own wheels.

pyodide-kernel loads, before each cell, every lock entry whose `imports` the cell names, with the
entries it `depends` on. So `import backprop_lab` needs no `%pip install` and reaches no index.
"""

from __future__ import annotations

import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename
from sources import BuildError, check_sha256, digest


def with_dependencies(packages: dict[str, dict], roots: list[str]) -> list[str]:
    """The roots and everything they depend on in the lock, each once, in a stable order (the lock's keys
    are canonical names; its `depends` lists are not always)."""
    wanted, queue = [], list(roots)
    while queue:
        name = canonicalize_name(queue.pop(0))
        if name in wanted:
            continue
        if name not in packages:
            raise BuildError(f"the official Pyodide lock has no package {name!r}: fix `packages` in lite/versions.toml")
        wanted.append(name)
        queue.extend(packages[name]["depends"])
    return wanted


def official_wheels(lock: dict, roots: list[str], folder: Path) -> dict[str, Path]:
    """Each needed Pyodide-built file in `folder`, checked against the official lock's sha256."""
    files = {}
    for name in with_dependencies(lock["packages"], roots):
        entry = lock["packages"][name]
        path = folder / entry["file_name"]
        if not path.exists():
            raise BuildError(f"{folder} lacks {entry['file_name']} ({name}, needed by the course): "
                             "use a complete Pyodide distribution")
        check_sha256(path, entry["sha256"], f"Pyodide's official lock ({name})")
        files[name] = path
    return files


def added_entry(wheel: Path, imports: list[str], depends: list[str]) -> dict:
    """A lock entry for a wheel that is not in the official lock (PyPI's or the learner package)."""
    name, version, _, _ = parse_wheel_filename(wheel.name)
    return {"name": str(name), "version": str(version), "file_name": wheel.name, "install_dir": "site",
            "package_type": "package", "sha256": digest(wheel), "imports": imports, "depends": depends,
            "unvendored_tests": False, "shared_library": False}


def top_level_packages(wheel: Path) -> set[str]:
    """The importable names a wheel installs: the first part of each path outside its .dist-info."""
    with zipfile.ZipFile(wheel) as archive:
        return {name.split("/")[0].removesuffix(".py") for name in archive.namelist()
                if not name.split("/")[0].endswith((".dist-info", ".data"))}


def refuse_forbidden(wheel: Path, forbidden: list[str]) -> None:
    """Fail the build if a wheel for the site carries the answer key or the instructors' tooling."""
    found = sorted(top_level_packages(wheel) & set(forbidden))
    if found:
        raise BuildError(f"{wheel.name} contains {', '.join(found)}, which must never reach a learner's browser: "
                         "build the site from the learner package (learner/), not the instructors' one")


def requirements(wheel: Path) -> list[str]:
    """The canonical names of a wheel's unconditional requirements (Requires-Dist without extras)."""
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        headers = Parser().parsestr(archive.read(metadata).decode())
    needed = []
    for line in headers.get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            needed.append(canonicalize_name(requirement.name))
    return needed
