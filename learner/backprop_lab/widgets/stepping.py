"""The widgets' frame: `PictureView` (a redrawn image above its text summary) and `StepView` (plus step controls)."""

from __future__ import annotations

import html

import ipywidgets as widgets
from matplotlib.figure import Figure

from .drawing import figure_png


def summary_html(text: str) -> str:
    """The summary as live-region HTML, so screen readers announce each new step."""
    return (f'<div class="backprop-summary" role="status" aria-live="polite" '
            f'style="white-space: pre-wrap; font-family: monospace; font-size: 12px; '
            f'line-height: 1.35">{html.escape(text)}</div>')


LEGIBLE_WIDTH = 720
"""The narrowest (px) a picture is shrunk to: its 10 pt text stays about 10 px high. Narrower, it scrolls."""


class PictureView(widgets.VBox):
    """A redrawn PNG image above a text summary; subclasses give `figure()` and `summary()`."""

    css_class = "backprop-widget"

    def __init__(self, controls: list[widgets.Widget]):
        self._image = widgets.Image(format="png", layout=widgets.Layout(
            max_width="100%", height="auto"))
        self._text = widgets.HTML()
        picture = widgets.Box([self._image], layout=widgets.Layout(overflow="auto hidden"))
        super().__init__(children=[*controls, picture, self._text])
        self.add_class("backprop-widget")
        self.add_class(self.css_class)

    def figure(self) -> Figure:
        """The matplotlib figure of what the widget shows now."""
        raise NotImplementedError

    def summary(self) -> str:
        """A text account of what the widget shows now (for screen readers and tests)."""
        raise NotImplementedError

    def image_png(self) -> bytes:
        """The PNG bytes the widget shows now."""
        return bytes(self._image.value)

    def redraw(self) -> None:
        figure = self.figure()
        self._image.layout.min_width = f"{min(LEGIBLE_WIDTH, round(figure.get_figwidth() * figure.dpi))}px"
        self._image.value = figure_png(figure)
        self._text.value = summary_html(self.summary())


class StepView(PictureView):
    """A picture stepped through with « ◀ ▶ » buttons or a slider; `step` is the one shown."""

    def __init__(self, n_steps: int):
        self._slider = widgets.IntSlider(value=0, min=0, max=max(n_steps - 1, 0), description="step",
                                         continuous_update=False, layout=widgets.Layout(width="420px", min_width="260px"))
        self._buttons = {
            name: widgets.Button(description=text, tooltip=tip, layout=widgets.Layout(width="auto", flex="0 0 auto"))  # never squeezed to "« s…"
            for name, text, tip in [("first", "« start", "back to the first step"),
                                    ("back", "◀ back", "one step back"),
                                    ("next", "next ▶", "one step forward"),
                                    ("last", "end »", "jump to the last step")]
        }
        moves = {"first": lambda: 0, "back": lambda: self.step - 1,
                 "next": lambda: self.step + 1, "last": lambda: self.n_steps - 1}
        for name, button in self._buttons.items():
            button.on_click(lambda _, move=moves[name]: self.go(move()))
        self._slider.observe(lambda _: self._on_step(), names="value")
        super().__init__([widgets.HBox([*self._buttons.values(), self._slider], layout=widgets.Layout(flex_flow="row wrap"))])
        self._on_step()

    @property
    def n_steps(self) -> int:
        return self._slider.max + 1

    @property
    def step(self) -> int:
        return self._slider.value

    def go(self, step: int) -> None:
        """Show step `step` (clamped to the first and last)."""
        self._slider.value = min(max(step, 0), self.n_steps - 1)

    def next(self) -> None:
        self.go(self.step + 1)

    def back(self) -> None:
        self.go(self.step - 1)

    def _on_step(self) -> None:
        self._buttons["first"].disabled = self._buttons["back"].disabled = self.step == 0
        self._buttons["next"].disabled = self._buttons["last"].disabled = self.step == self.n_steps - 1
        self.redraw()
