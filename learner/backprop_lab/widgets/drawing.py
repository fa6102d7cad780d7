"""The widgets' shared look: a colour-blind-safe palette and matplotlib figures rendered to PNG.

Figures are made with `matplotlib.figure.Figure` and the Agg canvas, never pyplot, so no
backend is switched, no window opens, and nothing stays registered to leak memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

# Okabe & Ito's eight colours, told apart with every common kind of colour blindness.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
INK = "#222222"
MUTED = "#8A8A8A"
DPI = 96
GLYPH_WIDTH = 0.52  # DejaVu Sans: a digit or letter is about half an em wide


def tint(colour: str, amount: float) -> str:
    """`colour` mixed with white: amount 0 is white, 1 the colour itself (for fills behind text)."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(255 - (255 - c) * amount) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


# What each colour means, the same in every widget.
FILL_EMPTY = "#FFFFFF"
FILL_VALUE = tint(OKABE_ITO["sky"], 0.35)
FILL_PARTIAL = tint(OKABE_ITO["yellow"], 0.55)
FILL_FINAL = tint(OKABE_ITO["green"], 0.35)
CURRENT = OKABE_ITO["orange"]
FORWARD_FLOW = OKABE_ITO["blue"]
BACKWARD_FLOW = OKABE_ITO["vermillion"]


def new_figure(width: float, height: float) -> Figure:
    """A blank figure of the given size in inches, drawn by Agg."""
    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def figure_png(figure: Figure) -> bytes:
    """The figure as PNG bytes; the figure is cleared afterwards so it holds no memory."""
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    figure.clear()
    return buffer.getvalue()


def node_box(ax: Axes, x: float, y: float, width: float, height: float, lines: list[str], *,
             fill: str, current: bool = False, dashed: bool = False, fontsize: float = 10) -> None:
    """A rounded box at (x, y) holding `lines`, the first in bold (the node's name or op)."""
    ax.add_patch(FancyBboxPatch(
        (x - width / 2, y - height / 2), width, height,
        boxstyle="round,pad=0,rounding_size=0.06", facecolor=fill,
        edgecolor=CURRENT if current else INK, linewidth=3.2 if current else 1.1,
        linestyle="--" if dashed and not current else "-", zorder=3,
    ))
    step = height / (len(lines) + 0.6)
    top = y + step * (len(lines) - 1) / 2
    left, right = ax.get_xlim()
    width_points = width * ax.bbox.width / (right - left) * 72 / ax.figure.dpi
    for k, line in enumerate(lines):
        size = fontsize if k < 3 else fontsize * 0.85
        size = min(size, 0.9 * width_points / (GLYPH_WIDTH * max(len(line), 1)))  # shrink a long line to fit
        ax.text(x, top - k * step, line, ha="center", va="center", zorder=4, color=INK, fontsize=size,
                fontweight="bold" if k == 0 else "normal", family="DejaVu Sans")


def arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], *, colour: str = MUTED,
          width: float = 1.2, bend: float = 0.0, label: str | None = None,
          fontsize: float = 9, style: str = "-") -> None:
    """An arrow from start to end, optionally bent and labelled at its middle."""
    ax.add_patch(FancyArrowPatch(
        start, end, arrowstyle="-|>", mutation_scale=10 + 4 * width, color=colour,
        linewidth=width, linestyle=style, connectionstyle=f"arc3,rad={bend}",
        shrinkA=0, shrinkB=0, zorder=2 if colour == MUTED else 5,
    ))
    if label is not None:
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        # The middle of an arc3 curve sits off the chord by about bend/2 of its length.
        dx, dy = end[0] - start[0], end[1] - start[1]
        mx, my = mx + bend * dy / 2, my - bend * dx / 2
        ax.text(mx, my, label, ha="center", va="center", fontsize=fontsize, color=colour,
                fontweight="bold", zorder=6,
                bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor=colour, linewidth=0.8))


def legend(ax: Axes, swatches: list[tuple[str, str, str]], lines: Sequence[tuple[str, str]] = (),
           *, fontsize: float = 9) -> None:
    """A one-row key under the axes: (fill, edge colour, text) swatches, then (colour, text) lines."""
    handles = [Line2D([], [], marker="s", markersize=11, linestyle="", markerfacecolor=fill,
                      markeredgecolor=edge, markeredgewidth=2.5 if edge == CURRENT else 1, label=text)
               for fill, edge, text in swatches]
    handles += [Line2D([], [], color=colour, linewidth=2.5, label=text) for colour, text in lines]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(handles),
              frameon=False, fontsize=fontsize, handlelength=1.4, columnspacing=1.2)


def bare_axes(figure: Figure, rect: tuple[float, float, float, float] = (0.01, 0.08, 0.98, 0.84)) -> Axes:
    """Axes without ticks or frame, for diagrams drawn in data coordinates."""
    ax = figure.add_axes(rect)
    ax.set_axis_off()
    return ax
