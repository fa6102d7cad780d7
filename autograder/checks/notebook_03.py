"""Hidden-test checks for notebook 03: the table of local derivatives, and backprop through h(x, y).

(Its boxes Add, Mul and Div are checked as notebook 02's are, by `notebook_02.check_box_against`.)
The expected answers come from the reference package; each case goes to the visible check of
`backprop_lab.checks`, which names the mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType

from backprop_lab.cases import h_points, local_derivative_calls
from backprop_lab.checks.notebook_03 import (
    check_h_forward, check_local_derivatives, check_rejects_unknown_op, judge_h_backward,
)
from backprop_lab.checks.compare import CheckFailed, run_quietly

from .replay import boxes_that_ran, entries, outcome_of


# --- The table of local derivatives --------------------------------------------------------------

def check_local_derivatives_against(local_derivatives: Callable, boxes: ModuleType, *, seed: int) -> None:
    """Hidden-test check: every operation at seeded inputs, against the reference boxes' derivatives()."""
    classes = {"add": boxes.Add, "mul": boxes.Mul, "div": boxes.Div}
    *points, ((unknown, *_), _) = local_derivative_calls(seed)
    for (op, x1, x2), _ in points:
        check_local_derivatives(local_derivatives, op, x1, x2, expected=classes[op](x1, x2).derivatives())
    check_rejects_unknown_op(local_derivatives, unknown)
    _check_error_names_known_ops(local_derivatives, unknown, known=tuple(classes))


def _check_error_names_known_ops(local_derivatives: Callable, unknown: str, known: Sequence[str]) -> None:
    """The docstring's word: the ValueError for an unknown op names the operations the table knows."""
    message = str(run_quietly(local_derivatives, unknown, 2.0, 3.0).error)
    missing = [op for op in known if op not in message.lower()]
    if missing:
        raise CheckFailed(
            f"local_derivatives({unknown!r}, 2.0, 3.0) raises ValueError, but its message {message!r} does not "
            f"name {', '.join(repr(op) for op in missing)}.\n"
            f"  The docstring asks for a message naming the operations it knows "
            f"({', '.join(repr(op) for op in known)}), so that a caller sees what to use instead."
        )


# --- h(x, y) = log(xy) + exp(xy), forward and backward -------------------------------------------

def check_h_forward_against(h_forward: Callable, reference: ModuleType, *, seed: int) -> None:
    """Hidden-test check at seeded points, against the reference Scalar engine."""
    for x, y in h_points(seed):
        check_h_forward(h_forward, x, y, expected=reference_h(reference, x, y)[0])


def reference_h(reference: ModuleType, x: float, y: float) -> tuple[float, tuple[float, float]]:
    """h and its gradient from the reference Scalar engine."""
    sx, sy = reference.Scalar(x), reference.Scalar(y)
    a = sx * sy
    h = a.log() + a.exp()
    h.backward()
    return h.value, (sx.grad, sy.grad)


def judge_h_backward_against(results: object, reference: ModuleType, seed: int) -> None:
    """Each point's recorded result and the boxes whose backward ran, against the reference engine's gradient."""
    points = h_points(seed)
    for (x, y), entry in zip(points, entries(results, len(points))):
        expected = reference_h(reference, x, y)[1]
        judge_h_backward(outcome_of(entry.get("result")), boxes_that_ran(entry), x, y, expected)
