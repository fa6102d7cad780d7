"""`BroadcastView`: two shapes aligned from the right, their broadcast, and where gradients sum."""

from __future__ import annotations

import ast
from collections.abc import Sequence
import numbers

import ipywidgets as widgets
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from . import drawing as d
from .stepping import PictureView

CONFLICT_FILL = d.tint(d.OKABE_ITO["vermillion"], 0.3)


def as_shape(shape: object, name: str) -> tuple[int, ...]:
    """A shape as a tuple of sizes (an int n means (n,)); TypeError or ValueError when it is not one."""
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    if isinstance(shape, str) or not isinstance(shape, Sequence):
        raise TypeError(f"{name} must be a shape such as (3, 1) or [4], got {type(shape).__name__} {shape!r:.40}")
    if not all(isinstance(size, numbers.Integral) and not isinstance(size, bool) for size in shape):
        raise TypeError(f"{name} must hold whole numbers, got {tuple(shape)!r:.60}")
    if any(size < 0 for size in shape):
        raise ValueError(f"{name} cannot have a negative size: {tuple(shape)!r:.60}")
    return tuple(int(size) for size in shape)


def broadcast_result(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...] | None, str | None]:
    """(result shape, None), or (None, why) when the shapes clash: sizes must match or one be 1."""
    n = max(len(a), len(b))
    result = []
    for axis in range(-n, 0):
        sa = a[axis] if -axis <= len(a) else 1
        sb = b[axis] if -axis <= len(b) else 1
        if sa != sb and 1 not in (sa, sb):
            return None, (f"a {a} and b {b} do not broadcast: at axis {axis} (counting from the right) "
                          f"a has {sa} and b has {sb}; sizes line up only when equal or when one is 1")
        result.append(sb if sa == 1 else sa)
    return tuple(result), None


def summed_axes(shape: tuple[int, ...], result: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Axes of `result` an input's gradient sums over: (added on the left, dropped; stretched from 1, kept)."""
    added = len(result) - len(shape)
    stretched = tuple(added + k for k, size in enumerate(shape) if size == 1 and result[added + k] != 1)
    return tuple(range(added)), stretched


def _parse(text: str) -> object:
    """A shape typed in a text box, like '3, 1' or '(4,)'."""
    try:
        return ast.literal_eval(text.strip() if "," in text or not text.strip() else f"({text.strip()},)")
    except (ValueError, SyntaxError):
        raise ValueError(f"could not read {text!r} as a shape: type sizes separated by commas, e.g. 3, 1")


class BroadcastView(PictureView):
    """Shows how shapes a and b line up from the right, their result, and where each gradient sums.

    The two text boxes take new shapes; shapes that do not broadcast are shown with the clash marked.
    """

    css_class = "backprop-broadcast"

    def __init__(self, shape_a: Sequence[int], shape_b: Sequence[int]):
        self.shape_a, self.shape_b = as_shape(shape_a, "shape_a"), as_shape(shape_b, "shape_b")
        self.typing_error: str | None = None
        self._inputs = [widgets.Text(value=", ".join(map(str, shape)) + ("," if len(shape) == 1 else ""),
                                     description=f"shape {name}", continuous_update=False,
                                     layout=widgets.Layout(width="240px"))
                        for name, shape in (("a", self.shape_a), ("b", self.shape_b))]
        for box in self._inputs:
            box.observe(lambda _: self._on_typed(), names="value")
        super().__init__([widgets.HBox(self._inputs, layout=widgets.Layout(flex_flow="row wrap"))])
        self._update()

    def _on_typed(self) -> None:
        try:
            shapes = [as_shape(_parse(box.value), f"shape {name}") for box, name in zip(self._inputs, "ab")]
        except (TypeError, ValueError) as err:
            self.typing_error = str(err)
        else:
            self.typing_error = None
            self.shape_a, self.shape_b = shapes
        self._update()

    def _update(self) -> None:
        self.result_shape, self.problem = broadcast_result(self.shape_a, self.shape_b)
        self.redraw()

    def gradient_axes(self, which: str) -> tuple[int, ...]:
        """The result axes the gradient of input `which` ('a' or 'b') is summed over."""
        if self.result_shape is None:
            raise ValueError(self.problem)
        added, stretched = summed_axes(self.shape_a if which == "a" else self.shape_b, self.result_shape)
        return added + stretched

    def _gradient_text(self, which: str) -> str:
        shape = self.shape_a if which == "a" else self.shape_b
        added, stretched = summed_axes(shape, self.result_shape)
        if not added and not stretched:
            return f"gradient of {which}: no sum needed, it already has shape {shape}"
        parts = ([f"drop axes {added} (added on the left)"] if added else []) + (
            [f"keep axes {stretched} as size 1 (stretched from 1)"] if stretched else [])
        return f"gradient of {which}: sum over axes {added + stretched}: {' and '.join(parts)} → shape {shape}"

    def summary(self) -> str:
        lines = [f"(the shape typed is not used: {self.typing_error})"] if self.typing_error else []
        if self.result_shape is None:
            return "\n".join(lines + [f"BroadcastView: {self.problem}"])
        lines.append(f"BroadcastView: a {self.shape_a} and b {self.shape_b} broadcast to {self.result_shape}")
        return "\n".join(lines + [f"  {self._gradient_text(w)}" for w in "ab"])

    def _cells(self, shape: tuple[int, ...], other: tuple[int, ...], n: int) -> list[tuple[str, str, bool]]:
        """(text, fill, dashed) per aligned axis for one input's row."""
        cells = []
        for axis in range(-n, 0):
            mine = shape[axis] if -axis <= len(shape) else None
            theirs = other[axis] if -axis <= len(other) else 1
            target = self.result_shape[axis] if self.result_shape else None
            if mine is None:
                cells.append((f"– → {target}" if target is not None else "–", d.FILL_PARTIAL, True))
            elif mine != theirs and 1 not in (mine, theirs):
                cells.append((str(mine), CONFLICT_FILL, False))
            elif target is not None and mine != target:
                cells.append((f"1 → {target}", d.FILL_PARTIAL, False))
            else:
                cells.append((str(mine), d.FILL_EMPTY, False))
        return cells

    def figure(self) -> Figure:
        a, b, result = self.shape_a, self.shape_b, self.result_shape
        n = max(len(a), len(b), 1)
        fig = d.new_figure(max(10.0, 2.0 + 1.2 * n + 5.0), 3.4)
        ax = d.bare_axes(fig, (0.0, 0.14, 1.0, 0.72))
        width = fig.get_figwidth()
        ax.set_xlim(0, width)
        ax.set_ylim(-0.3, 3.2)
        rows = [("a", a, self._cells(a, b, n)), ("b", b, self._cells(b, a, n))]
        result_cells = [(str(size), d.FILL_FINAL, False) for size in result] if result else [
            ("✗" if cell[1] == CONFLICT_FILL else "", CONFLICT_FILL if cell[1] == CONFLICT_FILL else d.FILL_EMPTY, False)
            for cell in rows[0][2]]
        rows.append(("a + b" if result else "no result", result, result_cells))
        for k in range(n):
            ax.text(2.0 + 1.2 * k + 0.55, 3.0, f"axis {k} ({k - n})", ha="center", fontsize=9.5, color=d.MUTED)
        for r, (name, shape, cells) in enumerate(rows):
            y = 2.3 - r * 0.95
            ax.text(0.15, y, f"{name}", fontsize=11, fontweight="bold", va="center")
            ax.text(0.15, y - 0.3, f"{shape}" if shape is not None else "", fontsize=9.5, va="center", color=d.INK)
            for k, (text, fill, dashed) in enumerate(cells):
                x = 2.0 + 1.2 * k
                ax.add_patch(FancyBboxPatch((x, y - 0.35), 1.1, 0.7, boxstyle="round,pad=0,rounding_size=0.08",
                                            facecolor=fill, edgecolor=d.BACKWARD_FLOW if fill == CONFLICT_FILL else d.INK,
                                            linewidth=2.4 if fill == CONFLICT_FILL else 1.0,
                                            linestyle="--" if dashed else "-"))
                ax.text(x + 0.55, y, text, ha="center", va="center", fontsize=11)
            if result and r < 2:
                ax.text(2.0 + 1.2 * n + 0.3, y, self._gradient_text(name).replace(": sum", ":\nsum", 1)
                        .replace(": drop", ":\ndrop", 1).replace(": keep", ":\nkeep", 1),
                        fontsize=9.5, va="center", linespacing=1.3)
        title = ("the shapes aligned from the right, and where each gradient sums" if result
                 else self.problem)
        fig.suptitle(title, fontsize=10.5, x=0.01, ha="left", y=0.97, wrap=True,
                     color=d.INK if result else d.BACKWARD_FLOW)
        d.legend(ax, [(d.FILL_EMPTY, d.INK, "size kept"), (d.FILL_PARTIAL, d.INK, "stretched or added: summed back"),
                      (d.FILL_FINAL, d.INK, "result"), (CONFLICT_FILL, d.BACKWARD_FLOW, "sizes clash")], fontsize=9.5)
        return fig
