"""SaliencyView: the digit, the probabilities and the gradient it is given, drawn and summarised."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_lab.widgets import SaliencyView

IMAGES = np.arange(2 * 8 * 8, dtype=np.uint8).reshape(2, 8, 8) % 17
LABELS = np.array([3, 7])


def linear_explain(image: np.ndarray, label: int) -> tuple[np.ndarray, np.ndarray]:
    """A stand-in network: probabilities from fixed scores; the gradient marks one pixel per label."""
    scores = np.zeros(10)
    scores[label] = 2.0
    gradient = np.zeros(image.shape)
    gradient[label % 8, 7 - label % 8] = -0.5
    return np.exp(scores) / np.exp(scores).sum(), gradient


def test_the_summary_reports_the_guess_and_the_most_sensitive_pixel() -> None:
    view = SaliencyView(IMAGES, LABELS, linear_explain, index=1)
    summary = view.summary()
    assert "labelled 7, the network says 7" in summary
    assert "row 7, column 0" in summary and "lowers the loss" in summary
    assert view.image_png().startswith(b"\x89PNG")


def test_moving_the_slider_redraws_another_digit() -> None:
    view = SaliencyView(IMAGES, LABELS, linear_explain)
    first = view.image_png()
    view.index = 1
    assert "digit 1: labelled 7" in view.summary() and view.image_png() != first


def test_the_widget_only_calls_the_function_it_is_given() -> None:
    calls = []
    SaliencyView(IMAGES, LABELS, lambda image, label: calls.append(label) or linear_explain(image, label))
    assert calls and set(calls) == {3}


@pytest.mark.parametrize("explain, message", [
    (lambda image, label: np.ones(10), "a pair"),
    (lambda image, label: (np.ones(10), np.ones(3)), "the image's shape"),
    ("not a function", "needs a function"),
])
def test_a_wrong_explain_is_a_clear_error(explain, message) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        SaliencyView(IMAGES, LABELS, explain)
