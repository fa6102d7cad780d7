"""What a notebook says while an answer is not written yet: one line that names the answer.

Test cells say it through the checks; example and figure cells wrap their body in `needs(...)`, so
that a learner who runs a blank notebook top to bottom reads which answer a cell waits for, instead
of a bare `NotImplementedError` or a `NameError` for a result an earlier cell never made.
"""

from __future__ import annotations

import sys
from types import FrameType, TracebackType

STUB_ADVICE = "Not written yet: replace `raise NotImplementedError()` with your code."
"""What a check says when the learner's function still raises nbgrader's stub."""


class NotWrittenYet(Exception):
    """An example or figure cell cannot run until the answers it names are written."""

    def _render_traceback_(self) -> list[str]:
        """IPython shows this instead of a traceback: the one line is the whole story."""
        return [f"{type(self).__name__}: {self}"]


class needs:  # noqa: N801 (read as a phrase: `with needs("forward_difference"):`)
    """Run a given cell's body; if it stops for want of an answer, say which answer, in one line.

    Catches the stub's `NotImplementedError` from anywhere below the body, and a `NameError` raised
    by the body itself (a result an earlier waiting cell never made). Any other error, and any
    error from inside a written answer, passes through unchanged. Costs nothing once answers exist.
    """

    def __init__(self, *answers: str, to_see: str = "this cell's result") -> None:
        if not answers:
            raise TypeError("needs() takes the names of the answers the cell waits for")
        self.answers = answers
        self.to_see = to_see
        self._cell: FrameType | None = None

    def __enter__(self) -> needs:
        self._cell = sys._getframe(1)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is None or not self._waiting(error, trace):
            return
        quoted = [f"`{answer}`" for answer in self.answers]
        names = " and ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)
        raise NotWrittenYet(f"Not written yet: write {names} above to see {self.to_see}.") from None

    def _waiting(self, error: BaseException | None, trace: TracebackType | None) -> bool:
        if isinstance(error, NotImplementedError):
            return True
        if not isinstance(error, NameError) or trace is None:
            return False
        while trace.tb_next is not None:
            trace = trace.tb_next
        return trace.tb_frame is self._cell
