"""The course as a learner meets it: JupyterLab in Debian's chromium, every notebook run by hand.

One JupyterLab (conftest's lab_server) serves a throwaway copy of course/. For every notebook in
course/release/ the test opens a solved copy (the release with the source's answers written in),
runs every cell from the browser, saves, and reads back what the kernel produced: no cell may fail,
and every widget must draw and respond. The blank first notebook, a learner's first run, may fail
only where an answer is missing, and must say which (tests/learner_runs.py); every other blank
release is held to the same rule in the learner's own environment (tests/course/
test_learner_environment.py), where its errors come from the same kernel-side code. Then nbgrader's
Validate button must fail the blank first notebook and pass the solved one.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import Page, expect

from lab_page import (CURRENT_TAB, DIALOG, KERNEL_IDLE, KERNEL_STATUS, NOTEBOOK, PROMPTS, SETTLED, click, menu, run_code_cell,
                      select_cell, wait_for, wait_for_selector)
from learner_runs import WIDGET_MIME, errors, solved, unexplained_errors

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "course"
RELEASED = sorted(path.relative_to(COURSE).as_posix() for path in COURSE.glob("release/*/*.ipynb"))
FIRST = "release/01_central_difference/central_difference.ipynb"
# The widgets stepped with « ◀ ▶ » buttons, by the class each one gives itself.
STEPPERS = ".backprop-graph-view, .backprop-box-chain, .backprop-topo-stepper"



def solved_path(released: str) -> str:
    return released.removesuffix(".ipynb") + "_solved.ipynb"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of course/ with a solved copy beside every release notebook."""
    copy = tmp_path_factory.mktemp("e2e") / "course"
    shutil.copytree(COURSE, copy, ignore=shutil.ignore_patterns(
        "gradebook.db", "submitted", "autograded", "feedback", ".ipynb_checkpoints", "__pycache__"))
    for released in RELEASED:
        source = nbformat.read(copy / released.replace("release/", "source/", 1), as_version=4)
        release = nbformat.read(copy / released, as_version=4)
        nbformat.write(solved(release, source), copy / solved_path(released))
    return copy


@pytest.fixture(scope="module")
def page(course: Path, lab_server, chromium_browser) -> Iterator[Page]:
    """One JupyterLab page on the course copy, kept open for every notebook of the module."""
    server = lab_server(course)
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    lab_page = context.new_page()
    lab_page.goto(server.lab_url())
    wait_for_selector(lab_page, "#jp-MainMenu", "JupyterLab's menu bar")
    yield lab_page
    context.close()


@pytest.fixture
def open_notebook(page: Page) -> Iterator:
    """open_notebook(path) shows a notebook as a learner would open it; closed with its kernel after."""

    def open_(path: str) -> None:
        menu(page, "File", "Open from Path…")
        page.fill(f"{DIALOG} input", path)
        click(page, f"{DIALOG} .jp-mod-accept", f"open {path}")
        wait_for_selector(page, f"{NOTEBOOK} .jp-Cell", f"the cells of {path}")
        wait_for_selector(page, KERNEL_IDLE, f"the kernel of {path} to be idle")

    yield open_
    page.keyboard.press("Escape")  # a menu left open by a failed test
    click(page, f"{CURRENT_TAB} .lm-TabBar-tabCloseIcon", "close the notebook's tab")
    wait_for(page, f"() => !document.querySelector('{NOTEBOOK}') || document.querySelector('{DIALOG}')",
             "the notebook to close")
    if page.locator(f"{DIALOG}:has-text('Save your work')").count():  # a test that failed before saving
        click(page, f'{DIALOG} button:has-text("Discard")', "discard the unsaved changes")
        wait_for_selector(page, NOTEBOOK, "the notebook to close", state="detached")
    page.evaluate("""async () => { const sessions = await (await fetch('/api/sessions')).json();
        for (const s of sessions) await fetch('/api/sessions/' + s.id, {method: 'DELETE'}); }""")


def run_every_cell(page: Page, cells: int) -> None:
    """Shift-Enter from the top, one cell at a time, as a learner does (Ctrl-Enter on the last
    cell, which Shift-Enter would give a new empty cell below). First the page must show all the
    notebook's `cells`: a notebook just opened may show one empty cell until its content arrives."""
    wait_for(page, f"() => document.querySelectorAll('{NOTEBOOK} .jp-Cell').length === {cells}",
             f"the notebook's {cells} cells to show")
    prompts = page.evaluate(PROMPTS)
    select_cell(page, page.locator(f"{NOTEBOOK} .jp-Cell").first)
    for index, prompt in enumerate(prompts):
        key = "Shift+Enter" if index < len(prompts) - 1 else "Control+Enter"
        if prompt is None:
            page.keyboard.press(key)
        else:
            run_code_cell(page, index, key)
    # Each cell has finished; a hang guard for the kernel to go idle (slow under Pyodide on a loaded machine).
    try:
        wait_for(page, SETTLED, "every cell to finish", timeout=180_000)
    except AssertionError as error:  # say what the page shows: which cells ran, and the kernel's status
        raise AssertionError(f"{error}; prompts {page.evaluate(PROMPTS)}; kernel status "
                             f"{page.evaluate(KERNEL_STATUS)!r}") from None


def save(page: Page) -> None:
    page.keyboard.press("Control+s")
    wait_for_selector(page, f"{CURRENT_TAB}.jp-mod-dirty", "the notebook to be saved", state="detached")


def never_ran(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code" and not cell.execution_count]


def ran_top_to_bottom(notebook: nbformat.NotebookNode) -> bool:
    """The outputs come from one pass in page order (Run All may run a stray cell early; it is rerun)."""
    counts = [cell.execution_count for cell in notebook.cells if cell.cell_type == "code"]
    return all(a < b for a, b in zip(counts, counts[1:]))


def check_widgets(page: Page, expected: int) -> None:
    """Every widget output is drawn: a live view, images loaded, and every stepper steps."""
    # Widget views are the only outputs whose renderer does not label them with a mime type.
    outputs = page.locator(f"{NOTEBOOK} .jp-OutputArea-output:not([data-mime-type])")
    assert outputs.count() == expected, f"{expected} widget outputs saved, {outputs.count()} on the page"
    for index in range(expected):
        output = outputs.nth(index)
        output.scroll_into_view_if_needed()
        wait_for(page, "node => !node.innerText.includes('Loading widget')", f"widget output {index} to load",
                 timeout=60_000, arg=output.element_handle())
        assert "Error displaying widget" not in output.inner_text(), output.inner_text()
        assert output.locator(".jupyter-widgets").count(), f"widget output {index} drew nothing"
        output.evaluate("""async node => { for (const img of node.querySelectorAll('img')) {
            if (!img.complete) await new Promise(done => img.addEventListener('load', done, {once: true}));
            if (!img.naturalWidth) throw new Error('a widget image did not load'); } }""")
        if output.locator(STEPPERS).count():
            summary = output.locator(".backprop-summary")
            before = summary.inner_text()
            output.get_by_role("button", name="next ▶").click()
            expect(summary).not_to_have_text(before, timeout=20_000)


def validation_result(page: Page) -> str:
    """Click Validate and return the class nbgrader gives its verdict, e.g. 'validation-success'."""
    click(page, f"{NOTEBOOK} .validate-button", "click Validate")
    wait_for_selector(page, f"{DIALOG} #validation-message", "Validate's verdict", timeout=180_000)
    message = page.locator(f"{DIALOG} #validation-message")
    verdict = next(c for c in message.get_attribute("class").split() if c.startswith("validation-"))
    click(page, f"{DIALOG} .jp-mod-accept", "close Validate's verdict")
    return verdict


def test_the_release_notebooks_are_found():
    assert FIRST in RELEASED, f"course/release/ holds {RELEASED}"


def run_as_a_learner(path: str, course: Path, page: Page, open_notebook) -> nbformat.NotebookNode:
    """Open the notebook, run every cell from the top, save, and read back what the kernel wrote;
    every code cell must have run, in page order."""
    cells = len(nbformat.read(course / path, as_version=4).cells)
    open_notebook(path)
    run_every_cell(page, cells)
    save(page)
    notebook = nbformat.read(course / path, as_version=4)
    assert never_ran(notebook) == []
    assert ran_top_to_bottom(notebook)
    return notebook


def test_blank_first_notebook_fails_only_where_answers_are_missing(course, page, open_notebook):
    notebook = run_as_a_learner(FIRST, course, page, open_notebook)
    assert errors(notebook), "a blank notebook should stop where answers are missing"
    assert unexplained_errors(notebook) == []


@pytest.mark.parametrize("released", RELEASED)
def test_solved_notebook_runs_cleanly_and_draws_its_widgets(released, course, page, open_notebook):
    notebook = run_as_a_learner(solved_path(released), course, page, open_notebook)
    assert [f"{e.ename}: {e.evalue}" for _, e in errors(notebook)] == []
    widgets = sum(WIDGET_MIME in output.get("data", {})
                  for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs)
    check_widgets(page, widgets)


def test_validate_fails_the_blank_notebook(page, open_notebook):
    open_notebook(FIRST)
    assert validation_result(page) == "validation-failed"


def test_validate_passes_the_solved_notebook(page, open_notebook):
    open_notebook(solved_path(FIRST))
    assert validation_result(page) == "validation-success"
