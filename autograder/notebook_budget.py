"""A time budget for all the cells of a graded notebook, on top of nbgrader's per-cell timeout.

A notebook of forty cells that each take just under the cell timeout would hold a worker for half
an hour; past the budget, the cells not yet run are not run, each left with an error saying why
(so its test cells score zero, as a timeout would). The kernel's start is not counted: it has
nbclient's own `startup_timeout`.
"""

from __future__ import annotations

import time
from typing import Any

from nbformat import NotebookNode
from traitlets import Float, HasTraits

from .limits import Limits


class NotebookBudget(HasTraits):
    """Mixin for an nbclient-based preprocessor (e.g. nbgrader's Execute): one time budget per notebook."""

    notebook_timeout = Float(float(Limits.notebook_timeout),
                             help="seconds for all the cells of a notebook (kernel start not counted)").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict, km: Any = None) -> tuple[NotebookNode, dict]:
        self._deadline = float("inf")  # set when the first cell starts: startup has its own timeout
        self.timeout_func = self._cell_timeout
        return super().preprocess(nb, resources, km=km)

    def _cell_timeout(self, cell: NotebookNode) -> int:
        remaining = self._deadline - time.monotonic()
        return max(1, min(self.timeout or remaining, int(remaining) + 1))

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        if self._deadline == float("inf"):
            self._deadline = time.monotonic() + self.notebook_timeout
        if cell.cell_type == "code" and time.monotonic() > self._deadline:
            cell.outputs = [_error_output("NotebookTimeout",
                                          f"not run: the notebook used its {self.notebook_timeout:.0f} s budget")]
            return cell, resources
        return super().preprocess_cell(cell, resources, index)


def _error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
