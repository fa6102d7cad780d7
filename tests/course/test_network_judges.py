"""Notebook 07's hidden tests in one process: the source's answers pass, and every wrong variant is named.

The setup, engine and answer cells of the source notebook run in a namespace here (no kernel, no
nbgrader); each hidden test cell's recorder records, and the judge decides, as in grading.
`autograder selfcheck 07_train_a_network` and tests/course/test_notebooks.py do the same through nbgrader.
"""

from __future__ import annotations

import ast

import nbformat
import numpy as np
import pytest

from autograder.judge import hidden_test, verdict
from autograder.variants import apply_variant, load_variants
from backprop_lab.hidden_tests import RECORDERS
from backprop_lab.recording import defaults
from course_grading import COURSE, source_notebook

ASSIGNMENT = "07_train_a_network"
SOURCE = nbformat.read(source_notebook(ASSIGNMENT), as_version=4)
VARIANTS = load_variants(ASSIGNMENT, COURSE)
RUN = ("engine_from_05", "forward", "Linear", "parameters", "softmax_cross_entropy", "sgd_step", "train")
"""The cells a hidden test needs, by grade_id, run in this order after the notebook's imports."""


def namespace(notebook: nbformat.NotebookNode) -> dict:
    """The notebook's imports, engine and answers, run as plain Python."""
    cells = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell.source for cell in notebook.cells}
    names: dict = {}
    exec(next(c.source for c in notebook.cells if c.cell_type == "code"), names)
    for grade_id in RUN:
        exec(cells[grade_id], names)
    return names


def hidden_cells(notebook: nbformat.NotebookNode) -> dict[str, str]:
    return {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in notebook.cells
            if "BEGIN HIDDEN TESTS" in cell.source}


def judged(cell_source: str, names: dict) -> str | None:
    """Record the cell's hidden test with the answers in `names`, then the judge's verdict (None: a pass)."""
    test = hidden_test(cell_source)
    call = next(node for node in ast.walk(ast.parse(cell_source))
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "record")
    options = {keyword.arg: eval(ast.unparse(keyword.value), names) for keyword in call.keywords}
    answer = names[test.answer]
    with np.errstate(all="ignore"):
        results = RECORDERS[test.check](answer, **options)
    record = {"check": test.check, "options": test.options, "results": results, "defaults": defaults(answer)}
    return verdict(test, [record])


@pytest.mark.parametrize("grade_id", sorted(hidden_cells(SOURCE)))
def test_the_source_answers_pass_every_hidden_test(grade_id: str) -> None:
    assert judged(hidden_cells(SOURCE)[grade_id], namespace(SOURCE)) is None


@pytest.mark.parametrize("variant", VARIANTS.right, ids=lambda v: v.name)
def test_right_designs_pass(variant) -> None:
    notebook = apply_variant(SOURCE, variant)
    names = namespace(notebook)
    for grade_id, source in hidden_cells(notebook).items():
        assert judged(source, names) is None, grade_id


@pytest.mark.parametrize("variant", VARIANTS.wrong, ids=lambda v: v.name)
def test_each_mistake_is_named_by_its_hidden_test(variant) -> None:
    notebook = apply_variant(SOURCE, variant)
    hidden = hidden_cells(notebook)
    message = judged(hidden[next(f for f in variant.fails if f in hidden)], namespace(notebook))
    assert message is not None and variant.message in message, message
