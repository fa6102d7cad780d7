"""A per-cell byte budget for everything a graded notebook's kernel sends back.

A learner's cell may print for ever, return a 50 MB string or display a huge image; kept whole,
such output stalls grading and bloats the autograded notebook and the feedback page. Past the
budget, output is cut as each message arrives, and cut so that grades cannot change: nbgrader
scores a test cell by whether it has an error output or writes to stderr, so every error is kept
(shortened) and each stream keeps its head, while results and displays are replaced by one note.
"""

from __future__ import annotations

from typing import Any

from nbformat import NotebookNode
from traitlets import HasTraits, Integer

from .limits import Limits

DATA_MESSAGES = ("execute_result", "display_data", "update_display_data")


def message_size(content: dict) -> int:
    """Roughly the bytes a message's content adds to the notebook (its text payloads), cheaply:
    serialising a 50 MB result again just to measure it is part of what stalls a run."""
    parts = [content.get("text", ""), content.get("evalue", ""), *content.get("traceback", [])]
    parts += [v if isinstance(v, str) else str(v) for v in (content.get("data") or {}).values()]
    return sum(len(p) for p in parts)


class OutputBudget(HasTraits):
    """Mixin for an nbclient-based preprocessor (e.g. nbgrader's Execute): cap each cell's output."""

    output_limit = Integer(Limits.output, help="bytes of output kept per cell").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict, km: Any = None) -> tuple[NotebookNode, dict]:
        # After a cell's reply, nbclient waits only iopub_timeout (4 s) for its output; a large
        # result takes longer than that to arrive on a loaded machine. Give it the cell's timeout.
        self.iopub_timeout = max(self.iopub_timeout, int(self.timeout or 0))
        self._budget_cell, self._spent, self._cut = -1, 0, set()
        return super().preprocess(nb, resources, km=km)

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> NotebookNode | None:
        """Keep the message if it fits the cell's budget, else its capped form (or nothing)."""
        if cell_index != self._budget_cell:
            self._budget_cell, self._spent, self._cut = cell_index, 0, set()
        capped = self._capped(msg)
        return None if capped is None else super().output(outs, capped, display_id, cell_index)

    def _update_display_id(self, display_id: str, msg: dict) -> None:
        """`update_display` replaces an earlier output in place: the same budget applies."""
        capped = self._capped(msg)
        if capped is not None:
            super()._update_display_id(display_id, capped)

    def _capped(self, msg: dict) -> dict | None:
        content = msg["content"]
        room = self.output_limit - self._spent
        size = message_size(content)
        self._spent += size
        kind = msg["msg_type"]
        if size <= room:
            return msg
        note = f"[output cut: this cell sent more than {self.output_limit} bytes of output]"
        if kind == "error":  # decides the grade: always kept, shortened
            head = content.get("evalue", "")[:max(room, 200)]
            return {**msg, "content": {**content, "evalue": head, "traceback": [f"{content.get('ename')}: {head}", note]}}
        key = content.get("name") if kind == "stream" else "data"
        if key in self._cut:
            return None
        self._cut.add(key)
        if kind == "stream":  # stderr must stay visible to nbgrader: keep the head of each stream
            return {**msg, "content": {**content, "text": content.get("text", "")[:max(room, 0)] + f"\n{note}\n"}}
        if kind in DATA_MESSAGES:
            return {**msg, "content": {**content, "data": {"text/plain": note}, "metadata": {}}}
        return None
