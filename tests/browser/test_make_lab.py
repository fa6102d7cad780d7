"""`make lab` as a learner and an instructor meet it, on a copy of the repository.

The module runs the Makefile's own `lab` target (conftest's make_lab: only the port, the
browser and the environment it installs into differ from a learner's terminal). Through the
server's REST API every released notebook must be in the learner's workspace, the formgrader's
pages must answer and Validate must grade the learner's copy; in chromium the printed address
must open notebook 01, the file browser must lead to notebook 03, a cell there must run, and
notebook 01, untouched, must not count as unsaved.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path, PurePosixPath

import pytest
from lab_page import (CURRENT_TAB, KERNEL_IDLE, NOTEBOOK, PROMPTS, click, dialogs, run_code_cell, select_cell,
                      wait_for_selector)
from playwright.sync_api import Page

pytestmark = pytest.mark.slow  # a JupyterLab server; the chromium test is marked browser too

ROOT = Path(__file__).resolve().parents[2]
# What `make lab` reads: the Makefile, its scripts, the course and the root nbgrader configuration.
REPOSITORY_PARTS = ["Makefile", "scripts", "course", "binder", "nbgrader_config.py"]
COURSE_LEFTOVERS = shutil.ignore_patterns("gradebook.db", "submitted", "autograded", "feedback", ".autograder",
                                          "reports", ".ipynb_checkpoints", "__pycache__")
RELEASED = sorted(path.relative_to(ROOT / "course/release").as_posix()
                  for path in (ROOT / "course/release").glob("*/*.ipynb"))
WORKSPACE = "my-work"
FORMGRADER_PAGES = ["formgrader/manage_assignments", "formgrader/gradebook", "formgrader/manage_students"]


def copy_repository(destination: Path) -> Path:
    """The parts of this repository that `make lab` uses, without any learner's workspace."""
    destination.mkdir()
    for part in REPOSITORY_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, destination / part, ignore=COURSE_LEFTOVERS)
        else:
            shutil.copy2(source, destination / part)
    return destination


@pytest.fixture(scope="module")
def made_lab(make_lab, tmp_path_factory: pytest.TempPathFactory) -> MadeLab:
    """`make lab` in a fresh copy of the repository, up and showing its address."""
    return make_lab(copy_repository(tmp_path_factory.mktemp("make-lab") / "backprop-lab"))


def listing(lab: MadeLab, path: str) -> dict:
    """The server's contents API entry for `path` (a folder lists its content)."""
    with lab.server.get(f"api/contents/{path}") as answer:
        return json.load(answer)


def workspace_notebooks(lab: MadeLab) -> list[str]:
    folders = [entry["name"] for entry in listing(lab, WORKSPACE)["content"] if entry["type"] == "directory"]
    return sorted(f"{folder}/{entry['name']}" for folder in folders
                  for entry in listing(lab, f"{WORKSPACE}/{folder}")["content"] if entry["type"] == "notebook")


def test_every_release_notebook_is_in_the_learners_workspace(made_lab: MadeLab):
    assignments = sorted(path.name for path in (ROOT / "course/source").iterdir() if path.is_dir())
    assert [notebook.split("/")[0] for notebook in RELEASED] == assignments, f"course/release/ holds {RELEASED}"
    assert workspace_notebooks(made_lab) == RELEASED


def test_the_printed_address_opens_the_first_notebook(made_lab: MadeLab):
    path = PurePosixPath(made_lab.address.split("/lab/tree/", 1)[1].split("?", 1)[0])
    assert path == PurePosixPath(WORKSPACE) / RELEASED[0]


@pytest.mark.parametrize("page", FORMGRADER_PAGES)
def test_the_formgrader_answers(made_lab: MadeLab, page: str):
    with made_lab.server.get(page) as answer:
        assert answer.status == 200


def test_the_formgrader_finds_every_assignment_of_the_course(made_lab: MadeLab):
    with made_lab.server.get("formgrader/api/assignments") as answer:
        names = [assignment["name"] for assignment in json.load(answer)]
    assert sorted(names) == sorted(PurePosixPath(path).parent.name for path in RELEASED)


def test_validate_runs_on_the_learners_copy(made_lab: MadeLab):
    """nbgrader's Validate button, asked from the repository's root, grades a blank notebook as failing."""
    request = urllib.request.Request(f"{made_lab.server.url}/assignments/validate?token={made_lab.server.token}",
                                     data=f"path={WORKSPACE}/{RELEASED[0]}".encode(), method="POST")
    with urllib.request.urlopen(request, timeout=300) as answer:
        result = json.load(answer)
    assert result["success"], result
    assert result["value"]["failed"], "a blank notebook should fail its visible tests"


def test_no_news_pop_up_or_update_check(made_lab: MadeLab):
    """JupyterLab asks a first-time user about Jupyter news; the course's settings answer for them."""
    with made_lab.server.get("lab/api/settings/@jupyterlab/apputils-extension:notification") as answer:
        plugin = json.load(answer)
    # The lab's overrides become the schema's defaults; a learner's own choice would sit in "settings".
    effective = {name: plugin["settings"].get(name, field.get("default"))
                 for name, field in plugin["schema"]["properties"].items()}
    assert effective["fetchNews"] == "false" and effective["checkForUpdates"] is False, effective


def dirty_tabs(page: Page) -> list[str]:
    return page.locator("#jp-main-dock-panel .lm-TabBar-tab.jp-mod-dirty .lm-TabBar-tabLabel").all_inner_texts()


@pytest.mark.browser
def test_a_learner_opens_notebook_01_and_walks_to_notebook_03(made_lab: MadeLab, browser_page: Page):
    page = browser_page
    page.goto(made_lab.address)
    first, third = PurePosixPath(RELEASED[0]), PurePosixPath(RELEASED[2])
    wait_for_selector(page, f"{CURRENT_TAB}:has-text('{first.name}')", f"notebook 01 ({first.name}) to open")
    wait_for_selector(page, KERNEL_IDLE, "notebook 01's kernel to be idle", timeout=120_000)

    click(page, f".jp-BreadCrumbs-item:text-is('{WORKSPACE}')", f"go up to {WORKSPACE}/ in the file browser")
    click(page, f".jp-DirListing-item:has-text('{third.parent}')", f"open the folder {third.parent}", double=True)
    click(page, f".jp-DirListing-item:has-text('{third.name}')", f"open {third.name}", double=True)
    wait_for_selector(page, f"{CURRENT_TAB}:has-text('{third.name}')", f"notebook 03 ({third.name}) to open")
    wait_for_selector(page, KERNEL_IDLE, "notebook 03's kernel to be idle", timeout=120_000)

    first_code_cell = page.evaluate(PROMPTS).index("[ ]:")
    select_cell(page, page.locator(f"{NOTEBOOK} .jp-Cell").nth(first_code_cell))
    run_code_cell(page, first_code_cell)
    assert not page.locator(f"{NOTEBOOK} .jp-Cell >> nth={first_code_cell} >> .jp-OutputArea-output"
                            "[data-mime-type='application/vnd.jupyter.stderr']").count()
    assert dialogs(page) == []
    # Both kernels have long since said what they run; only the notebook that ran a cell has changed.
    assert dirty_tabs(page) == [third.name]
