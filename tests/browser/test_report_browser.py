"""The class report as an instructor opens it: one file, offline, laid out to read in chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

import autograder_fixture as fx
from autograder.course import open_course
from autograder.report import write_report
from class_batch import GradedClass, submissions

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PNG = b"\x89PNG"


def test_the_report_opens_offline_and_fits_the_page(graded_class_batch: GradedClass, browser_page, screenshot_dir: Path,
                                                    tmp_path: Path) -> None:
    path = write_report(open_course(graded_class_batch.root), fx.ASSIGNMENT, tmp_path)
    requested: list[str] = []
    browser_page.on("request", lambda request: requested.append(request.url))
    browser_page.goto(path.as_uri())
    shot = screenshot_dir / "class-report.png"
    browser_page.screenshot(path=shot, full_page=True)
    assert shot.read_bytes().startswith(PNG)
    assert [url for url in requested if not url.startswith(("file:", "data:"))] == [], "the page must need no network"
    assert browser_page.evaluate("[...document.images].every(img => img.complete && img.naturalWidth > 0)")
    assert browser_page.locator("img").count() == 2
    assert browser_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
    learners = browser_page.locator("table").first.locator("tr")
    assert learners.count() == 1 + len(submissions(graded_class_batch.root))
    for heading in ("Learners", "Still to grade by hand", "Mistakes, by what the messages name", "Plots"):
        assert browser_page.get_by_role("heading", name=heading).is_visible()
