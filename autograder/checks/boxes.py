"""Hidden-test checks for notebooks 02 and 03: boxes, chains of boxes, and backprop through h(x, y).

`check_<answer>_against(learner, reference, seed=...)` draws inputs from a fixed seed, takes the
expected answers from the reference package, and hands each case to the visible check of
`backprop_lab.checks`, adding the mistakes whose value is another graded cell's reference answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping, Sequence
import inspect
import math
from types import ModuleType

from backprop_lab.checks.boxes import (
    BOX_ATOL,
    BOX_RTOL,
    H_BOXES,
    check_box,
    check_chain_backward,
    check_chain_forward,
    check_h_backward,
    check_h_forward,
    check_local_derivatives,
    check_rejects_unknown_op,
)

from .compare import seeded_rng


# --- Boxes ---------------------------------------------------------------------------------------

# A mistake that gives another graded box's answer, keyed by the class name the notebook asks for.
_LOOKALIKES: dict[str, dict[str, Callable[..., object]]] = {
    "Add": {"product": lambda x, y, d: (y * d, x * d)},
    "Mul": {"sum": lambda x, y, d: (d, d)},
    "BoxG": {"f instead of g": lambda x, d: math.cos(x) * d},
}


def _lookalikes(box_class: type, inputs: Sequence[float], d_out: float) -> dict[str, object]:
    return {name: model(*inputs, d_out) for name, model in _LOOKALIKES.get(getattr(box_class, "__name__", ""), {}).items()}


def _box_inputs(reference: type, rng) -> tuple[float, ...]:
    """Random inputs inside the box's domain, rounded so that messages stay readable."""
    arity = len(inspect.signature(reference).parameters)
    values = rng.uniform(-3.0, 3.0, arity)
    if reference.__name__ == "Log":
        values = abs(values) + 0.2
    if reference.__name__ == "Div":
        values[1] = math.copysign(abs(values[1]) + 0.5, values[1])
    return tuple(round(float(v), 3) for v in values)


def check_box_against(
    box_class: type, reference: type, *, seed: int, count: int = 6, rtol: float = BOX_RTOL, atol: float = BOX_ATOL
) -> None:
    """Hidden-test check: the box agrees with the reference box on seeded inputs and d_out values."""
    rng = seeded_rng(seed)
    for i in range(count):
        inputs = _box_inputs(reference, rng)
        d_out = 1.0 if i == 0 else round(float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.5)), 3)
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


_CHAIN_BOXES = ("Square", "Sine", "Cosine", "Exp", "Tanh", "Sigmoid", "Neg")


def _random_chains(boxes: ModuleType, seed: int) -> Iterator[tuple[Sequence[type], float, float]]:
    """An empty chain, one whose order always shows, then seeded chains of 1 to 4 reference boxes.

    Random chains can hide order mistakes (one box, a box repeated, Neg and Sine commute), so the
    fixed chain comes first, at a seeded x and d_out ≠ 1, to catch those on every seed.
    """
    rng = seeded_rng(seed)
    yield [], 0.7, 1.5
    yield [boxes.Square, boxes.Exp, boxes.Sine], round(float(rng.uniform(0.3, 1.2)), 3), 1.5
    for i in range(8):
        names = rng.choice(_CHAIN_BOXES, size=int(rng.integers(1, 5)))
        chain = [getattr(boxes, str(name)) for name in names]
        x = round(float(rng.uniform(-1.2, 1.2)), 3)
        d_out = 1.0 if i % 2 else round(float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.0)), 3)
        yield (tuple(chain) if i % 3 == 0 else chain), x, d_out


def check_chain_forward_against(chain_forward: Callable, boxes: ModuleType, *, seed: int) -> None:
    """Hidden-test check on seeded chains of the reference boxes (so a learner's own boxes cannot interfere)."""
    for chain, x, _ in _random_chains(boxes, seed):
        check_chain_forward(chain_forward, chain, x, expected=_chain_forward(chain, x))


def check_chain_backward_against(chain_backward: Callable, boxes: ModuleType, *, seed: int) -> None:
    """Hidden-test check on seeded chains of the reference boxes and seeded d_out values."""
    for chain, x, d_out in _random_chains(boxes, seed):
        check_chain_backward(chain_backward, chain, x, d_out, expected=_chain_backward(chain, x, d_out),
                             forward=_chain_forward(chain, x))


# --- The table of local derivatives --------------------------------------------------------------

def check_local_derivatives_against(local_derivatives: Callable, boxes: ModuleType, *, seed: int) -> None:
    """Hidden-test check: every operation at seeded inputs, against the reference boxes' derivatives()."""
    rng = seeded_rng(seed)
    for _ in range(3):
        for op, box_class in (("add", boxes.Add), ("mul", boxes.Mul), ("div", boxes.Div)):
            x1, x2 = _box_inputs(boxes.Div, rng)
            check_local_derivatives(local_derivatives, op, x1, x2, expected=box_class(x1, x2).derivatives())
    check_rejects_unknown_op(local_derivatives)


# --- h(x, y) = log(xy) + exp(xy), forward and backward -------------------------------------------

def check_h_forward_against(h_forward: Callable, reference: ModuleType, *, seed: int) -> None:
    """Hidden-test check at seeded points, against the reference Scalar engine."""
    for x, y in _h_points(seed):
        check_h_forward(h_forward, x, y, expected=_reference_h(reference, x, y)[0])


def _h_points(seed: int) -> list[tuple[float, float]]:
    """Seeded points with x·y in a range where log and exp are both well behaved."""
    rng = seeded_rng(seed)
    return [tuple(round(float(v), 3) for v in rng.uniform(0.3, 1.8, 2)) for _ in range(5)]


def _reference_h(reference: ModuleType, x: float, y: float) -> tuple[float, tuple[float, float]]:
    """h and its gradient from the reference Scalar engine."""
    sx, sy = reference.Scalar(x), reference.Scalar(y)
    a = sx * sy
    h = a.log() + a.exp()
    h.backward()
    return h.value, (sx.grad, sy.grad)


def check_h_backward_against(
    h_backward: Callable, namespace: MutableMapping[str, object], reference: ModuleType, *, seed: int
) -> None:
    """Hidden-test check at seeded points, with the reference boxes (recorded) standing in for the learner's."""
    boxes = {name: getattr(reference.boxes, name) for name in H_BOXES}
    for x, y in _h_points(seed):
        check_h_backward(h_backward, x, y, expected=_reference_h(reference, x, y)[1], namespace=namespace, boxes=boxes)
