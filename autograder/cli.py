"""The `autograder` command: one sub-command per instructor task, each a thin call into its module.

Only light modules are imported on top: the commands that grade start their workers' fork server
first, and the course (nbformat, nbgrader: a second of imports) loads while it starts.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from . import fork_server
from .limits import MB, Limits

if TYPE_CHECKING:
    from .course import Course

DEFAULT_LIMITS = Limits()

COMMANDS: dict[str, Callable[[Course, argparse.Namespace], int]] = {}


def number(kind: type, minimum: float, inclusive: bool = True) -> Callable[[str], int | float]:
    """An argparse type: a `kind` (int or float) at least (or above) `minimum`, else an error naming the range."""
    allowed = f"{'an integer' if kind is int else 'a number'} {'>=' if inclusive else '>'} {minimum:g}"

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {allowed}") from None
        if value < minimum or (value == minimum and not inclusive):
            raise argparse.ArgumentTypeError(f"{text} is out of range: must be {allowed}")
        return value

    parse.__name__ = allowed  # argparse names the type in some messages
    return parse


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (what was wrong, where to look) and exit code 2."""

    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def command(name: str) -> Callable:
    def register(func: Callable[[Course, argparse.Namespace], int]) -> Callable:
        COMMANDS[name] = func
        return func
    return register


@command("release")
def _release(course: Course, args: argparse.Namespace) -> int:
    from .release import release

    problems = release(course, _known(course, args.assignments))
    print("\n".join(problems) if problems else "release: every student version is free of solutions and hidden tests")
    return 1 if problems else 0


@command("collect")
def _collect(course: Course, args: argparse.Namespace) -> int:
    from .collect import collect

    report = collect(course, Path(args.downloads), args.assignment, pattern=args.pattern,
                     file_limit=args.max_file_mb * 1024**2, archive_limit=args.max_archive_mb * 1024**2)
    print(report.text())
    return 1 if report.unplaced and args.strict else 0


@command("grade")
def _grade(course: Course, args: argparse.Namespace) -> int:
    from .grading import grade

    limits = Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                    memory=args.memory_mb * MB, output=args.output_kb * 1024, network=args.allow_network)
    summary = grade(course, args.assignment, workers=args.workers, scheduler=args.scheduler, force=args.force,
                    zero_flagged=args.zero_flagged, limits=limits, wait=args.wait, gradebook_wait=args.gradebook_wait)
    print(summary.text())
    return 1 if summary.not_graded else 0


@command("feedback")
def _feedback(course: Course, args: argparse.Namespace) -> int:
    from .feedback import feedback

    written = feedback(course, args.assignment, students=args.student or None, allow_ungraded=args.allow_ungraded)
    print(written.text(course.folder("feedback")))
    return 0


@command("export")
def _export(course: Course, args: argparse.Namespace) -> int:
    from .export import export_csv

    path = export_csv(course, Path(args.to))
    print(f"export: grades written to {path}")
    return 0


@command("report")
def _report(course: Course, args: argparse.Namespace) -> int:
    from .report import write_report

    course.require_in_gradebook(args.assignment)
    path = write_report(course, args.assignment, Path(args.out) if args.out else None)
    print(f"report: {path}")
    return 0


@command("selfcheck")
def _selfcheck(course: Course, args: argparse.Namespace) -> int:
    from .selfcheck import selfcheck

    failures = selfcheck(course, _known(course, args.assignments), workers=args.workers)
    return 1 if failures else 0


def _known(course: Course, assignments: list[str]) -> list[str]:
    """The assignments asked for (all by default), each checked to exist before any work starts."""
    for assignment in assignments:
        course.notebook_names(assignment)
    return assignments or course.assignments()


def parser() -> argparse.ArgumentParser:
    top = OneLineParser(
        prog="autograder",
        description="Grade a Backprop Lab class over nbgrader's course directory and gradebook.",
    )
    top.add_argument("--course", default="course", help="the nbgrader course directory (default: course/)")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("release", help="generate student versions and check they hold no solution or hidden test",
                       description="Run nbgrader generate_assignment for each assignment (all by default), then "
                                   "check the student versions for solution code and hidden tests.")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")

    p = sub.add_parser("collect", help="bring platform downloads (zip or folder) into submitted/",
                       description="Place one notebook per student, downloaded from a learning platform, into "
                                   "submitted/<student>/<assignment>/. Student ids come from the file names "
                                   "(Canvas, Moodle and Blackboard patterns, or --pattern). The input is only read.")
    p.add_argument("downloads", metavar="ZIP|DIR")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--pattern", help="regular expression with a named group (?P<student>...) matched against "
                                     "each file's path inside the download")
    p.add_argument("--strict", action="store_true", help="exit 1 when some file could not be placed")
    p.add_argument("--max-file-mb", type=number(int, 1), default=20,
                   help="refuse a notebook bigger than this, unpacked (default: 20)")
    p.add_argument("--max-archive-mb", type=number(int, 1), default=500,
                   help="stop unpacking a zip past this many MB in all (default: 500)")

    p = sub.add_parser("grade", help="grade every submission in parallel, one writer to the gradebook",
                       description="Execute each submission in a sandboxed kernel on worker processes or a "
                                   "dask.distributed cluster; record grades in nbgrader's gradebook. Resumable; "
                                   "up-to-date submissions are skipped unless --force. Each kernel runs in a "
                                   "scratch copy of the submission (which is never modified) with time, memory, "
                                   "file-size and output limits, and, where Linux allows a network namespace, "
                                   "without network.")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--workers", type=number(int, 1), default=os.cpu_count(),
                   help="worker processes (default: number of cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="dask.distributed scheduler to run notebooks on "
                                                          "(workers must see the course folder)")
    p.add_argument("--force", action="store_true", help="regrade submissions that are up to date")
    p.add_argument("--zero-flagged", action="store_true", help="score zero the submissions integrity checks flag")
    p.add_argument("--cell-timeout", type=number(int, 0, inclusive=False),
                   help="seconds per cell (default: the course's Execute.timeout)")
    p.add_argument("--notebook-timeout", type=number(int, 0, inclusive=False),
                   default=DEFAULT_LIMITS.notebook_timeout, help="seconds per notebook (default: %(default)s)")
    p.add_argument("--memory-mb", type=number(int, 64), default=DEFAULT_LIMITS.memory // MB,
                   help="memory limit of each kernel's sandbox, in MB (default: %(default)s)")
    p.add_argument("--output-kb", type=number(int, 1), default=DEFAULT_LIMITS.output // 1024,
                   help="output kept per cell, in kB (default: %(default)s)")
    p.add_argument("--allow-network", action="store_true", help="do not cut kernels off the network")
    p.add_argument("--wait", action="store_true",
                   help="when another run is grading this assignment, wait for it instead of refusing")
    p.add_argument("--gradebook-wait", type=number(float, 0), default=60.0, metavar="SECONDS",
                   help="how long to retry while another program holds the gradebook locked (default: 60)")

    p = sub.add_parser("feedback", help="HTML feedback per student, without hidden test code",
                       description="Write feedback/<student>/<assignment>/<notebook>.html from the autograded "
                                   "notebooks: each test's message and points, hidden tests' code removed.")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.add_argument("--allow-ungraded", action="store_true",
                   help="send feedback although written answers are not graded by hand yet (they show 0)")

    p = sub.add_parser("export", help="grades as CSV, sorted by student and assignment",
                       description="Write every student's grade on every assignment as CSV: autograded and "
                                   "hand-graded points apart, written answers still to grade, flags.")
    p.add_argument("--to", default="grades.csv", help="output file (default: grades.csv)")

    p = sub.add_parser("report", help="one HTML page on how the class did",
                       description="Score distribution, pass rate per test cell, the most frequent mistakes "
                                   "by test message, and flagged submissions with reasons, in one HTML file.")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--out", help="folder for report-<assignment>.html (default: the course's reports/)")

    p = sub.add_parser("selfcheck", help="check the graders: source full marks, blank zero, variants as labelled",
                       description="In a scratch copy of the course: the source notebooks score full marks, the "
                                   "blank release scores zero, each wrong variant in variants/ loses points "
                                   "where it says, each right variant scores full marks.")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    p.add_argument("--workers", type=number(int, 1), default=os.cpu_count(),
                   help="worker processes (default: number of cores)")
    return top


GRADING_COMMANDS = ("grade", "selfcheck")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command in GRADING_COMMANDS and not getattr(args, "scheduler", None):
        fork_server.start()
    from .course import CourseError, open_course  # after the fork server: see the module docstring

    try:
        course = open_course(args.course)
        return COMMANDS[args.command](course, args)
    except CourseError as error:
        return _fail(args.command, str(error))
    except OSError as error:  # a path given on the command line that cannot be read or written
        where = f": {error.filename}" if error.filename else ""
        return _fail(args.command, f"{error.strerror or error}{where}; check the path and its permissions")


def _fail(command: str, message: str) -> int:
    """Bad input ends in one line on stderr and exit code 2, never a traceback."""
    print(f"autograder {command}: {' '.join(message.split())}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
