"""The integrity checks read code without running it: what they flag, and what they must leave alone."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest

import autograder_fixture as fx
from autograder.integrity import check_notebook, is_other_assignment


pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def release(demo_course):
    return fx.release_notebook(demo_course)


def findings_for(release: nbformat.NotebookNode, square: str) -> list[str]:
    nb = fx.edited(copy.deepcopy(release), "square", square)
    return [f.message for f in check_notebook(nb, release)]


@pytest.mark.parametrize("square", [
    "def square(x):\n    sum = 0\n    for _ in range(2):\n        sum += x\n    return x * x",
    "import numpy as np\n\ndef square(x):\n    return float(np.square(x))",
    "def square(x):\n    import math\n    return math.pow(x, 2)",
    "%timeit 1 + 1\ndef square(x):\n    return x * x",
])
def test_ordinary_answers_are_not_flagged(release, square: str) -> None:
    assert findings_for(release, square) == []


@pytest.mark.parametrize("square, message", [
    ("from autograder.checks import *\ndef square(x): return x * x", "square: imports from autograder.checks"),
    ("__import__('solutions')\ndef square(x): return x * x", "square: imports solutions through __import__"),
    ("from backprop_lab.widgets.nodes import read_graph\ndef square(x): return x * x",
     "square: an answer cell imports from backprop_lab.widgets.nodes"),
    ("import backprop_lab.checks.compare as c\nc.is_close = lambda *a, **k: True\ndef square(x): return x * x",
     "square: patches c.is_close"),
    ("import builtins\nbuiltins.abs = lambda v: 0\ndef square(x): return x * x", "square: patches builtins.abs"),
    ("setattr(math, 'isclose', lambda *a: True)\ndef square(x): return x * x",
     "square: patches through setattr(math, ...)"),
    ("isinstance = lambda *a: True\ndef square(x): return x * x", "square: rebinds the builtin 'isinstance'"),
    ("def square(x):\n    return x * x\nnp = None", "square: rebinds 'np', which the test cells use"),
    ("import shutil\nshutil.rmtree('data')\ndef square(x): return x * x",
     "square: calls shutil.rmtree() (file system or process access from an answer)"),
    ("open('../../other/answers.txt')\ndef square(x): return x * x",
     "square: open() reaches outside the submission folder: '../../other/answers.txt'"),
])
def test_tampering_is_flagged_with_a_reason(release, square: str, message: str) -> None:
    assert message in findings_for(release, square)


def test_a_cell_of_its_own_may_show_a_widget_but_not_redefine_an_answer_with_the_learner_package(release) -> None:
    """A learner may add a cell to draw or check their own work; an added cell that rebinds an answer may not import it."""
    nb = copy.deepcopy(release)
    shown = nbformat.v4.new_code_cell("from backprop_lab.widgets import GraphView\nview = GraphView")
    redefined = nbformat.v4.new_code_cell("import backprop_lab\nsquare = backprop_lab")
    nb.cells += [shown, redefined]
    assert [f.message for f in check_notebook(nb, release)] == ["an added cell: an answer cell imports backprop_lab"]


def test_another_assignment_shares_no_graded_cell(release) -> None:
    other = copy.deepcopy(release)
    for cell in other.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata["nbgrader"]["grade_id"] += "_elsewhere"
    assert is_other_assignment(other, release) and not is_other_assignment(release, release)


COURSE_RELEASE = Path(__file__).resolve().parents[2] / "course" / "release"


def test_a_notebook_of_another_course_assignment_is_told_apart_although_both_have_a_setup_cell() -> None:
    """Every notebook of the course has a locked `setup` cell; notebook 02 handed in as 01 is still another assignment."""
    central = nbformat.read(COURSE_RELEASE / "01_central_difference/central_difference.ipynb", as_version=4)
    chain = nbformat.read(COURSE_RELEASE / "02_chain_rule/chain_rule.ipynb", as_version=4)
    assert is_other_assignment(chain, central) and not is_other_assignment(central, central)
