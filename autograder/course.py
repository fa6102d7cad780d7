"""The nbgrader course directory: its config, its folders and its gradebook, located once."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import nbformat
from nbgrader.api import Gradebook
from nbgrader.apps.api import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config, PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"


class CourseError(Exception):
    """The course directory is not usable; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class Course:
    """An nbgrader course directory with its config and the absolute gradebook URL."""

    root: Path
    config: Config

    @property
    def db_url(self) -> str:
        return self.config.CourseDirectory.db_url

    def coursedir(self) -> CourseDirectory:
        """A fresh nbgrader CourseDirectory for this course (nbgrader mutates it per command)."""
        return CourseDirectory(config=self.config)

    def api(self, config: Config | None = None) -> NbGraderAPI:
        """nbgrader's own high-level API on this course (optionally with extra config), so its commands and ours agree."""
        return NbGraderAPI(CourseDirectory(config=config or self.config), config=config or self.config)

    @contextlib.contextmanager
    def gradebook(self) -> Iterator[Gradebook]:
        with Gradebook(self.db_url, self.config.CourseDirectory.course_id or "default_course") as gb:
            yield gb

    def folder(self, kind: str) -> Path:
        """One of nbgrader's working folders: source, release, submitted, autograded, feedback."""
        name = getattr(self.coursedir(), f"{kind}_directory")
        return self.root / name

    def assignments(self) -> list[str]:
        """Assignments that have a source folder, in course order."""
        source = self.folder("source")
        return sorted(p.name for p in source.iterdir() if p.is_dir() and not p.name.startswith("."))

    def notebook_names(self, assignment: str) -> list[str]:
        """Names (without .ipynb) of the notebooks an assignment is made of."""
        folder = self.folder("source") / assignment
        if not folder.is_dir():
            raise CourseError(
                f"no assignment {assignment!r} in {self.folder('source')}; "
                f"known assignments: {', '.join(self.assignments()) or 'none'}"
            )
        return sorted(p.stem for p in folder.glob("*.ipynb"))

    def read_notebook(self, kind: str, assignment: str, name: str) -> nbformat.NotebookNode:
        path = self.folder(kind) / assignment / f"{name}.ipynb"
        if not path.exists():
            raise CourseError(f"{path} is missing; run `autograder release {assignment}` first")
        return nbformat.read(path, as_version=4)

    def autograded_notebook(self, student: str, assignment: str, name: str) -> Path:
        """Where grading leaves a student's executed, scored notebook (nbgrader's autograded/ layout)."""
        return self.folder("autograded") / student / assignment / f"{name}.ipynb"

    def submissions(self, assignment: str) -> dict[str, Path]:
        """Student id -> submitted folder for this assignment (nbgrader's submitted/<student>/<assignment>)."""
        submitted = self.folder("submitted")
        if not submitted.is_dir():
            return {}
        return {
            student.name: student / assignment
            for student in sorted(submitted.iterdir())
            if (student / assignment).is_dir()
        }

    def require_in_gradebook(self, assignment: str) -> None:
        """nbgrader grades only assignments it has recorded; say how to record one."""
        self.notebook_names(assignment)  # an assignment without a source folder: name the known ones
        with self.gradebook() as gb:
            names = {a.name for a in gb.assignments}
        if assignment not in names:
            raise CourseError(
                f"assignment {assignment!r} is not in the gradebook {self.db_url}; "
                f"run `autograder release {assignment}` (nbgrader generate_assignment) first"
            )


def open_course(path: str | os.PathLike = "course") -> Course:
    """Load `path`/nbgrader_config.py the way nbgrader does, with root and gradebook made absolute."""
    _put_environment_tools_on_path()
    root = Path(path).resolve()
    if not (root / CONFIG_FILE).is_file():
        raise CourseError(
            f"{root} is not an nbgrader course directory (no {CONFIG_FILE}); "
            "pass --course DIR pointing at the folder that holds it"
        )
    config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = _absolute_db_url(config, root)
    return Course(root=root, config=config)


def _put_environment_tools_on_path() -> None:
    """nbgrader's gradebook runs the `alembic` program; find it beside this Python when PATH lacks it."""
    bindir = os.path.dirname(sys.executable)
    if shutil.which("alembic") is None and os.path.exists(os.path.join(bindir, "alembic")):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def _absolute_db_url(config: Config, root: Path) -> str:
    """nbgrader reads a relative sqlite URL from inside the course folder; pin it to that folder."""
    url = config.CourseDirectory.get("db_url") or "sqlite:///gradebook.db"
    prefix = "sqlite:///"
    if url.startswith(prefix) and not os.path.isabs(url[len(prefix):]):
        return prefix + str(root / url[len(prefix):])
    return url
