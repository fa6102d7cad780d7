"""A skip the allowlist does not hold fails the run, so no feature goes untested unnoticed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from allowed_skips import ALLOWED_SKIPS, NO_NETWORK_ISOLATION, unexplained_skip

TESTS = Path(__file__).resolve().parent


def run_pytest_with_our_conftest(folder: Path, source: str) -> subprocess.CompletedProcess:
    """Run pytest on one test file in `folder`, with tests/conftest.py loaded as a plugin."""
    (folder / "test_sample.py").write_text(source)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-q", "-p", "no:cacheprovider",
                           "--rootdir", str(folder), "-c", os.devnull, str(folder)],
                          capture_output=True, text=True, env=env, cwd=folder, timeout=300)


def test_an_unlisted_skip_fails_a_run_whose_tests_pass(tmp_path: Path) -> None:
    run = run_pytest_with_our_conftest(tmp_path, "import pytest\n\ndef test_later():\n    pytest.skip('not today')\n")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "SKIP NOT ALLOWED: test_sample.py::test_later skipped (not today)" in run.stdout


def test_a_run_without_skips_passes(tmp_path: Path) -> None:
    run = run_pytest_with_our_conftest(tmp_path, "def test_fine():\n    assert 1 + 1 == 2\n")
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_listed_skip_is_allowed_only_where_its_condition_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    (network,) = [a for a in ALLOWED_SKIPS if "network" in a.reason]
    monkeypatch.setenv(NO_NETWORK_ISOLATION, "1")
    assert unexplained_skip(network.test, network.reason) is None
    monkeypatch.delenv(NO_NETWORK_ISOLATION)
    assert "not true on this machine" in unexplained_skip(network.test, network.reason)
    assert "does not allow it" in unexplained_skip(network.test, "some other reason")
