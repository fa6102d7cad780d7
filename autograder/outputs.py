"""What an autograded notebook's cells printed when they failed: their errors, as plain text."""

from __future__ import annotations

from collections.abc import Iterable
import re

import nbformat

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def plain(text: str) -> str:
    """`text` without the terminal colour codes IPython puts in tracebacks."""
    return ANSI.sub("", text)


def cell_errors(notebook: nbformat.NotebookNode, grade_ids: Iterable[str] | None = None) -> dict[str, str]:
    """grade_id -> the error text (traceback and stderr) of each graded cell that printed one.

    Only the cells named in `grade_ids`, when given. These are the messages a learner sees, so
    they are what grading tests and reports search for a mistake's name.
    """
    wanted = None if grade_ids is None else set(grade_ids)
    errors = {}
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.cell_type != "code" or grade_id is None or (wanted is not None and grade_id not in wanted):
            continue
        parts = []
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                parts.append("\n".join(out.traceback) or f"{out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr":
                parts.append(out.text)
        if parts:
            errors[grade_id] = plain("\n".join(parts))
    return errors
