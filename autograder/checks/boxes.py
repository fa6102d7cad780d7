"""Hidden-test checks for notebooks 02 and 03: boxes, chains of boxes, and backprop through h(x, y).

`check_<answer>_against(learner, reference, seed=...)` draws inputs from a fixed seed, takes the
expected answers from the reference package, and hands each case to the visible check of
`backprop_lab.checks`, adding the mistakes whose value is another graded cell's reference answer.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
import math
from types import ModuleType

from backprop_lab.cases import box_cases, h_points, local_derivative_calls, random_chains
from backprop_lab.checks.compare import CheckFailed, Outcome, failure_message, is_close, run_quietly
from backprop_lab.checks.boxes import (
    BOX_ATOL,
    BOX_RTOL,
    check_box,
    check_chain_backward,
    check_chain_forward,
    check_h_forward,
    check_local_derivatives,
    check_rejects_unknown_op,
)


# --- Boxes ---------------------------------------------------------------------------------------

# A mistake that gives another graded box's answer, keyed by the class name the notebook asks for.
_LOOKALIKES: dict[str, dict[str, Callable[..., object]]] = {
    "Add": {"product": lambda x, y, d: (y * d, x * d)},
    "Mul": {"sum": lambda x, y, d: (d, d)},
    "BoxG": {"f instead of g": lambda x, d: math.cos(x) * d},
}


def _lookalikes(box_class: type, inputs: Sequence[float], d_out: float) -> dict[str, object]:
    return {name: model(*inputs, d_out) for name, model in _LOOKALIKES.get(getattr(box_class, "__name__", ""), {}).items()}


def check_box_against(
    box_class: type, reference: type, *, seed: int, count: int = 6, rtol: float = BOX_RTOL, atol: float = BOX_ATOL
) -> None:
    """Hidden-test check: the box agrees with the reference box on seeded inputs and d_out values,
    and its backward is the same after its forward has run (the box keeps its input)."""
    for inputs, d_out in box_cases(reference.__name__, seed, count):
        model = reference(*inputs)
        check_box(
            box_class, *inputs, d_out=d_out, forward=model.forward(), backward=model.backward(d_out),
            rtol=rtol, atol=atol, also_wrong=_lookalikes(box_class, inputs, d_out),
        )
        _check_keeps_its_input(box_class, inputs, d_out, model.backward(d_out), rtol, atol)


def _check_keeps_its_input(
    box_class: type, inputs: Sequence[float], d_out: float, expected: object, rtol: float, atol: float
) -> None:
    """backward(d_out) after forward() on the same box: a forward that overwrites the kept input shows here."""

    def forward_then_backward() -> object:
        box = box_class(*inputs)
        box.forward()
        return box.backward(d_out)

    got = run_quietly(forward_then_backward)
    if got.error is None and is_close(got.value, expected, rtol, atol):
        return
    name = getattr(box_class, "__name__", "box")
    built = ", ".join(repr(value) for value in inputs)
    raise CheckFailed(failure_message(
        f"box = {name}({built}); box.forward(); box.backward({d_out!r})", expected, got,
        ["forward() changed what the box keeps: a box must keep its input as it was given, because "
         "backward takes the derivative there (on a fresh box, without forward(), backward was right)"],
    ))


# --- Chains of one-input boxes -------------------------------------------------------------------

def _chain_forward(boxes: Sequence[type], x: float) -> float:
    for box_class in boxes:
        x = box_class(x).forward()
    return x


def _chain_backward(boxes: Sequence[type], x: float, d_out: float = 1.0) -> float:
    built = []
    for box_class in boxes:
        built.append(box_class(x))
        x = built[-1].forward()
    for box in reversed(built):
        d_out = box.backward(d_out)
    return d_out


def check_chain_forward_against(chain_forward: Callable, *, seed: int) -> None:
    """Hidden-test check on seeded chains of boxes the course does not ask for (so a learner's own boxes cannot interfere)."""
    for chain, x, _ in random_chains(seed):
        check_chain_forward(chain_forward, chain, x, expected=_chain_forward(chain, x),
                            backwards=_chain_forward(chain[::-1], x))


def check_chain_backward_against(chain_backward: Callable, *, seed: int) -> None:
    """The numbers of the hidden test, for a function called directly: seeded chains and d_out values."""
    for chain, x, d_out in random_chains(seed):
        _check_one_chain_backward(chain_backward, chain, x, d_out)


def _check_one_chain_backward(chain_backward: Callable, chain: Sequence[type], x: float, d_out: float) -> None:
    check_chain_backward(chain_backward, chain, x, d_out, expected=_chain_backward(chain, x, d_out),
                         forward=_chain_forward(chain, x), backwards=_chain_backward(chain[::-1], x, d_out))


def judge_chain_backward(got: Outcome, ran: Collection[object], chain: Sequence[type], x: float, d_out: float) -> None:
    """Hidden test: chain_backward(chain, x, d_out=d_out) gave `got`, running the backward of the boxes at
    the places `ran` of the chain: the right number, through every box's backward (the docstring's how)."""

    def recorded(*args: object, **kwargs: object) -> object:
        if got.error is not None:
            raise got.error
        return got.value

    recorded.__name__ = "chain_backward"
    _check_one_chain_backward(recorded, chain, x, d_out)
    skipped = [place for place in range(len(chain)) if place not in ran]
    if skipped:
        names = ", ".join(f"{chain[place].__name__} (box {place + 1})" for place in skipped)
        listed = "[" + ", ".join(box.__name__ for box in chain) + "]"
        raise CheckFailed(
            f"chain_backward({listed}, {x!r}, {d_out!r}) gives the right number, "
            f"but the backward of {names} never ran.\n"
            "  Likely mistake: the derivative measured (or written out) for the whole chain. The docstring asks for "
            "the backward pass: build the boxes going forward, then call each box's backward, last to first."
        )


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
