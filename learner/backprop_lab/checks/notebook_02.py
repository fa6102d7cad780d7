"""Visible-test checks for notebook 02 (and the boxes of 03): chain-rule boxes and chains of boxes.

Test cells call `check_<answer>(learner, ..., expected=...)` on a fixed example whose numbers are
written in the cell. A failure names the likely mistake from known-wrong formulas, from values the
cell writes down (`also_wrong`: one box's answer is another box's mistake), or by running the
learner's own function again (a chain run backwards).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
import math

from .compare import (
    CheckFailed,
    Mistakes,
    NoVerdict,
    Outcome,
    as_numbers,
    check_call,
    diagnose,
    failure_message,
    is_close,
    run_quietly,
)

BOX_RTOL, BOX_ATOL = 1e-6, 1e-7
"""Loose enough for a derivative measured by a central difference, far tighter than any mistake."""


def fail_unless_close(
    got: Outcome,
    expected: object,
    *,
    what: str,
    mistakes: Mapping[str, object],
    rtol: float = BOX_RTOL,
    atol: float = BOX_ATOL,
    shape_hint: str = "",
) -> None:
    """Raise the teaching message unless `got` is `expected`; `mistakes` maps a mistake to its value.

    `shape_hint` is shown only when the answer holds the wrong number of numbers (one for a pair, say).
    """
    if got.error is None and is_close(got.value, expected, rtol, atol):
        return
    models = {name: Outcome(value=value) for name, value in mistakes.items()}
    likely = diagnose(got, expected, models, rtol, atol)
    found, wanted = as_numbers(got.value), as_numbers(expected)
    shape_hint = shape_hint if got.error is None and (found is None or len(found) != len(wanted or ())) else ""
    raise CheckFailed(failure_message(what, expected, got, likely, shape_hint)) from got.error


def _show(value: object) -> str:
    return getattr(value, "__name__", None) or repr(value)


def _call_text(name: str, *args: object) -> str:
    return f"{name}({', '.join(_show(a) for a in args)})"


# --- Boxes ---------------------------------------------------------------------------------------

# Mistakes particular to one box, keyed by the class name the notebook asks for; each model maps
# (*inputs, d_out) to what the mistaken backward returns.
_BOX_MISTAKES: dict[str, dict[str, Callable[..., object]]] = {
    "Square": {
        "the derivative of x² is 2x: the factor 2 is missing": lambda x, d: x * d,
    },
    "Sine": {
        "the derivative was measured at d_out instead of at the box's input x": lambda x, d: math.cos(d),
        "the derivative was measured at d_out instead of at the box's input x, then multiplied by d_out":
            lambda x, d: math.cos(d) * d,
        "the derivative of cos (−sin x) instead of the derivative of sin (cos x)": lambda x, d: -math.sin(x) * d,
    },
    "BoxG": {
        "the derivative of g(x) = x² is 2x: the factor 2 is missing": lambda x, d: x * d,
    },
    "Div": {
        "the seeds' table's ∂(x1/x2)/∂x2 = x1; it is −x1/x2²": lambda x, y, d: (d / y, x * d),
        "a sign error in the quotient rule: ∂(x/y)/∂y is −x/y², not +x/y²": lambda x, y, d: (d / y, x / y**2 * d),
        "the square is missing: ∂(x/y)/∂y is −x/y², not −x/y": lambda x, y, d: (d / y, -x / y * d),
    },
}

# Mistakes whose value is another graded box's answer: a test cell writes the value (also_wrong).
LOOKALIKES = {
    "product": "the local derivatives of a product (y, x) instead of those of a sum (1, 1)",
    "sum": "the local derivatives of a sum (1, 1) instead of those of a product (y, x)",
    "f instead of g": "differentiating the wrong function: dg takes the central difference of f (sin) instead of "
                      "g (x²), the seeds' bug; cos x and 2x agree only near x ≈ 0.4502, so a test there alone "
                      "would miss it",
}

_PAIR_HINT = "A two-input box's backward returns a pair: (d_out · ∂f/∂x, d_out · ∂f/∂y), in the order of the inputs."


def _backward_mistakes(name: str, inputs: Sequence[float], d_out: float, forward: float, backward: object,
                       also_wrong: Mapping[str, object]) -> dict:
    """Wrong values of box(*inputs).backward(d_out): those the cell gives, this box's own, then any box's."""
    mistakes = {LOOKALIKES.get(mistake, mistake): value for mistake, value in also_wrong.items()}
    for mistake, model in _BOX_MISTAKES.get(name, {}).items():
        try:
            mistakes[mistake] = model(*inputs, d_out)
        except ZeroDivisionError:
            continue
    right = as_numbers(backward) or ()
    if d_out != 0:
        mistakes["backward ignores d_out: return the local derivative times d_out (a missing `* d_out`)"] = tuple(
            r / d_out for r in right
        )
    mistakes["the sign is flipped"] = tuple(-r for r in right)
    mistakes["backward returned d_out as it came: multiply it by the box's local derivative, taken at its input"] = (
        (d_out,) * len(right))
    if len(right) == 2:
        mistakes["the two derivatives are swapped: return (∂/∂x, ∂/∂y) in the order the inputs were given"] = right[::-1]
    else:
        mistakes["backward returned the box's output times d_out instead of its derivative times d_out"] = forward * d_out
        mistakes["backward returned the box's output instead of its derivative"] = forward
    return mistakes


def check_box(
    box_class: type,
    *inputs: float,
    d_out: float,
    forward: float,
    backward: float | Sequence[float],
    rtol: float = BOX_RTOL,
    atol: float = BOX_ATOL,
    also_wrong: Mapping[str, object] | None = None,
) -> None:
    """Visible-test check of one box: box_class(*inputs).forward() and .backward(d_out) on a fixed example.

    `also_wrong` maps a mistake (a key of LOOKALIKES, or a sentence) to the backward it would give here.
    """
    name = getattr(box_class, "__name__", "box")
    built = _call_text(name, *inputs)
    got = run_quietly(lambda: box_class(*inputs).forward())
    fail_unless_close(got, forward, what=f"{built}.forward()", mistakes={}, rtol=rtol, atol=atol)
    got = run_quietly(lambda: box_class(*inputs).backward(d_out))
    fail_unless_close(
        got, backward, what=f"{built}.backward({d_out!r})", rtol=rtol, atol=atol,
        mistakes=_backward_mistakes(name, inputs, d_out, forward, backward, also_wrong or {}),
        shape_hint=_PAIR_HINT if len(inputs) == 2 else "",
    )


# --- Chains of one-input boxes -------------------------------------------------------------------

def _needs_boxes(boxes: Sequence[type]) -> None:
    if len(boxes) < 2:
        raise NoVerdict("a mistake in the order of boxes needs two boxes or more to show")


def _backward_each_at_x(boxes: Sequence[type], x: float, d_out: float = 1.0) -> float:
    _needs_boxes(boxes)
    return math.prod(box_class(x).backward(1.0) for box_class in boxes) * d_out


def _last_box_at_x(boxes: Sequence[type], x: float) -> float:
    _needs_boxes(boxes)
    return boxes[-1](x).forward()


def _first_box_only(boxes: Sequence[type], x: float) -> float:
    _needs_boxes(boxes)
    return boxes[0](x).forward()


def _first_box_gets_d_out(boxes: Sequence[type], x: float, d_out: float = 1.0) -> float:
    _needs_boxes(boxes)
    return boxes[0](x).backward(d_out)


CHAIN_FORWARD_MISTAKES: Mistakes = {
    "every box was given the original x instead of the previous box's output": _last_box_at_x,
    "the loop returns after the first box": _first_box_only,
}

CHAIN_BACKWARD_MISTAKES: Mistakes = {
    "every box's derivative was evaluated at the chain's input x instead of at that box's own input":
        _backward_each_at_x,
    "each box got the original d_out instead of the result of the box after it": _first_box_gets_d_out,
}

RETURNED_FORWARD = "returned the chain's output (the forward pass) instead of its derivative"

RUN_BACKWARDS = "the wrong order: boxes[0] must get x first, and each later box the output of the one before"


def _run_backwards(learner: Callable, expected: float) -> Callable[..., object]:
    """A learner who runs the chain from its end gets `expected` for the reversed chain: so try that."""

    def model(boxes: Sequence[type], x: float, **d_out: float) -> object:
        _needs_boxes(boxes)
        if not run_quietly(lambda: is_close(learner(list(boxes)[::-1], x, **d_out), expected, BOX_RTOL, BOX_ATOL)).value:
            raise NoVerdict("the reversed chain does not give the expected value either")
        return learner(boxes, x, **d_out)

    return model


def _chain_text(name: str, boxes: Sequence[type], *args: object) -> str:
    listed = "[" + ", ".join(_show(b) for b in boxes) + "]"
    return f"{name}({', '.join([listed, *(repr(a) for a in args)])})"


def _wrong_order(learner: Callable, expected: float, backwards: float | None) -> Callable[..., object]:
    """The chain run from its end: `backwards` when the caller knows it (hidden tests), else the learner's own run."""
    if backwards is None:
        return _run_backwards(learner, expected)
    return lambda *args, **kwargs: backwards


def check_chain_forward(chain_forward: Callable, boxes: Sequence[type], x: float, *, expected: float,
                        backwards: float | None = None) -> None:
    """Visible-test check: chain_forward(boxes, x) on one fixed chain (`backwards`: its value run from the end)."""
    mistakes = {RUN_BACKWARDS: _wrong_order(chain_forward, expected, backwards), **CHAIN_FORWARD_MISTAKES}
    check_call(
        chain_forward, (boxes, x), expected=expected, rtol=BOX_RTOL, atol=BOX_ATOL,
        mistakes=mistakes, what=_chain_text("chain_forward", boxes, x),
    )


def check_chain_backward(
    chain_backward: Callable, boxes: Sequence[type], x: float, d_out: float = 1.0, *, expected: float,
    forward: float | None = None, backwards: float | None = None,
) -> None:
    """Visible-test check: chain_backward(boxes, x, d_out=d_out) on one fixed chain.

    `forward`, the chain's output here (written in the cell), names an answer that returned it;
    `backwards`, the derivative of the chain run from its end, one that ran it the wrong way round.
    """
    mistakes = {
        "the wrong order on the forward pass: " + RUN_BACKWARDS.removeprefix("the wrong order: "):
            _wrong_order(chain_backward, expected, backwards),
        **CHAIN_BACKWARD_MISTAKES,
    }
    if d_out != 0:
        mistakes["d_out is ignored: the backward pass must start from d_out, not from 1 (a missing `* d_out`)"] = (
            lambda *args, **kwargs: expected / d_out)
    if forward is not None:
        mistakes[RETURNED_FORWARD] = lambda *args, **kwargs: forward
    check_call(
        chain_backward, (boxes, x), {"d_out": d_out}, expected=expected, rtol=BOX_RTOL, atol=BOX_ATOL,
        mistakes=mistakes, what=_chain_text("chain_backward", boxes, x, d_out),
    )
