"""The learner's workspace, my-work/: filled from the release, never overwritten, kept through
`git pull`, `make workspace` and `make clean`.

The `git pull` test works on throwaway repositories in tmp: an "upstream" holding the parts of
this repository that `make workspace` uses, and a learner's clone of it. No pip, no JupyterLab.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ipykernel.ipkernel import IPythonKernel
from terminal import terminal_environment

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import workspace  # noqa: E402 (scripts/ is not a package: make runs workspace.py as a script)

FIRST = "01_central_difference/central_difference.ipynb"
REPOSITORY_PARTS = ["Makefile", "scripts", "course/release", ".gitignore"]


def run(*command: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=terminal_environment(),
                          capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def make(target: str, cwd: Path) -> str:
    """`make TARGET` in `cwd`, with this Python as the one the course's environment comes from."""
    return run("make", "--no-print-directory", target, f"PYTHON={sys.executable}", cwd=cwd)


def git(*arguments: str, cwd: Path) -> str:
    return run("git", "-c", "user.name=Backprop Lab tests", "-c", "user.email=tests@example.invalid",
               *arguments, cwd=cwd)


def edit_notebook(path: Path, text: str) -> None:
    """Append a markdown cell, as a learner's edit or a course fix would change a notebook."""
    notebook = json.loads(path.read_text())
    notebook["cells"].append({"cell_type": "markdown", "id": f"added-{len(notebook['cells'])}",
                              "metadata": {}, "source": [text]})
    path.write_text(json.dumps(notebook, indent=1))


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    """A git repository with what `make workspace` needs from this one, committed."""
    repository = tmp_path / "upstream"
    for part in REPOSITORY_PARTS:
        source, destination = ROOT / part, repository / part
        if source.is_dir():
            shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    git("init", "--quiet", "--initial-branch=main", cwd=repository)
    git("add", "--all", cwd=repository)
    git("commit", "--quiet", "--message=the course", cwd=repository)
    return repository


def test_a_learners_work_survives_git_pull_and_make_lab_again(upstream: Path, tmp_path: Path):
    git("clone", "--quiet", str(upstream), "learner", cwd=tmp_path)
    learner = tmp_path / "learner"
    make("workspace", learner)
    mine = learner / "my-work" / FIRST
    edit_notebook(mine, "My answer: the central difference cancels the second-order term.")
    my_work = mine.read_bytes()

    # Upstream fixes notebook 01 and adds an assignment; the learner pulls and starts again.
    edit_notebook(upstream / "course/release" / FIRST, "A clearer hint from the course.")
    extra = upstream / "course/release/99_new_assignment/new_assignment.ipynb"
    extra.parent.mkdir()
    shutil.copy(upstream / "course/release" / FIRST, extra)
    git("add", "--all", cwd=upstream)
    git("commit", "--quiet", "--message=fix 01, add an assignment", cwd=upstream)
    git("pull", "--quiet", "--ff-only", cwd=learner)
    make("workspace", learner)
    make("clean", learner)

    assert mine.read_bytes() == my_work
    assert (learner / "my-work/99_new_assignment/new_assignment.ipynb").is_file()
    assert "A clearer hint" in (learner / "course/release" / FIRST).read_text()
    assert git("status", "--porcelain", cwd=learner) == ""


def test_moving_a_notebook_aside_gets_a_fresh_copy_of_the_release(tmp_path: Path):
    release = ROOT / "course/release"
    workspace.fill(release, tmp_path)
    mine = tmp_path / FIRST
    edit_notebook(mine, "half-done work")
    mine.rename(mine.with_name("central_difference-old.ipynb"))
    assert workspace.fill(release, tmp_path) == [Path(FIRST)]
    fresh = json.loads(mine.read_text())
    assert fresh["cells"] == json.loads((release / FIRST).read_text())["cells"]


def test_filling_never_overwrites_and_copies_only_what_is_missing(tmp_path: Path):
    release = ROOT / "course/release"
    # Notebooks and the files beside them (07's digits.npz): a notebook needs its data to run.
    released = sorted(path.relative_to(release) for path in release.glob("*/*") if path.is_file())
    assert any(path.suffix != ".ipynb" for path in released), "no data file beside a notebook to prove it is copied"
    assert sorted(workspace.fill(release, tmp_path)) == released
    (tmp_path / FIRST).write_text("mine")
    assert workspace.fill(release, tmp_path) == []
    assert (tmp_path / FIRST).read_text() == "mine"


def test_copies_say_what_the_learners_kernel_will_say():
    """JupyterLab marks a notebook unsaved on open when the kernel's language_info changes it."""
    assert workspace.kernel_language_info() == IPythonKernel.language_info


def test_a_missing_release_folder_is_a_one_line_error(tmp_path: Path):
    done = subprocess.run([sys.executable, ROOT / "scripts/workspace.py", "--release", tmp_path / "nowhere",
                           "--into", tmp_path / "my-work"], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "is not a folder" in done.stderr
    assert not (tmp_path / "my-work").exists()
