"""`EpsilonExplorer`: how the step ε of a finite difference trades truncation for round-off error."""

from __future__ import annotations

from collections.abc import Callable
import math

import ipywidgets as widgets
from matplotlib.figure import Figure
import numpy as np

from . import drawing as d
from .nodes import format_number
from .stepping import PictureView

EPSILONS = np.logspace(-15, -1, 141)  # the grid the curves are drawn on, ten points a decade


def _sweep(f: Callable[[float], float], x: float, epsilons) -> np.ndarray:
    """The table the plot is drawn from: one row per ε, with the forward and the central estimate of f'(x).

    A value of f that cannot be computed (log below 0, say) leaves NaN, a gap in the curve.
    """
    table = np.full((len(epsilons), 2), math.nan)
    with np.errstate(all="ignore"):
        for row, step in enumerate(epsilons):
            try:
                here, right, left = f(x), f(x + step), f(x - step)
            except (ArithmeticError, ValueError):
                continue
            table[row] = (right - here) / step, (right - left) / (step + step)
    return table


def extrapolated_derivative(f: Callable[[float], float], x: float, step: float = 0.1,
                            shrink: float = 1.4, levels: int = 10) -> float:
    """f'(x) to near machine precision: Richardson extrapolation of central differences (Ridders).

    Each row shrinks the step; each column cancels the next even power of the step from the
    error. The estimate whose neighbours agree best wins, before round-off spoils the table.
    """
    step *= max(1.0, abs(x))
    if x != 0:
        step = min(step, abs(x) / 4)  # stay on x's side of 0, where log or sqrt are defined
    previous = [_sweep(f, x, [step])[0, 1]]
    best, best_error = previous[0], math.inf
    for _ in range(1, levels):
        step /= shrink
        row = [_sweep(f, x, [step])[0, 1]]
        factor = shrink**2
        for j in range(1, len(previous) + 1):
            row.append((row[j - 1] * factor - previous[j - 1]) / (factor - 1))
            factor *= shrink**2
            error = max(abs(row[j] - row[j - 1]), abs(row[j] - previous[j - 1]))
            if error <= best_error:
                best, best_error = row[j], error
        if abs(row[-1] - previous[-1]) >= 2 * best_error:  # the table has started to get worse
            break
        previous = row
    return best


def _check_function(f: Callable, x: float) -> float:
    """f(x) as a float, with a clear error when f is not a function of one number."""
    if not callable(f):
        raise TypeError(f"EpsilonExplorer needs a function of one number, got {type(f).__name__}")
    value = f(float(x))
    try:
        return float(value)
    except TypeError:
        raise TypeError(f"EpsilonExplorer needs f(x) to be one number, but f({x}) gave {value!r:.40}") from None


class EpsilonExplorer(PictureView):
    """Slide ε over a log scale and watch the errors of forward and central differences.

    Truncation error shrinks as ε (forward) or ε² (central); round-off grows as 1/ε: a V.
    """

    css_class = "backprop-epsilon"

    def __init__(self, f: Callable[[float], float], x: float, df: Callable[[float], float] | None = None,
                 epsilon: float = 1e-5):
        _check_function(f, x)
        self.f, self.x = f, float(x)
        self.exact = float(df(self.x)) if df is not None else extrapolated_derivative(f, self.x)
        self.exact_source = "df(x)" if df is not None else "Richardson extrapolation"
        self.epsilons = EPSILONS
        self.forward_errors, self.central_errors = np.abs(_sweep(f, self.x, EPSILONS) - self.exact).T
        self._slider = widgets.FloatLogSlider(value=epsilon, base=10, min=-15, max=-1, step=0.1,
                                              description="ε", readout_format=".1e", continuous_update=False,
                                              layout=widgets.Layout(width="520px", max_width="100%"))
        self._slider.observe(lambda _: self.redraw(), names="value")
        super().__init__([self._slider])
        self.redraw()

    @property
    def epsilon(self) -> float:
        return self._slider.value

    @epsilon.setter
    def epsilon(self, value: float) -> None:
        self._slider.value = value

    def estimates(self) -> tuple[float, float]:
        """The forward and central difference estimates of f'(x) at the current ε."""
        forward, central = _sweep(self.f, self.x, [self.epsilon])[0]
        return float(forward), float(central)

    def bottom(self) -> tuple[float, float]:
        """The ε range where the central error stays within 10× of its lowest: the floor of the curve,
        which round-off makes jagged, so its single lowest point says little."""
        errors = self.central_errors
        inside = self.epsilons[errors <= 10 * np.nanmin(errors)]
        return float(inside.min()), float(inside.max())

    def best_epsilon(self) -> float:
        """The middle (on the log scale) of the floor of the central error curve."""
        low, high = self.bottom()
        return math.sqrt(low * high)

    def summary(self) -> str:
        forward, central = self.estimates()
        low, high = self.bottom()
        return (f"EpsilonExplorer at x = {format_number(self.x, 6)}, ε = {self.epsilon:.1e}: "
                f"f'(x) = {self.exact:.12g} (from {self.exact_source})\n"
                f"  forward difference {forward:.12g}, error {abs(forward - self.exact):.2e}\n"
                f"  central difference {central:.12g}, error {abs(central - self.exact):.2e}\n"
                f"  the central error is lowest for ε from {low:.0e} to {high:.0e} (within 10× of its minimum), "
                f"around ε ≈ {self.best_epsilon():.0e}; below that round-off takes over")

    def figure(self) -> Figure:
        fig = d.new_figure(10, 5.2)
        ax = fig.add_axes((0.09, 0.12, 0.6, 0.76))
        shown = {"forward": (self.forward_errors, d.FORWARD_FLOW, "o", "-"),
                 "central": (self.central_errors, d.BACKWARD_FLOW, "s", "--")}
        for name, (errors, colour, marker, style) in shown.items():
            ax.loglog(self.epsilons, np.where(errors > 0, errors, np.nan), style, color=colour, linewidth=1.8,
                      marker=marker, markersize=3, markevery=10, label=f"{name} difference")
        forward, central = self.estimates()
        for estimate, (_, colour, marker, _) in zip((forward, central), shown.values()):
            error = abs(estimate - self.exact)
            if error > 0:
                ax.plot([self.epsilon], [error], marker=marker, markersize=11, color=colour,
                        markeredgecolor=d.INK, zorder=5)
        ax.axvline(self.epsilon, color=d.INK, linestyle=":", linewidth=1.2, label="current ε")
        ax.set_xlabel("step ε (log scale)", fontsize=11)
        ax.set_ylabel("|estimate − f'(x)| (log scale)", fontsize=11)
        ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
        ax.legend(loc="upper center", fontsize=9.5, framealpha=0.95)
        ax.set_title(f"error of the estimates of f'(x) at x = {format_number(self.x)}", fontsize=11.5)
        readout = (f"ε = {self.epsilon:.1e}\n\nexact f'(x)\n  {self.exact:.12g}\n  ({self.exact_source})\n\n"
                   f"forward difference\n  {forward:.12g}\n  error {abs(forward - self.exact):.1e}\n\n"
                   f"central difference\n  {central:.12g}\n  error {abs(central - self.exact):.1e}\n\n"
                   "right of the V: truncation\n  (∝ ε forward, ∝ ε² central)\nleft of it: round-off ∝ 1/ε")
        fig.text(0.72, 0.88, readout, fontsize=10, va="top", family="DejaVu Sans Mono", linespacing=1.25)
        return fig
