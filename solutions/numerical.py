"""Numerical derivatives: the oracle every analytic gradient in the course is checked against."""

from __future__ import annotations

from collections.abc import Callable, Sequence
import math


def _shifted(vals: Sequence[float], arg: int, delta: float) -> list[float]:
    """A copy of `vals` with `vals[arg]` moved by `delta`."""
    if not -len(vals) <= arg < len(vals):
        raise IndexError(f"arg={arg} names no input: the function was given {len(vals)} value(s)")
    moved = list(vals)
    moved[arg] = moved[arg] + delta
    return moved


def central_difference(f: Callable[..., float], *vals: float, arg: int = 0, epsilon: float = 1e-6) -> float:
    """∂f/∂vals[arg] by (f(x + ε) − f(x − ε)) / 2ε: the error shrinks as ε², not ε."""
    upper = f(*_shifted(vals, arg, epsilon))
    lower = f(*_shifted(vals, arg, -epsilon))
    return float((upper - lower) / (2 * epsilon))


def forward_difference(f: Callable[..., float], *vals: float, arg: int = 0, epsilon: float = 1e-6) -> float:
    """∂f/∂vals[arg] by (f(x + ε) − f(x)) / ε: the one-sided estimate, whose error shrinks only as ε."""
    return float((f(*_shifted(vals, arg, epsilon)) - f(*vals)) / epsilon)


def relative_error(a: float, b: float, floor: float = 1e-12) -> float:
    """|a − b| / max(|a|, |b|, floor): scale-free, and finite when both are zero."""
    a, b = float(a), float(b)
    return abs(a - b) / max(abs(a), abs(b), floor)


def order_of_accuracy(epsilons: Sequence[float], errors: Sequence[float]) -> float:
    """The slope p of log(error) against log(ε) by least squares: error ≈ C·ε^p."""
    if len(epsilons) != len(errors) or len(epsilons) < 2:
        raise ValueError("order_of_accuracy needs two or more (epsilon, error) pairs of equal length")
    if any(e <= 0 for e in epsilons) or any(e <= 0 for e in errors):
        raise ValueError("order_of_accuracy needs positive epsilons and errors (it fits a log-log line)")
    xs = [math.log(e) for e in epsilons]
    ys = [math.log(e) for e in errors]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
