"""Where the site's files come from: downloaded once into a cache, checked against pinned hashes every build.

Downloads use the ordinary clients (npm, pip), so a rebuild with a full cache needs no network.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from packaging.utils import parse_wheel_filename


class BuildError(Exception):
    """A build step failed for a reason the person running it can act on."""


def digest(path: Path, algorithm: str = "sha256") -> str:
    """The hex digest of a file, read in blocks (the wasm and wheel files run to tens of MB)."""
    hasher = hashlib.new(algorithm)
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def check_sha256(path: Path, expected: str, source: str) -> None:
    """Fail the build unless `path` has the sha256 that `source` gives for it."""
    found = digest(path)
    if found != expected:
        raise BuildError(f"{path} has sha256 {found}, but {source} says {expected}: the file was altered or "
                         f"corrupted; delete it and build again to download it afresh")


def check_integrity(path: Path, integrity: str) -> None:
    """Fail the build unless `path` matches an npm integrity string ("sha512-<base64>")."""
    algorithm, _, encoded = integrity.partition("-")
    expected = base64.b64decode(encoded).hex()
    found = digest(path, algorithm)
    if found != expected:
        raise BuildError(f"{path} does not match the npm registry's integrity {integrity}: the file was altered "
                         f"or corrupted; delete it and build again to download it afresh")


def run(command: list[str], what: str, cwd: Path | None = None) -> None:
    """Run a command quietly; on failure raise its last lines with what we were trying to do."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise BuildError(f"could not {what} (`{' '.join(command)}` exited {done.returncode}):\n{tail}")


def npm_package(spec: str, integrity: str, cache: Path) -> Path:
    """The tarball of an npm package (`npm pack`), downloaded once and checked every time."""
    name, _, version = spec.rpartition("@")
    tarball = cache / f"{name}-{version}.tgz"
    if not tarball.exists():
        if shutil.which("npm") is None:
            raise BuildError(f"{spec} comes from npm, which is not installed or not on PATH: install Node.js "
                             "(it brings npm: https://nodejs.org, or `apt-get install npm`), then build again")
        cache.mkdir(parents=True, exist_ok=True)
        print(f"Downloading {spec} from npm into {cache} (once)...", flush=True)
        run(["npm", "pack", "--silent", "--pack-destination", str(cache), spec], f"download {spec} from npm")
    check_integrity(tarball, integrity)
    return tarball


def pypi_wheel(file_name: str, sha256: str, cache: Path) -> Path:
    """One wheel from PyPI (`pip download --no-deps`), downloaded once and checked every time."""
    wheel = cache / file_name
    if not wheel.exists():
        name, version, _, _ = parse_wheel_filename(file_name)
        requirement = f"{name}=={version}"
        print(f"Downloading {requirement} from PyPI into {cache} (once)...", flush=True)
        run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             "--dest", str(cache), requirement], f"download {requirement} from PyPI")
        if not wheel.exists():
            raise BuildError(f"pip downloaded {requirement} but not {file_name}: update lite/versions.toml")
    check_sha256(wheel, sha256, "lite/versions.toml")
    return wheel


def unpack_tarball(tarball: Path, into: Path) -> Path:
    """Unpack an npm tarball (its files sit under package/) and return that folder."""
    with tarfile.open(tarball) as archive:
        archive.extractall(into, filter="data")
    return into / "package"


def unpack_folder(wheel: Path, folder: str, into: Path) -> Path:
    """Unpack one folder of a wheel (a zip) and return where it landed."""
    prefix = folder.rstrip("/") + "/"
    with zipfile.ZipFile(wheel) as archive:
        members = [name for name in archive.namelist() if name.startswith(prefix)]
        if not members:
            raise BuildError(f"{wheel.name} has no folder {folder}: check wheels_folder in lite/versions.toml")
        archive.extractall(into, members)
    return into / folder
