"""Hidden-test checks for notebooks 02 and 03: boxes, chains of boxes, and backprop through h(x, y).

`check_<answer>_against(learner, reference, seed=...)` draws inputs from a fixed seed, takes the
expected answers from the reference package, and hands each case to the visible check of
`backprop_lab.checks`, adding the mistakes whose value is another graded cell's reference answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import math
from types import ModuleType

from backprop_lab.cases import box_cases, h_points, local_derivative_calls, random_chains
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
    """Hidden-test check: the box agrees with the reference box on seeded inputs and d_out values."""
    for inputs, d_out in box_cases(reference.__name__, seed, count):
        model = reference(*inputs)
        check_box(
            box_class, *inputs, d_out=d_out, forward=model.forward(), backward=model.backward(d_out),
            rtol=rtol, atol=atol, also_wrong=_lookalikes(box_class, inputs, d_out),
        )


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
    """Hidden-test check on seeded chains of given boxes and seeded d_out values."""
    for chain, x, d_out in random_chains(seed):
        check_chain_backward(chain_backward, chain, x, d_out, expected=_chain_backward(chain, x, d_out),
                             forward=_chain_forward(chain, x), backwards=_chain_backward(chain[::-1], x, d_out))


# --- The table of local derivatives --------------------------------------------------------------

def check_local_derivatives_against(local_derivatives: Callable, boxes: ModuleType, *, seed: int) -> None:
    """Hidden-test check: every operation at seeded inputs, against the reference boxes' derivatives()."""
    classes = {"add": boxes.Add, "mul": boxes.Mul, "div": boxes.Div}
    *points, ((unknown, *_), _) = local_derivative_calls(seed)
    for (op, x1, x2), _ in points:
        check_local_derivatives(local_derivatives, op, x1, x2, expected=classes[op](x1, x2).derivatives())
    check_rejects_unknown_op(local_derivatives, unknown)


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
