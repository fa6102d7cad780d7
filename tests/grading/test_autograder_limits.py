"""Each sandbox default is written once: in `Limits`, or (the cell timeout) in the course's config.
The command line, the preprocessors' traits and the README's table all say the same figures."""

from __future__ import annotations

import re
from pathlib import Path

from autograder.cli import parser
from autograder.course import open_course
from autograder.limits import MB, Limits, course_cell_timeout
from autograder.notebook_budget import NotebookBudget
from autograder.output_budget import OutputBudget
from autograder.sandbox import Isolation, limits_config

ROOT = Path(__file__).resolve().parents[2]
COURSE = open_course(ROOT / "course")


def readme_limits() -> dict[str, str]:
    """The README's table of limits: label -> default as written ("30 s", "2048 MB" ...)."""
    readme = (ROOT / "README.md").read_text()
    table = readme.split("| limit | default | `grade` option |", 1)[1].split("\n\n", 1)[0]
    rows = [line.split("|")[1:3] for line in table.strip().splitlines()[1:]]
    return {label.strip(): default.strip() for label, default in rows}


def test_the_readme_table_gives_the_limits_of_the_code() -> None:
    limits = Limits().for_course(COURSE.config)
    assert readme_limits() == {
        "time per cell": f"{limits.cell_timeout} s",
        "time for all the cells of a notebook": f"{limits.notebook_timeout} s",
        "memory, the sandbox as a whole and each process": f"{limits.memory // MB} MB",
        "output kept per cell": f"{limits.output // 1024} kB",
        "size of a file the kernel writes": f"{limits.file_size // MB} MB",
        "processes and threads": f"{limits.processes}",
        "network": "none" if not limits.network else "kept",
    }


def test_the_command_line_defaults_are_the_limits_defaults() -> None:
    args = parser().parse_args(["grade", "01_central_difference"])
    limits = Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                    memory=args.memory_mb * MB, output=args.output_kb * 1024, network=args.allow_network)
    assert limits == Limits()
    help_text = parser()._subparsers._group_actions[0].choices["grade"].format_help()
    assert f"(default: {Limits().memory // MB})" in " ".join(help_text.split())


def test_the_preprocessors_default_to_the_limits() -> None:
    assert OutputBudget.class_traits()["output_limit"].default() == Limits().output
    assert NotebookBudget.class_traits()["notebook_timeout"].default() == Limits().notebook_timeout


def test_the_cell_timeout_is_the_courses_unless_given() -> None:
    configured = re.search(r"c\.Execute\.timeout = (\d+)", (ROOT / "course/nbgrader_config.py").read_text())
    assert course_cell_timeout(COURSE.config) == int(configured.group(1))
    assert Limits().for_course(COURSE.config).cell_timeout == int(configured.group(1))
    assert Limits(cell_timeout=7).for_course(COURSE.config).cell_timeout == 7


def test_the_course_timeout_holds_in_the_kernel_config_when_no_limit_overrides_it(tmp_path: Path) -> None:
    isolation = Isolation(bubblewrap=False, user_namespace=False, network=False)
    assert "timeout" not in limits_config(Limits(), isolation, tmp_path, tmp_path).Execute
    assert limits_config(Limits(cell_timeout=7), isolation, tmp_path, tmp_path).Execute.timeout == 7


def test_network_is_cut_only_when_the_limits_forbid_it_and_the_machine_can() -> None:
    able = Isolation(bubblewrap=True, user_namespace=True, network=True)
    assert able.cuts_network(Limits())
    assert not able.cuts_network(Limits(network=True))
    assert "note: kernels keep network access" in able.gaps(Limits(network=True))
    assert not Isolation(bubblewrap=False, user_namespace=False, network=False).cuts_network(Limits())
