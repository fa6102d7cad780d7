"""Right and wrong submissions as data: load course/variants/<assignment>.yml and apply one to a notebook.

A variant replaces the source of answer cells, found by their nbgrader grade_id. Right variants
must score full marks; wrong ones must score zero on the test cells they list, with a message
naming the mistake. The tests and `autograder selfcheck` both build submissions through here.
"""

from __future__ import annotations

from collections.abc import Mapping
import copy
from dataclasses import dataclass
import re
from pathlib import Path

import nbformat
import yaml
from nbgrader.utils import is_solution

from .grades import grade_id
from .release import SOLUTION_REGION


class VariantError(ValueError):
    """A variants file or a variant does not fit the notebook or the expected format."""


@dataclass(frozen=True)
class Variant:
    """One submission to build: new sources for some answer cells, and what grading must find."""

    name: str
    cells: Mapping[str, str]
    fails: tuple[str, ...] = ()
    message: str = ""

    @property
    def is_right(self) -> bool:
        return not self.fails

    @property
    def student(self) -> str:
        """The folder-safe student id it is submitted under, e.g. wrong-forward-difference-instead-of-central."""
        slug = re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")[:60]
        return f"{'right' if self.is_right else 'wrong'}-{slug}"


@dataclass(frozen=True)
class Variants:
    """Every variant of one assignment."""

    assignment: str
    right: tuple[Variant, ...]
    wrong: tuple[Variant, ...]

    def __iter__(self):
        return iter(self.right + self.wrong)


def variants_path(assignment: str, course: str | Path = "course") -> Path:
    """Where an assignment's variants live: <course>/variants/<assignment>.yml."""
    return Path(course) / "variants" / f"{assignment}.yml"


def load_variants(assignment: str, course: str | Path = "course") -> Variants:
    """Read and check an assignment's variants file."""
    path = variants_path(assignment, course)
    if not path.is_file():
        raise VariantError(f"{path}: no variants file for assignment {assignment!r}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or set(data) - {"right", "wrong"}:
        raise VariantError(f"{path}: expected a mapping with the keys 'right' and 'wrong' only")
    right = tuple(_parse(path, entry, wrong=False) for entry in data.get("right") or [])
    wrong = tuple(_parse(path, entry, wrong=True) for entry in data.get("wrong") or [])
    names = [v.name for v in right + wrong]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise VariantError(f"{path}: variant names must be unique; repeated: {duplicates}")
    return Variants(assignment, right, wrong)


def _parse(path: Path, entry: object, wrong: bool) -> Variant:
    """One YAML entry as a Variant, with an error that names the file and the entry when it is malformed."""
    kind = "wrong" if wrong else "right"
    allowed = {"name", "cells", "fails", "message"} if wrong else {"name", "cells"}
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise VariantError(f"{path}: every {kind} variant needs a 'name' (got {entry!r:.80})")
    where = f"{path}: {kind} variant {entry['name']!r}"
    if set(entry) - allowed:
        raise VariantError(f"{where}: unknown keys {sorted(set(entry) - allowed)}; allowed: {sorted(allowed)}")
    cells = entry.get("cells")
    if not isinstance(cells, dict) or not cells or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in cells.items()
    ):
        raise VariantError(f"{where}: 'cells' must map answer grade_ids to their new source")
    if not wrong:
        return Variant(entry["name"], dict(cells))
    fails, message = entry.get("fails"), entry.get("message")
    if not isinstance(fails, list) or not fails or not all(isinstance(f, str) for f in fails):
        raise VariantError(f"{where}: 'fails' must list the test cell grade_ids that must score zero")
    if not isinstance(message, str) or not message.strip():
        raise VariantError(f"{where}: 'message' must give the text the failing cells' errors show")
    return Variant(entry["name"], dict(cells), tuple(fails), message)


def answer_cells(notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """The notebook's answer cells (nbgrader solution=true) by grade_id."""
    return {grade_id(cell): cell for cell in notebook.cells if is_solution(cell) and grade_id(cell)}


def apply_variant(notebook: nbformat.NotebookNode, variant: Variant) -> nbformat.NotebookNode:
    """A copy of `notebook` with each answer cell the variant names given its new source."""
    result = copy.deepcopy(notebook)
    answers = answer_cells(result)
    missing = sorted(set(variant.cells) - set(answers))
    if missing:
        raise VariantError(
            f"variant {variant.name!r} replaces {missing}, which the notebook has no answer cell for; "
            f"its answer cells are {sorted(answers)}"
        )
    for cell_id, source in variant.cells.items():
        answers[cell_id].source = source.rstrip("\n")
    return result


def handed_in(release: nbformat.NotebookNode, answered: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What a learner hands in: the release notebook with `answered`'s answer cells (a source notebook,
    perhaps with a variant applied) written into it, without nbgrader's solution markers."""
    answers = {
        cell_id: "\n".join(line for line in cell.source.splitlines() if line.strip() not in SOLUTION_REGION)
        for cell_id, cell in answer_cells(answered).items()
    }
    return apply_variant(release, Variant("handed in", answers))
