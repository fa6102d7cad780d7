"""Every widget of backprop_lab.widgets, drawn and stepped by JupyterLab in Debian's chromium.

The demo notebook beside this file is copied to a temporary folder, opened in a lab served from
there, and run with Run All Cells; then each widget must have drawn, and GraphView on h(x, y)
must step, ending on the gradients that `backpropagate` computes.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lab_page import KERNEL_IDLE, NOTEBOOK, PROMPTS, SETTLED, click, menu, wait_for, wait_for_selector
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from solutions import Scalar, backpropagate
from backprop_lab.widgets.nodes import format_number

pytestmark = pytest.mark.browser

DEMO = Path(__file__).with_name("widgets_demo.ipynb")
WIDGETS_IN_DEMO = 9
IMAGES_LOADED = """nodes => nodes.length > 0 && nodes.every(img => img.complete && img.naturalWidth > 0)"""


def code_prompts(page: Page) -> list[str]:
    return [prompt for prompt in page.evaluate(PROMPTS) if prompt is not None]


def run_all_cells(page: Page) -> None:
    """Run → Run All Cells until every code cell has run; where the run stopped short, go on from there."""
    for _ in range(10):  # Run All is ignored while the kernel is still connecting
        menu(page, "Run", "Run All Cells")
        try:
            page.wait_for_function(f"() => ({PROMPTS})().some(t => /[*\\d]/.test(t))", timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    for _ in range(3):
        wait_for(page, SETTLED, "every cell to finish", timeout=180_000)
        missed = [k for k, prompt in enumerate(code_prompts(page)) if not re.search(r"\d", prompt)]
        if not missed:
            return
        click(page, f"{NOTEBOOK} .jp-CodeCell .jp-InputPrompt >> nth={missed[0]}", f"select code cell {missed[0]}")
        menu(page, "Run", "Run Selected Cell and All Below")
        wait_for(page, f"() => /[*\\d]/.test(({PROMPTS})().filter(t => t !== null)[{missed[0]}])",
                 f"code cell {missed[0]} to start", timeout=30_000)
    raise AssertionError(f"some cells never ran: {code_prompts(page)}")


@pytest.fixture(scope="module")
def demo(lab_server, chromium_browser, tmp_path_factory, screenshot_dir) -> Iterator[Page]:
    """The demo notebook, run top to bottom in JupyterLab; yields the page."""
    folder = tmp_path_factory.mktemp("widgets-demo")
    shutil.copy(DEMO, folder / DEMO.name)
    server = lab_server(folder)
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(server.lab_url(DEMO.name))
    wait_for_selector(page, KERNEL_IDLE, "the demo's kernel to be idle", timeout=120_000)
    run_all_cells(page)
    wait_for(page, f"() => document.querySelectorAll('{NOTEBOOK} .backprop-widget').length >= {WIDGETS_IN_DEMO}",
             f"the demo's {WIDGETS_IN_DEMO} widgets to draw")
    yield page
    page.screenshot(path=screenshot_dir / "lab-at-end.png")
    context.close()


def expected_h_lines() -> list[str]:
    """The summary lines for h's inputs once the backward pass is done, from backpropagate itself."""
    x, y = Scalar(1.5, name="x"), Scalar(2.0, name="y")
    xy = x * y
    backpropagate(xy.log() + xy.exp())
    return [f"{node.name}: value {format_number(node.value, 6)}, grad {format_number(node.grad, 6)} (final)"
            for node in (x, y)]


def test_every_widget_draws_without_errors(demo: Page, screenshot_dir: Path):
    widgets = demo.locator(f"{NOTEBOOK} .backprop-widget")
    expect(widgets).to_have_count(WIDGETS_IN_DEMO)
    notebook = demo.locator(NOTEBOOK)
    assert "Error displaying widget" not in notebook.inner_text()
    assert demo.locator(f'{NOTEBOOK} [data-mime-type="application/vnd.jupyter.stderr"]').count() == 0
    for index in range(WIDGETS_IN_DEMO):
        widget = widgets.nth(index)
        widget.scroll_into_view_if_needed()
        wait_for(demo, IMAGES_LOADED, f"widget {index}'s images to load", arg=widget.locator("img").element_handles())
        assert widget.locator(".backprop-summary").inner_text().strip(), f"widget {index} has no summary"
        widget.screenshot(path=screenshot_dir / f"widget-{index + 1}.png")


def test_graph_view_steps_h_back_to_backpropagate_gradients(demo: Page, screenshot_dir: Path):
    view = demo.locator(f"{NOTEBOOK} .backprop-graph-view").first
    summary, image = view.locator(".backprop-summary"), view.locator("img")
    view.scroll_into_view_if_needed()
    assert "step 0 of" in summary.inner_text()
    before_text, before_src = summary.inner_text(), image.get_attribute("src")

    view.get_by_role("button", name="next ▶").click()
    expect(summary).not_to_have_text(before_text)
    expect(image).not_to_have_attribute("src", before_src)
    assert "step 1 of" in summary.inner_text()
    view.screenshot(path=screenshot_dir / "graph-view-h-step-1.png")

    view.get_by_role("button", name="end »").click()
    expect(summary).to_contain_text("backward")
    for line in expected_h_lines():
        expect(summary).to_contain_text(line)
    demo.wait_for_function(IMAGES_LOADED, arg=image.element_handles())
    view.screenshot(path=screenshot_dir / "graph-view-h-last-step.png")

    last = int(re.search(r"step (\d+) of \1:", summary.inner_text()).group(1))
    view.get_by_role("button", name="◀ back").click()
    expect(summary).to_contain_text(f"step {last - 1} of {last}: backward")
    demo.wait_for_function(IMAGES_LOADED, arg=image.element_handles())
    view.screenshot(path=screenshot_dir / "graph-view-h-one-before-last.png")
    view.get_by_role("button", name="◀ back").click()
    expect(summary).to_contain_text(f"step {last - 2} of {last}: backward")
    demo.wait_for_function(IMAGES_LOADED, arg=image.element_handles())
    view.screenshot(path=screenshot_dir / "graph-view-h-two-before-last.png")


def test_other_steppers_respond_to_their_controls(demo: Page):
    for css in (".backprop-box-chain", ".backprop-topo-stepper"):
        view = demo.locator(f"{NOTEBOOK} {css}").first
        summary = view.locator(".backprop-summary")
        before = summary.inner_text()
        view.get_by_role("button", name="end »").click()
        expect(summary).not_to_have_text(before)


def test_saliency_view_moves_to_the_next_digit(demo: Page):
    view = demo.locator(f"{NOTEBOOK} .backprop-saliency").first
    summary, image = view.locator(".backprop-summary"), view.locator("img")
    view.scroll_into_view_if_needed()
    expect(summary).to_contain_text("digit 0: labelled 0")
    before = image.get_attribute("src")
    view.locator(".noUi-handle").first.press("ArrowRight")
    expect(summary).to_contain_text("digit 1: labelled 1")
    expect(image).not_to_have_attribute("src", before)


def test_widgets_stay_legible_at_1024_px_with_the_file_browser_open(demo: Page, screenshot_dir: Path):
    """A laptop's narrow window: no button label cut short, no picture shrunk below its legible width."""
    demo.set_viewport_size({"width": 1024, "height": 800})
    if not demo.locator("#filebrowser").is_visible():
        click(demo, '.jp-SideBar [data-id="filebrowser"]', "the file browser's tab")
    expect(demo.locator("#filebrowser")).to_be_visible()
    widgets = demo.locator(f"{NOTEBOOK} .backprop-widget")
    for index in range(WIDGETS_IN_DEMO):
        widget = widgets.nth(index)
        widget.scroll_into_view_if_needed()
        cut = widget.locator("button").evaluate_all(
            "buttons => buttons.filter(b => b.scrollWidth > b.clientWidth + 1).map(b => b.innerText)")
        assert not cut, f"widget {index}: these button labels are cut short at 1024 px: {cut}"
        narrow = widget.locator("img").evaluate_all(
            "imgs => imgs.filter(img => img.getBoundingClientRect().width < Math.min(720, img.naturalWidth) - 1)"
            "            .map(img => img.getBoundingClientRect().width)")
        assert not narrow, f"widget {index}: pictures shrunk to {narrow} px, below the legible 720 px"
        widget.screenshot(path=screenshot_dir / f"widget-{index + 1}-at-1024px.png")
    demo.screenshot(path=screenshot_dir / "lab-at-1024px-with-file-browser.png")
    demo.set_viewport_size({"width": 1400, "height": 1000})
