"""The README says what the repository does: its `make` commands are the Makefile's, its numbers
are the notebooks'."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from terminal import terminal_environment

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
# Everything the README shows as code: fenced blocks and `inline spans`.
CODE = re.findall(r"```[^\n]*\n(.*?)```", README, re.DOTALL) + re.findall(r"`([^`\n]+)`", README)


def make_commands() -> list[list[str]]:
    """Each `make ...` command the README gives, once, as its words up to a comment or the line's end."""
    commands = set()
    for code in CODE:
        for line in code.splitlines():
            found = re.match(r"\s*make((?:\s+[\w.=/-]+)*)", line.split("#")[0])
            if found:
                commands.add(("make", *found.group(1).split()))
    return [list(command) for command in sorted(commands)]


def test_the_readme_gives_the_make_commands_a_learner_needs():
    targets = {word for command in make_commands() for word in command[1:] if "=" not in word}
    assert {"lab", "test", "workspace", "clean"} <= targets


def test_every_make_command_in_the_readme_is_one_the_makefile_knows():
    for command in make_commands():
        # --dry-run prints what make would do, running nothing; a target it does not know is an error.
        done = subprocess.run([*command, "--dry-run"], cwd=ROOT, env=terminal_environment(),
                              capture_output=True, text=True)
        assert done.returncode == 0, f"README's `{' '.join(command)}`: {done.stderr.strip()}"


def test_the_readme_states_notebook_04s_chain_depth():
    notebook = json.loads((ROOT / "course/release/04_topological_sort/topological_sort.ipynb").read_text())
    code = "".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code")
    depth = int(re.search(r"chain_depth = ([\d_]+)", code).group(1))
    stated = re.search(r"a chain ([\d ]+) nodes deep", README)
    assert stated, "the README no longer says how deep a chain notebook 04 handles"
    assert int(stated.group(1).replace(" ", "")) == depth


def test_the_readme_quotes_a_hidden_test_comment_that_a_notebook_carries():
    (quoted,) = [code for code in CODE if code.startswith("# Hidden tests")]
    comments = [line for path in sorted(ROOT.glob("course/release/*/*.ipynb"))
                for cell in json.loads(path.read_text())["cells"] for line in "".join(cell["source"]).splitlines()]
    assert quoted in comments
