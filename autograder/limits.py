"""What one graded notebook may use: the one place each sandbox default is written.

The command line takes its defaults from `Limits`, the preprocessors that enforce a limit take
their trait defaults from it, and the README's figures are checked against it by a test. The cell
timeout alone is the course's: nbgrader's `Execute.timeout` in `nbgrader_config.py`, so that
`nbgrader autograde` and `autograder grade` stop a slow cell at the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from traitlets.config import Config

MB = 1024**2


@dataclass(frozen=True)
class Limits:
    """What one notebook may use. Times in seconds, sizes in bytes; `cell_timeout` None: the course's."""

    cell_timeout: int | None = None
    notebook_timeout: int = 300
    memory: int = 2048 * MB
    file_size: int = 64 * MB
    output: int = 1 * MB
    processes: int = 128
    network: bool = False

    def for_course(self, config: Config) -> Limits:
        """These limits with the cell timeout filled in from the course's configuration when unset."""
        if self.cell_timeout is not None:
            return self
        return replace(self, cell_timeout=course_cell_timeout(config))


def course_cell_timeout(config: Config) -> int:
    """Seconds a cell may run under this course's config (its `Execute.timeout`, else nbgrader's default)."""
    from nbgrader.preprocessors import Execute  # here, not on top: the command line reads Limits before nbgrader loads

    return int(Execute(config=config).timeout)
