"""nbgrader's Autograde pipeline, cut in two where it first writes to the gradebook.

Workers run the first half (sanitize, then execute, with nbgrader's Execute swapped for our
sandboxed subclass); the one writer runs the second half (SaveAutoGrades, AssignLatePenalties,
CheckCellMetadata). The lists come from the course's own config, so a course that changes
nbgrader's preprocessors changes ours too, and the scores stay those of `nbgrader autograde`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from nbconvert.exporters import NotebookExporter
from nbgrader.converters.autograde import Autograde
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import AssignLatePenalties, Execute, SaveAutoGrades
from nbgrader.utils import find_all_files
from traitlets.config import Config
from traitlets.utils.importstring import import_item

from .cgroup import Group
from .limits import Limits
from .sandbox import Isolation, LimitedExecute, SandboxedKernelManager, limits_config

GRADEBOOK_WRITERS = (SaveAutoGrades, AssignLatePenalties)


def copy_other_files(base: Path, dest: Path, config: Config) -> None:
    """Copy the files beside the notebooks of `base` into `dest`, replacing what is there, as nbgrader's
    autograde does: notebooks and what the course's `CourseDirectory.ignore` names are left out."""
    ignore = list(CourseDirectory(config=config).ignore) + ["*.ipynb"]
    for filename in find_all_files(str(base), ignore):
        target = dest / os.path.relpath(filename, base)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        shutil.copy(filename, target)


def export_file(path: Path, config: Config, preprocessors: list[Any], resources: dict) -> str:
    """nbgrader's way of applying preprocessors: a NotebookExporter; the result replaces `path`."""
    output, _ = exporter(config, preprocessors).from_filename(str(path), resources=dict(resources))
    path.write_text(output, encoding="utf-8")
    return output


def exporter(config: Config, preprocessors: list[Any]) -> NotebookExporter:
    """Registered as nbgrader registers them: classes built from the config, disabled ones stay off."""
    config = Config(config)
    config.Exporter.default_preprocessors = []
    built = NotebookExporter(config=config)
    built._preprocessors = []
    for pp in preprocessors:
        built.register_preprocessor(pp)
    return built


def _autograde_lists(config: Config) -> tuple[list, list]:
    """The course's configured Autograde preprocessor lists (nbgrader's defaults unless overridden)."""
    converter = Autograde(config=config)
    return _classes(converter.sanitize_preprocessors), _classes(converter.autograde_preprocessors)


def _classes(preprocessors: list) -> list[type]:
    """The config may name a preprocessor by import string, as nbconvert's register_preprocessor allows."""
    return [import_item(pp) if isinstance(pp, str) else pp for pp in preprocessors]


def _first_writer(autograde: list[type]) -> int:
    return next(i for i, pp in enumerate(autograde) if issubclass(pp, GRADEBOOK_WRITERS))


def sanitize_stage(config: Config) -> list[Any]:
    return _autograde_lists(config)[0]


def execute_stage(config: Config, limits: Limits, isolation: Isolation, work: Path, folder: Path,
                  group: Group | None) -> list[Any]:
    """The autograde preprocessors up to the first gradebook writer, Execute swapped for ours."""
    autograde = _autograde_lists(config)[1]
    full = Config(config)
    full.merge(limits_config(limits, isolation, work, folder, group))
    return [
        LimitedExecute(config=full, kernel_manager_class=SandboxedKernelManager) if issubclass(pp, Execute) else pp
        for pp in autograde[:_first_writer(autograde)]
    ]


def record_stage(config: Config) -> list[Any]:
    """The autograde preprocessors from the first gradebook writer on: run by the parent alone."""
    autograde = _autograde_lists(config)[1]
    return autograde[_first_writer(autograde):]
