"""What a learner's run of a release notebook may show, for every test that runs one (nbclient,
JupyterLab, JupyterLite, a learner's own environment).

Run blank, top to bottom, a notebook may stop only where an answer is missing, and must say so:
(a) nbgrader's stub raised by an answer cell itself, (b) a test cell's report that the answer
still raises the stub, or (c) a given cell's `NotWrittenYet` line naming answers of that notebook.
Run solved (the release with the source's answers written in, as the variants are), it may not
stop at all.
"""

from __future__ import annotations

import ast
import re

import nbformat

from autograder.variants import answer_cells, handed_in
from backprop_lab.unwritten import STUB_ADVICE

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"  # how a saved notebook holds a widget's output
STUB = "raise NotImplementedError()"
# How a test cell fails: a plain assert, or the checks' CheckFailed (an AssertionError that shows its message alone).
TEST_FAILURES = {"AssertionError", "CheckFailed"}
solved = handed_in  # a solved run runs the release with the source's answers written in
WAITING = re.compile(r"Not written yet: write (?P<answers>.+?) above to see .+\.")


def errors(notebook: nbformat.NotebookNode) -> list[tuple[nbformat.NotebookNode, dict]]:
    """Every error output of the notebook, with the cell that raised it."""
    return [(cell, output) for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.outputs if output.output_type == "error"]


def top_level_names(source: str) -> set[str]:
    """The names a cell binds for later cells: assignments, imports, functions, classes."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in statement.names)
        else:
            names.update(node.id for node in ast.walk(statement)
                         if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store))
    return names


def answer_names(notebook: nbformat.NotebookNode) -> set[str]:
    """What the notebook's answer cells define: the only names a waiting cell may say it waits for."""
    return {name for cell in answer_cells(notebook).values() if cell.cell_type == "code"
            for name in top_level_names(cell.source)}


def waits_for(message: str) -> set[str]:
    """The answers a NotWrittenYet message names; empty if it is not the one-line form."""
    waiting = WAITING.fullmatch(message)
    return set(re.findall(r"`(\w+)`", waiting["answers"])) if waiting else set()


def says_not_written(cell: nbformat.NotebookNode, error: dict, answers: set[str]) -> bool:
    """Whether an error is one of the three ways a blank notebook may say that an answer is missing."""
    role = cell.get("metadata", {}).get("nbgrader", {})
    if error.ename == "NotImplementedError":
        return bool(role.get("solution")) and STUB in cell.source
    if error.ename in TEST_FAILURES:
        return bool(role.get("grade")) and not role.get("solution") and STUB_ADVICE in error.evalue
    if error.ename == "NotWrittenYet":
        named = waits_for(error.evalue)
        return bool(named) and named <= answers
    return False


def unexplained_errors(notebook: nbformat.NotebookNode) -> list[str]:
    """Every error that does not say, in the course's words, which missing answer stopped it."""
    answers = answer_names(notebook)
    return [f"{error.ename}: {error.evalue}\n  in the cell:\n{cell.source}"
            for cell, error in errors(notebook) if not says_not_written(cell, error, answers)]
