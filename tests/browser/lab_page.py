"""What a browser test does in a JupyterLab page: choose menu items, wait for a state, run a cell.

JupyterLab's modal dialogs (kernel choice, "save your work?", a lost connection) cover the page
and swallow clicks. These helpers never click one away blindly: a test waits for the state it
needs, and when that state does not come, or a dialog blocks a click, the failure names every
dialog on the page by its text.
"""

from __future__ import annotations

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
DIALOG = ".jp-Dialog"
CURRENT_TAB = "#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current"
# Each cell's prompt, "[ ]:", "[*]:" or "[7]:" for a code cell and null for any other cell.
PROMPTS = f"""() => [...document.querySelectorAll('{NOTEBOOK} .jp-Cell')].map(cell =>
    cell.classList.contains('jp-CodeCell') ? cell.querySelector('.jp-InputPrompt').textContent : null)"""
# The kernel's status: the notebook toolbar's execution indicator, or, when the toolbar has no room
# for it (JupyterLab moves items of a narrow toolbar into a menu), the session JupyterLite exposes.
KERNEL_STATUS = f"""() => document.querySelector('{NOTEBOOK} .jp-Notebook-ExecutionIndicator')?.dataset.status
    ?? window.jupyterapp?.shell.currentWidget?.sessionContext?.kernelDisplayStatus ?? null"""
# The kernel is idle, some code cell has run and none is waiting to run ("[*]:").
SETTLED = f"""() => {{ const p = ({PROMPTS})();
    return ({KERNEL_STATUS})() === 'idle' && p.some(t => t && /\\d/.test(t)) && !p.some(t => t && t.includes('*')); }}"""
KERNEL_IDLE = f'{NOTEBOOK} .jp-Notebook-ExecutionIndicator[data-status="idle"]'


def dialogs(page: Page) -> list[str]:
    """The text (title, message, buttons) of every JupyterLab dialog open on the page."""
    return [" | ".join(line.strip() for line in text.splitlines() if line.strip())
            for text in page.locator(DIALOG).all_inner_texts()]


def dialog_report(page: Page) -> str:
    found = dialogs(page)
    return f"JupyterLab dialogs open: {found}" if found else "no JupyterLab dialog is open"


def wait_for(page: Page, condition: str, what: str, timeout: float = 60_000, arg=None) -> None:
    """Wait until the JavaScript `condition` holds; otherwise fail saying `what` was awaited and which dialogs block."""
    try:
        page.wait_for_function(condition, arg=arg, timeout=timeout)
    except PlaywrightTimeout:
        raise AssertionError(f"waited {timeout / 1000:.0f} s for {what}; {dialog_report(page)}") from None


def wait_for_selector(page: Page, selector: str, what: str, timeout: float = 60_000, state: str = "visible") -> None:
    """Wait for `selector` to reach `state`; otherwise fail naming `what` and any dialog in the way."""
    try:
        page.wait_for_selector(selector, state=state, timeout=timeout)
    except PlaywrightTimeout:
        raise AssertionError(f"waited {timeout / 1000:.0f} s for {what}; {dialog_report(page)}") from None


def click(page: Page, selector: str, what: str, timeout: float = 30_000, double: bool = False) -> None:
    """Click `selector`, failing with the names of the dialogs that cover it if one does."""
    unexpected = dialogs(page)
    if unexpected and not selector.startswith(DIALOG):
        raise AssertionError(f"a JupyterLab dialog stands in the way of {what}: {unexpected}")
    try:
        (page.dblclick if double else page.click)(selector, timeout=timeout)
    except PlaywrightTimeout:
        raise AssertionError(f"could not {what} within {timeout / 1000:.0f} s; {dialog_report(page)}") from None


def menu(page: Page, top: str, item: str) -> None:
    """Choose `item` from the main menu `top`, as a person would."""
    click(page, f'#jp-MainMenu .lm-MenuBar-itemLabel:text-is("{top}")', f"open the {top} menu")
    click(page, f'.lm-Menu .lm-Menu-itemLabel:text-is("{item}")', f"choose {top} → {item}")


def select_cell(page: Page, cell) -> None:
    """Select a cell by its left margin, without entering edit mode."""
    cell.click(position={"x": 5, "y": 5})
    page.keyboard.press("Escape")


def run_code_cell(page: Page, index: int, key: str = "Shift+Enter") -> None:
    """Run the selected cell, number `index` of the notebook in view, and wait for its number. A key
    pressed while the kernel is still connecting runs nothing, so the cell is selected again and
    the key pressed again, for up to a minute: a loaded machine can take that long to start a kernel."""
    state = f"({PROMPTS})()[{index}]"
    for _ in range(12):
        page.keyboard.press(key)
        try:
            page.wait_for_function(f"() => /[*\\d]/.test({state})", timeout=5_000)
            break
        except PlaywrightTimeout:
            select_cell(page, page.locator(f"{NOTEBOOK} .jp-Cell").nth(index))
    else:
        raise AssertionError(f"cell {index} would not start: {page.evaluate(PROMPTS)}; {dialog_report(page)}")
    wait_for(page, f"() => /\\d/.test({state})", f"cell {index} to finish", timeout=60_000)
