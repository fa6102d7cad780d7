"""A learner's environment, built as a learner gets one: the course runs there without the answer key.

The learner's distribution is built as a wheel and installed into a fresh virtual environment (no
system site-packages) with a kernel and nbclient, from pip's cache. There every release notebook
runs top to bottom in that environment's own kernel: a blank one fails only where an answer is
missing, and one with the source's answers written in fails nowhere and builds its widgets.
Neither `solutions` nor `autograder` can be imported there, and no installed file holds a line of
any answer of course/source.
"""

from __future__ import annotations

import ast
import json
import keyword
import os
import shutil
import string
import subprocess
import sys
import venv
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder.release import SOLUTION_REGION
from learner_runs import WIDGET_MIME, errors, solved, unexplained_errors

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "course"
RELEASED = sorted(path.relative_to(COURSE).as_posix() for path in COURSE.glob("release/*/*.ipynb"))
# What a learner's kernel needs besides the wheel (whose own dependencies pip adds).
KERNEL_PACKAGES = ["ipykernel", "nbclient"]
TRIVIAL_LENGTH = 25  # an answer's line shorter than this (`return total`, say) proves nothing

# Run by the environment's own python: executes each notebook in place, in that environment's kernel.
RUNNER = """
import os, sys
import nbformat
from nbclient import NotebookClient

for path in sys.argv[1:]:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(path)}})
    client.execute()
    nbformat.write(notebook, path)
"""

PROBE = """import importlib.util, json, sys
import backprop_lab
print(json.dumps({"prefix": sys.prefix, "backprop_lab": backprop_lab.__file__,
                  "missing": [m for m in ("solutions", "autograder") if importlib.util.find_spec(m) is None]}))"""


@dataclass(frozen=True)
class LearnerEnvironment:
    wheel: Path
    prefix: Path
    environ: dict[str, str]
    work: Path

    @property
    def python(self) -> Path:
        return self.prefix / "bin" / "python"

    def run(self, *args: str | Path, timeout: float) -> subprocess.CompletedProcess:
        done = subprocess.run([self.python, *map(str, args)], cwd=self.work, env=self.environ,
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"{args[:2]} failed in the learner environment:\n{done.stderr[-3000:]}"
        return done

    def execute(self, paths: list[Path], runners: int = 2) -> None:
        """Run notebooks top to bottom in this environment's kernels, writing their outputs back; `runners`
        side by side, since each waits on one kernel at a time."""
        shares = [share for share in (paths[start::runners] for start in range(runners)) if share]
        with ThreadPoolExecutor(len(shares)) as pool:
            list(pool.map(lambda share: self.run("-c", RUNNER, *share, timeout=600 * len(share)), shares))


def build_wheel(destination: Path) -> Path:
    """The learner's distribution as a wheel, built from a copy so the checkout gains no build files."""
    source = destination / "learner"
    shutil.copytree(ROOT / "learner", source,
                    ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", "build", "dist"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", destination, source],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = destination.glob("backprop_lab-*.whl")
    return wheel


def clean_environ(home: Path, prefix: Path) -> dict[str, str]:
    """No variable of the test run's own environment that would let the kernel see its packages."""
    environ = {key: value for key, value in os.environ.items()
               if not key.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER", "MPL"))}
    environ.update(PATH=f"{prefix / 'bin'}{os.pathsep}{os.defpath}", HOME=str(home),
                   JUPYTER_CONFIG_DIR=str(home / ".jupyter"), JUPYTER_DATA_DIR=str(home / ".local/share/jupyter"))
    return environ


@pytest.fixture(scope="module")
def learner_env(tmp_path_factory: pytest.TempPathFactory) -> LearnerEnvironment:
    tmp = tmp_path_factory.mktemp("learner")
    wheel = build_wheel(tmp / "wheels")
    prefix = tmp / "env"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(prefix)
    (tmp / "home").mkdir()
    (tmp / "work").mkdir()
    env = LearnerEnvironment(wheel, prefix, clean_environ(tmp / "home", prefix), tmp / "work")
    env.run("-m", "pip", "install", "--quiet", wheel, *KERNEL_PACKAGES, timeout=1200)
    return env


@pytest.fixture(scope="module")
def executed(learner_env: LearnerEnvironment) -> dict[tuple[str, str], nbformat.NotebookNode]:
    """Every release notebook, blank and solved, after one run in the learner environment's kernel."""
    copies = {}
    for released in RELEASED:
        release = nbformat.read(COURSE / released, as_version=4)
        source = nbformat.read(COURSE / released.replace("release/", "source/", 1), as_version=4)
        for kind, notebook in (("blank", release), ("solved", solved(release, source))):
            path = learner_env.work / kind / released
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, path)
            copies[released, kind] = path
        for shipped in (COURSE / released).parent.iterdir():  # data beside a notebook (07's digits.npz)
            if shipped.is_file() and shipped.suffix != ".ipynb":
                for kind in ("blank", "solved"):
                    shutil.copy(shipped, copies[released, kind].parent)
    learner_env.execute(list(copies.values()))
    return {key: nbformat.read(path, as_version=4) for key, path in copies.items()}


def test_the_wheel_holds_the_learner_package_only(learner_env: LearnerEnvironment) -> None:
    names = zipfile.ZipFile(learner_env.wheel).namelist()
    assert any(name.startswith("backprop_lab/widgets/") for name in names)
    assert any(name.startswith("backprop_lab/checks/") for name in names)
    assert all(name.startswith(("backprop_lab/", "backprop_lab-")) for name in names), names


def test_the_kernel_is_the_learner_environment_and_holds_no_answer_key(learner_env: LearnerEnvironment) -> None:
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PROBE)])
    path = learner_env.work / "probe.ipynb"
    nbformat.write(probe, path)
    learner_env.execute([path])
    (output,) = nbformat.read(path, as_version=4).cells[0].outputs
    found = json.loads(output.text)
    assert Path(found["prefix"]) == learner_env.prefix
    assert Path(found["backprop_lab"]).is_relative_to(learner_env.prefix), "backprop_lab came from the checkout"
    assert found["missing"] == ["solutions", "autograder"]


@pytest.mark.parametrize("released", RELEASED)
def test_a_blank_release_fails_only_where_an_answer_is_missing(executed, released: str) -> None:
    notebook = executed[released, "blank"]
    assert all(cell.execution_count for cell in notebook.cells if cell.cell_type == "code"), "a cell never ran"
    assert errors(notebook), "a blank notebook with answers to write should fail somewhere"
    assert unexplained_errors(notebook) == []


def widget_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """Code cells that import a widget and end by building one (the expression the notebook shows)."""
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or "backprop_lab.widgets" not in cell.source:
            continue
        last = ast.parse(cell.source).body[-1]
        if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
            cells.append(cell)
    return cells


@pytest.mark.parametrize("released", RELEASED)
def test_a_solved_release_runs_cleanly_and_builds_its_widgets(executed, released: str) -> None:
    notebook = executed[released, "solved"]
    assert [f"{error.ename}: {error.evalue}" for _, error in errors(notebook)] == []
    for cell in widget_cells(notebook):
        assert any(WIDGET_MIME in output.get("data", {}) for output in cell.outputs), cell.source


# --- No line of an answer in any installed file ---------------------------------------------------

def answer_lines() -> dict[str, str]:
    """Every non-trivial line of every `### BEGIN SOLUTION` region of course/source, and where it is from."""
    lines = {}
    for path in sorted(COURSE.glob("source/*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            inside = False
            for line in cell.source.splitlines():
                marker = line.strip()
                if marker in SOLUTION_REGION:
                    inside = marker == SOLUTION_REGION[0]
                elif inside and not is_trivial(marker):
                    lines[marker] = path.parent.name
    return lines


def is_trivial(line: str) -> bool:
    """Too short to give an answer away, or nothing but punctuation and Python keywords."""
    words = line.translate(str.maketrans(string.punctuation, " " * len(string.punctuation))).split()
    return len(line) < TRIVIAL_LENGTH or all(keyword.iskeyword(word) or word.isdigit() for word in words)


def leaked(text: str, answers: dict[str, str]) -> list[str]:
    return [f"{notebook}: {line}" for line, notebook in answers.items() if line in text]


def installed_files(env: LearnerEnvironment) -> list[Path]:
    """The files pip installed from the wheel, read from its RECORD."""
    (record,) = env.prefix.glob("lib/python*/site-packages/backprop_lab-*.dist-info/RECORD")
    site = record.parent.parent
    return [(site / row.split(",")[0]).resolve() for row in record.read_text().splitlines() if row]


def test_the_answer_scan_finds_a_copied_line_and_ignores_trivial_ones() -> None:
    answers = answer_lines()
    copied = "return (f(*up) - f(*down)) / (2 * epsilon)"  # the last line of 01's central_difference
    assert copied in answers
    assert leaked(f"def helper():\n    {copied}\n", answers)
    assert is_trivial("return total") and is_trivial(")]}") and not is_trivial(copied)


def test_no_installed_file_holds_a_line_of_an_answer(learner_env: LearnerEnvironment) -> None:
    answers = answer_lines()
    assert len(answers) > 20, "the scan found almost no answer lines in course/source"
    files = installed_files(learner_env)
    assert any(path.name == "epsilon.py" for path in files)
    found = [f"{path.name}: {hit}" for path in files if path.suffix != ".pyc"
             for hit in leaked(path.read_text(errors="replace"), answers)]
    assert found == []
