"""Visible-test checks for notebook 03: the table of local derivatives, and backprop through h(x, y).

Test cells call `check_<answer>(learner, ..., expected=...)` on a fixed example whose numbers are
written in the cell; a failure names the likely mistake from known-wrong formulas. (The boxes of 03
are checked by notebook_02's `check_box`.)
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, MutableMapping, Sequence
import math

from ..box_spy import H_BOXES, boxes_spied

from .compare import CheckFailed, Mistakes, NoVerdict, Outcome, check_call, run_quietly
from .notebook_02 import fail_unless_close


# --- The table of local derivatives --------------------------------------------------------------

def _only_for(op: str, model: Callable[[float, float], tuple[float, float]]) -> Callable[..., object]:
    """A mistake model that concerns one operation and has no verdict on the others."""

    def on(asked: str, x1: float, x2: float) -> tuple[float, float]:
        if asked != op:
            raise NoVerdict(f"this mistake concerns {op}, not {asked}")
        return model(x1, x2)

    return on


LOCAL_DERIVATIVE_MISTAKES: Mistakes = {
    "the seeds' mistake is still there: ∂(x1/x2)/∂x2 is −x1/x2², not x1": _only_for("div", lambda a, b: (1 / b, a)),
    "a sign error in the quotient rule: ∂(x1/x2)/∂x2 is −x1/x2², not +x1/x2²": _only_for("div", lambda a, b: (1 / b, a / b**2)),
    "the square is missing: ∂(x1/x2)/∂x2 is −x1/x2², not −x1/x2": _only_for("div", lambda a, b: (1 / b, -a / b)),
    "∂(x1/x2)/∂x1 is 1/x2, not x2": _only_for("div", lambda a, b: (b, -a / b**2)),
    "the product's derivatives are swapped: ∂(x1·x2)/∂x1 is x2 and ∂(x1·x2)/∂x2 is x1": _only_for("mul", lambda a, b: (a, b)),
    "the two derivatives are swapped: return (∂/∂x1, ∂/∂x2)": lambda op, a, b: {
        "add": (1.0, 1.0), "mul": (a, b), "div": (-a / b**2, 1 / b)}[op],
}


def check_local_derivatives(
    local_derivatives: Callable, op: str, x1: float, x2: float, *, expected: Sequence[float]
) -> None:
    """Visible-test check: local_derivatives(op, x1, x2) gives the pair (∂/∂x1, ∂/∂x2) of one operation."""
    check_call(
        local_derivatives, (op, x1, x2), expected=expected, rtol=1e-9, atol=1e-12,
        mistakes=LOCAL_DERIVATIVE_MISTAKES,
    )


def check_rejects_unknown_op(local_derivatives: Callable, op: str = "pow") -> None:
    """The contract's bad-input case: an operation the table does not hold raises ValueError."""
    got = run_quietly(local_derivatives, op, 2.0, 3.0)
    if isinstance(got.error, ValueError):
        return
    came = f"{type(got.error).__name__}: {got.error}" if got.error else f"it returned {got.value!r}"
    raise CheckFailed(
        f"local_derivatives({op!r}, 2.0, 3.0) should raise ValueError, saying which operations it knows;\n"
        f"  instead {came}."
    )


# --- h(x, y) = log(xy) + exp(xy), forward and backward -------------------------------------------

H_FORWARD_MISTAKES: Mistakes = {
    "log base 10 instead of the natural log: use math.log (or np.log)": lambda x, y: math.log10(x * y) + math.exp(x * y),
    "the two branches were multiplied instead of added: h = log(xy) + exp(xy)": lambda x, y: math.log(x * y) * math.exp(x * y),
}


def _h_partials(x: float, y: float) -> tuple[float, float]:
    """The two contributions that reach xy on h's backward pass: through log and through exp."""
    a = x * y
    return 1 / a, math.exp(a)


def _from_log_only(x: float, y: float) -> tuple[float, float]:
    d_log, _ = _h_partials(x, y)
    return y * d_log, x * d_log


def _from_exp_only(x: float, y: float) -> tuple[float, float]:
    _, d_exp = _h_partials(x, y)
    return y * d_exp, x * d_exp


def _swapped(x: float, y: float) -> tuple[float, float]:
    d_log, d_exp = _h_partials(x, y)
    return x * (d_log + d_exp), y * (d_log + d_exp)


def _stopped_at_xy(x: float, y: float) -> tuple[float, float]:
    d_log, d_exp = _h_partials(x, y)
    return d_log + d_exp, d_log + d_exp


def _multiplied_at_xy(x: float, y: float) -> tuple[float, float]:
    d_log, d_exp = _h_partials(x, y)
    return y * d_log * d_exp, x * d_log * d_exp


H_BACKWARD_MISTAKES: Mistakes = {
    "propagated through Mul too early: only the log branch's 1/(xy) had reached xy; "
    "sum both contributions at xy before calling Mul's backward": _from_log_only,
    "a gradient overwritten instead of summed: the exp branch's contribution replaced the log branch's at xy; "
    "add them": _from_exp_only,
    "dh/dx and dh/dy are swapped: ∂(xy)/∂x is y and ∂(xy)/∂y is x, and the pair is (dh/dx, dh/dy)": _swapped,
    "stopped at xy: dh/d(xy) still has to go through Mul's backward": _stopped_at_xy,
    "multiplied the two contributions at xy instead of adding them": _multiplied_at_xy,
}

def check_h_forward(h_forward: Callable, x: float, y: float, *, expected: float) -> None:
    """Visible-test check: h_forward(x, y) = log(xy) + exp(xy) on one fixed point."""
    check_call(h_forward, (x, y), expected=expected, rtol=1e-9, mistakes=H_FORWARD_MISTAKES)


def check_h_backward(
    h_backward: Callable,
    x: float,
    y: float,
    *,
    expected: Sequence[float],
    namespace: MutableMapping[str, object],
    boxes: Mapping[str, type] | None = None,
) -> None:
    """Check h_backward(x, y) and that it ran the backward of every box: Add, Log, Exp and Mul.

    The boxes it finds under those names in `namespace` (the notebook's globals) are swapped for
    recording subclasses during the call: of `boxes` if given (the reference, in hidden tests),
    else of the notebook's own.
    """
    classes = {name: (boxes or namespace).get(name) for name in H_BOXES}
    with boxes_spied(namespace, classes) as calls:
        got = run_quietly(h_backward, x, y)
    judge_h_backward(got, calls, x, y, expected)


def judge_h_backward(got: Outcome, ran: Collection[str], x: float, y: float, expected: Sequence[float]) -> None:
    """h_backward(x, y) gave `got` after running the backward of the boxes named in `ran`: is that right?"""
    what = f"h_backward({x!r}, {y!r})"
    models = {name: run_quietly(model, x, y).value for name, model in H_BACKWARD_MISTAKES.items()}
    fail_unless_close(
        got, expected, what=what, mistakes=models, rtol=1e-7, atol=1e-12,
        shape_hint="Return the pair (dh/dx, dh/dy) as a tuple or list.",
    )
    skipped = [name for name in H_BOXES if name not in ran]
    if skipped:
        raise CheckFailed(
            f"{what} gives the right numbers, but the backward of {', '.join(skipped)} never ran.\n"
            "  Likely mistake: the closed-form formula typed in directly. The exercise is the backward pass "
            "through the boxes: Add, then Log and Exp, their two contributions summed at xy, then Mul."
        )
