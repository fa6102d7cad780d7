"""autograder.variants: every course variants file loads and applies, and malformed ones get clear errors."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.variants import VariantError, Variant, apply_variant, answer_cells, load_variants
from course_grading import COURSE, assignments, source_notebook


def answer_cell(grade_id: str, source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": True, "grade": False, "locked": False}
    return cell


def demo_notebook() -> nbformat.NotebookNode:
    test = nbformat.v4.new_code_cell("assert square(3) == 9")
    test.metadata["nbgrader"] = {"grade_id": "test_square", "solution": False, "grade": True, "locked": True, "points": 1}
    return nbformat.v4.new_notebook(cells=[answer_cell("square", "def square(x):\n    return x * x"), test])


def write_variants(tmp_path: Path, text: str) -> Path:
    (tmp_path / "variants").mkdir()
    (tmp_path / "variants" / "99_demo.yml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("assignment", [a for a in assignments() if (COURSE / "variants" / f"{a}.yml").exists()])
def test_course_variants_load_and_apply_to_their_source(assignment: str) -> None:
    variants = load_variants(assignment, COURSE)
    source = nbformat.read(source_notebook(assignment), as_version=4)
    answers = answer_cells(source)
    for variant in variants:
        built = answer_cells(apply_variant(source, variant))
        for grade_id, new_source in variant.cells.items():
            assert built[grade_id].source == new_source.rstrip("\n")
    assert answer_cells(source) == answers, "applying a variant must not change the source notebook"


def test_apply_replaces_only_the_named_answer_cell() -> None:
    notebook = demo_notebook()
    built = apply_variant(notebook, Variant("cube", {"square": "def square(x):\n    return x ** 3\n"}))
    assert built.cells[0].source == "def square(x):\n    return x ** 3"
    assert built.cells[1].source == notebook.cells[1].source
    assert notebook.cells[0].source == "def square(x):\n    return x * x"


def test_apply_names_the_missing_cell_and_the_ones_that_exist() -> None:
    with pytest.raises(VariantError, match=r"\['cube'\].*answer cells are \['square'\]"):
        apply_variant(demo_notebook(), Variant("typo", {"cube": "pass"}))
    with pytest.raises(VariantError, match="test_square"):
        apply_variant(demo_notebook(), Variant("edits a test", {"test_square": "pass"}))


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("right: []\nextra: []\n", "'right' and 'wrong' only"),
        ("right:\n  - cells: {square: pass}\n", "needs a 'name'"),
        ("right:\n  - name: a\n    cells: {}\n", "'cells' must map"),
        ("right:\n  - name: a\n    cells: {square: pass}\n    fails: [t]\n", "unknown keys"),
        ("wrong:\n  - name: a\n    cells: {square: pass}\n    message: m\n", "'fails' must list"),
        ("wrong:\n  - name: a\n    cells: {square: pass}\n    fails: [t]\n", "'message' must give"),
        ("right:\n  - name: a\n    cells: {square: pass}\n  - name: a\n    cells: {square: pass}\n", "unique"),
    ],
)
def test_malformed_files_get_an_error_that_says_what_to_fix(tmp_path: Path, text: str, complaint: str) -> None:
    with pytest.raises(VariantError, match=complaint):
        load_variants("99_demo", write_variants(tmp_path, text))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(VariantError, match="99_demo.yml"):
        load_variants("99_demo", tmp_path)


def test_wrong_variants_carry_what_grading_must_find(tmp_path: Path) -> None:
    text = "wrong:\n  - name: cube\n    cells: {square: pass}\n    fails: [test_square]\n    message: cubed\n"
    variants = load_variants("99_demo", write_variants(tmp_path, text))
    (wrong,) = variants.wrong
    assert (wrong.fails, wrong.message, wrong.is_right) == (("test_square",), "cubed", False)
